"""C's ``sscanf``, for the few formats NUT drivers read replies and ups.conf options with.

Drivers such as powerpanel (``"#I%fO%fL%dB%d..."``) and powercom
(``"{{%u,%x},{%u,%x},{%u,%x}}"``) judge a reply or an option by how many
conversions ``sscanf`` made; this module gives the same count and values.
Supported: ``%d %u %x %f %c`` with an optional width and the ``hh``/``h``/
``l`` sizes, ``%%``, white space in the format (any amount of white space
in the text, none included) and ordinary characters (matched exactly). As
in C, every conversion but ``%c`` skips white space first; a conversion
that does not match ends the scan. ``%f`` stores a C ``float``.
tests/protocol/common/test_cscan.py checks it against the C library's own.
"""

from __future__ import annotations

import re

from nutrio.protocol.common.cfloat import f32, f32_from_text

__all__ = ["c_sscanf"]

_SPACE = " \t\n\v\f\r"
_SPEC = re.compile(r"%(\d*)(hh|h|l|)([ducfx%])")
_INTEGERS = {
    "d": re.compile(r"[+-]?[0-9]+"),
    "u": re.compile(r"[+-]?[0-9]+"),
    "x": re.compile(r"[+-]?(?:0[xX][0-9a-fA-F]*|[0-9a-fA-F]+)"),  # "0x" alone reads 0
}
# %f: glibc takes an exponent marker without digits ("1e", "0x1p") and ignores it,
# fails on "0x" without digits, and on any start of "infinity" past "inf" but short of it
_DECIMAL = re.compile(r"([+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+))(?:([eE][+-]?)([0-9]*))?")
_HEX = re.compile(r"([+-]?)0[xX]([0-9a-fA-F]*\.?[0-9a-fA-F]*)(?:[pP]([+-]?[0-9]*))?")
_INFINITY = re.compile(r"([+-]?)(?i:inf)((?i:i(?:n(?:i(?:t(?:y)?)?)?)?)?)")
_NAN = re.compile(r"([+-]?)(?i:nan)")
_BITS = {"hh": 8, "h": 16, "": 32, "l": 64}


def c_sscanf(fmt: str, text: str) -> list[int | float | str]:
    """The values ``sscanf(text, fmt, ...)`` stores, in order; their number is its count.

    Text is one character per byte (latin-1); scanning stops at a NUL, as C's
    string does.
    """
    text = text.split("\0", 1)[0]
    found: list[int | float | str] = []
    at = 0
    pos = 0
    while pos < len(fmt):
        ch = fmt[pos]
        if ch in _SPACE:
            pos += 1
            while at < len(text) and text[at] in _SPACE:
                at += 1
            continue
        spec = _SPEC.match(fmt, pos) if ch == "%" else None
        if spec is None:
            if at >= len(text) or text[at] != ch:
                return found
            at, pos = at + 1, pos + 1
            continue
        pos = spec.end()
        width, size, conv = int(spec.group(1) or 0), spec.group(2), spec.group(3)
        if conv == "c":
            # glibc takes what is left when the text ends inside a %Nc (at least one)
            if at >= len(text):
                return found
            count = width or 1
            found.append(text[at : at + count])
            at += count
            continue
        while at < len(text) and text[at] in _SPACE:
            at += 1
        if conv == "%":
            if at >= len(text) or text[at] != "%":
                return found
            at += 1
            continue
        value, at = _number(conv, size, text, at, width)
        if value is None:
            return found
        found.append(value)
    return found


def _number(conv: str, size: str, text: str, at: int, width: int) -> tuple[int | float | None, int]:
    """One numeric conversion at ``at``: its value (None: no match) and where it ended."""
    window = text[at : at + width] if width else text[at:]
    if conv == "f":
        value, length = _float(window)
        return value, at + length
    match = _INTEGERS[conv].match(window)
    if match is None:
        return None, at
    digits = match.group(0)
    end = at + len(digits)
    bare = digits.lstrip("+-")
    if conv == "x" and bare[:2].lower() == "0x":
        bare = bare[2:] or "0"
    number = int(bare, 16 if conv == "x" else 10) * (-1 if digits.startswith("-") else 1)
    bits = _BITS[size]
    if conv == "d":
        number = max(min(number, 2**63 - 1), -(2**63))  # strtol saturates, then the store cuts
        number &= (1 << bits) - 1
        return number - (1 << bits) if number >> (bits - 1) else number, end
    magnitude = min(abs(number), 2**64 - 1)  # strtoul saturates; a minus sign negates
    number = -magnitude if number < 0 else magnitude
    return number & ((1 << bits) - 1), end


def _float(window: str) -> tuple[float | None, int]:
    """``%f`` at the start of ``window``: the float stored (None: no match), characters taken."""
    if (hexa := _HEX.match(window)) is not None:
        sign, mantissa, power = hexa.groups()
        if not mantissa:
            return None, 0
        digits = mantissa if mantissa.strip(".") else "0"
        exponent = f"p{power}" if power and power.strip("+-") else ""
        return f32(float.fromhex(f"{sign}0x{digits}{exponent}")), hexa.end()
    if (decimal := _DECIMAL.match(window)) is not None:
        mantissa, marker, power = decimal.groups()
        text = f"{mantissa}e{(marker or '')[1:]}{power}" if power else mantissa
        return f32_from_text(text), decimal.end()
    if (infinity := _INFINITY.match(window)) is not None:
        rest = infinity.group(2)
        if rest and rest.lower() != "inity":
            return None, 0
        return float(f"{infinity.group(1)}inf"), infinity.end()
    if (nan := _NAN.match(window)) is not None:
        return float(f"{nan.group(1)}nan"), nan.end()
    return None, 0
