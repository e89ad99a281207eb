"""The safenet driver actor against simulated SafeNet units on pseudo-terminals.

Real clock, real pty, short waits: the start, the status story, the commands'
requests, two forgiven misses then stale (logged once) and back, a silent
unit ending the actor for a restart, a unit that never answers, the
options. The side-by-side test with the real driver is
tests/drivers/test_safenet_vs_real_nut.py.
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
from sim.safenet_sim import SafenetUps, safenet_sim

from nutrio.actors.drivers import DriverConfigError, DriverError, make_driver, run_driver
from nutrio.actors.drivers.killpower import kill_power
from nutrio.actors.drivers.safenet.driver import Safenet, SafenetTiming
from nutrio.actors.registry import DeviceHandle
from nutrio.protocol.common.state import ResultCode
from nutrio.protocol.devices import safenet as sn
from nutrio.protocol.devices.dummy.devfile import DeviceVars

QUICK = SafenetTiming(reply=0.5, settle=0.0)  # room for a busy machine


@pytest.fixture
async def sim() -> AsyncIterator[tuple[SafenetUps, str]]:
    async with safenet_sim() as pair:
        yield pair


def sn_device(tty: str, **options: str) -> Device:
    return serial_device("safenet", tty, name="sn", **options)


def quick(dev: Device) -> Safenet:
    return Safenet(dev, timing=QUICK)


def test_the_catalog_knows_the_driver() -> None:
    assert isinstance(make_driver(sn_device("/dev/null")), Safenet)


async def test_driver_starts_and_tells_the_power_story(nursery, sim) -> None:
    ups, tty = sim
    handle = await start(nursery, sn_device(tty, offdelay="20", manufacturer="Fenton"),
                         factory=quick)
    data = handle.snapshot.data
    assert ups.received[0] == sn.INITIALIZE and sn.is_status_request(ups.received[1])
    assert data.vars["ups.mfr"] == "Fenton" and data.vars["ups.delay.shutdown"] == "20"
    assert data.vars["ups.delay.start"] == "60" and data.vars["ups.status"] == "OL"
    for change, status in ((ups.on_battery, "OB"), (ups.low_battery, "OB LB"),
                           (lambda: ups.set("systemfail"), "ALARM OL"),
                           (ups.on_line, "OL")):
        change()
        await wait_for(handle, status_is(status))
    assert "ups.alarm" not in handle.snapshot.data.vars
    assert len(data.commands) == 11


async def test_commands_send_their_requests(nursery, sim) -> None:
    ups, tty = sim
    handle = await start(nursery, sn_device(tty), factory=quick)
    ups.received.clear()
    for command in ("test.battery.start", "beeper.mute", "beeper.mute", "beeper.enable",
                    "shutdown.return"):
        assert await ask(handle, "INSTCMD", command) == ResultCode.SUCCESS
    assert await ask(handle, "INSTCMD", "load.off") == ResultCode.CMD_NOT_SUPPORTED
    assert ups.commands() == [sn.BATTERY_TEST, sn.TOGGLE_BEEP, sn.TOGGLE_BEEP,
                              b"ZBASADAWLPGE\r"]
    ups.mode = "silent"
    assert await ask(handle, "INSTCMD", "test.failure.start") == ResultCode.FAILED


@pytest.mark.parametrize("mode", ["garbage", "partial", "silent"])
async def test_bad_replies_make_the_data_stale_and_the_actor_lives_on(nursery, sim, mode) -> None:
    ups, tty = sim
    handle = await start(nursery, sn_device(tty, restart_after="0"), factory=quick)
    warned = await stale_then_back(handle, ups, mode, ups.on_battery, "OB")
    assert warned == 1


async def test_two_misses_change_nothing_the_third_makes_the_data_stale(sim) -> None:
    ups, tty = sim
    driver, state = quick(sn_device(tty)), DeviceVars()
    await driver.open(state)
    ups.on_battery()
    ups.mode = "silent"
    for _ in range(2):
        await driver.poll(state)  # NUT: no datastale yet, the old status stands
    assert state.get("ups.status") == "OL"
    with pytest.raises(DriverError, match="Status read failed"):
        await driver.poll(state)
    ups.mode = "normal"
    await driver.poll(state)
    assert state.get("ups.status") == "OB"
    await driver.close()


async def test_a_silent_unit_ends_the_actor_and_a_restart_reads_it_again(sim) -> None:
    ups, tty = sim
    read = await restart_after_silence(
        sn_device(tty, restart_after="0.5", modelname="P600E"), quick,
        lambda: setattr(ups, "mode", "silent"), lambda: setattr(ups, "mode", "normal"))
    assert read["ups.model"] == "P600E" and read["ups.status"] == "OL"


async def test_a_unit_that_never_answers_fails_the_start_after_three_tries() -> None:
    async with safenet_sim(mode="silent") as (ups, tty):
        with pytest.raises(DriverError, match="SafeNet protocol compatible UPS not found"):
            await run_driver(sn_device(tty), DeviceHandle("sn"), factory=quick)
    assert ups.received == [sn.INITIALIZE] * 3


async def test_killpower_on_battery_returns_when_power_does(sim) -> None:
    ups, tty = sim
    ups.on_battery()
    result = await kill_power(sn_device(tty, offdelay="5"), factory=quick)
    assert result.command == "shutdown.return"
    with trio.fail_after(2):
        while ups.received[-1:] != [b"ZBASAAFWLPGE\r"]:
            await trio.sleep(0.01)


async def test_unusable_delays_are_refused_before_the_port_is_touched() -> None:
    with pytest.raises(DriverConfigError, match=r"Shutdown delay '1000' out of range"):
        await run_driver(sn_device("/dev/nonexistent-tty", offdelay="1000"), DeviceHandle("sn"))
