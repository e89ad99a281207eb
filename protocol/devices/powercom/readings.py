"""What NUT 2.8.0's powercom (0.19) makes of one frame: detection, readings, status.

How it works: byte 0 is the load, 1 the battery, 2 and 3 the input and
output voltage, 4 and 6 the frequencies, 9 and 10 two status bit fields,
11 the family letter and 12 the model (high nibble) and line voltage (low
nibble). KIN, BNT, IMP and OPTI units have formulas of their own, the
others the linear coefficients of their type. The arithmetic is NUT's: C
``float`` where NUT keeps a ``float``, ``double`` where it computes in
double (:mod:`nutrio.protocol.common.cfloat`), unsigned wrap-around in
``t - byte`` included. Where NUT indexes past one of its tables (a model
nibble or line voltage nibble no real unit sends) this reads 0.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from nutrio.protocol.common.cfloat import c_div, c_printf, f32
from nutrio.protocol.devices.powercom.types import PcType

__all__ = ["Reading", "detect", "input_voltage", "read_frame", "status_words", "valid"]

F = f32
LOAD, BATTERY, IN_VOLT, OUT_VOLT, IN_FREQ, VERSION, OUT_FREQ = 0, 1, 2, 3, 4, 5, 6
STATUS_A, STATUS_B, FAMILY, MODEL = 9, 10, 11, 12
_VOLTAGES = (100, 110, 115, 120, 0, 0, 0, 200, 220, 230, 240, 0, 0, 0, 0, 0)
_MODELS = {
    "BNT": (0, 400, 500, 600, 800, 801, 1000, 1200, 1500, 2000, 0, 0, 0, 0, 0, 0),
    "KIN": (0, 425, 500, 525, 625, 800, 1000, 1200, 1500, 1600, 2200, 2200, 2500, 3000, 5000, 0),
    "IMP": (0, 425, 525, 625, 825, 1025, 1200, 1500, 2000, 0, 0, 0, 0, 0, 0, 0),
    "OPTI": (0, 0, 0, 575, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
}


def _at(table: Sequence[float], index: int) -> float:
    return table[index] if 0 <= index < len(table) else 0.0


def _f32s(*values: float) -> tuple[float, ...]:
    return tuple(F(v) for v in values)


def valid(kind: PcType, frame: bytes) -> bool:
    """Whether the frame passes the type's three checks."""
    return all(frame[index] == value for index, value in kind.checks)


@dataclass(frozen=True, slots=True)
class Reading:
    """The start's findings: the family name formulas go by, model text, line voltage."""

    family: str
    model: str
    linevoltage: int


def detect(kind: PcType, frame: bytes, model: str) -> Reading:
    """What the start's frame says (``model``: the configured one, "Unknown" to replace)."""
    family, letter = kind.name, frame[FAMILY]
    index = frame[MODEL] >> 4
    if letter in (0x42, 0x4B, 0x4F) and frame[VERSION] != 0xFF:
        number = _MODELS["BNT"][index]
        if family != "BNT-other":
            family = {0x42: "BNT", 0x4B: "KIN", 0x4F: "OPTI"}[letter]
            number = _MODELS.get(family, _MODELS["BNT"])[index]
    elif letter in (0x42, 0x4B, 0x4F) or frame[VERSION] == 0xFF:
        family, number = "IMP", _MODELS["IMP"][index]
    else:
        number = 0
    text = f"{family}-{number}" if family == "OPTI" else f"{family}-{number}AP"
    return Reading(family, text if model == "Unknown" else model, _VOLTAGES[frame[MODEL] & 15])


def read_frame(kind: PcType, family: str, line: int, frame: bytes) -> dict[str, str]:
    """The six readings, as NUT prints them."""
    return {
        "input.frequency": c_printf("%02.2f", _freq(kind, family, frame[IN_FREQ])),
        "output.frequency": c_printf("%02.2f", _freq(kind, family, frame[OUT_FREQ])),
        "ups.load": c_printf("%03.1f", _load(kind, family, frame)),
        "battery.charge": c_printf("%03.1f", _battery(kind, family, frame)),
        "input.voltage": c_printf("%03.1f", input_voltage(kind, family, line, frame)),
        "output.voltage": c_printf("%03.1f", _output_voltage(kind, family, line, frame)),
    }


def _freq(kind: PcType, family: str, raw: int) -> float:
    if family in ("BNT", "KIN"):
        return F(c_div(4807.0, raw))
    if family in ("IMP", "OPTI"):
        return float(raw)
    return F(c_div(1.0, F(F(kind.freq[0] * raw) + kind.freq[1]))) if raw else 0.0


def _linear(a: float, b: float, raw: int) -> float:
    return F(F(a * raw) + b)


def input_voltage(kind: PcType, family: str, line: int, frame: bytes) -> float:
    raw = frame[IN_VOLT]
    if family == "BNT" and frame[MODEL] % 16 > 7:
        value = F(2.2 * raw - 24)
    elif family == "KIN":
        value = _kin_plain(_MODELS["KIN"][frame[MODEL] >> 4], line, raw, strict_upper=True)
    elif family in ("IMP", "OPTI"):
        value = F(raw * 2.0)
    else:
        value = _plain(kind, line, raw)
    return max(value, 0.0) if not math.isnan(value) else value


