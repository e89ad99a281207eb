"""The masterguard driver actor against simulated Masterguard units on pseudo-terminals.

Real clock, real pty, short waits: identification, the power story, the CS
flag, a unit that is not found, a unit that stops answering or garbles
(stale, logged once, back; restarted once stale too long). The side-by-side
test with the real driver is tests/drivers/test_masterguard_vs_real_nut.py.
"""

from __future__ import annotations


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
from sim.masterguard_sim import A_3000, VI_1000, masterguard_sim
from structlog.testing import capture_logs

from nutrio.actors.drivers import DriverConfigError, DriverError, make_driver, run_driver
from nutrio.actors.drivers.masterguard.driver import MasterGuard, MgTiming
from nutrio.actors.registry import DeviceHandle
from nutrio.protocol.common.state import ResultCode

QUICK = MgTiming(idle=0.15, update=0.3, pace=0.0)


def mg_device(tty: str, **options: str) -> Device:
    return serial_device("masterguard", tty, **options)


def quick(dev: Device) -> MasterGuard:
    return MasterGuard(dev, timing=QUICK)


def test_the_catalog_knows_the_driver() -> None:
    assert isinstance(make_driver(mg_device("/dev/null")), MasterGuard)


async def test_driver_identifies_a_q3_unit_and_tells_the_power_story(nursery) -> None:
    async with masterguard_sim(A_3000) as (ups, tty):
        with capture_logs() as logs:
            handle = await start(nursery, mg_device(tty), factory=quick)
        assert ups.received[:7] == ["Q1", "Q3", "WH", "Q1", "Q3", "WH", "Q3"]
        assert [e["use"] for e in logs if e["event"] == "driver.deprecated"] == ["nutdrv_qx"]
        data = handle.snapshot.data
        assert data.vars["ups.firmware"] == "V3.12" and data.vars["battery.charge"] == "100"
        for change, status in ((ups.on_battery, "OB"), (ups.low_battery, "OB LB"),
                               (ups.boost, "OL BOOST"), (ups.on_line, "OL")):
            change()
            await wait_for(handle, status_is(status))
        assert not data.commands
        assert await ask(handle, "INSTCMD", "shutdown.return") == ResultCode.CMD_NOT_SUPPORTED


async def test_a_q1_unit_without_who_am_i_is_unknown(nursery) -> None:
    async with masterguard_sim(VI_1000) as (ups, tty):
        handle = await start(nursery, mg_device(tty), factory=quick)
        assert handle.snapshot.data.vars["ups.model"] == "unknown"
        assert "ups.firmware" not in handle.snapshot.data.vars
        assert ups.received[6] == "Q1"  # no Q3 reply: a Q1 unit


async def test_a_unit_that_never_answers_right_is_not_found() -> None:
    async with masterguard_sim(A_3000, mode="garbage") as (ups, tty):
        with pytest.raises(DriverError, match="No MASTERGUARD UPS found"):
            await run_driver(mg_device(tty), DeviceHandle("mg"), factory=quick)
    assert ups.received == ["Q1"] * 10


async def test_the_cs_flag_cancels_and_ends_the_start() -> None:
    async with masterguard_sim(A_3000) as (ups, tty):
        with pytest.raises(DriverConfigError, match="Shutdown cancelled"):
            await run_driver(mg_device(tty, CS="true"), DeviceHandle("mg"), factory=quick)
        with trio.fail_after(2):  # written before the start ended; the unit reads it soon
            while not ups.commands():
                await trio.sleep(0.01)
    assert ups.commands() == ["C"]


@pytest.mark.parametrize("mode", ["garbage", "partial", "silent"])
async def test_bad_replies_make_the_data_stale_and_the_actor_lives_on(nursery, mode) -> None:
    async with masterguard_sim(A_3000) as (ups, tty):
        handle = await start(nursery, mg_device(tty, restart_after="0"), factory=quick)
        warned = await stale_then_back(handle, ups, mode, ups.on_battery, "OB")
        assert warned == 1


async def test_stale_past_restart_after_ends_the_actor_and_a_new_one_reads_again() -> None:
    async with masterguard_sim(A_3000) as (ups, tty):
        read = await restart_after_silence(
            mg_device(tty, restart_after="0.5"), quick,
            lambda: setattr(ups, "mode", "silent"), lambda: setattr(ups, "mode", "normal"))
    assert read["ups.model"].startswith("A 3000 19")
