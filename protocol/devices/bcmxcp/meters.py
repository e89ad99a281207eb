"""BCM/XCP meters: the meter map of the ID block, and the values of the meter block.

The ID block's meter map has one format byte per meter number (0: the UPS
has no such meter); each present meter takes the next 4 bytes of the meter
block (request 0x34), little endian. Formats, as NUT 2.8.0's bcmxcp prints them:

- 0xF0 and 0xE2: a 32-bit integer, printed signed ("%d");
- 0xF1-0xFF: fixed point, the integer over 2^(low nibble), a C float, "%.2f";
- 0x00-0x97: an IEEE single, printed "%<high nibble>.<low nibble>f";
- 0xE0: a BCD date (two layouts), 0xE1: a BCD time;
- anything else: "???".

Which NUT variable a meter feeds depends on the phases: a one-phase UPS
publishes input.voltage, output.current, ups.load ...; any other number of
phases the L1/L2/L3 names. A UPS without a load meter gets ups.load worked
out from output VA (or current) over its maximum, in C float arithmetic.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Mapping
from dataclasses import dataclass

from nutrio.protocol.common.cnum import c_strtod

__all__ = [
    "MAX_METERS",
    "Meter",
    "MeterMap",
    "decode",
    "f32",
    "get_long",
    "get_word",
]

#: meter numbers the driver reads at most
MAX_METERS = 136
FLT_MAX = 3.4028234663852886e38

#: meter number -> variable, the same whatever the phases
_ALWAYS: Mapping[int, str] = {
    0: "output.L1-L2.voltage", 1: "output.L2-L3.voltage", 2: "output.L3-L1.voltage",
    3: "input.L1-L2.voltage", 4: "input.L2-L3.voltage", 5: "input.L3-L1.voltage",
    19: "input.L2.current", 20: "input.L3.current", 22: "input.realpower", 23: "ups.power",
    24: "input.power", 25: "output.powerfactor", 26: "input.powerfactor",
    27: "output.frequency", 28: "input.frequency", 30: "input.bypass.frequency",
    32: "battery.current", 33: "battery.voltage", 34: "battery.charge", 35: "battery.runtime",
    41: "battery.voltage.low", 43: "battery.charge.low", 46: "battery.current.total",
    57: "input.L2-N.voltage", 58: "input.L3-N.voltage", 62: "ambient.temperature",
    63: "ups.temperature", 64: "ambient.1.temperature", 66: "output.L2.current",
    67: "output.L3.current", 69: "output.L2.current.nominal", 70: "output.L3.current.nominal",
    71: "ups.power.nominal", 72: "ups.date", 73: "ups.time", 77: "battery.temperature",
    79: "output.L2-N.voltage", 80: "output.L3-N.voltage", 82: "ups.L1-N.realpower",
    83: "ups.L2-N.realpower", 84: "ups.L3-N.realpower", 85: "ups.realpower.nominal",
    91: "input.quality",
}
#: ... on a one-phase UPS
_ONE_PHASE: Mapping[int, str] = {
    18: "input.current", 21: "ups.realpower", 47: "ups.load", 53: "input.bypass.voltage",
    56: "input.voltage", 65: "output.current", 68: "output.current.nominal",
    78: "output.voltage",
}
#: ... on any other
_PHASES: Mapping[int, str] = {
    18: "input.L1.current", 47: "output.L1.power.percent", 48: "output.L2.power.percent",
    49: "output.L3.power.percent", 50: "output.L1.power", 51: "output.L2.power",
    52: "output.L3.power", 53: "input.bypass.L1-N.voltage", 54: "input.bypass.L2-N.voltage",
    55: "input.bypass.L3-N.voltage", 56: "input.L1-N.voltage", 65: "output.L1.current",
    68: "output.L1.current.nominal", 78: "output.L1-N.voltage",
}
#: the meter pairs ups.load is worked out from: (value, its maximum), first present wins
_LOAD_FROM = ((23, 71), (65, 68))


def get_word(data: bytes, at: int) -> int:
    """The little-endian 16-bit word at ``at`` (bytes past the end read as 0)."""
    return int.from_bytes(data[at : at + 2].ljust(2, b"\0"), "little")


def get_long(data: bytes, at: int = 0) -> int:
    """The little-endian unsigned 32-bit value at ``at`` (bytes past the end read as 0)."""
    return int.from_bytes(data[at : at + 4].ljust(4, b"\0"), "little")


def f32(value: float) -> float:
    """``value`` rounded to a C float, as an assignment to a float variable does."""
    try:
        return float(struct.unpack("<f", struct.pack("<f", value))[0])
    except OverflowError:  # beyond the largest float: C gets an infinity
        return math.copysign(math.inf, value)


def _ieee(raw: int) -> float:
    """NUT's get_float: an IEEE single, with NaN and the infinities as +-FLT_MAX."""
    if (raw >> 23) & 0xFF == 0xFF:
        return -FLT_MAX if raw == 0xFF800000 else FLT_MAX
    return float(struct.unpack("<f", raw.to_bytes(4, "little"))[0])


