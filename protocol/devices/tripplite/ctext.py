"""How Tripp Lite's NUT drivers read numbers and print bytes, as C does it.

The three drivers hand fixed-width slices of a reply to ``strtol``, print
unreadable bytes as dots, and (tripplite) keep a battery voltage in a C
``float``; nutrio must land on the same text, so each C habit is one
function here.
"""

from __future__ import annotations

import struct

__all__ = ["c_float", "field", "hex2d", "hexascdump", "printable"]

_BLANKS = b" \t\n\v\f\r"
_HEX = frozenset(b"0123456789abcdefABCDEF")
_ALNUM = frozenset(b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def hex2d(data: bytes, start: int = 0, length: int | None = None) -> int:
    """``strtol(copy of length bytes from start, NULL, 16)``: the copy stops at a NUL;
    blanks, a sign and a ``0x`` may lead; no hex digit at all gives 0."""
    text = data[start:] if length is None else data[start : start + length]
    text = text.split(b"\0", 1)[0]
    at = 0
    while at < len(text) and text[at] in _BLANKS:
        at += 1
    sign = 1
    if at < len(text) and text[at] in b"+-":
        sign = -1 if text[at] == ord("-") else 1
        at += 1
    if text[at : at + 2].lower() == b"0x" and at + 2 < len(text) and text[at + 2] in _HEX:
        at += 2
    end = at
    while end < len(text) and text[end] in _HEX:
        end += 1
    return sign * int(text[at:end], 16) if end > at else 0


def printable(data: bytes) -> str:
    """Each byte as itself when it is a letter or digit (C locale), else a dot."""
    return "".join(chr(b) if b in _ALNUM else "." for b in data)


def hexascdump(data: bytes) -> str:
    """``"31 30 0d '10.'"``: each byte in hex, then the bytes quoted as :func:`printable`."""
    return "".join(f"{b:02x} " for b in data) + f"'{printable(data)}'"


def c_float(value: float) -> float:
    """``value`` stored in a C ``float`` (single precision) and read back."""
    return float(struct.unpack("f", struct.pack("f", value))[0])


def field(text: str, number: int) -> str | None:
    """The ``number``-th ``;``-separated field to the end of ``text`` (NUT's field()),
    or None when there are fewer fields or the field is empty (a ``;`` right there).
    What follows the field stays: ``atoi`` stops at the next ``;``."""
    at = 0
    for _ in range(number):
        found = text.find(";", at)
        if found < 0:
            return None
        at = found + 1
    rest = text[at:]
    return None if rest.startswith(";") else rest
