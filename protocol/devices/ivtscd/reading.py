"""NUT 2.8.0's ivtscd (0.03): the IVT solar charge controller's one status line.

How it works: ``F`` asks for the line, ``R:`` and seven numbers each ended by
``;`` (battery voltage, current, temperature, lowest and highest voltage,
lowest and highest current), written with decimal commas and spaces after
a minus sign (``R:12,57;- 1,1;20;...``). NUT turns commas into points, drops
spaces and NUL bytes, and reads the seven as C floats; fewer than seven is
no reading. ``L`` resets the minimum and maximum. The battery's nominal and
low voltages come from ups.conf (``default.``/``override.``
battery.voltage.nominal and .low; 12.00 V and 10.80 V otherwise): the
current says charging (OL) or not (OB), a voltage under the low one LB.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from nutrio.protocol.common.cfloat import c_printf, f32
from nutrio.protocol.common.cnum import c_strtod
from nutrio.protocol.common.cscan import c_sscanf

__all__ = ["REQUEST", "RESET_MINMAX", "IvtReading", "Levels", "levels", "parse", "readings",
           "status_words"]

REQUEST, RESET_MINMAX = b"F", b"L"
NOMINAL, LOW = f32(12.0), f32(10.8)


@dataclass(frozen=True, slots=True)
class IvtReading:
    """The seven numbers of one line, as C floats."""

    voltage: float
    current: float
    temperature: float
    voltage_min: float
    voltage_max: float
    current_min: float
    current_max: float


def parse(line: bytes) -> IvtReading | None:
    """One reply line as NUT reads it, or None when fewer than seven numbers scan."""
    text = line.decode("latin-1").replace(",", ".").replace(" ", "").replace("\0", "")
    found = c_sscanf("R:%f;%f;%f;%f;%f;%f;%f;", text)
    if len(found) < 7:
        return None
    return IvtReading(*(float(value) for value in found))


@dataclass(frozen=True, slots=True)
class Levels:
    """The battery's nominal and low voltages (C floats)."""

    nominal: float = NOMINAL
    low: float = LOW


def _configured(options: Mapping[str, str], name: str) -> str | None:
    for prefix in ("override.", "default."):
        if prefix + name in options:
            return options[prefix + name]
    return None


def levels(options: Mapping[str, str]) -> Levels:
    """The levels from ups.conf; ValueError with NUT's message when nominal is not above low."""
    nominal, low = (_configured(options, f"battery.voltage.{name}") for name in ("nominal", "low"))
    found = Levels(f32(c_strtod(nominal)) if nominal is not None else NOMINAL,
                   f32(c_strtod(low)) if low is not None else LOW)
    if found.nominal <= found.low:
        raise ValueError("Nominal battery voltage must be higher than low battery voltage!")
    return found


def readings(reading: IvtReading) -> dict[str, str]:
    """The variables of one reading, as NUT prints them."""
    return {
        "battery.voltage": c_printf("%.2f", reading.voltage),
        "battery.voltage.minimum": c_printf("%.2f", reading.voltage_min),
        "battery.voltage.maximum": c_printf("%.2f", reading.voltage_max),
        "battery.current": c_printf("%.1f", reading.current),
        "battery.current.minimum": c_printf("%.1f", reading.current_min),
        "battery.current.maximum": c_printf("%.1f", reading.current_max),
        "battery.temperature": c_printf("%.0f", reading.temperature),
    }


def status_words(reading: IvtReading, found: Levels) -> list[str]:
    """OL while charging, OB otherwise; LB under the low voltage."""
    words = ["OL" if reading.current > 0 else "OB"]
    return words + ["LB"] if reading.voltage < found.low else words
