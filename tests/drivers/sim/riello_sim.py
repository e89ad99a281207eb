"""Riello units on a pseudo-terminal: GPSER (most units) and SENTR (older three-phase).

:class:`GpserUps` answers each ``STX 0x20 0x22`` request with ``STX 0x22 0x20``, the
command letters, a two-digit length, the data, the check and ``ETX``; a request it
does not know gets a NAK (0x15 in the fourth byte). The check is a sum, or the CRC
when the unit's identification says it uses error control. :class:`SentrUps` answers
192/240 with its 103-byte block and ``176 103 1 0 24`` with the 164-byte one; SENTR
commands get no answer (NUT waits out its five seconds, and takes that as done).

The units are shaped after the library's riello_ser dumps:
Riello__Riello__Sentinel_Pro_1000_UOD1-XL (:data:`SENTINEL_PRO`),
Riello__Riello__VST800 (:data:`VST800`, no extended block) and Riello__Riello__MPT60
(:data:`MPT60`, SENTR, three phases). Each keeps every request in ``received``;
``commands()`` lists those that act; ``on_battery``/``low_battery``/``on_line`` change
the status, ``nak_status`` makes it refuse the status request, ``silent`` answer nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from nutrio.protocol.devices.riello.frames import gpser_check, hex_digits
from sim.pty import PtyPair

__all__ = ["MPT60", "SENTINEL_PRO", "VST800", "GpserUnit", "GpserUps", "SentrUps", "gpser_reply"]

STX, ETX, NAK = 0x02, 0x03, 0x15
_READS = {b"GI", b"GN", b"RS", b"RE", b"RC"}


def _digits(*pairs: tuple[int, int]) -> bytes:
    return b"".join(hex_digits(value, count) for value, count in pairs)


@dataclass(frozen=True)
class GpserUnit:
    """A GPSER unit's answers (numbers as the unit sends them: tenths for frequencies)."""

    serial: bytes
    model: bytes
    version: bytes
    ident: bytes  # 12 bytes: [0] phases, [4] error control
    nominal: tuple[int, ...]  # kva, kw (hundredths unless single phase), ubat, cap, uout, fout
    readings: tuple[int, ...]  # finp uinp fout uout pout fbyp ubyp ubat cap time temp
    status: tuple[int, ...] = (8, 0, 4, 0, 0)  # output on, charging
    extended: tuple[int, ...] | None = None  # iout x3, W x3, VA x3; None: NAK
    pad: bytes = b" "  # what fills the serial and model (some units: NULs)

    def answers(self) -> dict[bytes, bytes]:
        found = {b"GI": self.serial.ljust(16, self.pad) + self.model.ljust(16, self.pad)
                 + self.version.ljust(12)
                 + self.ident.ljust(12, b"0"),
                 b"GN": _digits(*zip(self.nominal, (5, 5, 3, 3, 3, 3), strict=True)),
                 b"RS": bytes(0x30 + n for n in self.status)
                 + _digits(*zip(self.readings, (3, 3, 3, 3, 2, 3, 3, 4, 2, 3, 2), strict=True))}
        if self.extended is not None:
            found[b"RE"] = b"0" * 16 + _digits(*zip(self.extended, (4,) * 3 + (5,) * 6,
                                                    strict=True))
        return found


def gpser_reply(letters: bytes, data: bytes, crc: bool) -> bytes:
    """A GPSER reply frame."""
    body = bytes([0x22, 0x20]) + letters + hex_digits(len(data), 2) + data
    return bytes([STX]) + body + hex_digits(gpser_check(body, crc), 4) + bytes([ETX])


#: Sentinel Pro 1000 (UOD1-XL): single phase, on line and charging
SENTINEL_PRO = GpserUnit(
    serial=b" " * 15, model=b"UOD1-XL", version=b"SWM035-01-07", ident=b"100000030000",
    nominal=(1000, 800, 36, 75, 230, 500),
    readings=(500, 216, 500, 231, 28, 500, 216, 408, 100, 438, 34),
    extended=(12, 0, 0, 280, 0, 0, 350, 0, 0))
#: VST800 (ULC2): single phase, CRC checks, no extended block
VST800 = GpserUnit(
    serial=b" " * 16, model=b"ULC2", version=b"SWM039-01-03", ident=b"100010020000",
    nominal=(800, 640, 24, 7, 230, 500),
    readings=(501, 231, 501, 231, 0, 501, 231, 273, 100, 320, 31), status=(8, 0, 0, 0, 0))


