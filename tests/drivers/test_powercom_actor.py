"""The powercom driver actor against simulated PowerCom units on pseudo-terminals.

Real clock, real pty, short waits: options, detection, a unit at another
speed, a silent unit, garbage and cut frames (stale, logged once, back),
the commands' bytes. The side-by-side test with the real driver is
tests/drivers/test_powercom_vs_real_nut.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import trio
from driver_helpers import Device, ask, serial_device, stale_then_back, start, status_is, wait_for
from sim.powercom_sim import KIN_1500, TRUST, PowercomUps, powercom_sim

from nutrio.actors.drivers import DriverConfigError, DriverError, make_driver, run_driver
from nutrio.actors.drivers.powercom.driver import PcTiming, PowerCom
from nutrio.actors.registry import DeviceHandle
from nutrio.protocol.common.state import ResultCode

QUICK = PcTiming(reply=0.5)  # room for a busy machine


@pytest.fixture
async def sim() -> AsyncIterator[tuple[PowercomUps, str]]:
    async with powercom_sim(KIN_1500) as pair:
        yield pair


def pc_device(tty: str, **options: str) -> Device:
    return serial_device("powercom", tty, name="pc", **options)


def quick(dev: Device) -> PowerCom:
    return PowerCom(dev, timing=QUICK)



def test_the_catalog_knows_the_driver() -> None:
    assert isinstance(make_driver(pc_device("/dev/null")), PowerCom)


async def test_driver_detects_the_unit_and_tells_the_power_story(nursery, sim) -> None:
    ups, tty = sim
    handle = await start(nursery, pc_device(tty, type="KIN"), factory=quick)
    data = handle.snapshot.data
    assert data.vars["ups.model"] == "KIN-1500AP" and data.vars["input.voltage.nominal"] == "230"
    assert ups.received[:3] == [b"\x01", b"\x03", b"\x01"]  # detect, battery test, update
    assert data.vars["ups.status"] == "OL TEST"
    for change, status in ((ups.on_battery, "OB"), (ups.low_battery, "OB LB"),
                           (ups.on_line, "OL"), (lambda: ups.avr(100), "OL BOOST")):
        change()
        await wait_for(handle, status_is(status))
    assert sorted(data.commands) == ["shutdown.return", "shutdown.stayoff", "test.battery.start"]
    assert await ask(handle, "INSTCMD", "shutdown.stayoff") == ResultCode.SUCCESS
    assert await ask(handle, "INSTCMD", "beeper.off") == ResultCode.CMD_NOT_SUPPORTED
    with trio.fail_after(2):  # the bytes are written; the simulator reads them soon
        while ups.commands()[-1] != bytes([0xBA, 1, 30]):
            await trio.sleep(0.01)


async def test_nobt_skips_the_battery_test(nursery, sim) -> None:
    ups, tty = sim
    handle = await start(nursery, pc_device(tty, type="KIN", nobt="true"), factory=quick)
    assert handle.snapshot.data.vars["driver.flag.nobt"] == "enabled"
    assert ups.commands() == []


async def test_unusable_options_are_refused_before_the_port_is_touched() -> None:
    with pytest.raises(DriverConfigError, match="Given UPS type 'KIN1500AP' isn't valid!"):
        await run_driver(pc_device("/dev/nonexistent-tty", type="KIN1500AP"), DeviceHandle("pc"))


async def test_a_silent_unit_fails_the_start_with_the_configured_type() -> None:
    async with powercom_sim(TRUST, mode="silent") as (ups, tty):
        with pytest.raises(DriverError, match="data receiving error"):
            await run_driver(pc_device(tty), DeviceHandle("pc"), factory=quick)
    assert ups.received == [b"\x01"]  # Trust: no detection, the first update fails


@pytest.mark.parametrize("mode", ["garbage", "partial", "silent"])
async def test_bad_replies_make_the_data_stale_and_the_actor_lives_on(nursery, sim, mode) -> None:
    ups, tty = sim
    handle = await start(nursery, pc_device(tty, type="KIN", restart_after="0"), factory=quick)
    warned = await stale_then_back(handle, ups, mode, ups.on_battery, "OB")
    assert warned == (0 if mode == "silent" else 1)
