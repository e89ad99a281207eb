"""A simulated PiJuice HAT for the I2C lab, built from NUT 2.8.0's drivers/pijuice.c (Debian
ships no pijuice binary to compare with) and shaped after the library's dumps.

Each unit is one dump's readings as the registers hold them (:data:`UNITS`): the status
byte that gives its ups.status, the charge in per mille, the raw temperature word (the
dumps' -232 and 248 are what a word read gives), mV and mA words (signed), the battery
profile's capacity, the RTC in BCD, the firmware word. ``written`` keeps each register
write; ``silent`` makes every transfer fail (EREMOTEIO: no acknowledge);
``garbage`` answers random values.
"""

from __future__ import annotations

import errno
import random
from dataclasses import dataclass

from nutrio.protocol.devices.pijuice import ADDRESS, Reg
from tests.i2clab.server import I2cError

__all__ = ["DUMPS", "UNITS", "HatUnit", "PiJuiceHat"]

#: status bytes: battery normal/charging from the HAT's input, which inputs are present
ON_GPIO, ON_USB, ON_BATTERY = 0x30, 0xC0, 0x00
CHARGING_BOTH = 0xF4


@dataclass(frozen=True, slots=True)
class HatUnit:
    firmware: int
    capacity: int  # mAh
    status: int
    charge: int  # per mille
    temperature: int  # the raw word
    battery_mv: int
    battery_ma: int
    io_mv: int
    io_ma: int
    rtc: tuple[int, ...]  # BCD s, min, h, weekday, day, month, year; then 1/256 s
    address: int = ADDRESS


def bcd(*values: int) -> tuple[int, ...]:
    return tuple((v // 10) << 4 | v % 10 for v in values)


UNITS = {
    # PR 730: a HAT on its own input, charged
    "hat_2019": HatUnit(0x13, 1820, ON_GPIO, 937, 48, 4113, 10, 5014, 1727,
                        bcd(56, 53, 23, 4, 12, 9, 19) + (236, 0)),
    # PiJuice issue 124: charging from its input with both present, nearly empty
    "hat_charging": HatUnit(0x14, 1000, CHARGING_BOTH, 50, 56, 3648, -168, 4966, -592,
                            bcd(44, 15, 15, 5, 21, 1, 22) + (226, 0)),
    # the same report's log: on the Pi's 5 V only
    "hat_usb": HatUnit(0x14, 1820, ON_USB, 510, 251, 3700, 264, 4988, 64,
                       bcd(40, 48, 21, 5, 21, 1, 22) + (98, 0)),
    # a 2024 HAT, firmware 1.6 (unknown to NUT 2.8.0), temperature word 0xff18
    "hat_2024": HatUnit(0x16, 1000, ON_GPIO, 968, 0xFF18, 4128, 0, 5227, 2987,
                        bcd(16, 28, 22, 1, 25, 3, 24) + (113, 0)),
    # a Zero pHAT on battery, its clock never set
    "zero_phat": HatUnit(0x14, 1000, ON_BATTERY, 514, 248, 3709, 0, 5094, 12,
                         bcd(11, 3, 0, 6, 1, 1, 0) + (111, 0)),
}
#: unit -> its dump in ../shared/data/ddl
DUMPS = {
    "hat_2019": "PiSupply__PiSupply__PiJuice_HAT__pijuice__2.8.0__01.dev",
    "hat_charging": "PiSupply__PiSupply__PiJuice_HAT__pijuice__2.8.0__02.dev",
    "hat_usb": "PiSupply__PiSupply__PiJuice_HAT__pijuice__2.8.0__03.dev",
    "hat_2024": "PiSupply__PiSupply__PiJuice_HAT__pijuice__2.8.0__04.dev",
    "zero_phat": "PiSupply__PiSupply__PiJuice_Zero_pHAT__pijuice__2.8.0__01.dev",
}


def _word(value: int) -> int:
    return value & 0xFFFF


class PiJuiceHat:
    """The HAT's registers (see the module comment)."""

    def __init__(self, unit: HatUnit) -> None:
        self.unit = unit
        self.status = unit.status
        self.charge = unit.charge
        self.power_off = 0xFF
        self.written: list[tuple[int, int]] = []
        self.silent = False
        self.garbage = False
        self.rng = random.Random(18)

    # -- what tests change -------------------------------------------------------------

    def on_battery(self) -> None:
        self.status = ON_BATTERY

    def low_battery(self) -> None:
        self.charge = 150

    def on_line(self) -> None:
        self.status, self.charge = self.unit.status, self.unit.charge

    # -- the chip ----------------------------------------------------------------------

    def _check(self) -> None:
        if self.silent:
            raise I2cError(errno.EREMOTEIO)

    def read_byte(self, register: int) -> int:
        self._check()
        values = {Reg.STATUS: self.status, Reg.POWER_OFF: self.power_off,
                  Reg.I2C_ADDRESS: self.unit.address}
        if register not in values:
            raise I2cError(errno.EREMOTEIO)
        return self.rng.randrange(256) if self.garbage else values[register]

    def read_word(self, register: int) -> int:
        self._check()
        u = self.unit
        values = {Reg.CHARGE_LEVEL_HI_RES: self.charge, Reg.BATTERY_TEMPERATURE: u.temperature,
                  Reg.BATTERY_VOLTAGE: u.battery_mv, Reg.BATTERY_CURRENT: u.battery_ma,
                  Reg.IO_VOLTAGE: u.io_mv, Reg.IO_CURRENT: u.io_ma,
                  Reg.FIRMWARE_VERSION: u.firmware}
        if register not in values:
            raise I2cError(errno.EREMOTEIO)
        return self.rng.randrange(0x10000) if self.garbage else _word(values[register])

    def read_block(self, register: int, length: int) -> bytes:
        self._check()
        blocks = {Reg.BATTERY_PROFILE: self.unit.capacity.to_bytes(2, "little"),
                  Reg.BATTERY_EXT_PROFILE: b"", Reg.RTC_TIME: bytes(self.unit.rtc)}
        if register not in blocks:
            raise I2cError(errno.EREMOTEIO)
        if self.garbage:
            return self.rng.randbytes(length)
        return blocks[register].ljust(length, b"\0")[:length]

    def write_byte(self, register: int, value: int) -> None:
        self._check()
        self.written.append((register, value))
        if register == Reg.POWER_OFF:
            self.power_off = value

    def write_word(self, register: int, value: int) -> None:
        self._check()
        self.written.append((register, value))
