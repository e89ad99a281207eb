"""The PiJuice HAT's registers NUT 2.8.0's pijuice 0.10 uses, and its fixed values."""

from __future__ import annotations

from enum import IntEnum
from types import MappingProxyType

__all__ = ["ADDRESS", "BLOCK_LENGTHS", "FIXED_VARS", "HIGH_BATTERY", "LOW_BATTERY",
           "SHUTDOWN_DELAY", "Reg", "shutdown_delay"]

#: the HAT's I2C address (NUT's default; see the driver for the i2c_address option)
ADDRESS = 0x14


class Reg(IntEnum):
    """Register numbers (SMBus commands)."""

    STATUS = 0x40  # byte: battery state, power input, 5 V GPIO input
    CHARGE_LEVEL_HI_RES = 0x42  # word: per mille
    BATTERY_TEMPERATURE = 0x47  # word
    BATTERY_VOLTAGE = 0x49  # word: mV
    BATTERY_CURRENT = 0x4B  # word: mA, signed
    IO_VOLTAGE = 0x4D  # word: mV
    IO_CURRENT = 0x4F  # word: mA, signed
    BATTERY_PROFILE = 0x53  # block: capacity in mAh first (little-endian)
    BATTERY_EXT_PROFILE = 0x54  # block
    POWER_OFF = 0x62  # byte: seconds until the HAT cuts the power (255: none)
    I2C_ADDRESS = 0x7C  # byte: the address the HAT answers at
    RTC_TIME = 0xB0  # block: BCD seconds, minutes, hours, weekday, day, month, year, 1/256 s
    FIRMWARE_VERSION = 0xFD  # word: major in bits 4-7, minor in bits 0-3


#: bytes NUT reads from each block register
BLOCK_LENGTHS = MappingProxyType({Reg.BATTERY_PROFILE: 14, Reg.BATTERY_EXT_PROFILE: 17,
                                  Reg.RTC_TIME: 9})
#: battery.charge at or below this is LB, above HIGH_BATTERY is HB (percent)
LOW_BATTERY, HIGH_BATTERY = 25.0, 75.0
#: what NUT sets once at start (battery.voltage.nominal is NUT's constant, not read)
FIXED_VARS = MappingProxyType({
    "ups.mfr": "PiJuice", "ups.type": "HAT", "device.mfr": "PiJuice", "device.type": "HAT",
    "battery.charge.low": f"{LOW_BATTERY:.0f}", "battery.voltage.nominal": "4.180"})
#: seconds the HAT waits before it cuts the power after killpower (no option changes it)
SHUTDOWN_DELAY = 30


def shutdown_delay(seconds: int) -> int:
    """What NUT writes to POWER_OFF for a delay: 1-250 (0 would clear the power-off)."""
    return min(max(seconds, 1), 250)
