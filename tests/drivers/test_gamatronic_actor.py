"""The gamatronic driver actor against simulated SEC units on pseudo-terminals.

Real clock, real pty, short waits: the speed search, the start's reads, the
status and alarm story, a unit that stops answering, refuses or sends
garbage (stale, logged once, back), a silent unit ending the actor for a
restart, a unit at no speed NUT tries, killpower. The side-by-side test with
the real driver is tests/drivers/test_gamatronic_vs_real_nut.py.
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
from sim.gamatronic_sim import SecUps, sec_sim

from nutrio.actors.drivers import DriverError, make_driver, run_driver
from nutrio.actors.drivers.gamatronic.driver import GamaTiming, Gamatronic
from nutrio.actors.drivers.killpower import kill_power
from nutrio.actors.registry import DeviceHandle
from nutrio.protocol.common.state import ResultCode

QUICK = GamaTiming(reply=0.25)  # room for a busy machine (6 test workers on 2 cores)


@pytest.fixture
async def sim() -> AsyncIterator[tuple[SecUps, str]]:
    async with sec_sim(baud=4800) as pair:
        yield pair


def sec_device(tty: str, **options: str) -> Device:
    return serial_device("gamatronic", tty, name="nhs", maxage=4.0, **options)


def quick(dev: Device) -> Gamatronic:
    return Gamatronic(dev, timing=QUICK)


def test_the_catalog_knows_the_driver() -> None:
    assert isinstance(make_driver(sec_device("/dev/null")), Gamatronic)


async def test_driver_finds_the_speed_and_tells_the_power_story(nursery, sim) -> None:
    ups, tty = sim
    handle = await start(nursery, sec_device(tty), factory=quick)
    vars_ = handle.snapshot.data.vars
    assert vars_["ups.mfr"] == "NHS Sistemas de Energia" and vars_["ups.firmware"] == "EXOL(02).21"
    assert vars_["input.voltage.nominal"] == "220" and vars_["battery.runtime.low"] == "59940"
    assert ups.received[:3] == [b"^P003MAN", b"^P003AP1", b"^P003AP2"]  # heard at 4800 only
    assert "input.transfer.high" in vars_ and "ups.delay.shutdown" not in vars_  # write-only
    for change, status in ((ups.on_battery, "ALARM OB"), (ups.low_battery, "ALARM OB LB"),
                           (ups.on_line, "OL")):
        change()
        await wait_for(handle, status_is(status))
    ups.on_battery()
    snap = await wait_for(handle, status_is("ALARM OB"))
    assert snap.data.vars["ups.alarm"] == "Input Bad " and snap.data.vars["battery.charge"] == "087"
    ups.on_line()
    snap = await wait_for(handle, status_is("OL"))
    assert "ups.alarm" not in snap.data.vars and not snap.data.commands
    assert await ask(handle, "INSTCMD", "shutdown.return") == ResultCode.CMD_NOT_SUPPORTED


@pytest.mark.parametrize("mode", ["garbage", "refuse", "silent"])
async def test_bad_replies_make_the_data_stale_and_the_actor_lives_on(nursery, sim, mode) -> None:
    ups, tty = sim
    handle = await start(nursery, sec_device(tty, restart_after="0"), factory=quick)
    warned = await stale_then_back(handle, ups, mode, ups.on_battery, "ALARM OB")
    assert warned == 1


async def test_a_silent_unit_ends_the_actor_and_a_restart_reads_it_again(sim) -> None:
    ups, tty = sim
    read = await restart_after_silence(
        sec_device(tty, restart_after="0.5"), quick,
        lambda: setattr(ups, "mode", "silent"), lambda: setattr(ups, "mode", "normal"))
    assert read["ups.model"] == "EXPERT GIII  8kVA" and read["ups.status"] == "OL"


async def test_a_unit_at_another_speed_fails_the_start() -> None:
    async with sec_sim(baud=38400) as (ups, tty):
        with pytest.raises(DriverError, match="Can't talk to UPS on port"):
            await run_driver(sec_device(tty), DeviceHandle("nhs"), factory=quick)
    assert ups.received == []


async def test_a_unit_without_variables_fails_the_start() -> None:
    async with sec_sim(baud=1200, ap1="", ap2="") as (ups, tty):
        with pytest.raises(DriverError, match="No available variables found!"):
            await run_driver(sec_device(tty), DeviceHandle("nhs"), factory=quick)
    assert ups.received == [b"^P003MAN", b"^P003AP1", b"^P003AP2"]


async def test_killpower_sends_the_four_set_requests(sim) -> None:
    ups, tty = sim
    result = await kill_power(sec_device(tty), factory=quick)
    assert result.command == "shutdown.return"
    with trio.fail_after(2):
        while len(ups.commands()) < 4:
            await trio.sleep(0.01)
    assert ups.commands() == [b"^S005PSD-1", b"^S004ATR1", b"^S004SDA2", b"^S004PSD5"]
