"""The liebert-esp2 driver actor against simulated Liebert units on pseudo-terminals.

Real clock, real pty, short waits: options, a unit at another speed, a
silent unit, garbage and cut replies (stale, logged once, back), the power
story. The side-by-side test with the real driver is
tests/drivers/test_liebert_vs_real_nut.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from driver_helpers import Device, serial_device, stale_then_back, start, status_is, wait_for
from sim.liebert_sim import GXT2_3000, NXE_20K, LiebertUps, liebert_sim

from nutrio.actors.drivers import DriverConfigError, DriverError, make_driver, run_driver
from nutrio.actors.drivers.liebert_esp2.driver import EspTiming, LiebertEsp2
from nutrio.actors.registry import DeviceHandle

QUICK = EspTiming(reply=0.5)  # room for a busy machine


@pytest.fixture
async def sim() -> AsyncIterator[tuple[LiebertUps, str]]:
    async with liebert_sim(GXT2_3000) as pair:
        yield pair


def esp_device(tty: str, **options: str) -> Device:
    return serial_device("liebert-esp2", tty, name="gxt", **options)


def quick(dev: Device) -> LiebertEsp2:
    return LiebertEsp2(dev, timing=QUICK)



def test_the_catalog_knows_the_driver() -> None:
    assert isinstance(make_driver(esp_device("/dev/null")), LiebertEsp2)


async def test_driver_serves_the_unit_and_tells_the_power_story(nursery, sim) -> None:
    ups, tty = sim
    handle = await start(nursery, esp_device(tty), factory=quick)
    data = handle.snapshot.data
    assert data.vars["ups.mfr"] == "Liebert"
    assert data.vars["ups.serial"] == "0323000167AF491     "
    assert data.vars["output.voltage"] == "230.4" and data.vars["ups.power"] == "513"
    assert not data.commands and not data.info  # nothing to command, nothing writable
    for change, status in ((ups.on_battery, "OB DISCHRG"), (ups.low_battery, "OB DISCHRG LB"),
                           (ups.on_line, "OL")):
        change()
        await wait_for(handle, status_is(status))


async def test_an_unknown_baudrate_is_refused_before_the_port_is_touched() -> None:
    with pytest.raises(DriverConfigError, match=r"Baudrate \[4711\] unsupported"):
        await run_driver(esp_device("/dev/nonexistent-tty", baudrate="4711"), DeviceHandle("gxt"))


async def test_a_unit_at_another_speed_is_not_detected() -> None:
    async with liebert_sim(NXE_20K) as (ups, tty):  # talks at 9600; the default is 2400
        with pytest.raises(DriverError, match="ESP-II capable UPS not detected"):
            await run_driver(esp_device(tty), DeviceHandle("nxe"), factory=quick)
    assert ups.raw and not ups.received  # it heard noise only


@pytest.mark.parametrize("mode", ["garbage", "partial", "silent"])
async def test_bad_replies_make_the_data_stale_and_the_actor_lives_on(nursery, sim, mode) -> None:
    ups, tty = sim
    handle = await start(nursery, esp_device(tty, restart_after="0"), factory=quick)
    warned = await stale_then_back(handle, ups, mode, ups.on_battery, "OB DISCHRG")
    assert warned == (0 if mode == "silent" else 1)
