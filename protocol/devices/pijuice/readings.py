"""What the PiJuice's register values mean, as NUT 2.8.0's pijuice 0.10 serves them.

The status byte holds three 2-bit fields: bits 2-3 the battery (0 normal, 1 charging
from the HAT's own input, 2 charging from the Pi's 5 V GPIO, 3 absent), bits 4-5 the
HAT's input and bits 6-7 the 5 V GPIO (0 absent, 1 bad, 2 weak, 3 present). NUT's
status is built from them and the charge level (see :func:`power_words`); quirks kept:
with the HAT's input present, a battery charging from the GPIO or absent sets no status
at all, and the battery chemistry always reads LiPO (NUT masks a byte with 0xFF00).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from nutrio.protocol.devices.pijuice.registers import HIGH_BATTERY, LOW_BATTERY

__all__ = ["PowerStatus", "battery_type", "capacity", "charge_level", "firmware", "milli",
           "power_words", "rtc", "signed16"]

NORMAL, FROM_INPUT, FROM_5V, ABSENT = 0, 1, 2, 3
NOT_PRESENT = 0
Source = Literal["usb", "gpio", "both", "battery"]


@dataclass(frozen=True, slots=True)
class PowerStatus:
    """The three fields of the status byte."""

    battery: int
    power_input: int
    gpio_5v: int

    @classmethod
    def of(cls, byte: int) -> PowerStatus:
        return cls(battery=byte >> 2 & 3, power_input=byte >> 4 & 3, gpio_5v=byte >> 6 & 3)

    @property
    def battery_present(self) -> bool:
        return self.battery != ABSENT

    @property
    def source(self) -> Source:
        """Where the power comes from, in NUT's words ("USB" is NUT's name for the case
        with only the GPIO present)."""
        if self.power_input == NOT_PRESENT:
            return "battery" if self.gpio_5v == NOT_PRESENT else "usb"
        return "gpio" if self.gpio_5v == NOT_PRESENT else "both"

    def packs(self) -> dict[str, str]:
        return {"battery.packs": "0" if self.battery == ABSENT else "1",
                "battery.packs.bad": "1" if self.battery == ABSENT else "0"}


def _charge_word(level: float, present: bool) -> str:
    if not present:
        return "RB "
    if level <= LOW_BATTERY:
        return "LB "
    return "HB " if level > HIGH_BATTERY else ""


#: source -> the battery state that adds CHRG there (NUT's branches)
_CHARGING = MappingProxyType({"usb": FROM_5V, "gpio": FROM_INPUT, "both": FROM_INPUT})


def power_words(status: PowerStatus, level: float) -> tuple[str | None, str | None]:
    """(ups.status text or None when NUT sets none, battery.charger.status or None)."""
    prefix = _charge_word(level, status.battery_present)
    source = status.source
    if source == "battery":
        return prefix + "OB DISCHRG", None
    if status.battery == _CHARGING[source]:
        return prefix + "OL CHRG", "charging"
    if status.battery == NORMAL:
        return prefix + "OL", "resting"
    # NUT's "usb" branch sets its status whatever the battery does; the others do not
    return (prefix + "OL" if source == "usb" else None), None


def charge_level(word: int) -> float:
    """battery.charge as a number: the register is per mille."""
    return word / 10.0


def signed16(word: int) -> int:
    return word - 0x10000 if word & 0x8000 else word


def milli(word: int, *, signed: bool = True) -> str:
    """A mV or mA register as NUT prints it, in V or A with three decimals."""
    return f"{(signed16(word) if signed else word) / 1000.0:.3f}"


def firmware(word: int) -> tuple[str, bool]:
    """ups.firmware ("major.minor") and whether NUT knows the release (1.0 - 1.3)."""
    major, minor = (word >> 4) & 0xFF, word & 0x0F
    return f"{major}.{minor}", major == 1 and minor <= 3


def capacity(block: bytes) -> str:
    """battery.capacity in Ah from the battery profile's first two bytes (mAh)."""
    return f"{(block[1] << 8 | block[0]) / 1000.0:.3f}"


def battery_type(_block: bytes) -> str:
    """battery.type: NUT tests ``block[0] & 0xFF00`` on a byte, which is always 0."""
    return "LiPO"


def _bcd(byte: int, tens_mask: int) -> int:
    return ((byte >> 4) & tens_mask) * 10 + (byte & 0x0F)


def rtc(block: bytes) -> tuple[str, str]:
    """(ups.time "hh:mm:ss.cc", ups.date "yyyy-mm-dd") from the RTC block."""
    second, minute, hour = _bcd(block[0], 7), _bcd(block[1], 7), _bcd(block[2], 3)
    day, month, year = _bcd(block[4], 3), _bcd(block[5], 1), _bcd(block[6], 0x0F) + 2000
    hundredths = block[7] * 100 // 256
    return f"{hour:02d}:{minute:02d}:{second:02d}.{hundredths:02d}", f"{year:04d}-{month:02d}-{day:02d}"
