"""GPSER replies read into :class:`RielloData`, and the GPSER command requests.

Offsets and widths follow NUT 2.8.0's riello.c. NUT reads numbers from the
buffer it keeps across requests (220 bytes, zero past the last packet), with
C's arithmetic: a digit below 0x30 subtracts, and each value is cut to the
width of its field (16 or 32 bits). The parsers take that whole buffer, so a
short reply reads the zeros after it as NUT does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from nutrio.protocol.devices.riello.frames import gpser_request, hex_digits, read_digits

__all__ = ["COMMANDS", "LENGTH_RS_MM", "LENGTH_RS_TM", "LENGTH_RS_TT", "RielloData", "bit",
           "command_request", "parse_gi", "parse_gn", "parse_re", "parse_rs"]

#: how much of a status reply NUT reads, by phases (mono/mono, three/mono, three/three)
LENGTH_RS_MM, LENGTH_RS_TM, LENGTH_RS_TT = 42, 48, 64
_U16, _U32 = 0xFFFF, 0xFFFFFFFF


@dataclass(slots=True)
class RielloData:
    """What NUT's driver knows of the unit (its TRielloData), all zero at the start."""

    model: int = 0
    ident: bytes = b""  # Identification (serial number)
    model_str: bytes = b""
    version: bytes = b""
    ident_bytes: bytearray = field(default_factory=lambda: bytearray(12))
    status: bytearray = field(default_factory=lambda: bytearray(12))
    nom_kva: int = 0
    nom_kw: int = 0
    nom_ubat: int = 0
    nom_bat_cap: int = 0
    nom_uout: int = 0
    nom_fout: int = 0
    finp: int = 0
    fout: int = 0
    fbypass: int = 0
    uinp: list[int] = field(default_factory=lambda: [0, 0, 0])
    uout: list[int] = field(default_factory=lambda: [0, 0, 0])
    ubypass: list[int] = field(default_factory=lambda: [0, 0, 0])
    pout: list[int] = field(default_factory=lambda: [0, 0, 0])
    iout: list[int] = field(default_factory=lambda: [0, 0, 0])
    pout_w: list[int] = field(default_factory=lambda: [0, 0, 0])
    pout_va: list[int] = field(default_factory=lambda: [0, 0, 0])
    ubat: int = 0
    bat_cap: int = 0
    bat_time: int = 0
    tsystem: int = 0


def bit(data: bytes | bytearray, number: int) -> bool:
    """riello_test_bit: bit ``number`` counted from the first byte's lowest bit."""
    return bool(data[number // 8] & (1 << (number % 8)))


def _cstr(raw: bytes | bytearray) -> bytes:
    return bytes(raw).split(b"\0", 1)[0]


class _Reader:
    """Consecutive digit fields from offset ``at``."""

    def __init__(self, buffer: bytes | bytearray, at: int) -> None:
        self.buffer, self.at = buffer, at

    def take(self, count: int, mask: int = _U16) -> int:
        value = read_digits(self.buffer, self.at, count) & mask
        self.at += count
        return value


def parse_gi(buffer: bytes | bytearray, data: RielloData) -> None:
    """The identification: serial (16), model (15 kept of 16), version (12), 11 id bytes."""
    data.ident = _cstr(buffer[7:23])
    data.model_str = _cstr(buffer[23:38])
    data.version = _cstr(buffer[39:51])
    data.ident_bytes = bytearray(buffer[51:62]) + b"\0"


def parse_gn(buffer: bytes | bytearray, data: RielloData) -> None:
    """The nominal values (powers in hundredths unless the unit is single phase, '1')."""
    read = _Reader(buffer, 7)
    scale = 1 if data.ident_bytes[0] == ord("1") else 100
    data.nom_kva = (read.take(5, _U32) // scale) & _U16
    data.nom_kw = (read.take(5, _U32) // scale) & _U16
    data.nom_ubat = read.take(3)
    data.nom_bat_cap = read.take(3)
    data.nom_uout = read.take(3)
    data.nom_fout = read.take(3)


def parse_rs(buffer: bytes | bytearray, data: RielloData, numread: int) -> None:
    """The status: status code, then phase one, then phases two and three by ``numread``."""
    data.status[0:5] = buffer[7:12]
    data.status[5] = 0
    read = _Reader(buffer, 12)
    data.finp = read.take(3)
    data.uinp[0] = read.take(3)
    fout = read.take(3)
    data.fout = fout if bit(data.status, 3) else 0  # no output frequency while off
    data.uout[0] = read.take(3)
    data.pout[0] = read.take(2)
    data.fbypass = read.take(3)
    data.ubypass[0] = read.take(3)
    data.ubat = read.take(4)
    data.bat_cap = read.take(2)
    data.bat_time = read.take(3)
    if data.bat_time == 0xFFF:
        data.bat_time = _U16
    data.tsystem = read.take(2)
    data.uinp[1:] = [read.take(3), read.take(3)] if numread > LENGTH_RS_MM else [0, 0]
    if numread > LENGTH_RS_TM:
        for phase in (1, 2):
            data.uout[phase] = read.take(3)
            data.pout[phase] = read.take(2)
            data.ubypass[phase] = read.take(3)
    else:
        for values in (data.uout, data.pout, data.ubypass):
            values[1:] = [0, 0]


def parse_re(buffer: bytes | bytearray, data: RielloData) -> None:
    """The extended values: output currents, real and apparent powers per phase."""
    read = _Reader(buffer, 23)
    data.iout = [read.take(4) for _ in range(3)]
    data.pout_w = [read.take(5, _U32) for _ in range(3)]
    data.pout_va = [read.take(5, _U32) for _ in range(3)]


def _delay(value: int) -> bytes:
    return hex_digits(value, 4)


#: instant command -> (GPSER command letters, arguments from the delay)
COMMANDS: dict[str, tuple[str, Callable[[int], bytes]]] = {
    "load.off": ("CS", _delay),
    "shutdown.return": ("CS", _delay),
    "load.on": ("CR", lambda d: b"0000" + _delay(d)),
    "shutdown.stop": ("CD", lambda d: b""),
    "test.panel.start": ("TP", lambda d: b""),
    "test.battery.start": ("TB", lambda d: b"005"),
}


def command_request(command: str, delay: int, crc: bool) -> bytes:
    """The GPSER request of ``command`` (a :data:`COMMANDS` key) with ``delay`` seconds."""
    letters, args = COMMANDS[command]
    return gpser_request(letters, args(delay), crc=crc)
