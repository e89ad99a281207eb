"""pijuice: the PiJuice HAT on I2C, as NUT 2.8.0's pijuice 0.10. Debian's NUT 2.8.0
ships no pijuice binary, so this follows drivers/pijuice.c and is checked against a
simulated HAT built from it and shaped after the library's dumps (tests/i2clab/).

How it works (registers and their meaning: protocol/devices/pijuice/):

* ``open``: the port (/dev/i2c-N) with the slave address 0x14, the firmware version
  (ups.firmware; a release NUT does not know is logged), the fixed values, the
  ``I2C_ADDRESS`` register checked against the ``i2c_address`` option (NUT sets the
  slave address before it reads the option, so the option only changes the check; a
  mismatch stops the driver, as NUT's does), the battery profile (battery.capacity,
  battery.type), then the first update.
* ``poll``: status (battery.packs, the status words, battery.charger.status; the charge
  level first when a battery is there), battery temperature, voltage and current,
  input voltage and current, the RTC (ups.time, ups.date) and the power-off register.
  A register that fails keeps its old value, as in NUT (NUT's current reads print
  the error number as a current; nutrio keeps the old value there too). NUT never
  marks the data stale; nutrio does when the status register fails, closes the bus
  and opens it again at the next poll.
* killpower (``-k``): the bus opened and the firmware read (NUT's initups), then the
  power-off delay (30 s) written to the POWER_OFF register. No instant commands, no
  writable variables.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import ClassVar, Protocol, TypeVar

import structlog

from nutrio.actors.drivers.base import DeviceLike, PollResult, Sent, WithoutCommands
from nutrio.actors.drivers.errors import DriverConfigError, DriverIOError
from nutrio.actors.drivers.pijuice.i2cdev import I2cBus
from nutrio.protocol.common.cnum import c_atoi
from nutrio.protocol.devices import pijuice as pj
from nutrio.protocol.devices.dummy.devfile import DeviceVars
from nutrio.protocol.devices.pijuice import Reg

__all__ = ["Bus", "PiJuice"]

log = structlog.get_logger()

T = TypeVar("T")


class Bus(Protocol):
    """What the driver needs from an I2C bus (i2cdev.I2cBus; tests hand a simulated one)."""

    @property
    def is_open(self) -> bool: ...
    async def open(self, address: int) -> None: ...
    def close(self) -> None: ...
    async def read_byte(self, register: int) -> int: ...
    async def read_word(self, register: int) -> int: ...
    async def read_block(self, register: int, length: int) -> bytes: ...
    async def write_byte(self, register: int, value: int) -> None: ...


#: word registers read each update: variable, register, how NUT prints the value
_WORDS: tuple[tuple[str, Reg, Callable[[int], str]], ...] = (
    ("battery.temperature", Reg.BATTERY_TEMPERATURE, lambda w: str(pj.signed16(w))),
    ("battery.voltage", Reg.BATTERY_VOLTAGE, pj.milli),
    ("battery.current", Reg.BATTERY_CURRENT, pj.milli),
    ("input.voltage", Reg.IO_VOLTAGE, pj.milli),
    ("input.current", Reg.IO_CURRENT, pj.milli),
)


class PiJuice(WithoutCommands):
    """The pijuice driver (see the module comment)."""

    name: ClassVar[str] = "pijuice"
    version_internal: ClassVar[str] = "0.10"
    flags: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, device: DeviceLike, bus: Bus | None = None) -> None:
        self.bus: Bus = bus or I2cBus(device.port)
        self.port = device.port
        option = device.options.get("i2c_address")
        self.wanted = pj.ADDRESS if option is None else c_atoi(option) & 0xFF
        #: the last charge level read (NUT's: a failed read keeps it for LB/HB)
        self.level = 0.0
        self.source: str | None = None

    async def open(self, state: DeviceVars) -> None:
        await self._initups(state)
        for name, value in pj.FIXED_VARS.items():
            state.set(name, value)
        await self._check_address()
        if (block := await self._block(Reg.BATTERY_PROFILE)) is not None:
            state.set("battery.capacity", pj.capacity(block))
        if (block := await self._block(Reg.BATTERY_EXT_PROFILE)) is not None:
            state.set("battery.type", pj.battery_type(block))
        await self.poll(state)

    async def poll(self, state: DeviceVars) -> PollResult:
        if not self.bus.is_open:
            await self.bus.open(pj.ADDRESS)
            log.info("driver.i2c_reopened", port=self.port)
        try:
            status = pj.PowerStatus.of(await self.bus.read_byte(Reg.STATUS))
        except DriverIOError:
            self.bus.close()
            raise
        await self._status(state, status)
        for name, register, text in _WORDS:
            if (word := await self._quietly(self.bus.read_word(register))) is not None:
                state.set(name, text(word))
        if (block := await self._block(Reg.RTC_TIME)) is not None:
            state.set("ups.time", pj.rtc(block)[0])
            state.set("ups.date", pj.rtc(block)[1])
        await self._quietly(self.bus.read_byte(Reg.POWER_OFF))  # NUT only logs it
        return PollResult()

    async def close(self) -> None:
        self.bus.close()

    async def killpower(self) -> Sent:
        await self._initups(DeviceVars())
        delay = pj.shutdown_delay(pj.SHUTDOWN_DELAY)
        await self.bus.write_byte(Reg.POWER_OFF, delay)
        return Sent("shutdown.return", f"power off in {delay} s")

    async def _initups(self, state: DeviceVars) -> None:
        await self.bus.open(pj.ADDRESS)
        word = await self._quietly(self.bus.read_word(Reg.FIRMWARE_VERSION))
        if word is not None:
            version, known = pj.firmware(word)
            if not known:
                log.warning("driver.unknown_firmware", firmware=version)
            state.set("ups.firmware", version)

    async def _check_address(self) -> None:
        found = await self._quietly(self.bus.read_byte(Reg.I2C_ADDRESS))
        if found is not None and found != self.wanted:
            raise DriverConfigError(
                f"Could not find PiJuice HAT at I2C address 0x{self.wanted:x} "
                f"(the HAT says 0x{found:x})")

    async def _status(self, state: DeviceVars, status: pj.PowerStatus) -> None:
        for name, value in status.packs().items():
            state.set(name, value)
        if status.battery_present:
            word = await self._quietly(self.bus.read_word(Reg.CHARGE_LEVEL_HI_RES))
            if word is not None:
                self.level = pj.charge_level(word)
                state.set("battery.charge", f"{self.level:02.1f}")
        words, charger = pj.power_words(status, self.level)
        if status.source != self.source:
            log.info("driver.power_source", source=status.source)  # NUT's "On ... power"
            self.source = status.source
        state.set("ups.status", words or "")
        if charger is not None:
            state.set("battery.charger.status", charger)

    async def _block(self, register: Reg) -> bytes | None:
        return await self._quietly(self.bus.read_block(register, pj.BLOCK_LENGTHS[register]))

    async def _quietly(self, read: Awaitable[T]) -> T | None:
        """A register NUT skips when it fails (the variable keeps its value)."""
        try:
            return await read
        except DriverIOError as exc:
            log.debug("driver.i2c_read_failed", error=str(exc))
            return None