def _int32(raw: int) -> int:
    return raw - (1 << 32) if raw & 0x80000000 else raw


def _nibbles(byte: int) -> tuple[int, int]:
    return byte >> 4, byte & 0x0F


def _date(entry: bytes) -> str:
    dd, mm, yy, cc = entry
    century = _nibbles(cc & 0x7F)
    if cc & 0x80:  # day, month, then the four digits of the year
        return "{}{}/{}{}/{}{}{}{}".format(*_nibbles(dd), *_nibbles(mm), *century, *_nibbles(yy))
    # year, then the day number
    return "{}{}{}{}:{}{}{}".format(*century, *_nibbles(yy), mm & 0x0F, *_nibbles(dd))


def _time(entry: bytes) -> str:
    cc, ss, mm, hh = entry
    digits = (*_nibbles(hh), *_nibbles(mm), *_nibbles(ss), *_nibbles(cc))
    return "{}{}:{}{}:{}{}.{}{}".format(*digits)


def decode(entry: bytes, fmt: int) -> str:
    """One meter's text from its 4 bytes (see the module comment for the formats)."""
    entry = entry[:4].ljust(4, b"\0")
    raw = get_long(entry)
    if fmt in (0xF0, 0xE2):
        return str(_int32(raw))
    if fmt & 0xF0 == 0xF0:
        return f"{f32(raw / 2 ** (fmt & 0x0F)):.2f}"
    if fmt <= 0x97:
        return "%*.*f" % (fmt >> 4, fmt & 0x0F, _ieee(raw))
    if fmt == 0xE0:
        return _date(entry)
    if fmt == 0xE1:
        return _time(entry)
    return "???"


@dataclass(frozen=True, slots=True)
class Meter:
    """One present meter: its number, format, offset in the meter block and variable."""

    number: int
    fmt: int
    offset: int
    name: str | None


@dataclass(frozen=True, slots=True)
class MeterMap:
    """The meters a UPS reports, from the ID block's map."""

    meters: tuple[Meter, ...]

    @classmethod
    def from_formats(cls, formats: bytes, phases: int) -> MeterMap:
        names = {**_ALWAYS, **(_ONE_PHASE if phases == 1 else _PHASES)}
        meters: list[Meter] = []
        for number, fmt in enumerate(formats[:MAX_METERS]):
            if fmt:
                meters.append(Meter(number, fmt, 4 * len(meters), names.get(number)))
        return cls(tuple(meters))

    def _find(self, number: int) -> Meter | None:
        return next((m for m in self.meters if m.number == number), None)

    def values(self, block: bytes) -> dict[str, str]:
        """Every named meter's text from one meter block, and ups.load when worked out."""
        found = {m.name: decode(block[m.offset : m.offset + 4], m.fmt)
                 for m in self.meters if m.name is not None}
        if "ups.load" not in found:
            load = self.load(block)
            if load is not None and load >= 0:
                found["ups.load"] = f"{load:5.1f}"
        return found

    def load(self, block: bytes) -> float | None:
        """ups.load as 100 * value / maximum, each step a C float; None without a maximum."""
        for value_at, max_at in _LOAD_FROM:
            value, maximum = self._find(value_at), self._find(max_at)
            if value is None or maximum is None:
                continue
            out = f32(c_strtod(decode(block[value.offset : value.offset + 4], value.fmt)))
            top = f32(c_strtod(decode(block[maximum.offset : maximum.offset + 4], maximum.fmt)))
            if top > 0:
                return f32(100 * f32(out / top))
            return None
        return None
