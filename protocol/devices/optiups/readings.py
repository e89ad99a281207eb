"""What NUT 2.8.0's optiups (1.02) asks an OPTI-UPS (or a Zinto D) and makes of its lines.

How it works: every request is two letters and maybe an argument ("AG",
"Cs00000080"); a Zinto D wants CR LF after each. Each reply is one line
ending in LF (CRs dropped): a value, ^F (0x06) for a command done, or ^U
(0x15) for a request the unit does not know. The status ("AG") is a hex
bit field; most values are passed on as the unit writes them, a few scaled
(the frequency in tenths of a hertz), and the battery voltage in tenths of a
volt gives a charge on a 10.4 - 13.0 V scale that NUT neither clamps below
0 nor adapts to 24 V units (they read 100 %, as the PS-1440RM dump shows).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nutrio.protocol.common.cfloat import c_printf, f32

__all__ = ["ACK", "INIT_FILLS", "LINE_MAX", "NAK", "ZINTO_MFR", "Fill", "battery", "is_unknown",
           "model_name", "on_battery", "poll_fills", "request", "status_words", "strtol",
           "unit_says", "value_text", "zinto_model"]

ACK, NAK = 0x06, 0x15
#: NUT reads replies into 256 bytes: 255 characters and the NUL
LINE_MAX = 255
ZINTO_MFR = "ONLINE"

_NO_OUTPUT, _OVERLOAD, _REPLACE, _ON_BATTERY, _LOW = 2, 8, 16, 32, 64
_LONG = 2**63


@dataclass(frozen=True, slots=True)
class Fill:
    """One request whose reply is a variable: as written (scale 0) or a number times
    ``scale`` with one decimal."""

    request: str
    var: str
    scale: float = 0.0


INIT_FILLS = (Fill("IM", "ups.mfr"), Fill("IZ", "ups.serial"), Fill("IS", "ups.firmware"))
_POLL = (Fill("NV", "input.voltage"), Fill("OL", "ups.load", 1.0),
         Fill("OV", "output.voltage"), Fill("FF", "input.frequency", f32(0.1)),
         Fill("BT", "ups.temperature"))
_POLL_ZINTO = (Fill("NV", "input.voltage", 2.0), Fill("OL", "ups.load", 1.0),
               Fill("OV", "output.voltage", 2.0), Fill("OF", "output.frequency", f32(0.1)),
               Fill("NF", "input.frequency", f32(0.1)), Fill("BT", "ups.temperature"))


def poll_fills(zinto: bool) -> tuple[Fill, ...]:
    """The requests each update makes after the status (and before "BV")."""
    return _POLL_ZINTO if zinto else _POLL


def request(text: str, zinto: bool) -> bytes:
    """The bytes of one request (a Zinto D wants CR LF after it)."""
    return text.encode() + (b"\r\n" if zinto else b"")


def _kept(line: bytes) -> bytes:
    return line.replace(b"\r", b"").replace(b"\0", b"")[:LINE_MAX]


def unit_says(line: bytes) -> str | None:
    """The text of a reply line (LF gone), CRs and NULs dropped as NUT's line read does;
    None for an empty line or ^U, which NUT takes as no answer."""
    text = _kept(line).decode("latin-1")
    return None if not text or ord(text[0]) == NAK else text


def is_unknown(line: bytes) -> bool:
    """Whether the reply line is ^U: the unit does not know the request."""
    return _kept(line)[:1] == bytes([NAK])


_STRTOL = re.compile(r"[ \t\n\v\f\r]*([+-]?)(?:0[xX](?=[0-9a-fA-F]))?([0-9a-fA-F]*)")
_DIGITS = {10: "0123456789", 16: "0123456789abcdefABCDEF"}


def strtol(text: str, base: int) -> int:
    """C ``strtol(text, NULL, base)`` for base 10 or 16, clamped to a 64-bit long."""
    found = _STRTOL.match(text) if base == 16 else re.match(r"[ \t\n\v\f\r]*([+-]?)()", text)
    assert found is not None
    rest = text[found.end(1):] if base == 10 else found[2]
    if base == 16 and rest.startswith(("0x", "0X")):
        rest = rest[2:]
    digits = len(rest) - len(rest.lstrip(_DIGITS[base]))
    number = int(rest[:digits], base) if digits else 0
    number = -number if found[1] == "-" else number
    return max(-_LONG, min(_LONG - 1, number))


def value_text(fill: Fill, text: str) -> str:
    """A reply as the variable's value (the float scale is NUT's single precision)."""
    if fill.scale <= 1e-20:
        return text
    return c_printf("%.1f", f32(f32(float(strtol(text, 10))) * fill.scale))


def status_words(text: str, *, fake_lowbatt: bool) -> list[str]:
    """ups.status from the hex bit field of "AG" (``fake_lowbatt`` adds LB, even twice)."""
    bits = strtol(text, 16)
    words = [word for bit, word in ((_OVERLOAD, "OVER"), (_REPLACE, "RB")) if bits & bit]
    words.append("OB" if bits & _ON_BATTERY else "OL")
    words += [word for bit, word in ((_NO_OUTPUT, "OFF"), (_LOW, "LB")) if bits & bit]
    return words + (["LB"] if fake_lowbatt else [])


def on_battery(text: str | None) -> bool:
    """Whether the shutdown takes the unit for on battery (no answer: it does)."""
    return text is None or bool(strtol(text, 16) & _ON_BATTERY)


def battery(text: str) -> dict[str, str]:
    """battery.voltage and battery.charge from "BV" (tenths of a volt)."""
    volts = f32(strtol(text, 10) / 10.0)
    charge = f32((volts - 10.4) / 2.6 * 100.0)
    return {"battery.voltage": c_printf("%.1f", volts),
            "battery.charge": c_printf("%.1f", min(charge, 100.0))}


def model_name(text: str) -> str:
    """ups.model from "IO": a name ending in E, P or V reads "PowerES ...", and so on."""
    return f"Power{text[-1]}S {text}" if text[-1] in "EPV" else text


def zinto_model(text: str) -> str:
    """ups.model of an ONLINE unit: a "D..." model is a Zinto."""
    return f"Zinto {text}" if text[0] == "D" else text
