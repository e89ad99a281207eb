"""The apcsmart-old driver actor against a simulated Smart-UPS on a pseudo-terminal.

Real clock and real serial I/O, NUT's waits shrunk: the start, alerts, the
confirmation window, settings, a unit that goes silent (stale, logged once,
nudged back with 'Y'; restarted once stale too long), garbage, a unit that is
not there. tests/drivers/test_apcsmart_old_vs_real_nut.py compares with the real driver.
"""

from __future__ import annotations

from dataclasses import replace

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
from sim.apcsmart_sim import ApcSmartSim, apcsmart_sim

from nutrio.actors.drivers import DriverError, make_driver, run_driver
from nutrio.actors.drivers.apcsmart.old_commands import OLD_TIMING
from nutrio.actors.drivers.apcsmart.old_driver import ApcSmartOld
from nutrio.actors.registry import DeviceHandle
from nutrio.protocol.common.state import ResultCode

FAST = replace(OLD_TIMING, default=1.0, short=0.5, repeat_pause=0.05, pace=0.002,
               confirm_min=0.1, confirm_max=1.0, retry_sleep=0.02, drain=0.005)


def apc_device(tty: str, **options: str) -> Device:
    return serial_device("apcsmart-old", tty, poll=0.03, **options)


def fast(dev: Device) -> ApcSmartOld:
    return ApcSmartOld(dev, timing=FAST)


def test_the_catalog_knows_the_driver() -> None:
    assert isinstance(make_driver(apc_device("/dev/null")), ApcSmartOld)


async def test_start_reads_the_command_set_and_alerts_flip_the_status(nursery) -> None:
    async with apcsmart_sim() as (ups, tty):
        handle = await start(nursery, apc_device(tty), factory=fast)
        data = handle.snapshot.data
        assert bytes(ups.received).startswith(b"YVba\x01BCEFGL")  # commands send nothing
        assert data.vars["ups.firmware"] == "652.13.I" and "ups.firmware.old" not in data.vars
        assert "shutdown.return.grace" in data.commands and "bypass.start" not in data.commands
        assert data.info["input.transfer.high"].enums == ("253", "258", "261", "264")
        assert data.info["ups.id"].string_len == 8
        for change, status in ((ups.on_battery, "OB"), (ups.low_battery, "OB LB"),
                               (ups.on_line, "OL")):
            change()
            await wait_for(handle, status_is(status))


async def test_dangerous_commands_act_only_when_repeated_in_the_window(nursery) -> None:
    async with apcsmart_sim() as (ups, tty):
        handle = await start(nursery, apc_device(tty), factory=fast)
        ups.received.clear()
        assert await ask(handle, "INSTCMD", "shutdown.return") == ResultCode.SUCCESS
        await trio.sleep(FAST.confirm_min + 0.05)
        assert await ask(handle, "INSTCMD", "shutdown.return") == ResultCode.SUCCESS
        assert ups.commands() == b"S"
        assert await ask(handle, "INSTCMD", "beeper.off") == ResultCode.CMD_NOT_SUPPORTED


async def test_settings_step_through_their_choices_and_strings_are_written(nursery) -> None:
    async with apcsmart_sim() as (ups, tty):
        handle = await start(nursery, apc_device(tty), factory=fast)
        assert await ask(handle, "SET", "input.transfer.high", "261") == ResultCode.SUCCESS
        assert ups.values["u"] == "261"
        assert await ask(handle, "SET", "ups.id", "ID42") == ResultCode.SUCCESS
        assert ups.values["c"] == "ID42"
        await wait_for(handle, lambda s: s.data.vars.get("ups.id") == "ID42")
        assert await ask(handle, "SET", "ups.load", "1") == ResultCode.VAR_NOT_SUPPORTED


@pytest.mark.parametrize("mode", ["silent", "partial"])
async def test_a_unit_that_stops_answering_goes_stale_and_is_nudged_back(nursery, mode) -> None:
    async with apcsmart_sim() as (ups, tty):
        handle = await start(nursery, apc_device(tty, restart_after="0"), factory=fast)
        warned = await stale_then_back(handle, ups, mode, ups.on_battery, "OB")
        assert warned == 1
        assert b"Y" in bytes(ups.received[-400:])  # 'Y' before reading again


async def test_garbage_is_read_as_nut_reads_it_and_the_actor_lives_on(nursery) -> None:
    async with apcsmart_sim() as (ups, tty):
        handle = await start(nursery, apc_device(tty), factory=fast)
        ups.mode = "garbage"  # any line but "NA" is a value: a status byte of 0 is OFF
        await wait_for(handle, status_is("OFF"))
        ups.mode = "normal"
        await wait_for(handle, status_is("OL"))


async def test_stale_past_restart_after_ends_the_actor_and_a_new_one_reads_again() -> None:
    async with apcsmart_sim() as (ups, tty):
        read = await restart_after_silence(
            apc_device(tty, restart_after="0.5"), fast,
            lambda: setattr(ups, "mode", "silent"), lambda: setattr(ups, "mode", "normal"))
    assert read["ups.model"] == "Smart-UPS 1000"


async def test_no_smart_ups_on_the_line_fails_the_start() -> None:
    async with apcsmart_sim(mode="silent") as (ups, tty):
        with pytest.raises(DriverError, match="Unable to detect an APC Smart protocol UPS"):
            await run_driver(apc_device(tty), DeviceHandle("apc"), factory=fast)
    assert bytes(ups.received) == b"Y\x1b" * 5


async def test_killpower_on_line_hibernates_with_the_wakeup_grace() -> None:
    async with apcsmart_sim() as (ups, tty):
        sent = await fast(apc_device(tty, wugrace="15")).killpower()
        with trio.fail_after(2):
            while not ups.commands().endswith(b"015"):
                await trio.sleep(0.01)
    assert sent.command == "@3" and isinstance(ups, ApcSmartSim)