def _plain(kind: PcType, line: int, raw: int) -> float:
    a, b = (kind.voltage[0], kind.voltage[1]) if line >= 220 else kind.voltage[2:4]
    return _linear(a, b, raw)


def _kin_plain(model: int, line: int, raw: int, *, strict_upper: bool) -> float:
    """KIN on line without AVR; the input voltage asks 800 <= model as well."""
    middle = (800 <= model < 2000) if strict_upper else model < 2000
    if line >= 200:
        if model <= 625:
            return F(1.79 * raw + 3.35)
        return F(1.61 * raw) if middle else F(1.625 * raw)
    if model <= 625:
        return F(0.89 * raw + 6.18)
    return F(1.61 * raw / 2.0) if middle else F(1.625 * raw / 2.0)


def _output_voltage(kind: PcType, family: str, line: int, frame: bytes) -> float:
    raw = frame[OUT_VOLT]
    on_battery = avr = avr_mode = 0
    if family in ("BNT", "KIN"):
        on_battery, avr, avr_mode = (frame[STATUS_A] & bit for bit in (1, 8, 16))
    if family == "BNT" and frame[MODEL] % 16 > 7:
        if on_battery:
            value = _bnt_inverter(frame)
        elif not avr:
            value = F(2.2 * raw - 24)
        elif avr_mode:
            value = F((2.2 * raw - 24) * 31 / 27)
        else:
            value = F((2.22 * raw - 24) * 27 / 31)
    elif family == "KIN":
        model = _MODELS["KIN"][frame[MODEL] >> 4]
        if on_battery:
            value = _kin_inverter(frame, model, line, avr)
        elif not avr:  # NUT's "AVR == 1" branch is never taken: the AVR bit is 8
            value = _kin_plain(model, line, raw, strict_upper=False)
        else:
            value = _kin_avr(model, line, raw)
    elif family in ("IMP", "OPTI"):
        value = F(raw * 2.0)
    else:
        value = _plain(kind, line, raw)
    return value if math.isnan(value) or value >= 0 else 0.0


def _wrapped(frame: bytes) -> tuple[int, int]:
    """NUT's ``t`` (half the output frequency byte) and ``t - output voltage`` as unsigned."""
    t = frame[OUT_FREQ] // 2
    return t, (t - frame[OUT_VOLT]) % 2**32


def _bnt_inverter(frame: bytes) -> float:
    t, rest = _wrapped(frame)
    side = 1.965 * frame[15]
    value = F(c_div(side * side * rest, t))
    return F(math.sqrt(value)) if value > 0 else 0.0


def _kin_avr(model: int, line: int, raw: int) -> float:
    if line >= 200:
        if model == 625:
            return F(1.571 * raw)
        return F(1.37 * raw) if model < 2000 else F(1.4 * raw)
    if model <= 625:
        return F(1.635 * raw / 2.0)
    return F(1.392 * raw / 2.0)


_X1 = _f32s(0, 1.0, 1.0, 1.0, 1.0, 0.945, 0.945, 0.945, 0.127, 0.127, 0.945, 0.945, 0.945, 0.256)
_Y1 = _f32s(0, 0.85, 0.85, 0.85, 0.88, 0.9, 0.9, 0.9, 6.6, 6.6, 0.87, 0.87, 0.87, 3.29)
_Z1 = _f32s(0, 1.03, 0.78, 0.78, 0.72, 0.55, 0.55, 0.55, 0.5, 0.5, 0.43, 0.43, 0.43, 0.3)
_X2 = _f32s(0, 1.0, 1.0, 1.0, 1.0, 1.89, 1.89, 1.89, 0.127, 0.127, 1.89, 1.89, 1.89, 0.256)
_Y2 = _f32s(0, 1.73, 1.74, 1.74, 1.77, 0.9, 0.9, 0.9, 13.204, 13.204, 0.88, 0.88, 0.88, 6.645)
_Z2 = _f32s(0, 1.15, 0.9, 0.9, 0.75, 1.1, 1.1, 1.1, 0.8, 0.8, 0.86, 0.86, 0.86, 0.7)


def _kin_inverter(frame: bytes, model: int, line: int, avr: int) -> float:
    index = frame[MODEL] >> 4
    if line < 200:
        x, y, z = _at(_X1, index), _at(_Y1, index), _at(_Z1, index)
    else:  # NUT takes the next row's z here
        x, y, z = _at(_X2, index), _at(_Y2, index), _at(_Z2, index + 1)
    boost = F(1.0 + avr * 20.0 / 135.0)
    t, rest = _wrapped(frame)
    battery, load = frame[BATTERY], frame[LOAD]
    if model > 625:
        side = F(battery * x)
        value = F(c_div(F(F(side * side) * F(rest)), F(t)))
        if value > 0:
            value = F(math.sqrt(value) * y * boost - load * z * boost)
        return value
    side = F(F(battery * x) - F(load * z))
    value = F(c_div(F(F(side * side) * F(rest)), F(t)))
    return F(math.sqrt(value) * y) if value > 0 else value


