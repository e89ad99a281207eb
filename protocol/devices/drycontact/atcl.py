"""'ATCL FOR UPS' USB interfaces (0001:0000), as NUT 2.8.0's nutdrv_atcl_usb 1.16.

Each poll reads one 8-byte packet from the interrupt endpoint 0x81 (5 s); anything
but 8 bytes is a failed update. Byte 0 is the state: 3 on line, 1 on battery, 2 on
battery with a low battery (NUT sets LB before OB, so it serves "LB OB"); any other
value leaves the status empty and is logged. The shutdown is one 8-byte packet
(01 00 ... 00) sent twice, 170 ms apart, on the interrupt endpoint 0x02.

The id 0001:0000 is shared with other makers' bridges, so the unit must also name
itself 'ATCL FOR UPS' (its manufacturer string), or what the ``vendor`` option says
(``vendor = NULL`` for a unit without a manufacturer string).
"""

from __future__ import annotations

__all__ = ["SHUTDOWN", "STATUS_SIZE", "USB_ID", "VENDOR", "odd_padding", "status_words",
           "vendor_matches"]

USB_ID = (0x0001, 0x0000)
VENDOR = "ATCL FOR UPS"
STATUS_SIZE = 8
SHUTDOWN = bytes([0x01]) + bytes(7)
_WORDS = {3: ("OL",), 2: ("LB", "OB"), 1: ("OB",)}


def status_words(data: bytes) -> tuple[str, ...] | None:
    """ups.status words of one packet: None when it is not 8 bytes long, () for a state
    byte NUT does not know."""
    if len(data) != STATUS_SIZE:
        return None
    return _WORDS.get(data[0], ())


def odd_padding(data: bytes) -> bool:
    """NUT's notice "bytes 1-7 are not all zero": its check (a C string length) only
    looks at byte 1."""
    return len(data) > 1 and data[1] != 0


def vendor_matches(vendor: str | None, requested: str | None) -> bool:
    """NUT's matcher on the manufacturer string (ids already match)."""
    if vendor is None:
        return requested == "NULL"
    return vendor == VENDOR or vendor == requested
