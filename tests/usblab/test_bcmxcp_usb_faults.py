"""nutrio's bcmxcp_usb on the USB lab when things go wrong, and where it reads more than NUT.

- Answers of two reply blocks (a three-phase 9355 over USB): NUT 2.8.0's
  bcmxcp_usb keeps only the first block (NUT issue #769, false alarms);
  nutrio reads both and serves what the serial driver serves for the unit.
- Unplugged, then back: stale, then found again; one line each way. Gone
  for longer than ``restart_after``: restarted with back-off until it is back.
- A unit that stops answering, or answers garbage: stale, one warning.
- A halted interrupt endpoint: cleared, and the answer read again.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from types import MappingProxyType

import trio
from driver_helpers import Device, status_is, wait_for
from sim.bcmxcp_models import PW5115, PW9355, XcpProfile
from sim.bcmxcp_sim import XcpUps, bcmxcp_sim
from structlog.testing import capture_logs

from nutrio.actors.drivers import run_driver
from nutrio.actors.drivers.bcmxcp.driver import BcmXcp, BcmXcpUsb, XcpTiming
from nutrio.actors.registry import DeviceHandle
from nutrio.supervisor import ChildSpec, Restart, Supervisor
from tests.usblab.server import UsbLab
from tests.usblab.xcp import XcpUsbUps

FAST = XcpTiming(authorize=0.02, byte=0.2, usb_answer=0.2, escape=0.01, settle=0.02)
#: what only the transport changes
TRANSPORT = frozenset({"driver.name", "driver.parameter.port"})


def device(driver: str, port: str = "auto") -> Device:
    return Device(name="xcp", port=port, config_dir=Path("/tmp"), driver=driver,
                  pollinterval=0.05, maxage=3.0, options=MappingProxyType({"restart_after": "0"}))


async def start(nursery: trio.Nursery, dev: Device) -> DeviceHandle:
    cls = BcmXcpUsb if dev.driver == "bcmxcp_usb" else BcmXcp
    handle = DeviceHandle(dev.name)
    await nursery.start(lambda task_status: run_driver(
        dev, handle, factory=lambda d: cls(d, timing=FAST), task_status=task_status))
    return handle


def plug(lab: UsbLab, profile: XcpProfile) -> tuple[XcpUps, object]:
    ups = XcpUps(profile)
    return ups, lab.plug(XcpUsbUps(ups, *profile.usb_ids))


async def test_two_block_answers_read_whole_over_usb(nursery, usblab: UsbLab) -> None:
    plug(usblab, PW9355)
    usb = await start(nursery, device("bcmxcp_usb"))
    async with bcmxcp_sim(PW9355) as (_, tty):
        serial = await start(nursery, device("bcmxcp", tty))
        over_usb, over_serial = (dict(h.snapshot.data.vars) for h in (usb, serial))
    for name in TRANSPORT:
        del over_usb[name], over_serial[name]
    assert over_usb == over_serial
    assert over_usb["input.L3-N.voltage"] == "237.5" and "ups.alarm" not in over_usb
    reads = [c for c in usblab.calls(client="nutrio-test") if c.op == "interrupt"]
    assert reads[0].length == 128 and len(reads[0].back) == 128  # the ID block spans two reads


async def test_unplugged_unit_goes_stale_and_is_found_again(nursery, usblab: UsbLab) -> None:
    ups, plugged = plug(usblab, PW5115)
    handle = await start(nursery, device("bcmxcp_usb"))
    with capture_logs() as logs:
        plugged.unplug()  # type: ignore[attr-defined]
        await wait_for(handle, lambda s: s.stale)
        await trio.sleep(0.3)  # more polls without it
        ups.on_battery()
        plugged.replug()  # type: ignore[attr-defined]
        await wait_for(handle, lambda s: not s.stale and status_is("OB")(s))
    told = [e["event"] for e in logs]
    assert told.count("driver.usb_reconnected") == 1 and told.count("driver.recovered") == 1


async def test_silent_or_garbled_unit_goes_stale_with_one_warning(nursery, usblab: UsbLab) -> None:
    ups, _ = plug(usblab, PW5115)
    handle = await start(nursery, device("bcmxcp_usb"))
    for mode in ("silent", "garbage"):
        with capture_logs() as logs:
            ups.mode = mode
            await wait_for(handle, lambda s: s.stale, timeout=10)
            await handle.state.wait_newer(handle.state.version)  # one more failed poll
            ups.mode = "normal"
            await wait_for(handle, lambda s: not s.stale, timeout=10)
        warned = [e for e in logs if e["event"] == "driver.bad_reply" and e["log_level"] == "warning"]
        assert len(warned) == 1, mode


async def test_a_halted_endpoint_is_cleared_and_read_again(nursery, usblab: UsbLab) -> None:
    ups, plugged = plug(usblab, PW5115)
    handle = await start(nursery, device("bcmxcp_usb"))
    plugged.halt(0x81)  # type: ignore[attr-defined]
    ups.low_battery()
    await wait_for(handle, lambda s: not s.stale and status_is("OB LB")(s), timeout=10)
    pipe = [c for c in usblab.calls(client="nutrio-test") if c.op in ("interrupt", "clear_halt")]
    halted = next(i for i, c in enumerate(pipe) if c.status == -9)
    assert pipe[halted + 1].op == "clear_halt"


async def test_a_unit_gone_for_long_is_restarted_until_it_is_back(usblab: UsbLab) -> None:
    ups, plugged = plug(usblab, PW5115)
    dev = replace(device("bcmxcp_usb"), options=MappingProxyType({"restart_after": "0.3"}))
    handle = DeviceHandle(dev.name)

    async def run(*, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        await run_driver(dev, handle, factory=lambda d: BcmXcpUsb(d, timing=FAST),
                         task_status=task_status)

    sup = Supervisor("drivers", intensity=100, period=60.0, backoff_base=0.05, backoff_cap=0.2)
    async with trio.open_nursery() as nursery:
        await nursery.start(sup.run, [ChildSpec(id="driver:xcp", start=run, restart=Restart.PERMANENT)])
        plugged.unplug()  # type: ignore[attr-defined]
        await wait_for(handle, lambda s: not s.connected, timeout=10)
        await trio.sleep(0.5)  # starts that fail: no unit on the bus
        ups.on_battery()
        plugged.replug()  # type: ignore[attr-defined]
        await wait_for(handle, lambda s: s.connected and status_is("OB")(s), timeout=10)
        assert sup.children()[0].restarts >= 2
        await sup.stop()
    claims = [c.status for c in usblab.calls(client="nutrio-test", op="claim")]
    assert claims[-1] == 0  # the restarted driver claims the interface its forerunner gave back
