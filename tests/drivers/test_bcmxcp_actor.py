"""The bcmxcp driver actor against simulated Powerware units on pseudo-terminals.

Real clock, real pty, short waits (tests/drivers/sim/bcmxcp_sim.py answers at
once): options, the start-up handshake, a unit that stops answering (stale,
restarted with back-off, back), garbage and cut replies, refused commands.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import trio
from driver_helpers import Device, ask, serial_device, status_is, wait_for
from sim.bcmxcp_models import PW5125, PW9355
from sim.bcmxcp_sim import XcpUps, bcmxcp_sim
from structlog.testing import capture_logs

from nutrio.actors.drivers import DriverConfigError, DriverError, make_driver, run_driver
from nutrio.actors.drivers.bcmxcp.driver import BcmXcp, BcmXcpUsb, XcpTiming
from nutrio.actors.registry import DeviceHandle
from nutrio.protocol.common.state import ResultCode
from nutrio.supervisor import ChildSpec, Restart, Supervisor

FAST = XcpTiming(authorize=0.02, byte=0.2, usb_answer=0.3, escape=0.01, settle=0.02)
AUTH = bytes.fromhex("cf69e8d5")


@pytest.fixture
async def sim() -> AsyncIterator[tuple[XcpUps, str]]:
    async with bcmxcp_sim(PW5125) as pair:
        yield pair


def xcp_device(tty: str, **options: str) -> Device:
    return serial_device("bcmxcp", tty, name="xcp", **options)


def fast(timing: XcpTiming = FAST) -> Callable[[Device], BcmXcp]:
    return lambda dev: BcmXcp(dev, timing=timing)


async def start(nursery: trio.Nursery, dev: Device, timing: XcpTiming = FAST) -> DeviceHandle:
    handle = DeviceHandle(dev.name)
    await nursery.start(lambda task_status: run_driver(
        dev, handle, factory=fast(timing), task_status=task_status))
    return handle


async def test_driver_serves_the_unit_and_tells_the_power_story(nursery, sim) -> None:
    ups, tty = sim
    handle = await start(nursery, xcp_device(tty))
    data = handle.snapshot.data
    assert data.vars["ups.model"] == "PW5125     1500i"
    assert data.vars["device.serial"] == "UX475A0xxxxx    "
    assert data.vars["battery.packs"] == "1"  # "0" from the settings list, then read again
    assert data.info["outlet.1.delay.start"].string_len == 5
    assert "outlet.2.load.off" in data.commands and "bypass.start" not in data.commands
    for change, status in ((ups.on_battery, "ALARM OB"), (ups.low_battery, "ALARM OB LB"),
                           (ups.on_line, "OL")):
        change()
        snap = await wait_for(handle, status_is(status))
    assert "ups.alarm" not in snap.data.vars


@pytest.mark.parametrize(("options", "message"), [
    ({"shutdown_delay": "-5"}, "Invalid setting for shutdown_delay"),
    ({"baud_rate": "4711"}, 'Specified baudrate "4711" is invalid'),
    ({"baud_rate": "fast"}, 'Specified baudrate "fast" is invalid'),
])
async def test_unusable_options_are_refused_before_the_port_is_touched(options, message) -> None:
    with pytest.raises(DriverConfigError, match=message):
        await run_driver(xcp_device("/dev/nonexistent-tty", **options), DeviceHandle("xcp"))


async def test_a_given_baud_rate_is_tried_alone_and_the_id_block_stands_in_for_0xa0(
        nursery, sim) -> None:
    ups, tty = sim
    ups.request_only = False  # a unit that does not know "request only mode"
    with capture_logs() as logs:
        await start(nursery, xcp_device(tty, baud_rate="9600"))
    connected = [e for e in logs if e["event"] == "driver.connected"]
    assert [e["baud_rate"] for e in connected] == [9600]
    # escape, authorization, 0xA0 three times unanswered, then the ID block answers
    assert ups.raw.startswith(b"\x1d\xab\x04\xcf\x69\xe8\xd5\x5c" + b"\xab\x01\xa0\xb4" * 3
                              + b"\xab\x01\x31\x23")


async def test_no_unit_on_the_line_fails_the_start_after_every_speed(sim) -> None:
    ups, tty = sim
    ups.mode = "silent"
    quick = XcpTiming(authorize=0.01, byte=0.02, escape=0.0, settle=0.0)
    with pytest.raises(DriverError, match="Can't connect to the UPS on port"):
        await run_driver(xcp_device(tty), DeviceHandle("xcp"), factory=fast(quick))
    assert ups.raw.count(b"\x1d") == 5  # 19200, 9600, 4800, 2400, 1200


@pytest.mark.parametrize("mode", ["garbage", "partial"])
async def test_bad_replies_make_the_data_stale_logged_once_and_the_actor_lives_on(
        nursery, sim, mode) -> None:
    ups, tty = sim
    quicker = XcpTiming(authorize=0.02, byte=0.1, escape=0.01, settle=0.02)
    handle = await start(nursery, xcp_device(tty, restart_after="0"), quicker)
    with capture_logs() as logs:
        ups.mode = mode
        await wait_for(handle, lambda s: s.stale, timeout=5)
        for _ in range(3):  # three more failed polls
            version = handle.state.version
            await handle.state.wait_newer(version)
        ups.mode = "normal"
        ups.on_battery()
        snap = await wait_for(handle, lambda s: not s.stale and status_is("ALARM OB")(s), 5)
    assert snap.connected
    warned = [e for e in logs if e["event"] == "driver.bad_reply" and e["log_level"] == "warning"]
    assert len(warned) == 1
    assert [e["event"] for e in logs].count("driver.communication_restored") == 1


async def test_a_silent_unit_is_restarted_with_back_off_and_comes_back(nursery, sim) -> None:
    ups, tty = sim
    dev = xcp_device(tty, restart_after="0.5")
    handle = DeviceHandle("xcp")

    async def run(*, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        await run_driver(dev, handle, factory=fast(), task_status=task_status)

    sup = Supervisor("drivers", intensity=100, period=60.0, backoff_base=0.05, backoff_cap=0.2)
    async with trio.open_nursery() as inner:
        await inner.start(sup.run, [ChildSpec(id="driver:xcp", start=run, restart=Restart.PERMANENT)])
        await wait_for(handle, status_is("OL"))
        ups.mode = "silent"
        await wait_for(handle, lambda s: s.stale, timeout=5)
        await wait_for(handle, lambda s: not s.connected, timeout=10)
        await trio.sleep(1)
        assert sup.children()[0].restarts >= 1
        ups.mode = "normal"
        ups.low_battery()
        await wait_for(handle, lambda s: s.connected and not s.stale, timeout=20)
        snap = await wait_for(handle, status_is("ALARM OB LB"), timeout=5)
        assert snap.data.vars["ups.model"] == "PW5125     1500i"
        await sup.stop()


async def test_refusals_and_arguments_checked_after_the_authorization(nursery, sim) -> None:
    ups, tty = sim
    handle = await start(nursery, xcp_device(tty, shutdown_delay="45"))
    ups.received.clear()
    ups.ack = 0x33  # busy, or disabled on the front panel
    assert await ask(handle, "INSTCMD", "shutdown.return") == ResultCode.FAILED
    ups.ack = 0x36
    assert await ask(handle, "SET", "battery.packs", "3") == ResultCode.INVALID_ARGUMENT
    ups.ack = 0x31
    assert await ask(handle, "SET", "battery.packs", "9") == ResultCode.INVALID_ARGUMENT
    assert await ask(handle, "INSTCMD", "beeper.enable") == ResultCode.SUCCESS
    assert ups.commands() == [AUTH, bytes.fromhex("8a2d00"), AUTH, bytes.fromhex("950f0300"),
                              AUTH, AUTH, bytes.fromhex("95060100")]


async def test_three_phases_and_two_reply_blocks(nursery) -> None:
    async with bcmxcp_sim(PW9355) as (ups, tty):
        handle = await start(nursery, xcp_device(tty))
        data = handle.snapshot.data
        assert data.vars["ups.load"] == "  1.8"  # 100 * 0.2 / 11.0 from the phase A current
        assert data.vars["input.quality"] == "15" and data.vars["ups.time"] == "18:56:25.06"
        assert set(data.commands) == {"shutdown.return", "shutdown.stayoff", "test.battery.start"}
        ups.low_battery()
        await wait_for(handle, status_is("OB LB"))  # the topology bit: no alarm


def test_both_nut_names_find_a_driver() -> None:
    serial = make_driver(xcp_device("/dev/null"))
    usb = make_driver(Device(name="u", port="auto", config_dir=Path("/tmp"), driver="bcmxcp_usb"))
    assert (serial.name, type(serial), usb.name, type(usb)) == (
        "bcmxcp", BcmXcp, "bcmxcp_usb", BcmXcpUsb)
    assert serial.version_internal == usb.version_internal == "0.32"
