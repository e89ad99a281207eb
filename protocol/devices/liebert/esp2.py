"""Liebert's ESP-II serial protocol, as NUT 2.8.0's liebert-esp2 (0.05) speaks it.

How it works: every request is a short frame ``01 <family> <length> 01
<index> [data] <sum>`` (the last byte is the sum of the others, mod 256);
the UPS answers with 8 bytes whose last is the sum of the first seven, and
bytes 5 and 6 carry one signed 16-bit word (high byte first). A reading is
that word times a multiplier, kept in C ``float`` as NUT does. Family 0x88
holds the identity (two characters per word, low byte first), the UPS type
and phase counts; 0x83 a scaling hint that picks the multipliers (1: GXT2,
2: NXe); 0x90-0x92 the per-phase meters, 0x95 the battery and totals, 0xA1
the nominal values, 0x94 the status bit fields. 0x9C frames change
settings; NUT uses them only to power the UPS off.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from nutrio.protocol.common.cfloat import c_printf, f32
from nutrio.protocol.common.cnum import c_atoi, c_strtod

__all__ = [
    "BAUD_RATES",
    "DEFAULT_BAUD",
    "IDENT",
    "IDENT_FAMILY",
    "KILLPOWER",
    "REPLY_LEN",
    "SCALING_REQUEST",
    "STATUS_REQUESTS",
    "TYPE_REQUEST",
    "Phases",
    "Reading",
    "baud_option",
    "checksum",
    "multipliers",
    "phases",
    "readings",
    "reply_word",
    "request",
    "status_words",
    "word_chars",
]

REPLY_LEN = 8
BAUD_RATES = (1200, 2400, 4800, 9600, 19200)
DEFAULT_BAUD = 2400
IDENT_FAMILY = 0x88
#: the identity variables, each this many words long, read from word 4 on
IDENT = (("ups.model", 15), ("ups.firmware", 8), ("ups.serial", 10), ("ups.mfr.date", 4))


def checksum(data: bytes) -> int:
    return sum(data) & 0xFF


def request(family: int, index: int, data: bytes = b"") -> bytes:
    """A read (no ``data``) or write frame, with its sum."""
    frame = bytes([1, family, 2 + len(data), 1, index]) + data
    return frame + bytes([checksum(frame)])


def reply_word(reply: bytes) -> int | None:
    """The signed word of a whole reply with a good sum; None for anything else."""
    if len(reply) != REPLY_LEN or reply[7] != checksum(reply[:7]):
        return None
    word = reply[5] << 8 | reply[6]
    return word - 0x10000 if word & 0x8000 else word


def word_chars(reply: bytes) -> bytes:
    """The two identity characters of a reply (low byte first)."""
    return bytes([reply[6], reply[5]])


TYPE_REQUEST = request(IDENT_FAMILY, 1)
SCALING_REQUEST = request(0x83, 2)
#: the three status bit fields, in the order NUT reads them
STATUS_REQUESTS = (request(0x94, 1), request(0x94, 2), request(0x94, 3))
#: NUT's power-off sequence: output-off mode, a 120 s delay (12 tenths of minutes),
#: the load key, the shutdown (request, reply length NUT passes)
KILLPOWER = (request(0x9C, 6, b"\x00\x01"), request(0x9C, 5, b"\x00\x0c"), request(0x9C, 7),
             request(0x9C, 0x88, b"\x4c\x4c"))


@dataclass(frozen=True, slots=True)
class Phases:
    """What the type word says: input and output phase counts, and the UPS type."""

    inputs: int
    outputs: int
    ups_type: str


def phases(reply: bytes) -> Phases:
    low, high = reply[6], reply[5]
    if high & 0x10:
        kind = "offline"
    elif high & 0x20:
        kind = "line-interactive"
    else:
        kind = "online"
    return Phases(low & 0x03, (low >> 4) & 0x03, kind)


_DEFAULT_MULT: Mapping[str, float] = MappingProxyType({
    "x10": 10.0, "x0.1": 0.1, "volts_in": 0.1, "volts_out": 0.1, "volts_bypass": 0.1,
    "amps_in": 0.1, "amps_out": 0.1, "amps_bypass": 0.1, "frequency": 0.01, "volts_dc": 0.1,
    "temperature": 0.1, "amps_dc": 0.01, "runtime": 60.0, "power_nominal": 100.0,
    "power": 100.0, "percent": 1.0,
})
#: the scaling word's model families and the multipliers they change
_SCALED: Mapping[int, Mapping[str, float]] = MappingProxyType({
    1: {"frequency": 0.1, "volts_dc": 0.1, "power": 1.0, "power_nominal": 1.0},  # GXT2
    2: {"frequency": 0.01, "volts_dc": 0.1, "power": 100.0, "power_nominal": 100.0},  # NXe
})


def multipliers(scaling: int | None) -> dict[str, float]:
    """The multipliers (as C floats) for the scaling word's low byte (None: not read)."""
    table = {**_DEFAULT_MULT, **_SCALED.get(scaling if scaling is not None else 0, {})}
    return {key: f32(value) for key, value in table.items()}


