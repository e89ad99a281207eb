"""A PowerCom-protocol UPS on a pseudo-terminal, shaped after the powercom dumps.

The unit hears single bytes at 1200 baud: 0x01 asks for its frame (11 or
16 bytes), 0x03 starts a battery test (TEST in the second status byte
until the next change the test makes), 0xB9 0xBC or 0xBA start a shutdown
followed by its delay bytes (``delay_bytes`` of them: 2 where the type
sends minutes). ``received`` keeps each request (a shutdown with its
delay); :meth:`commands` all but the frame requests. ``mode`` = "normal" |
"silent" | "garbage" (a frame failing its checks) | "partial" (half a
frame). Tests move the unit with :meth:`on_battery`, :meth:`low_battery`,
:meth:`on_line`, :meth:`avr`.

The byte layout is NUT 2.8.0's powercom (load, battery, input and output
voltage, input frequency, version, output frequency, -, -, status A and B,
family letter, model/line voltage nibbles, -, -, inverter byte); the values
make about what the dumps in ../shared/data/ddl/ show (KIN-1500AP, BNT-1000AP,
IMP-625AP, a Trust unit, the ULT33046 read as BNT-other).
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field

from sim.linespeed import heard
from sim.pty import PtyPair, serving

__all__ = ["BNT_1000", "IMP_625", "KIN_1500", "KIN_2200_120", "TRUST", "PcProfile",
           "PowercomUps", "powercom_sim"]

SEND, TEST, RESTART, SHUTDOWN, COUNTER = 0x01, 0x03, 0xB9, 0xBA, 0xBC


@dataclass(frozen=True)
class PcProfile:
    """One unit: its frame on line, the frame length, the shutdown delay bytes it takes."""

    frame: bytes
    length: int = 16
    delay_bytes: int = 2
    baud: int = 1200


def _frame(load: int, battery: int, volts_in: int, volts_out: int, freq: int, *,
           version: int = 0, family: int = 0, model: int = 0, inverter: int = 0) -> bytes:
    return bytes([load, battery, volts_in, volts_out, freq, version, freq, 0, 0, 0, 0,
                  family, model, 0, 0, inverter])


#: KIN 1500 VA (model nibble 8) on a 230 V line (nibble 9)
KIN_1500 = PcProfile(_frame(30, 200, 147, 147, 97, family=0x4B, model=0x89))
#: BNT 1000 VA (6) on 230 V: NUT's formulas for the 220-240 V BNT units
BNT_1000 = PcProfile(_frame(40, 180, 111, 111, 96, family=0x42, model=0x69, inverter=118))
#: Imperial 625 VA (3) on 220 V (8): version byte 0xFF
IMP_625 = PcProfile(_frame(12, 100, 110, 111, 50, version=0xFF, family=0x49, model=0x38))
#: a Trust unit: 11 bytes, NUT's linear coefficients, the minutes byte never sent
TRUST = PcProfile(_frame(18, 205, 120, 119, 94)[:11], length=11, delay_bytes=1)
#: the ULT33046 of the dumps, a KIN 2200 VA (10) on 120 V (3), run as BNT-other
KIN_2200_120 = PcProfile(_frame(15, 190, 124, 123, 80, family=0x4B, model=0xA3))


@dataclass
class PowercomUps:
    """The unit (see the module comment); ``frame`` may be changed freely between polls."""

    profile: PcProfile
    mode: str = "normal"
    frame: bytearray = field(default_factory=bytearray)
    received: list[bytes] = field(default_factory=list)
    raw: bytearray = field(default_factory=bytearray)

    def __post_init__(self) -> None:
        self.frame = bytearray(self.profile.frame)

    def commands(self) -> list[bytes]:
        return [request for request in self.received if request != bytes([SEND])]

    # -- what tests call --------------------------------------------------------

    def on_battery(self) -> None:
        self.on_line()
        self.frame[9] |= 0x01
        self.frame[2] = 0

    def low_battery(self) -> None:
        self.on_battery()
        self.frame[9] |= 0x02
        self.frame[1] = max(self.frame[1] - 30, 0)

    def on_line(self) -> None:
        self.frame = bytearray(self.profile.frame)

    def avr(self, volts_in: int) -> None:
        """AVR at work (BOOST or TRIM by the input voltage)."""
        self.on_line()
        self.frame[9] |= 0x08
        self.frame[2] = volts_in

    # -- the line ---------------------------------------------------------------------

    def answer(self) -> bytes:
        frame = bytes(self.frame[: self.profile.length])
        if self.mode == "silent":
            return b""
        if self.mode == "garbage":  # every check byte wrong
            return bytes(b ^ 0x55 for b in frame)
        return frame[: len(frame) // 2] if self.mode == "partial" else frame

    async def serve(self, pty: PtyPair) -> None:
        """Answer requests at the unit's speed until cancelled."""
        pending = b""
        async for chunk in heard(pty, self.profile.baud, self.raw):
            if chunk is None:
                pending = b""
                continue
            pending += chunk
            while pending:
                size = self._request_size(pending)
                if size is None or len(pending) < size:
                    break
                request, pending = pending[:size], pending[size:]
                await self._handle(request, pty)

    def _request_size(self, data: bytes) -> int | None:
        first = data[0]
        if first == RESTART:
            return 2 + self.profile.delay_bytes
        if first == SHUTDOWN:
            return 1 + self.profile.delay_bytes
        return 1

    async def _handle(self, request: bytes, pty: PtyPair) -> None:
        self.received.append(request)
        if request[0] == SEND:
            reply = self.answer()
            if reply:
                await pty.master.send_all(reply)
        elif request[0] == TEST:
            self.frame[10] |= 0x04


def powercom_sim(profile: PcProfile, **kw: object) -> AbstractAsyncContextManager[tuple[PowercomUps, str]]:
    """A running simulator of ``profile`` and the tty path a driver opens."""
    return serving(PowercomUps(profile, **kw))  # type: ignore[arg-type]
