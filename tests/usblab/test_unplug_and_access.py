"""Faults the real NUT 2.8.0 drivers and nutrio meet on the lab: a UPS unplugged and plugged
back with a new device number, and a UPS the driver may not open (LIBUSB_ERROR_ACCESS).

These pin what each program does: on ACCESS nutrio logs one clear line naming the
bus/device and the fix.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

import pytest
import trio
from sim.megatec_sim import MegatecSim

from tests.drivers.hid.recordings import load
from tests.usblab.bridges import CypressBridge
from tests.usblab.fixtures import requires_nut_driver
from tests.usblab.hid import HidDevice
from tests.usblab.runners import UsbDriverRun, nutrio_usb, real_usb_driver
from tests.usblab.server import UsbLab

pytestmark = pytest.mark.e2e

STALE = "Error: Data stale"
FAST = {"pollinterval": "1"}


def bk650(serial: str) -> HidDevice:
    ups = HidDevice.from_recording(load("apc_bk650m2"))
    ups.strings[ups.serial_index] = serial
    return ups


async def until(probe: Callable[[], Awaitable[str]], want: str, timeout: float = 20.0) -> float:
    """Seconds until ``probe()`` says ``want``."""
    started = trio.current_time()
    with trio.fail_after(timeout):
        while await probe() != want:
            await trio.sleep(0.2)
    return trio.current_time() - started


async def exit_code(run: UsbDriverRun, timeout: float = 15.0) -> int:
    with trio.fail_after(timeout):
        while (code := run.exited()) is None:
            await trio.sleep(0.05)
    return code


@requires_nut_driver("usbhid-ups")
async def test_unplug_goes_stale_and_a_new_device_number_is_found_again(usblab: UsbLab) -> None:
    # two units told apart by serial number: the real driver drives one, nutrio the other
    theirs, ours = usblab.plug(bk650("AAAA0001")), usblab.plug(bk650("BBBB0002"))
    async with real_usb_driver(usblab, "usbhid-ups", {"serial": "AAAA0001", **FAST}) as real, \
            nutrio_usb(usblab, "usbhid-ups", {"serial": "BBBB0002", **FAST}) as nutrio:
        for run in (real, nutrio):
            await run.wait_values()
        before = (theirs.name, ours.name)
        theirs.unplug()
        ours.unplug()
        await until(real.status, STALE)
        await until(nutrio.status, STALE)
        theirs.replug()
        ours.replug()
        assert (theirs.name, ours.name) != before  # new device numbers on the same bus
        await until(real.status, "OL DISCHRG")
        await until(nutrio.status, "OL DISCHRG")
        assert (await nutrio.upsc())["device.serial"] == "BBBB0002"
    # both opened the unit again at its new address
    assert theirs.name in {c.device for c in usblab.calls(client="usbhid-ups", op="claim")}
    assert ours.name in {c.device for c in usblab.calls(client="nutrio", op="claim")}
    events = [json.loads(line).get("event") for line in nutrio.log_text().splitlines()]
    assert "driver.stale" in events and "driver.usb_reconnected" in events


@requires_nut_driver("nutdrv_qx")
async def test_real_nutdrv_qx_reopens_the_bridge_after_a_replug(usblab: UsbLab) -> None:
    bridge = usblab.plug(CypressBridge(MegatecSim()))
    async with real_usb_driver(usblab, "nutdrv_qx", {"protocol": "megatec", **FAST}) as real:
        await real.wait_values()
        bridge.vanish(on="control")  # gone in the middle of the next command
        await until(real.status, STALE)
        bridge.replug()
        await until(real.status, "OL")
    assert [c.status for c in usblab.calls(client="nutdrv_qx", op="control")].count(-4) >= 1
    assert bridge.name in {c.device for c in usblab.calls(client="nutdrv_qx", op="claim")}


@requires_nut_driver("usbhid-ups")
async def test_access_denied_what_the_real_usbhid_ups_and_nutrio_log(usblab: UsbLab) -> None:
    usblab.plug(bk650("AAAA0001")).deny_open()
    async with real_usb_driver(usblab, "usbhid-ups", upsd=False, debug="") as real:
        assert await exit_code(real) == 1
    assert real.log_text().splitlines()[2:] == [
        "libusb1: Could not open any HID devices: insufficient permissions on everything",
        "No matching HID UPS found",
    ]
    async with nutrio_usb(usblab, "usbhid-ups", FAST) as nutrio:
        await until(nutrio.status, "Error: Driver not connected")
        await trio.sleep(1)
    errors = [json.loads(line) for line in nutrio.log_text().splitlines()
              if '"actor.crashed"' in line]
    # one line per attempt, naming the device and the fix (no traceback: a DriverError)
    assert errors and {e["error"] for e in errors} == {
        'no permission to open USB device 001:002 (051d:0002): add a udev rule such as '
        'SUBSYSTEM=="usb", ATTR{idVendor}=="051d", ATTR{idProduct}=="0002", MODE="0660", '
        'GROUP="nut" and run nutrio as a member of that group'}
    assert all("traceback" not in e and "exception" not in e for e in errors)
    assert all(c.status == -3 for c in usblab.calls(op="open"))


@requires_nut_driver("nutdrv_qx")
@requires_nut_driver("blazer_usb")
async def test_access_denied_what_the_real_megatec_usb_drivers_log(usblab: UsbLab) -> None:
    usblab.plug(CypressBridge(MegatecSim())).deny_open()
    for driver in ("nutdrv_qx", "blazer_usb"):
        async with real_usb_driver(usblab, driver, upsd=False, debug="") as real:
            assert await exit_code(real) == 1
        lines = real.log_text().splitlines()
        assert "libusb1: Could not open any HID devices: insufficient permissions on everything" \
            in lines
        assert "No supported devices found. Please check your device availability with 'lsusb'" \
            in lines
