"""blazer_ser, NUT's older megatec driver, against the simulated UPS (and the real binary)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from types import MappingProxyType

import pytest
import trio
from driver_helpers import Device
from sim.megatec_sim import MegatecSim, megatec_sim
from sim.realdriver import have_driver, real_serial_driver

from nutrio.actors.drivers import DriverConfigError, DriverError, run_driver
from nutrio.actors.drivers.megatec.driver import BlazerSer
from nutrio.actors.registry import DeviceHandle
from nutrio.protocol.common.state import CommandRequest, ResultCode, UpsSnapshot


@pytest.fixture
async def sim() -> AsyncIterator[tuple[MegatecSim, str]]:
    async with megatec_sim() as pair:
        yield pair


def blazer_device(tty: str, pollinterval: float = 0.03, **options: str) -> Device:
    return Device(
        name="bz", port=tty, config_dir=Path("/tmp"), driver="blazer_ser",
        pollinterval=pollinterval, options=MappingProxyType(options),
    )


def fast(dev: Device) -> BlazerSer:
    return BlazerSer(dev, reply_timeout=0.3)


async def start(nursery: trio.Nursery, dev: Device) -> DeviceHandle:
    handle = DeviceHandle(dev.name)
    await nursery.start(lambda task_status: run_driver(dev, handle, factory=fast, task_status=task_status))
    return handle


async def wait_status(handle: DeviceHandle, value: str) -> UpsSnapshot:
    with trio.fail_after(3):
        version = handle.state.version
        while handle.snapshot.data.vars.get("ups.status") != value:
            version, _ = await handle.state.wait_newer(version)
    return handle.snapshot


async def ask(handle: DeviceHandle, name: str, value: str | None = None) -> str:
    await handle.requests_in.send(CommandRequest(kind="INSTCMD", ups="bz", name=name, value=value))
    with trio.fail_after(3):
        return (await handle.results_out.receive()).code


async def test_blazer_serves_vendor_as_ups_mfr_and_model(nursery, sim) -> None:
    ups, tty = sim
    handle = await start(nursery, blazer_device(tty))
    vars_ = handle.snapshot.data.vars
    assert (vars_["ups.mfr"], vars_["ups.model"], vars_["ups.firmware"]) == ("SimuPower", "SP-1000", "VT12046Q")
    assert vars_["battery.charge"] == "100" and vars_["ups.delay.start"] == "180"
    assert "driver.version.data" not in vars_ and "driver.parameter.pollfreq" not in vars_
    assert not handle.snapshot.data.info.get("ups.delay.start")  # read-only in blazer
    assert ups.received[:3] == [b"Q1\r", b"F\r", b"I\r"]


async def test_blazer_updates_everything_on_every_poll(nursery, sim) -> None:
    ups, tty = sim
    handle = await start(nursery, blazer_device(tty))
    ups.low_battery()
    ups.bits.update(ups_failed=True)
    snap = await wait_status(handle, "ALARM OB LB")
    assert snap.data.vars["input.voltage"] == "0.0" and snap.data.vars["ups.alarm"] == "UPS selftest failed!"
    ups.on_line()
    ups.bits.update(ups_failed=False)
    snap = await wait_status(handle, "OL")
    assert "ups.alarm" not in snap.data.vars


@pytest.mark.parametrize(
    "name, value, options, wire",
    [
        ("test.battery.start", None, {}, b"T10\r"),
        ("test.battery.start", "30", {}, b"T30\r"),
        ("shutdown.return", None, {}, b"S.5R0003\r"),
        ("shutdown.return", None, {"ondelay": "0", "offdelay": "120"}, b"S02\r"),
        ("shutdown.stayoff", None, {"offdelay": "45"}, b"S.7R0000\r"),
        ("beeper.toggle", None, {}, b"Q\r"),
    ],
)
async def test_blazer_command_wire_text(nursery, sim, name, value, options, wire) -> None:
    ups, tty = sim
    handle = await start(nursery, blazer_device(tty, **options))
    assert await ask(handle, name, value) == ResultCode.SUCCESS
    assert ups.commands() == [wire]


async def test_blazer_refuses_test_times_outside_1_to_99_minutes(nursery, sim) -> None:
    ups, tty = sim
    handle = await start(nursery, blazer_device(tty))
    assert await ask(handle, "test.battery.start", "120") == ResultCode.FAILED
    assert await ask(handle, "test.battery.start", "") == ResultCode.FAILED
    assert ups.commands() == []


async def test_blazer_keeps_running_through_silence(nursery, sim) -> None:
    ups, tty = sim
    handle = await start(nursery, blazer_device(tty))
    ups.mode = "silent"
    with trio.fail_after(5):
        version = handle.state.version
        while not handle.snapshot.stale:
            version, _ = await handle.state.wait_newer(version)
    ups.mode = "normal"
    ups.on_battery()
    snap = await wait_status(handle, "OB")
    assert not snap.stale


async def test_blazer_without_ups_or_with_bad_delays_does_not_start(sim) -> None:
    ups, tty = sim
    with pytest.raises(DriverConfigError, match="out of range"):
        BlazerSer(blazer_device(tty, ondelay="10000"))
    ups.mode = "garbage"
    with pytest.raises(DriverError, match="no supported UPS"):
        await run_driver(blazer_device(tty), DeviceHandle("bz"), factory=fast)


@pytest.mark.e2e
@pytest.mark.realnut
@pytest.mark.skipif(not have_driver("blazer_ser"), reason="real NUT blazer_ser absent")
async def test_blazer_serves_what_real_blazer_ser_serves(nursery) -> None:
    skip = {"driver.version", "driver.parameter.port", "driver.parameter.pollinterval"}
    async with (
        megatec_sim() as (real_sim, real_tty),
        megatec_sim() as (our_sim, our_tty),
        real_serial_driver("blazer_ser", real_tty, {"pollinterval": "1"}) as real,
    ):
        handle = await start(nursery, blazer_device(our_tty, pollinterval=0.1))
        for change in (lambda s: None, lambda s: (s.low_battery(), s.bits.update(shutdown_active=True))):
            change(real_sim)
            change(our_sim)
            await trio.sleep(2.5)
            expected = {k: v for k, v in (await real.upsc()).items() if k not in skip}
            got = dict(handle.snapshot.data.vars)
            assert {k: got.get(k) for k in expected} == expected
            assert set(got) - set(expected) - skip == set()
