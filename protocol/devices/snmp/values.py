"""How snmp-ups 2.8.0 turns what an agent returns into the text upsd serves.

These are C behaviours, reproduced because they show in ``upsc``: numbers print
as integers when the scaled value is whole and as ``%.2f`` of a *float* when
not (``100``, ``242``, ``49.90``); an OCTET STRING with a byte that is neither
printable nor space is shown as hex; a text read as a number goes through
``strtol(..., 0)`` (so ``"017"`` is 15); ``%i`` templates are filled like
``snprintf``. The named lookup functions (temperature units, US dates, ePDU
unit lists) are here too.
"""

from __future__ import annotations

import math
import re
import struct

from nutrio.protocol.devices.snmp.ber import Tag, VarBind

__all__ = [
    "TEXT_TAGS", "INTEGER_TAGS", "c_format", "format_number", "strtol", "octets_text",
    "cdiv", "to_float32", "temperature_read", "usdate_to_isodate", "device_count", "atoi",
    "TemperatureUnit",
]

TEXT_TAGS = frozenset({Tag.OCTET_STRING, Tag.OPAQUE})
#: read as numbers by snmp-ups (TimeTicks too, but as seconds)
INTEGER_TAGS = frozenset({Tag.INTEGER, Tag.COUNTER32, Tag.GAUGE32})
_FLT_EPSILON = 1.1920928955078125e-07
_FLOAT = struct.Struct("f")
_PRINTABLE = frozenset(range(0x20, 0x7F)) | frozenset(b" \t\n\v\f\r")
_INT_MIN = -(2**31)


class TemperatureUnit:
    UNKNOWN, CELSIUS, KELVIN, FAHRENHEIT = 0, 1, 2, 3


def to_float32(value: float) -> float:
    """A C ``(float)`` cast."""
    try:
        return float(_FLOAT.unpack(_FLOAT.pack(value))[0])
    except OverflowError:
        return math.copysign(math.inf, value)


def _c_int(value: float) -> int:
    """A C ``(int)`` cast of a double on x86-64: out of range gives INT_MIN."""
    if not math.isfinite(value) or not _INT_MIN <= value < 2**31:
        return _INT_MIN
    return int(value)


def format_number(value: int, multiplier: float) -> str:
    """su_ups_get: ``value * multiplier`` as ``%i`` when whole (compared as floats),
    else ``%.2f`` of the float."""
    if multiplier == 1.0 and -(2**24) < value < 2**24:
        return str(value)  # the common case, exact in a float
    scaled = value * multiplier
    whole = _c_int(scaled)
    if abs(to_float32(to_float32(whole) - to_float32(scaled))) <= _FLT_EPSILON:
        return str(whole)
    return f"{to_float32(scaled):.2f}"


def cdiv(a: int, b: int) -> int:
    """C integer division (rounds toward zero)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


_STRTOL = re.compile(r"[ \t\n\v\f\r]*([+-]?)(0[xX](?=[0-9a-fA-F])|0(?=[0-7])|)([0-9a-fA-F]*)")


def strtol(text: str) -> int:
    """``strtol(text, NULL, 0)``: the leading number (hex with 0x, octal with 0), else 0."""
    m = _STRTOL.match(text)
    if not m:
        return 0
    sign, prefix, digits = m.groups()
    base = 16 if prefix.lower() == "0x" else 8 if prefix == "0" else 10
    allowed = "0123456789abcdef"[:base]
    good = ""
    for ch in digits:
        if ch.lower() not in allowed:
            break
        good += ch
    if not good:
        return 0
    number = int(good, base)
    return -number if sign == "-" else number


def atoi(text: str | None) -> int:
    """C ``atoi`` (0 for no number); NUT calls it on dstate values and options."""
    m = re.match(r"[ \t\n\v\f\r]*([+-]?\d+)", text or "")
    return int(m.group(1)) if m else 0


def octets_text(raw: bytes, size: int) -> str:
    """decode_str for an OCTET STRING into a buffer of ``size`` bytes.

    Printable text is cut to ``size - 1`` bytes; anything else becomes
    Net-SNMP's hex dump (``"00 1A 2B "``).
    """
    if all(b in _PRINTABLE for b in raw):
        return raw[: size - 1].decode("latin-1")
    return _hexstring(raw)[: size - 1]


def _hexstring(raw: bytes) -> str:
    """Net-SNMP's snprint_hexstring: two hex digits and a space per byte."""
    return "".join(f"{b:02X} " for b in raw)


def c_format(template: str, *numbers: int) -> str:
    """``snprintf(template, ...)`` for the ``%i``/``%d`` conversions the tables use."""
    parts = re.split(r"%[id]", template)
    out = parts[0]
    for i, part in enumerate(parts[1:]):
        out += str(numbers[i] if i < len(numbers) else 0) + part
    return out.replace("%%", "%")


def temperature_read(value: int, unit: int) -> str:
    """su_temperature_read_fun: tenths of the device's unit to whole Celsius degrees."""
    tenths = cdiv(value, 10)
    if unit == TemperatureUnit.KELVIN:
        return str(int(tenths - 273.15))
    if unit == TemperatureUnit.CELSIUS:
        return str(tenths)
    if unit == TemperatureUnit.FAHRENHEIT:
        return str(cdiv((tenths - 32) * 5, 9))
    return ""  # an unknown unit leaves NUT's scratch buffer empty


_US_DATE = re.compile(r"\s*(\d{1,2})(?:/\s*(\d{1,2})(?:/\s*(\d{1,4}))?)?")


def usdate_to_isodate(text: str) -> str:
    """su_usdate_to_isodate_info_fun: mm/dd/yyyy to yyyy-mm-dd; the fields strptime
    could not read stay as a zeroed ``struct tm`` has them (1900-01-00)."""
    month, day, year = 0, 0, 1900
    m = _US_DATE.match(text)
    if m:
        mm, dd, yy = m.groups()
        if 1 <= int(mm) <= 12:
            month = int(mm)
            if dd is not None and 1 <= int(dd) <= 31:
                day = int(dd)
                if yy is not None:
                    year = int(yy)
    return f"{year:04d}-{max(month, 1):02d}-{day:02d}"


def device_count(text: str) -> int:
    """marlin_device_count_fun: how many units a list like "0,3,4" names."""
    count = text.count(",")
    if text and not text.endswith(","):
        count += 1
    return count


def is_text(binding: VarBind) -> bool:
    return binding.tag in TEXT_TAGS
