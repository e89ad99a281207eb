"""C's ``float`` arithmetic and printf of floating values, as NUT drivers do it on x86-64.

Drivers such as powercom and liebert-esp2 keep readings in C ``float``
(IEEE single precision) and compute with a mix of ``float`` and ``double``;
the digits they print depend on where a value is rounded to single
precision. :func:`f32` is that rounding. One ``float`` operation equals
the same operation in ``double`` followed by :func:`f32` (double has more
than twice the bits, so the second rounding never changes the result),
which is how callers spell single-precision arithmetic. :func:`c_div` is
IEEE division (infinity, NaN) where Python would raise, and
:func:`c_printf` prints one value as glibc does, "-nan" included.
"""

from __future__ import annotations

import math
import struct
from fractions import Fraction

__all__ = ["c_div", "c_printf", "f32", "f32_from_text"]

def f32(value: float) -> float:
    """``value`` stored in a C ``float`` (round to nearest even; too large: infinity)."""
    if math.isnan(value) or math.isinf(value):
        return value
    try:
        return float(struct.unpack("f", struct.pack("f", value))[0])
    except OverflowError:  # past the largest float: rounds to infinity
        return math.copysign(math.inf, value)


def f32_from_text(text: str) -> float:
    """The single-precision value nearest the decimal ``text`` (C ``strtof``).

    ``float(text)`` rounds once to double; rounding that to single can go
    the wrong way only when the double lies exactly halfway between two
    singles, so that case is decided on the exact decimal value.
    """
    wide = float(text)
    near = f32(wide)
    if near == wide or math.isinf(near) or math.isnan(wide):
        return near
    other = _f32_step(near, toward=wide)
    middle = (near + other) / 2  # exact: a midpoint of singles fits in a double
    if wide != middle:
        return near
    exact = Fraction(text.strip())
    if exact == Fraction(middle):
        return near  # a true tie: the even one, as struct chose
    return other if (exact > Fraction(middle)) == (other > near) else near


def _f32_step(value: float, *, toward: float) -> float:
    """The single-precision neighbour of ``value`` on the side of ``toward``."""
    bits = struct.unpack("<I", struct.pack("<f", value))[0]
    up = (toward > value) == (value >= 0)
    if value == 0:
        return math.copysign(1.401298464324817e-45, toward)
    bits += 1 if up else -1
    return float(struct.unpack("<f", struct.pack("<I", bits))[0])


def c_div(numerator: float, denominator: float) -> float:
    """IEEE division: x/0 is an infinity, 0/0 the x86 default NaN (sign bit set)."""
    if denominator != 0 or math.isnan(denominator):
        return numerator / denominator
    if numerator == 0 or math.isnan(numerator):
        return -math.nan
    sign = math.copysign(1.0, numerator) * math.copysign(1.0, denominator)
    return math.copysign(math.inf, sign)


def c_printf(fmt: str, value: float) -> str:
    """glibc's ``printf(fmt, value)`` for one ``%f``/``%g`` conversion and no other text.

    Finite values print as Python's ``%`` does (both round the exact binary
    value to nearest, ties to even); infinities and NaNs print as "inf",
    "-inf", "nan" or "-nan", padded with spaces, never zeros.
    """
    if math.isfinite(value):
        return fmt % value
    sign = "-" if math.copysign(1.0, value) < 0 else ""
    word = sign + ("nan" if math.isnan(value) else "inf")
    width = int("".join(ch for ch in fmt.split(".")[0] if ch.isdigit()) or 0)
    return word.rjust(width)

