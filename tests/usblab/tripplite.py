"""An older Tripp Lite UPS on the lab's USB bus, speaking Tripp Lite's own protocol.

Facts from NUT 2.8.0's drivers/tripplite_usb.c: the unit shows a HID
interface (the usbhid kernel driver binds it) but is no HID Power Device.
Each message comes as an 8-byte HID SET_REPORT on the control pipe (0x21
0x09): ``:``, the command letter and its bytes, a checksum, CR; the reply
is 8 bytes on the interrupt endpoint 0x81, starting with the letter that
was sent. The unit never says "nothing new" on that endpoint: every read
returns its current reply, and a command it does not know leaves the
previous reply there (so the driver reads, sees the wrong letter and
sends again).

:class:`TrippUps` is the UPS (answers from a :class:`TrippUnit` of
tests/usblab/tripplite_units.py), :class:`TrippUsbUps` its USB side.
Tests steer it with :meth:`TrippUps.on_battery`, :meth:`low_battery`,
:meth:`on_line` and ``mode`` = "normal" | "silent" (no reply at all) |
"garbage" (random bytes). ``received`` keeps every report, in order.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from tests.usblab.models import Endpoint, Interface, Setup, UsbError, UsbModel
from tests.usblab.tripplite_units import TrippUnit
from tests.usblab.wire import UsbStatus

__all__ = ["TrippUps", "TrippUsbUps", "plug_unit"]

VENDOR, PRODUCT = 0x09AE, 0x0001
#: commands that read something; the others act (and are what `commands()` lists)
QUERIES = frozenset(b"\0WSPFVUBDMTL")


@dataclass
class TrippUps:
    """The UPS (see the module comment); change fields freely between polls."""

    unit: TrippUnit
    mode: str = "normal"
    answers: dict[str, bytes] = field(default_factory=dict)
    received: list[bytes] = field(default_factory=list)
    reply: bytes | None = None
    random: random.Random = field(default_factory=lambda: random.Random(5))

    def __post_init__(self) -> None:
        self.on_line()

    def on_line(self) -> None:
        self.answers = dict(self.unit.answers)

    def on_battery(self) -> None:
        self.answers = {**self.unit.answers, **self.unit.on_battery}

    def low_battery(self) -> None:
        self.answers = {**self.unit.answers, **self.unit.low_battery}

    def commands(self) -> list[bytes]:
        """Received reports that act (switch, delay, test, shutdown, set the id)."""
        return [r for r in self.received if r[1] not in QUERIES]

    def take(self, report: bytes) -> None:
        """One SET_REPORT: the reply it leaves waiting (or the previous one stays)."""
        self.received.append(report)
        if self.mode == "silent" or len(report) < 3 or report[0] != ord(":"):
            return
        command = report[1]
        if self.mode == "garbage":  # never a reply to this command: its letter is not first
            junk = bytes(self.random.randrange(256) for _ in range(8))
            self.reply = bytes([(command + 1 + junk[0] % 255) % 256]) + junk[1:]
            return
        if command == 0:  # the protocol query: two NULs (the checksum FF over the second)
            body = self.unit.protocol.to_bytes(2, "big") + b"XXXX\r"
        else:
            body = self.answers.get(chr(command))  # type: ignore[assignment]
            if body is None:
                return  # unknown here: the last reply is read again
        self.reply = (bytes([command]) + body).ljust(8, b"\0")[:8]

    def read(self) -> bytes | None:
        return None if self.mode == "silent" else self.reply


class TrippUsbUps(UsbModel):
    """The UPS's USB side (see the module comment)."""

    def __init__(self, ups: TrippUps, **identity: object) -> None:
        unit = ups.unit
        identity.setdefault("strings", {1: unit.vendor, 2: unit.product})
        identity.setdefault("interfaces", (Interface(endpoints=(Endpoint(0x81, interval=10),)),))
        super().__init__(VENDOR, PRODUCT, **identity)  # type: ignore[arg-type]
        self.ups = ups

    def class_request(self, setup: Setup, data: bytes) -> bytes | int:
        if (setup.request_type, setup.request) != (0x21, 0x09):
            raise UsbError(UsbStatus.PIPE)
        self.ups.take(bytes(data))
        return len(data)

    def read(self, endpoint: int, length: int) -> bytes | None:
        reply = self.ups.read()
        return None if reply is None else reply[:length]


def plug_unit(lab: object, unit: TrippUnit) -> tuple[TrippUps, object]:
    """A fresh UPS of ``unit`` plugged into ``lab``; (the UPS, the plugged device)."""
    ups = TrippUps(unit)
    return ups, lab.plug(TrippUsbUps(ups))  # type: ignore[attr-defined]
