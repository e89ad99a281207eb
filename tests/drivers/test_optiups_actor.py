"""The optiups driver actor against simulated OPTI-UPS and Zinto D units on pseudo-terminals.

Real clock, real pty, short waits: the power story, the flags, a Zinto D
switched on at the start, a unit that stops answering (stale, logged once,
back; and restarted once stale too long), an unknown model failing the start.
The side-by-side test with the real driver is tests/drivers/test_optiups_vs_real_nut.py.
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
from sim.optiups_sim import PS_1440RM, ZINTO_D, OptiUps, optiups_sim
from structlog.testing import capture_logs

from nutrio.actors.drivers import DriverError, make_driver, run_driver
from nutrio.actors.drivers.optiups.driver import OptiTiming
from nutrio.actors.drivers.optiups.driver import OptiUps as OptiDriver
from nutrio.actors.registry import DeviceHandle
from nutrio.protocol.common.state import ResultCode

QUICK = OptiTiming(reply=0.5, off_char=0.2, powerup=0.1, zinto_switch=0.01)


def opti_device(tty: str, **options: str) -> Device:
    return serial_device("optiups", tty, **options)


def quick(dev: Device) -> OptiDriver:
    return OptiDriver(dev, timing=QUICK)


def test_the_catalog_knows_the_driver() -> None:
    assert isinstance(make_driver(opti_device("/dev/null")), OptiDriver)


async def test_driver_reads_the_unit_and_tells_the_power_story(nursery) -> None:
    async with optiups_sim(PS_1440RM) as (ups, tty):
        handle = await start(nursery, opti_device(tty), factory=quick)
        data = handle.snapshot.data
        assert data.vars["ups.model"] == "PS-1440RM" and data.vars["ups.firmware"] == "V2.2B1"
        assert "ups.serial" not in data.vars  # an empty reply: no value
        for change, status in ((ups.on_battery, "OB"), (ups.low_battery, "OB LB"),
                               (ups.overload, "OVER RB OL OFF"), (ups.on_line, "OL")):
            change()
            await wait_for(handle, status_is(status))
        assert await ask(handle, "INSTCMD", "shutdown.stop") == ResultCode.SUCCESS
        assert await ask(handle, "INSTCMD", "beeper.off") == ResultCode.CMD_NOT_SUPPORTED
        assert await ask(handle, "SET", "outlet.1.switch", "0") == ResultCode.VAR_NOT_SUPPORTED
        assert ups.commands()[-1] == "Cs-0000001"


async def test_flags_fake_low_battery_and_poll_the_status_only(nursery) -> None:
    async with optiups_sim(PS_1440RM) as (ups, tty):
        handle = await start(nursery, opti_device(tty, fake_lowbatt="true", status_only="true"),
                             factory=quick)
        assert handle.snapshot.data.vars["ups.status"] == "OL LB"
        assert "battery.voltage" not in handle.snapshot.data.vars
        assert handle.snapshot.data.vars["driver.flag.status_only"] == "enabled"
        ups.received.clear()
        await wait_for(handle, lambda snap: len(ups.received) >= 3)
        assert set(ups.received) == {"AG"}


async def test_powerup_switches_an_off_zinto_on_before_reading_it(nursery) -> None:
    async with optiups_sim(ZINTO_D, off=True) as (ups, tty):
        with capture_logs() as logs:
            handle = await start(nursery, opti_device(tty, powerup="true"), factory=quick)
        # NUT does not know it is a Zinto yet: no CR LF after these
        assert ups.received[:5] == ["AG", "AG", "Ct1", "Cu0000000", "IM"]
        assert ups.raw.startswith(b"AGAG\r\nCt1Cu0000000IMOm11\r\n")
        assert any(e["event"] == "driver.powering_up" for e in logs)
        data = handle.snapshot.data
        assert data.vars["ups.model"] == "Zinto D 1000" and data.vars["outlet.1.switch"] == "1"
        ups.turn_off()
        await wait_for(handle, status_is("OFF"))
        assert await ask(handle, "SET", "outlet.1.switch", "x") == ResultCode.UNKNOWN


async def test_unsupported_requests_read_na_once_and_are_not_asked_again(nursery) -> None:
    async with optiups_sim(ZINTO_D) as (ups, tty):
        with capture_logs() as logs:
            handle = await start(nursery, opti_device(tty), factory=quick)
            ups.values["BT"] = None
            await wait_for(handle, lambda s: s.data.vars.get("ups.temperature") == "N/A")
            ups.values["BT"] = "30"
            ups.received.clear()
            await wait_for(handle, lambda s: ups.received.count("AG") >= 2)
        assert "BT" not in ups.received
        assert [e["var"] for e in logs if e["event"] == "driver.unsupported"] == [
            "ups.temperature"]


async def test_no_model_fails_the_start() -> None:
    async with optiups_sim(PS_1440RM) as (ups, tty):
        ups.values["IO"] = None
        with pytest.raises(DriverError, match="can't retrieve model"):
            await run_driver(opti_device(tty), DeviceHandle("opti"), factory=quick)


@pytest.mark.parametrize("mode", ["garbage", "partial", "silent"])
async def test_bad_replies_make_the_data_stale_and_the_actor_lives_on(nursery, mode) -> None:
    async with optiups_sim(PS_1440RM) as (ups, tty):
        handle = await start(nursery, opti_device(tty, restart_after="0"), factory=quick)
        warned = await stale_then_back(handle, ups, mode, ups.on_battery, "OB")
        assert warned == 1


async def test_stale_past_restart_after_ends_the_actor_and_a_new_one_reads_again() -> None:
    async with optiups_sim(PS_1440RM) as (ups, tty):
        read = await restart_after_silence(
            opti_device(tty, restart_after="0.5"), quick,
            lambda: setattr(ups, "mode", "silent"), lambda: setattr(ups, "mode", "normal"))
    assert read["ups.model"] == "PS-1440RM"


async def test_killpower_asks_the_status_first() -> None:
    async with optiups_sim(PS_1440RM) as (ups, tty):
        ups.on_battery()
        with trio.fail_after(5):
            sent = await quick(opti_device(tty)).killpower()
        while len(ups.received) < 3:
            await trio.sleep(0.01)
    assert sent.command == "shutdown.return" and ups.received == ["AG", "Ct1", "Cs00000080"]
