"""Report field values: raw bits <-> logical <-> physical, as NUT's hidparser/libhid do.

``get_value`` is NUT's GetValue (checked against tests/getvaluetest.c's
vectors): it reads the field's bits after the report-id byte, keeps only
the bits the logical range needs (devices put garbage above them), sign
extends when the logical minimum is negative, then clamps to the range.
``to_physical``/``to_logical`` add the physical range scaling and the unit
exponent correction of HIDGetDataValue/HIDSetDataValue.
"""

from __future__ import annotations

from nutrio.protocol.devices.hid.descriptor import HidField

__all__ = ["get_value", "report_bytes", "set_value", "to_logical", "to_physical", "unit_scale"]

#: HID units NUT knows and the exponent they imply (libhid.c HIDUnits).
_UNIT_EXPONENTS: dict[int, int] = {
    0x00000000: 0,  # none, percent
    0x00F0D121: 7,  # volt
    0x00100001: 0,  # ampere
    0x0000D121: 7,  # VA, watt
    0x00001001: 0,  # second
    0x00010001: 0,  # kelvin
    0x0000F001: 0,  # hertz
    0x00101001: 0,  # ampere-second
}


def _hibit(x: int) -> int:
    """1 + the position of the highest set bit, 0 for 0."""
    return x.bit_length()


def report_bytes(data: bytes, length: int) -> bytes:
    """``data`` cut or zero-padded to ``length`` bytes."""
    return bytes(data[:length]).ljust(length, b"\0")


def get_value(buf: bytes, field: HidField) -> int:
    """The logical value of ``field`` in the report ``buf`` (first byte: report id)."""
    raw = 0
    bit = field.offset + 8
    for weight in range(field.size):
        index = (bit + weight) >> 3
        if index < len(buf) and buf[index] & (1 << ((bit + weight) & 7)):
            raw |= 1 << weight
    lo, hi = field.logical_min, field.logical_max
    if hi - lo + 1 <= 0:
        return raw  # a range that makes no sense: NUT gives up and keeps the bits
    mag_max = hi if hi >= 0 else -(hi + 1)
    mag_min = lo if lo >= 0 else -(lo + 1)
    signbit = 1 << _hibit(max(mag_max, mag_min))
    mask = (signbit - 1) | (signbit if lo < 0 else 0)
    value = raw & mask
    if lo < 0 and value & signbit:
        value |= ~mask
    return min(max(value, lo), hi)


def set_value(buf: bytes, field: HidField, value: int) -> bytes:
    """``buf`` with ``field`` set to ``value`` (two's complement bits, SetValue)."""
    out = bytearray(buf)
    bit = field.offset + 8
    need = (bit + field.size + 7) >> 3
    if len(out) < need:
        out.extend(bytes(need - len(out)))
    for weight in range(field.size):
        pos = bit + weight
        if value & (1 << weight):
            out[pos >> 3] |= 1 << (pos & 7)
        else:
            out[pos >> 3] &= ~(1 << (pos & 7)) & 0xFF
    return bytes(out)


def _power_of_ten(b: int) -> float:
    """10**b by repeated products, as NUT's exponent() (0.1 * 0.1 is not 0.01)."""
    result = 1.0
    for _ in range(abs(b)):
        result = (10.0 if b > 0 else 1 / 10.0) * result
    return result


def unit_scale(field: HidField) -> float:
    """10 ** (unit exponent - the unit's implied exponent); unknown units count as -1."""
    return _power_of_ten(field.unit_exponent - _UNIT_EXPONENTS.get(field.unit, -1))


def _has_physical(field: HidField) -> bool:
    if field.physical_min is None or field.physical_max is None:
        return False
    return not (field.physical_min == 0 and field.physical_max == 0)


def to_physical(field: HidField, logical: int) -> float:
    """logical_to_physical, then the unit exponent (HIDGetDataValue)."""
    value = float(logical)
    if _has_physical(field):
        pmin, pmax = field.physical_min, field.physical_max
        assert pmin is not None and pmax is not None
        lmin, lmax = field.logical_min, field.logical_max
        if pmax > pmin and lmax > lmin:
            factor = (pmax - pmin) / (lmax - lmin)
            value = min(max((logical - lmin) * factor + pmin, pmin), pmax)
    return value * unit_scale(field)


def to_logical(field: HidField, physical: float) -> int:
    """The unit exponent undone, then physical_to_logical (HIDSetDataValue)."""
    value = physical / unit_scale(field)
    if _has_physical(field):
        pmin, pmax = field.physical_min, field.physical_max
        assert pmin is not None and pmax is not None
        lmin, lmax = field.logical_min, field.logical_max
        if pmax > pmin and lmax > lmin:
            factor = (lmax - lmin) / (pmax - pmin)
            logical = int((value - pmin) * factor) + lmin
            return min(max(logical, lmin), lmax)
    return int(value)
