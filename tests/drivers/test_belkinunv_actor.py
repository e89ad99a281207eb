"""The belkinunv driver actor against simulated Universal UPS units on pseudo-terminals.

Real clock, real pty, short waits: the start, the power story, a silent unit and
garbage answers (stale, logged once, back), the restart of a unit that stays silent,
the bytes of commands and SET. The side-by-side test with the real driver is
tests/drivers/test_belkinunv_vs_real_nut.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from types import MappingProxyType

import pytest
import trio
from driver_helpers import (
    Device,
    ask,
    restart_after_silence,
    stale_then_back,
    start,
    status_is,
    type_reply,
    wait_for,
)
from sim.belkinunv_sim import F6C120, F6C800, UnvUps
from sim.pty import serving

from nutrio.actors.drivers import DriverConfigError, make_driver
from nutrio.actors.drivers.belkin.unv import BelkinUnv
from nutrio.protocol.common.state import ResultCode
from nutrio.protocol.devices.belkin.unv import Reg, write_request


@pytest.fixture
async def sim() -> AsyncIterator[tuple[UnvUps, str]]:
    async with serving(UnvUps(F6C800)) as pair:
        yield pair


def unv_device(tty: str, **options: str) -> Device:
    return Device(name="unv", port=tty, config_dir=Path("/tmp"), driver="belkinunv",
                  pollinterval=0.05, maxage=2.0, options=MappingProxyType(options))


def quick(dev: Device) -> BelkinUnv:
    return BelkinUnv(dev, settle=0.01, reply=0.2)


def test_the_catalog_knows_the_driver_and_refuses_the_wait_tool() -> None:
    assert isinstance(make_driver(unv_device("/dev/null")), BelkinUnv)
    with pytest.raises(DriverConfigError, match="wait mode"):
        make_driver(unv_device("/dev/null", wait="true"))


async def test_driver_reads_the_unit_and_tells_the_power_story(nursery, sim) -> None:
    ups, tty = sim
    handle = await start(nursery, unv_device(tty), factory=quick)
    data = handle.snapshot.data
    assert data.vars["ups.model"] == "F6C800-UNV" and data.vars["ups.type"] == "ONLINE"
    assert data.vars["input.voltage"] == data.vars["input.voltage.maximum"] == "119.6"
    assert data.vars["ups.temperature"] == "31" and data.vars["battery.runtime"] == "2520"
    assert type_reply(data.info["input.transfer.low"]) == "RW ENUM NUMBER"
    assert data.info["input.transfer.low"].enums == tuple(str(v) for v in range(88, 101))
    for change, status in ((ups.on_battery, "OB ACFAIL"), (ups.low_battery, "OB ACFAIL LB"),
                           (ups.on_line, "OL CHRG")):
        change()
        await wait_for(handle, status_is(status))
    assert "beeper.off" in data.commands and len(data.commands) == 13


async def test_input_extremes_count_only_positive_readings_until_reset(nursery, sim) -> None:
    ups, tty = sim
    ups.on_battery()  # 0 V from the start: NUT prints its -1 as -0.1
    handle = await start(nursery, unv_device(tty), factory=quick)
    assert handle.snapshot.data.vars["input.voltage.minimum"] == "-0.1"
    ups.on_line()
    await wait_for(handle, lambda s: s.data.vars["input.voltage.minimum"] == "119.6")
    ups.registers[Reg.INPUTVOLT] = 1250
    await wait_for(handle, lambda s: s.data.vars["input.voltage.maximum"] == "125.0")
    assert handle.snapshot.data.vars["input.voltage.minimum"] == "119.6"
    ups.on_battery()
    assert await ask(handle, "INSTCMD", "reset.input.minmax") == ResultCode.SUCCESS
    await wait_for(handle, lambda s: s.data.vars["input.voltage.maximum"] == "-0.1")


async def test_commands_and_set_write_registers(nursery, sim) -> None:
    ups, tty = sim
    handle = await start(nursery, unv_device(tty), factory=quick)
    assert await ask(handle, "INSTCMD", "shutdown.reboot.graceful") == ResultCode.SUCCESS
    assert await ask(handle, "SET", "ups.beeper.status", "disabled") == ResultCode.SUCCESS
    assert await ask(handle, "SET", "input.sensitivity", "nonsense") == ResultCode.SUCCESS
    assert await ask(handle, "INSTCMD", "load.off") == ResultCode.CMD_NOT_SUPPORTED
    assert await ask(handle, "SET", "ups.load", "3") == ResultCode.VAR_NOT_SUPPORTED
    assert ups.commands() == [write_request(Reg.RESTARTTIMER, 2),
                              write_request(Reg.SHUTDOWNTIMER, 40),
                              write_request(Reg.ALARMSTATUS, 1)]
    await wait_for(handle, lambda s: s.data.vars["ups.beeper.status"] == "disabled")


async def test_a_unit_without_a_register_answers_an_error_and_the_rest_is_read(nursery) -> None:
    async with serving(UnvUps(F6C120)) as (_, tty):
        handle = await start(nursery, unv_device(tty), factory=quick)
        data = handle.snapshot.data.vars
        assert "ups.temperature" not in data and "battery.runtime" not in data
        assert data["battery.charge"] == "100"


@pytest.mark.parametrize("mode", ["garbage", "silent"])
async def test_bad_answers_make_the_data_stale_and_the_actor_lives_on(nursery, sim, mode) -> None:
    ups, tty = sim
    handle = await start(nursery, unv_device(tty, restart_after="0"), factory=quick)
    warned = await stale_then_back(handle, ups, mode, ups.on_battery, "OB ACFAIL")
    assert warned == 1  # one warning for the spell, the rest at debug level


async def test_a_unit_that_stays_silent_restarts_the_actor() -> None:
    async with serving(UnvUps(F6C120)) as (ups, tty):
        read = await restart_after_silence(
            unv_device(tty, restart_after="0.5"), quick,
            lambda: setattr(ups, "mode", "silent"), lambda: setattr(ups, "mode", "normal"))
    assert read["ups.model"] == "F6C120xxUNV"


async def test_killpower_writes_the_timed_shutdown(sim) -> None:
    from nutrio.actors.drivers.killpower import kill_power

    ups, tty = sim
    result = await kill_power(unv_device(tty), factory=quick)
    assert result.command == "shutdown.reboot"
    with trio.fail_after(2):
        while len(ups.commands()) < 2:
            await trio.sleep(0.01)
    assert ups.commands() == [write_request(Reg.RESTARTTIMER, 10), write_request(Reg.SHUTDOWNTIMER, 1)]
