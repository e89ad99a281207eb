"""The ivtscd driver actor against simulated IVT controllers on pseudo-terminals.

Real clock, real pty, short waits: the start, the readings as the battery
charges and runs low, the command's byte, a controller that stops answering
or sends garbage (stale, logged once, back), a silent one ending the actor
for a restart, one never detected, killpower waiting for the battery. The
side-by-side test with the real driver is tests/drivers/test_ivtscd_vs_real_nut.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import trio
from driver_helpers import (
    Device,
    ask,
    restart_after_silence,
    serial_device,
    stale_then_back,
    start,
    status_is,
    wait_for,
)
from sim.ivtscd_sim import IvtUnit, ivt_sim

from nutrio.actors.drivers import DriverConfigError, DriverError, make_driver, run_driver
from nutrio.actors.drivers.ivtscd.driver import Ivtscd, IvtTiming
from nutrio.actors.drivers.killpower import kill_power
from nutrio.actors.registry import DeviceHandle
from nutrio.protocol.common.state import ResultCode

QUICK = IvtTiming(digest=0.02, reply=0.5)  # room for a busy machine (6 test workers on 2 cores)


@pytest.fixture
async def sim() -> AsyncIterator[tuple[IvtUnit, str]]:
    async with ivt_sim() as pair:
        yield pair


def ivt_device(tty: str, **options: str) -> Device:
    return serial_device("ivtscd", tty, name="ivt", **options)


def quick(dev: Device) -> Ivtscd:
    return Ivtscd(dev, timing=QUICK)


def test_the_catalog_knows_the_driver() -> None:
    assert isinstance(make_driver(ivt_device("/dev/null")), Ivtscd)


async def test_driver_reads_the_controller_and_tells_the_battery_story(nursery, sim) -> None:
    ups, tty = sim
    handle = await start(nursery, ivt_device(tty, **{"default.battery.voltage.low": "11.5"}),
                         factory=quick)
    vars_ = handle.snapshot.data.vars
    assert vars_["device.mfr"] == "IVT" and vars_["device.type"] == "scd"
    assert vars_["battery.voltage.low"] == "11.5" and vars_["ups.status"] == "OB"
    for change, status in ((ups.charging, "OL"), (lambda: ups.discharging(11.4), "OB LB"),
                           (lambda: ups.discharging(11.6), "OB")):
        change()
        await wait_for(handle, status_is(status))
    assert await ask(handle, "INSTCMD", "reset.input.minmax") == ResultCode.SUCCESS
    assert await ask(handle, "INSTCMD", "load.off") == ResultCode.CMD_NOT_SUPPORTED
    snap = await wait_for(handle, lambda s: s.data.vars["battery.voltage.minimum"] == "11.60")
    assert ups.commands() == [b"L"] and snap.data.vars["battery.current.maximum"] == "-1.9"


@pytest.mark.parametrize("mode", ["garbage", "partial", "silent"])
async def test_bad_replies_make_the_data_stale_and_the_actor_lives_on(nursery, sim, mode) -> None:
    ups, tty = sim
    handle = await start(nursery, ivt_device(tty, restart_after="0"), factory=quick)
    warned = await stale_then_back(handle, ups, mode, ups.charging, "OL")
    assert warned == 1


async def test_a_silent_controller_ends_the_actor_and_a_restart_reads_it_again(sim) -> None:
    ups, tty = sim
    read = await restart_after_silence(
        ivt_device(tty, restart_after="0.5"), quick,
        lambda: setattr(ups, "mode", "silent"), lambda: setattr(ups, "mode", "normal"))
    assert read["battery.voltage"] == "12.10"


async def test_a_controller_that_never_answers_is_not_detected() -> None:
    async with ivt_sim(mode="garbage") as (ups, tty):
        with pytest.raises(DriverError, match="IVT Solar Controller not detected"):
            await run_driver(ivt_device(tty), DeviceHandle("ivt"), factory=quick)
    assert ups.received == [b"F"]


async def test_levels_that_make_no_sense_are_refused_before_the_port_is_touched() -> None:
    with pytest.raises(DriverConfigError, match="Nominal battery voltage must be higher"):
        await run_driver(ivt_device("/dev/nonexistent-tty",
                                    **{"override.battery.voltage.low": "13"}), DeviceHandle("ivt"))


async def test_killpower_returns_once_the_battery_is_back(sim) -> None:
    ups, tty = sim
    ups.voltage = 11.0
    results = []

    async def kill() -> None:
        results.append(await kill_power(ivt_device(tty), factory=quick))

    async with trio.open_nursery() as nursery:
        nursery.start_soon(kill)
        await trio.sleep(0.5)
        assert not results and len(ups.received) >= 2  # still reading
        ups.voltage = 12.0  # at nominal: back
    assert results[0].detail == "Power is back!" and set(ups.received) == {b"F"}
