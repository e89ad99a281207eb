"""The pijuice driver actor in-process, its I2C bus replaced by one that calls the
simulated HAT directly (tests/i2clab/pijuice.py); the same HAT through the real
/dev/i2c-N code path and the LD_PRELOAD lab is tests/i2clab/test_pijuice.py."""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType

import pytest
import trio
from driver_helpers import Device, start, status_is, wait_for
from structlog.testing import capture_logs

from nutrio.actors.drivers import make_driver
from nutrio.actors.drivers.catalog import device_file
from nutrio.actors.drivers.errors import DriverIOError
from nutrio.actors.drivers.killpower import kill_power
from nutrio.actors.drivers.pijuice.driver import PiJuice
from nutrio.protocol.devices.pijuice import Reg
from tests.i2clab.pijuice import UNITS, PiJuiceHat
from tests.i2clab.server import I2cError


class ModelBus:
    """The driver's Bus seam over a simulated chip, with what it was asked."""

    def __init__(self, hat: PiJuiceHat) -> None:
        self.hat = hat
        self.is_open = False
        self.opens: list[int] = []
        self.asked: list[tuple[str, int]] = []

    async def open(self, address: int) -> None:
        self.opens.append(address)
        self.is_open = True

    def close(self) -> None:
        self.is_open = False

    async def _do(self, op: str, register: int, *args: int) -> object:
        await trio.lowlevel.checkpoint()
        self.asked.append((op, register))
        try:
            return getattr(self.hat, op)(register, *args)
        except I2cError as exc:
            raise DriverIOError(f"/dev/i2c-1: {exc}") from exc

    async def read_byte(self, register: int) -> int:
        return await self._do("read_byte", register)  # type: ignore[return-value]

    async def read_word(self, register: int) -> int:
        return await self._do("read_word", register)  # type: ignore[return-value]

    async def read_block(self, register: int, length: int) -> bytes:
        return await self._do("read_block", register, length)  # type: ignore[return-value]

    async def write_byte(self, register: int, value: int) -> None:
        await self._do("write_byte", register, value)


def hat_device(**options: str) -> Device:
    return Device(name="hat", port="/dev/i2c-1", config_dir=Path("/tmp"), driver="pijuice",
                  pollinterval=0.05, maxage=1.0, options=MappingProxyType(options))


def on(bus: ModelBus):  # noqa: ANN201 - a driver factory
    return lambda dev: PiJuice(dev, bus=bus)


def test_the_catalog_knows_the_driver() -> None:
    assert isinstance(make_driver(hat_device()), PiJuice)
    assert device_file(hat_device()) == Path("/dev/i2c-1")  # check-config warns when absent


async def test_the_first_read_follows_pijuice_c(nursery) -> None:
    bus = ModelBus(PiJuiceHat(UNITS["hat_charging"]))
    with capture_logs() as logs:
        handle = await start(nursery, hat_device(), factory=on(bus))
    found = handle.snapshot.data.vars
    assert found["ups.status"] == "LB OL CHRG" and found["battery.charger.status"] == "charging"
    assert (found["battery.charge"], found["battery.current"]) == ("5.0", "-0.168")
    assert (found["ups.firmware"], found["device.type"]) == ("1.4", "HAT")
    assert (found["ups.time"], found["ups.date"]) == ("15:15:44.88", "2022-01-21")
    assert bus.opens == [0x14]
    assert [e["firmware"] for e in logs if e["event"] == "driver.unknown_firmware"] == ["1.4"]


async def test_status_words_follow_inputs_and_charge(nursery) -> None:
    hat = PiJuiceHat(UNITS["zero_phat"])
    handle = await start(nursery, hat_device(), factory=on(ModelBus(hat)))
    assert handle.snapshot.data.vars["ups.status"] == "OB DISCHRG"
    assert "battery.charger.status" not in handle.snapshot.data.vars
    hat.low_battery()
    await wait_for(handle, status_is("LB OB DISCHRG"))
    hat.status = 0xC8  # the 5 V GPIO present, charging from it
    await wait_for(handle, status_is("LB OL CHRG"))
    hat.status = 0x3C  # the HAT's input present, no battery: NUT sets no status
    await wait_for(handle, status_is(""))
    assert handle.snapshot.data.vars["battery.packs.bad"] == "1"


async def test_a_failed_register_keeps_its_value_a_failed_status_goes_stale(nursery) -> None:
    hat = PiJuiceHat(UNITS["hat_usb"])
    bus = ModelBus(hat)
    handle = await start(nursery, hat_device(), factory=on(bus))
    hat.silent = True
    await wait_for(handle, lambda s: s.stale)
    hat.silent = False
    await wait_for(handle, lambda s: not s.stale)
    assert len(bus.opens) >= 2  # the bus was opened again
    assert handle.snapshot.data.vars["battery.voltage"] == "3.700"


async def test_garbage_registers_never_crash_the_driver(nursery) -> None:
    hat = PiJuiceHat(UNITS["hat_2019"])
    handle = await start(nursery, hat_device(), factory=on(ModelBus(hat)))
    hat.garbage = True
    for _ in range(20):
        await wait_for(handle, lambda s: True)
        await trio.sleep(0.05)
    hat.garbage = False
    await wait_for(handle, status_is("HB OL"))


async def test_killpower_opens_reads_the_firmware_and_writes_thirty_seconds() -> None:
    hat = PiJuiceHat(UNITS["hat_2019"])
    bus = ModelBus(hat)
    result = await kill_power(hat_device(), factory=on(bus))
    assert bus.asked == [("read_word", Reg.FIRMWARE_VERSION), ("write_byte", Reg.POWER_OFF)]
    assert hat.written == [(Reg.POWER_OFF, 30)]
    assert result.command == "shutdown.return"


async def test_killpower_fails_when_the_hat_does_not_answer() -> None:
    hat = PiJuiceHat(UNITS["hat_2019"])
    hat.silent = True
    with pytest.raises(DriverIOError):
        await kill_power(hat_device(), factory=on(ModelBus(hat)))
