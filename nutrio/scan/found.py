"""What a scan found, as values: a device table to write, or a server to monitor.

Every scanner (USB, SNMP, NUT servers, serial ports) turns what it saw into
:class:`Found` entries; nutrio/scan/render.py writes them as nutrio.toml tables
or ups.conf sections. ``notes`` become comment lines above the table: what was
seen, and the alternatives a user may want instead (another driver, another
subdriver). A device that nutrio has no driver for yet is still reported, with
its table commented out, so the output always loads as it is.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

__all__ = ["Found", "MonitorEntry", "Source", "name_devices"]

Source = Literal["usb", "snmp", "nut", "serial"]


@dataclass(frozen=True, slots=True, kw_only=True)
class MonitorEntry:
    """One ``[[monitor.ups]]`` entry (upsmon.conf MONITOR) for a UPS on a NUT server."""

    system: str  # ups@host:port
    powervalue: int = 1
    user: str = "monuser"
    password: str = "secret"
    role: Literal["primary", "secondary"] = "secondary"


@dataclass(frozen=True, slots=True, kw_only=True)
class Found:
    """One device: the driver and port nutrio would use, its options, and notes.

    ``options`` keep their order (match keys first, as nut-scanner prints them).
    An empty ``driver``: nothing usable answered there; only the notes are written.
    ``driven`` False: no nutrio driver takes it yet; the table is written
    commented out. ``monitor`` is set for a UPS seen on a NUT server, which can
    be written as a repeater device or as a monitor entry.
    """

    source: Source
    driver: str
    port: str
    options: tuple[tuple[str, str], ...] = ()
    desc: str = ""
    notes: tuple[str, ...] = ()
    driven: bool = True
    name_hint: str = ""
    monitor: MonitorEntry | None = None

    def option(self, key: str) -> str | None:
        return next((v for k, v in self.options if k == key), None)


def name_devices(found: Iterable[Found]) -> list[tuple[str, Found]]:
    """A unique table name for each device: its hint when it has one, else nutdevN
    (nut-scanner's names, so the two outputs read alike)."""
    out: list[tuple[str, Found]] = []
    taken: set[str] = set()
    for item in found:
        base = _clean(item.name_hint)
        name, number = base, 0
        while not name or name in taken:
            number += 1
            name = f"{base}-{number}" if base else f"nutdev{number}"
        taken.add(name)
        out.append((name, item))
    return out


def _clean(hint: str) -> str:
    """A UPS name nutrio accepts: letters, digits and ``. _ + -``, a letter or digit first."""
    kept = "".join(c if c.isascii() and (c.isalnum() or c in "._+-") else "-" for c in hint)
    kept = kept.strip("-._+")
    return "" if kept.lower() == "default" else kept
