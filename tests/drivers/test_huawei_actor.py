"""The huawei-ups2000 driver actor against a simulated UPS2000 on a pseudo-terminal.

Real clock, real pty, short waits: the start, the power story, a unit that is not a
UPS2000, a silent unit and garbage answers (stale, one warning, back), the restart of a
unit that stays silent, the battery status glitch NUT retries, commands, SET and the
delays. The side-by-side test with the real driver is tests/drivers/test_huawei_vs_real_nut.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType

import pytest
from driver_helpers import Device, ask, restart_after_silence, start, status_is, wait_for
from sim.huawei_sim import UPS2000_G_3KRTS, HuaweiUps
from sim.pty import serving
from structlog.testing import capture_logs

from nutrio.actors.drivers import DriverError, make_driver, run_driver
from nutrio.actors.drivers.huawei_ups2000.driver import HuaweiUps2000
from nutrio.actors.drivers.huawei_ups2000.link import HwTiming
from nutrio.actors.registry import DeviceHandle
from nutrio.protocol.common.state import ResultCode
from nutrio.protocol.devices.modbus import WriteRequest, frame
from nutrio.protocol.devices.modbus.frames import Transport

QUICK = HwTiming(think=0.01, silence=0.1, response=0.6, retry=0.01)


@pytest.fixture
async def sim() -> AsyncIterator[tuple[HuaweiUps, str]]:
    async with serving(HuaweiUps(UPS2000_G_3KRTS)) as pair:
        yield pair


def hw_device(tty: str, **options: str) -> Device:
    return Device(name="hw", port=tty, config_dir=Path("/tmp"), driver="huawei-ups2000",
                  pollinterval=0.05, maxage=3.0, options=MappingProxyType(options))


def quick(dev: Device) -> HuaweiUps2000:
    return HuaweiUps2000(dev, timing=QUICK)


def written(address: int, *values: int) -> bytes:
    return frame(Transport.RTU, 1, WriteRequest(address, values))


def test_the_catalog_knows_the_driver() -> None:
    assert isinstance(make_driver(hw_device("/dev/null")), HuaweiUps2000)


async def test_driver_identifies_the_unit_and_tells_the_power_story(nursery, sim) -> None:
    ups, tty = sim
    handle = await start(nursery, hw_device(tty), factory=quick)
    data = handle.snapshot.data
    assert data.vars["device.model"] == "UPS2000A" and data.vars["ups.status"] == "OL CHRG"
    assert data.vars["ups.timer.shutdown"] == "-1" and data.vars["ups.delay.start"] == "60"
    assert data.info["ups.delay.start"].ranges == ((60, 5940),)
    for change, status in ((ups.on_battery, "ALARM OB DISCHRG"),
                           (ups.low_battery, "ALARM OB LB DISCHRG"), (ups.on_line, "OL CHRG")):
        change()
        await wait_for(handle, status_is(status))
    assert "ups.alarm" not in handle.snapshot.data.vars
    assert len(data.commands) == 14


async def test_a_unit_that_is_not_a_ups2000_fails_the_start() -> None:
    other = replace(UPS2000_G_3KRTS, description="1=UPS5000;2=V1;3=P1;4=S")
    async with serving(HuaweiUps(other)) as (_, tty):
        with pytest.raises(DriverError, match="Unknown UPS model UPS5000"):
            await run_driver(hw_device(tty), DeviceHandle("hw"), factory=quick)


async def test_a_silent_unit_fails_the_start_after_three_identifications() -> None:
    async with serving(HuaweiUps(UPS2000_G_3KRTS, mode="silent")) as (ups, tty):
        with pytest.raises(DriverError, match="unable to read from serial port"):
            await run_driver(hw_device(tty), DeviceHandle("hw"), factory=quick)
    assert len(ups.received) == 3


@pytest.mark.parametrize("mode", ["garbage", "silent"])
async def test_bad_answers_make_the_data_stale_and_one_warning(nursery, sim, mode) -> None:
    ups, tty = sim
    handle = await start(nursery, hw_device(tty, restart_after="0"), factory=quick)
    with capture_logs() as logs:
        ups.mode = mode
        await wait_for(handle, lambda s: s.stale, timeout=10)
        await wait_for(handle, lambda s: len(logs) > 20, timeout=10)  # a few stale updates
        ups.mode = "normal"
        ups.on_battery()
        await wait_for(handle, lambda s: not s.stale and status_is("ALARM OB DISCHRG")(s), 10)
    assert sum(e["event"] == "driver.read_failed" for e in logs) == 1


async def test_a_battery_status_glitch_is_read_again(nursery, sim) -> None:
    ups, tty = sim
    handle = await start(nursery, hw_device(tty, restart_after="0"), factory=quick)
    ups.registers[12002] = 1
    await wait_for(handle, lambda s: s.stale)
    read = [int.from_bytes(r[2:4], "big") for r in ups.received]
    assert [12002, 12002, 12002, 11046] in [read[i:i + 4] for i in range(len(read))]
    ups.registers[12002] = 2
    snap = await wait_for(handle, lambda s: not s.stale)
    assert snap.data.vars["battery.charger.status"] == "resting"
    assert snap.data.vars["ups.status"] == "OL"


async def test_a_unit_that_stays_silent_restarts_the_actor(sim) -> None:
    ups, tty = sim
    read = await restart_after_silence(hw_device(tty, restart_after="0.5"), quick,
                                       lambda: setattr(ups, "mode", "silent"),
                                       lambda: setattr(ups, "mode", "normal"))
    assert read["ups.serial"] == "2102311MPC10K9000123"


async def test_commands_and_settings(nursery, sim) -> None:
    ups, tty = sim
    handle = await start(nursery, hw_device(tty, offdelay="30"), factory=quick)
    assert handle.snapshot.data.vars["ups.delay.shutdown"] == "30"
    ups.received.clear()
    assert await ask(handle, "INSTCMD", "shutdown.return") == ResultCode.CMD_NOT_SUPPORTED
    assert await ask(handle, "INSTCMD", "load.off") == ResultCode.SUCCESS
    assert await ask(handle, "SET", "ups.delay.shutdown", "61") == ResultCode.SUCCESS
    assert await ask(handle, "SET", "ups.delay.shutdown", "6000") == ResultCode.INVALID_ARGUMENT
    assert await ask(handle, "SET", "ups.beeper.status", "loud") == ResultCode.INVALID_ARGUMENT
    assert await ask(handle, "INSTCMD", "shutdown.stayoff") == ResultCode.SUCCESS
    assert ups.commands() == [written(11045, 0), written(11030, 1), written(11044, 0),
                              written(11049, 11)]  # 66 s: 11 tenths of a minute
    await wait_for(handle, lambda s: s.data.vars["ups.delay.shutdown"] == "66")
    ups.registers[11024] = 1  # bypass: load.on is refused without a write
    assert await ask(handle, "INSTCMD", "load.on") == ResultCode.FAILED
    assert ups.commands()[-1] == written(11049, 11)


async def test_killpower_sends_nothing_and_fails(sim) -> None:
    from nutrio.actors.drivers.errors import KillPowerFailed
    from nutrio.actors.drivers.killpower import kill_power

    ups, tty = sim
    with pytest.raises(KillPowerFailed):
        await kill_power(hw_device(tty), factory=quick)
    assert ups.received == []
