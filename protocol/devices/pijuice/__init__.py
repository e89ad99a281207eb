"""The PiJuice HAT (Pi Supply's battery HAT for the Raspberry Pi), on I2C at 0x14, as
NUT 2.8.0's pijuice driver reads it: registers and what their values mean."""

from nutrio.protocol.devices.pijuice.readings import (
    PowerStatus,
    battery_type,
    capacity,
    charge_level,
    firmware,
    milli,
    power_words,
    rtc,
    signed16,
)
from nutrio.protocol.devices.pijuice.registers import (
    ADDRESS,
    BLOCK_LENGTHS,
    FIXED_VARS,
    HIGH_BATTERY,
    LOW_BATTERY,
    SHUTDOWN_DELAY,
    Reg,
    shutdown_delay,
)

__all__ = ["ADDRESS", "BLOCK_LENGTHS", "FIXED_VARS", "HIGH_BATTERY", "LOW_BATTERY",
           "SHUTDOWN_DELAY", "PowerStatus", "Reg", "battery_type", "capacity", "charge_level",
           "firmware", "milli", "power_words", "rtc", "shutdown_delay", "signed16"]
