"""Megatec battery.charge and runtime guesses (nutdrv_qx qx_initbattery / qx_battery)."""

from __future__ import annotations

import math
from dataclasses import dataclass

_PACKS = (120, 100, 80, 60, 48, 36, 30, 24, 18, 12, 8, 6, 4, 3, 2, 1, 0.5)


def default_voltage_limits(nominal: float) -> tuple[float, float]:
    """battery.voltage.low/high when neither the UPS nor ups.conf gives them."""
    return 104 * nominal / 120, 130 * nominal / 120


def detect_packs(actual: float, nominal: float) -> float | None:
    """The battery voltage multiplier: the largest that puts ``actual`` near ``nominal``."""
    for packs in _PACKS:
        if packs * actual > 1.2 * nominal:
            continue
        if packs * actual < 0.8 * nominal:
            return None
        return float(packs)
    return None


def guess_charge(actual: float, low: float, high: float) -> str | None:
    """battery.charge from the voltage, linear between low and high, "%.0f"."""
    if not (low > 0 and high > low):
        return None
    charge = min(100.0, max(0.0, 100 * (actual - low) / (high - low)))
    return f"{charge:.0f}"


@dataclass(frozen=True, slots=True)
class RuntimeCal:
    """ups.conf ``runtimecal = rh,lh,rl,ll``: runtime rh s at lh % load, rl s at ll %.

    ``exponent`` relates load to drain; ``nominal`` is the runtime at 100 % load.
    """

    exponent: float
    nominal: float

    @classmethod
    def parse(cls, text: str) -> RuntimeCal:
        """Raises ValueError with NUT's complaint when the four numbers do not fit."""
        parts = text.split(",")
        try:
            rh, lh, rl, ll = (float(part) for part in parts[:4])
        except ValueError:
            raise ValueError("Insufficient parameters for runtimecal") from None
        if rl < rh or rh <= 0:
            raise ValueError("Parameter out of range (runtime)")
        if lh > 100 or ll > lh or ll <= 0:
            raise ValueError("Parameter out of range (load)")
        exponent = math.log(rl / rh) / math.log(lh / ll)
        return cls(exponent=exponent, nominal=rh * (lh / 100) ** exponent)

    def effective_load(self, load_percent: float, idle: float) -> float:
        """How fast the battery drains at this load, never below the idle load."""
        return max(float((load_percent / 100) ** self.exponent), idle)
