"""C's number parsing, as NUT's programs use it on text from files, devices and clients.

NUT calls atoi/strtol/strtod on whatever it reads: leading blanks are
skipped, the longest number at the start counts, anything after it is
ignored, and no number at all gives 0.
"""

from __future__ import annotations

import re

__all__ = ["c_atoi", "c_scan_float", "c_strtod"]

_BLANKS = " \t\n\v\f\r"
_INT = re.compile(r"[+-]?[0-9]+")  # ASCII digits only, as C's isdigit in the C locale
_FLOAT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def c_atoi(text: str) -> int:
    """C ``atoi`` / ``strtol(text, NULL, 10)``: 0 when no digits lead."""
    match = _INT.match(text.lstrip(_BLANKS))
    return int(match.group(0)) if match else 0


def c_strtod(text: str) -> float:
    """C ``strtod`` on the leading part of ``text`` (0.0 when nothing parses)."""
    match = _FLOAT.match(text.lstrip(_BLANKS))
    return float(match.group(0)) if match else 0.0


def c_scan_float(text: str) -> float | None:
    """C ``sscanf(text, "%f")``: the leading number, None when there is none."""
    match = _FLOAT.match(text.lstrip(_BLANKS))
    return float(match.group(0)) if match else None
