"""The mge-shut driver actor on a simulated SHUT UPS (tests/drivers/sim/shut_sim.py around a
dump-shaped MGE HID unit): what it serves, and a line that goes silent or noisy.
Real clock, real pty; the SHUT timeouts are shortened (NUT waits 3 s a byte, these 0.4 s)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from types import MappingProxyType

import pytest
import structlog
import trio
from driver_helpers import Device, ask, restart_after_silence, wait_for
from sim.shut_sim import ShutSim, shut_sim
from sim.shut_units import unit

from nutrio.actors.drivers import DriverError, make_driver, run_driver
from nutrio.actors.drivers.mge_shut.driver import MgeShut
from nutrio.actors.drivers.mge_shut.link import ShutLink
from nutrio.actors.drivers.serialport import SerialPort
from nutrio.actors.registry import DeviceHandle
from nutrio.protocol.common.state import ResultCode
from nutrio.protocol.devices.dummy.devfile import DeviceVars


def shut_device(tty: str, driver: str = "mge-shut", **options: str) -> Device:
    return Device(name="shut", port=tty, config_dir=Path("/tmp"), driver=driver,
                  pollinterval=0.1, maxage=5, options=MappingProxyType(options))


def fast(dev: Device) -> MgeShut:
    port = SerialPort(dev.port, baudrate=2400)
    return MgeShut(dev, link=ShutLink(port, char_timeout=0.4, sync_timeout=0.2))


async def start(nursery: trio.Nursery, dev: Device) -> DeviceHandle:
    handle = DeviceHandle(dev.name)
    await nursery.start(lambda task_status: run_driver(dev, handle, factory=fast,
                                                       task_status=task_status))
    return handle


@pytest.fixture
async def line() -> AsyncIterator[tuple[ShutSim, str]]:
    _, make = unit("eaton-9px-2000", pad=False)
    async with shut_sim(make()) as pair:
        yield pair


async def test_the_unit_is_served_as_its_dump_shows(nursery, line) -> None:
    ups, tty = line
    handle = await start(nursery, shut_device(tty))
    got = handle.snapshot.data.vars
    assert (got["driver.name"], got["driver.version.internal"]) == ("mge-shut", "0.47")
    assert got["driver.version.data"].startswith("MGE HID")
    assert (got["device.mfr"], got["device.model"], got["device.serial"]) == (
        "EATON", "Eaton 9PX 2000 RT", "GA19H21231")
    assert (got["ups.status"], got["battery.runtime"], got["ups.realpower"]) == (
        "OL CHRG", "7795", "150")
    assert ups.syncs[:1] == [0x18]  # no notifications asked for
    assert "driver.version.usb" not in got


async def test_set_var_and_commands_reach_the_unit(nursery, line) -> None:
    ups, tty = line
    handle = await start(nursery, shut_device(tty))
    assert await ask(handle, "SET", "battery.runtime.low", "240") == ResultCode.SUCCESS
    assert await ask(handle, "INSTCMD", "beeper.disable") == ResultCode.SUCCESS
    sets = ups.sets()
    assert len(sets) == 2 and all(setup[1] == 0x09 for setup, _ in sets)
    snap = await wait_for(handle, lambda s: s.data.vars.get("battery.runtime.low") == "240")
    assert snap.data.vars["ups.beeper.status"] == "disabled"


async def test_a_silent_line_goes_stale_and_comes_back(nursery, line) -> None:
    ups, tty = line
    handle = await start(nursery, shut_device(tty))
    with structlog.testing.capture_logs() as logs:
        ups.mode = "silent"
        await wait_for(handle, lambda s: s.stale, timeout=10)
        assert await ask(handle, "INSTCMD", "beeper.mute", timeout=10) == ResultCode.FAILED
        ups.mode = "normal"
        snap = await wait_for(handle, lambda s: not s.stale, timeout=10)
    assert snap.data.vars["ups.status"] == "OL CHRG"
    events = [e["event"] for e in logs]
    assert events.count("driver.shut_failed") == 1
    assert "driver.shut_reconnected" in events


async def test_garbage_is_logged_once_and_the_actor_lives_on(nursery, line) -> None:
    ups, tty = line
    handle = await start(nursery, shut_device(tty))
    with structlog.testing.capture_logs() as logs:
        ups.mode = "garbage"
        await wait_for(handle, lambda s: s.stale, timeout=10)
        syncs = len(ups.syncs)
        with trio.fail_after(10):
            while len(ups.syncs) < syncs + 3:  # it keeps synchronising, poll after poll
                await trio.sleep(0.05)
        ups.mode = "normal"
        await wait_for(handle, lambda s: not s.stale, timeout=10)
    assert [e["event"] for e in logs].count("driver.shut_failed") == 1
    assert handle.snapshot.connected


async def test_no_ups_on_the_line_fails_the_start(line) -> None:
    ups, tty = line
    ups.mode = "silent"
    with pytest.raises(DriverError, match="No communication with UPS"):
        await fast(shut_device(tty)).open(DeviceVars())


async def test_both_nut_names_and_the_options_nut_takes(line) -> None:
    ups, tty = line
    driver = make_driver(shut_device(tty, driver="newmge-shut", offdelay="90", lowbatt="25"))
    assert isinstance(driver, MgeShut)
    state = DeviceVars()
    await driver.open(state)
    await driver.close()
    assert (state.get("ups.delay.shutdown"), state.get("battery.charge.low")) == ("90", "25")


async def test_stale_past_restart_after_ends_the_actor_and_a_new_one_reads_again(line) -> None:
    ups, tty = line
    read = await restart_after_silence(
        shut_device(tty, restart_after="0.5"), fast,
        lambda: setattr(ups, "mode", "silent"), lambda: setattr(ups, "mode", "normal"))
    assert read["ups.model"] == "Eaton 9PX 2000 RT"
