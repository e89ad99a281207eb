"""Writing scan results: nutrio.toml tables (the default) or ups.conf sections.

TOML: one ``[devices.NAME]`` table per device, its notes as comments above it;
a UPS found on a NUT server is a repeater device, or with ``nut_as="monitor"``
a ``[[monitor.ups]]`` entry. ups.conf: nut-scanner's ``-N`` layout (a
``[NAME]`` section, tab-indented ``key = "value"`` lines); monitor entries
become upsmon.conf MONITOR lines. A device nutrio cannot drive yet is written
with every line commented out, so the output always loads unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Literal

from nutrio.conf.nut.exporter import nut_word
from nutrio.scan.found import Found, name_devices

__all__ = ["Format", "NutAs", "render"]

Format = Literal["toml", "ups.conf"]
NutAs = Literal["repeater", "monitor"]


def render(found: Sequence[Found], fmt: Format = "toml", *, nut_as: NutAs = "repeater") -> str:
    """The text for *found*; an empty scan gives a one-line comment."""
    if not found:
        return "# nutrio scan: nothing found\n"
    blocks = []
    for name, item in name_devices(found):
        if not item.driver:
            blocks.append("\n".join(f"# {note}" for note in item.notes))
            continue
        as_monitor = nut_as == "monitor" and item.monitor is not None
        if fmt == "toml":
            body = _toml_monitor(item) if as_monitor else _toml_device(name, item)
        else:
            body = _upsmon_line(item) if as_monitor else _ups_conf(name, item)
        if not item.driven:
            body = [f"# {line}" if line else line for line in body]
        blocks.append("\n".join([*(f"# {note}" for note in item.notes), *body]))
    return "\n\n".join(blocks) + "\n"


def _toml_device(name: str, item: Found) -> list[str]:
    lines = [f"[devices.{name}]", f"driver = {_toml(item.driver)}", f"port = {_toml(item.port)}"]
    if item.desc:
        lines.append(f"desc = {_toml(item.desc)}")
    lines += [f"{_toml_key(key)} = {_toml(value)}" for key, value in item.options]
    return lines


def _toml_monitor(item: Found) -> list[str]:
    entry = item.monitor
    assert entry is not None
    return ["[[monitor.ups]]", f"system = {_toml(entry.system)}",
            f"powervalue = {entry.powervalue}", f"user = {_toml(entry.user)}",
            f"password = {_toml(entry.password)}", f"role = {_toml(entry.role)}"]


def _ups_conf(name: str, item: Found) -> list[str]:
    pairs: Iterable[tuple[str, str]] = [("driver", item.driver), ("port", item.port)]
    if item.desc:
        pairs = [*pairs, ("desc", item.desc)]
    return [f"[{name}]", *(f"\t{key} = {_quoted(value)}" for key, value in
                          [*pairs, *item.options])]


def _upsmon_line(item: Found) -> list[str]:
    entry = item.monitor
    assert entry is not None
    words = [entry.system, str(entry.powervalue), entry.user, entry.password, entry.role]
    return ["MONITOR " + " ".join(nut_word(w) for w in words)]


def _quoted(value: str) -> str:
    """Always in double quotes, as nut-scanner writes values."""
    word = nut_word(value)
    return word if word.startswith('"') else f'"{word}"'


def _toml(text: str) -> str:
    # JSON's escapes are TOML's; characters past U+FFFF stay raw (TOML has no surrogates)
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _toml_key(key: str) -> str:
    bare = key.replace("_", "").replace("-", "").isalnum() and key.isascii()
    return key if bare else _toml(key)
