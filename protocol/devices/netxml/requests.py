"""What netxml-ups 2.8.0 posts to the card: SET_OBJECT forms (SET VAR, killpower)."""

from __future__ import annotations

from collections.abc import Iterable

from nutrio.protocol.devices.netxml.table import nut_to_xml

__all__ = ["FORM_CONTENT_TYPE", "SET_OBJECT_PATH", "set_object_form"]

_BOUNDARY = "NUT-NETXML-UPS-OBJECTS"
FORM_CONTENT_TYPE = f"multipart/form-data; boundary={_BOUNDARY}"
#: NUT posts every SET_OBJECT here, whatever the product page names
SET_OBJECT_PATH = "/Forms/set_obj_2"


def set_object_form(objects: Iterable[tuple[str, str]]) -> bytes:
    """The multipart form of a SET_OBJECT request: one OBJECT per (NUT variable, value)
    whose card object is known (values go as they are, unescaped, as NUT sends them)."""
    lines = ["<?xml version=\"1.0\" encoding=\"UTF-8\"?>", "<SET_OBJECT>"]
    for name, value in objects:
        xml = nut_to_xml(name)
        if xml is not None:
            lines.append(f"  <OBJECT name=\"{xml}\">{value}</OBJECT>")
    lines.append("</SET_OBJECT>")
    head = [f"--{_BOUNDARY}",
            'Content-Disposition: form-data; name="file"; filename="Configuration.xml"',
            "Content-Type: application/octet-stream", ""]
    return "".join(f"{line}\r\n" for line in [*head, *lines, f"--{_BOUNDARY}--"]).encode()