@dataclass
class GpserUps:
    """A GPSER unit on a pty (see the module comment)."""

    unit: GpserUnit
    received: list[bytes] = field(default_factory=list)
    silent: bool = False
    nak_status: bool = False
    #: requests the unit never answers (the iDialog's RE)
    unanswered: frozenset[bytes] = frozenset()

    def __post_init__(self) -> None:
        self.base = self.unit

    def commands(self) -> list[bytes]:
        return [r for r in self.received if r[3:5] not in _READS]

    def on_line(self) -> None:
        self.unit = self.base

    def on_battery(self) -> None:
        self.unit = replace(self.base, status=(10, 0, 0, 0, 0),
                            readings=(0, 0, *self.base.readings[2:8], 80, 12, 30))

    def low_battery(self) -> None:
        self.unit = replace(self.base, status=(11, 0, 0, 0, 0),
                            readings=(0, 0, *self.base.readings[2:8], 15, 2, 30))

    def answer(self, request: bytes) -> bytes:
        self.received.append(request)
        letters = request[3:5]
        data = self.unit.answers().get(letters)
        if letters == b"RS" and self.nak_status:
            data = None
        crc = letters != b"GI" and self.unit.ident[4:5] == b"1"  # GI is always summed
        if letters in self.unanswered:
            return b""
        if data is None and letters in _READS:
            return gpser_reply(bytes([NAK]) + letters[1:], b"", crc=crc)
        return gpser_reply(letters, data or b"", crc=crc)

    async def serve(self, pty: PtyPair) -> None:
        buffer = b""
        while chunk := await pty.master.receive_some(256):
            buffer += chunk
            while bytes([ETX]) in buffer:
                request, buffer = buffer.split(bytes([ETX]), 1)
                start = request.rfind(bytes([STX]))
                if start < 0:
                    continue
                reply = self.answer(request[start:] + bytes([ETX]))
                if not self.silent:
                    await pty.master.send_all(reply)


def sentr_block(values: dict[int, int], request: int = 192) -> bytes:
    """A 103-byte SENTR block: ``values`` by offset (words as two entries)."""
    block = bytearray(103)
    for at, value in values.items():
        block[at] = value
    block[0], block[1] = request, 103
    total = sum(block[:100]) & 0xFFFF
    block[101], block[102] = total & 0xFF, total >> 8
    return bytes(block)


def _words(**pairs: int) -> dict[int, int]:
    found = {}
    for name, value in pairs.items():
        at = int(name[1:])
        found[at], found[at + 1] = value & 0xFF, value >> 8
    return found


#: MPT60: model 3600 (three phases, 60 kVA), firmware 1.94, on line, shaped after the dump
MPT60 = {**_words(w2=3600, w4=194, w6=17, w41=502, w43=431, w51=230, w53=231, w55=232,
                  w57=501, w68=501, w74=65),
         8: 99, 35: 100, 36: 101, 37: 101, 48: 28, 59: 230, 60: 229, 61: 228,
         62: 90, 63: 90, 64: 90}


@dataclass
class SentrUps:
    """A SENTR unit on a pty (see the module comment)."""

    values: dict[int, int]
    received: list[bytes] = field(default_factory=list)
    silent: bool = False

    def __post_init__(self) -> None:
        self.base = dict(self.values)

    def commands(self) -> list[bytes]:
        return [r for r in self.received if len(r) == 5 and r[1] != 103]

    def on_line(self) -> None:
        self.values = dict(self.base)

    def on_battery(self) -> None:
        self.values = {**self.base, 31: 0x08, 8: 70}

    def low_battery(self) -> None:
        self.values = {**self.base, 31: 0x18, 8: 10}

    async def serve(self, pty: PtyPair) -> None:
        buffer = b""
        while chunk := await pty.master.receive_some(256):
            buffer += chunk
            while buffer:
                size = 5 if buffer[0] == 176 else 1
                if len(buffer) < size:
                    break
                request, buffer = buffer[:size], buffer[size:]
                self.received.append(request)
                if request[0] in (192, 240) and not self.silent:
                    await pty.master.send_all(sentr_block(self.values, request[0]))