@dataclass(frozen=True, slots=True)
class Reading:
    """One meter: its request, the NUT variable, printf format and multiplier."""

    family: int
    index: int
    name: str
    fmt: str
    mult: str

    @property
    def frame(self) -> bytes:
        return request(self.family, self.index)

    def text(self, word: int, mults: Mapping[str, float]) -> str:
        return c_printf(self.fmt, f32(mults[self.mult] * word))


def _rows(*rows: tuple[int, int, str, str, str]) -> tuple[Reading, ...]:
    return tuple(Reading(*row) for row in rows)


_COMMON = _rows(
    (0x95, 1, "battery.runtime", "%.0f", "runtime"),
    (0x95, 2, "battery.voltage", "%.1f", "volts_dc"),
    (0x95, 3, "battery.current", "%.2f", "amps_dc"),
    (0xA1, 13, "battery.voltage.nominal", "%.1f", "volts_dc"),
    (0x95, 12, "battery.temperature", "%.1f", "temperature"),
    (0x95, 14, "ups.temperature", "%.1f", "temperature"),
    (0xA1, 8, "ups.power.nominal", "%.0f", "power_nominal"),
    (0xA1, 4, "ups.delay.start", "%.0f", "x10"),
    (0xA1, 14, "battery.runtime.low", "%.0f", "runtime"),
    (0x95, 8, "input.frequency", "%.1f", "frequency"),
    (0x95, 10, "input.bypass.frequency", "%.1f", "frequency"),
    (0xA1, 9, "input.frequency.nominal", "%.1f", "frequency"),
    (0x95, 9, "output.frequency", "%.1f", "frequency"),
    (0xA1, 10, "output.frequency.nominal", "%.1f", "frequency"),
)
_IN_1 = _rows(
    (0x90, 1, "input.voltage", "%.1f", "volts_in"),
    (0x90, 5, "input.bypass.voltage", "%.1f", "volts_bypass"),
    (0x90, 6, "input.bypass.current", "%.1f", "amps_bypass"),
)
_IN_2 = (*_IN_1, *_rows((0x90, 2, "input.current", "%.1f", "amps_in")))
_IN_3 = _rows(*(
    (0x90 + line, index, name.format(line + 1), "%.1f", mult)
    for index, name, mult in ((1, "input.L{}-N.voltage", "volts_in"),
                              (5, "input.L{}-N.bypass.voltage", "volts_bypass"),
                              (6, "input.L{}-N.bypass.current", "amps_bypass"),
                              (2, "input.L{}.current", "amps_in"))
    for line in range(3)))
_OUT_1 = _rows(
    (0x95, 7, "ups.load", "%.0f", "percent"),
    (0x95, 6, "ups.power", "%.0f", "power"),
    (0x95, 5, "ups.realpower", "%.0f", "power"),
    (0x90, 3, "output.voltage", "%.1f", "volts_out"),
    (0x90, 4, "output.current", "%.1f", "amps_out"),
)


def _per_line(lines: int) -> tuple[Reading, ...]:
    rows = [(0x90 + line, index, name.format(line + 1), fmt, mult)
            for index, name, fmt, mult in ((24, "output.L{}.power.percent", "%.0f", "percent"),
                                           (22, "output.L{}.power", "%.0f", "power"),
                                           (21, "output.L{}.realpower", "%.0f", "power"))
            for line in range(lines)]
    return _rows(*rows)


_OUT_2 = (*_per_line(2), *_rows((0x90, 3, "output.voltage", "%.1f", "volts_out")))
_OUT_3 = (*_per_line(3), *_rows(*(
    (0x90 + line, index, name.format(line + 1), "%.1f", mult)
    for index, name, mult in ((3, "output.L{}-N.voltage", "volts_out"),
                              (14, "output.L{}.crestfactor", "x0.1"))
    for line in range(3))))


def readings(inputs: int, outputs: int) -> tuple[Reading, ...]:
    """Every meter a poll reads, in NUT's order, for these phase counts."""
    ins = {3: _IN_3, 2: _IN_2}.get(inputs, _IN_1)
    outs = {3: _OUT_3, 2: _OUT_2}.get(outputs, _OUT_1)
    return (*_COMMON, *ins, *outs)


def status_words(fields: tuple[bytes, bytes, bytes], battery_current: str | None) -> list[str]:
    """ups.status from the three bit-field replies and the battery current's text."""
    first, second, third = fields
    words = ["OB" if first[5] & 0x01 else "OL"]
    if battery_current is not None:
        amps = c_strtod(battery_current)
        if amps > 0.05:
            words.append("CHRG")
        if amps < -0.05:
            words.append("DISCHRG")
    for byte, bit, word in ((second[6], 0x01, "BYPASS"), (second[6], 0x20, "RB"),
                            (second[6], 0x40, "BOOST"), (second[5], 0x02, "TRIM"),
                            (third[6], 0x01, "OVER"), (third[6], 0x20, "LB")):
        if byte & bit:
            words.append(word)
    return words


def baud_option(text: str | None) -> int | None:
    """The ``baudrate`` option's speed (None: not given); 0 for one NUT refuses."""
    if text is None:
        return None
    rate = c_atoi(text)
    return rate if rate in BAUD_RATES else 0