_BNT_LINE = {400: (1, 1, 1, 1, 1, 1, 1, 1, 88, 83, 87), 801: (1, 1, 1, 1, 1, 1, 1, 1, 88, 83, 87),
             600: (1, 1, 1, 1, 1, 1, 1, 1, 128, 123, 118),
             1200: (1, 1, 1, 1, 1, 1, 1, 1, 128, 123, 118)}
_BNT_LINE_OTHER = (1, 1, 1, 1, 1, 1, 1, 1, 108, 103, 98)
_BNT_INV = {400: (54, 52, 49), 500: (66, 64, 61), 800: (66, 64, 61), 600: (86, 84, 81),
            801: (44, 42, 40), 1200: (76, 74, 72), 1000: (56, 54, 52), 1500: (56, 54, 52),
            2000: (56, 54, 52)}
_KIN_LINE = {425: (99, 88, 84, 80, 84, 84, 84, 86, 86, 81, 76),
             525: (127, 113, 106, 100, 106, 106, 106, 109, 109, 103, 97),
             625: (131, 115, 107, 103, 107, 107, 107, 110, 110, 105, 99)}
_KIN_LINE_2K = (94, 94, 94, 94, 94, 94, 94, 120, 120, 115, 110)
_KIN_INV = {425: (60, 54, 51, 48, 51, 51, 51, 53, 53, 50, 48),
            525: (81, 72, 67, 62, 67, 67, 67, 65, 65, 62, 59),
            625: (79, 70, 67, 64, 67, 67, 67, 65, 65, 61, 58)}
_KIN_INV_2K = (84, 77, 74, 70, 74, 74, 74, 77, 77, 74, 70)


def _load(kind: PcType, family: str, frame: bytes) -> float:
    raw, on_battery = frame[LOAD], frame[STATUS_A] & 1
    volts, index = frame[MODEL] % 16, frame[MODEL] >> 4
    if family == "BNT" and volts > 7:
        model = _MODELS["BNT"][index]
        if not on_battery:
            return F(c_div(raw * 110.0, _at(_BNT_LINE.get(model, _BNT_LINE_OTHER), volts)))
        if model in _BNT_INV:  # the tables have 1s below index 8
            return F(c_div(raw * 110.0, _at((1,) * 8 + _BNT_INV[model], volts)))
    elif family == "KIN":
        model = _MODELS["KIN"][index]
        table = _KIN_INV if on_battery else _KIN_LINE
        if model in table:
            return F(c_div(raw * 110.0, _at(table[model], volts)))
        if model < 2000:
            return F(raw * (1.66 if on_battery else 1.13))
        return F(c_div(raw * 110.0, _at(_KIN_INV_2K if on_battery else _KIN_LINE_2K, volts)))
    elif family in ("IMP", "OPTI"):
        return float(raw)
    pct = kind.loadpct
    return _linear(pct[0], pct[1], raw) if on_battery else _linear(pct[2], pct[3], raw)


def _scale(value: float, zero: int, low: int, full: int) -> float:
    """0 up to ``zero``, 30 % at ``low``, 100 % at ``full``, as NUT's battery curve."""
    if value <= zero:
        return 0.0
    if value <= low:
        return F(F(value - zero) * 30.0 / (low - zero))
    if value <= full:
        return F(30.0 + F(value - low) * 70.0 / (full - low))
    return 100.0


def _battery(kind: PcType, family: str, frame: bytes) -> float:
    raw, load = frame[BATTERY], frame[LOAD]
    if family == "BNT":
        return _scale(F(load // 4 + raw), 157, 165, 193)
    if family == "KIN":
        model = _MODELS["KIN"][frame[MODEL] >> 4]
        if 800 <= model <= 2000:
            level = F((raw - 165.0) * 2.6)
            if frame[STATUS_A] & 1:
                return F(level + load)
            return F(level - 6) if level > 7 else level
        if model <= 625:
            return _scale(F(load / 4.0 + raw), 169, 176, 204)
        return _scale(F(load / 4.0 - load / 32.0 + raw), 175, 182, 209)
    if family in ("IMP", "OPTI"):
        return float(raw)
    pct = kind.battpct
    if frame[STATUS_A] & 1:
        return F(F(F(pct[0] * raw) + F(pct[1] * _load(kind, family, frame))) + pct[2])
    return _linear(pct[3], pct[4], raw)


def status_words(kind: PcType, family: str, line: int, frame: bytes) -> list[str]:
    """ups.status from the two status bytes (BOOST or TRIM by the input voltage)."""
    first, second = frame[STATUS_A], frame[STATUS_B]
    words = ["OB" if first & 1 else ("OFF" if first & 128 else "OL")]
    if first & 2:
        words.append("LB")
    if first & 8:
        words.append("BOOST" if input_voltage(kind, family, line, frame) < line else "TRIM")
    for byte, bit, word in ((first, 32, "OVER"), (second, 2, "RB"), (second, 4, "TEST")):
        if byte & bit:
            words.append(word)
    return words
