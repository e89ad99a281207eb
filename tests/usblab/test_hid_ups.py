"""An APC Back-UPS BK650M2-CH (its real report descriptor and feature reports, see
tests/drivers/hid/SOURCES.md) on the lab, read by the real NUT 2.8.0 usbhid-ups and by
nutrio's usbhid-ups: through their upsd, both serve the same values.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from types import MappingProxyType

import pytest
import trio
from driver_helpers import Device, start, wait_for

from tests.drivers.hid.recordings import load
from tests.usblab.fixtures import requires_nut_driver
from tests.usblab.hid import HidDevice
from tests.usblab.runners import UsbDriverRun, nutrio_usb, real_usb_driver
from tests.usblab.server import UsbLab

real_usbhid_ups = requires_nut_driver("usbhid-ups")

#: what only tells the two programs apart (NUT's own words: "driver.version* aside")
VERSIONS = ("driver.version", "driver.version.usb")
FAST = {"pollinterval": "1"}


def bk650() -> HidDevice:
    return HidDevice.from_recording(load("apc_bk650m2"))


def power_fails(lab: UsbLab, ups: HidDevice) -> None:
    """What the unit answers and sends when the mains go (ACPresent off, discharging)."""
    with lab.lock:
        for report in ("16 0a 00", "13 00"):
            ups.reports[int(report[:2], 16)] = bytes.fromhex(report)
            ups.push_input(bytes.fromhex(report))


def power_returns(lab: UsbLab, ups: HidDevice) -> None:
    with lab.lock:
        for report in ("16 0e 00", "13 01"):
            ups.reports[int(report[:2], 16)] = bytes.fromhex(report)
            ups.push_input(bytes.fromhex(report))


def aside(values: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in values.items() if k not in VERSIONS}


async def values_and_battery_status(lab: UsbLab, ups: HidDevice,
                                    run: UsbDriverRun) -> tuple[dict[str, str], str]:
    values = await run.wait_values()
    power_fails(lab, ups)
    on_battery = await run.wait_values(lambda v: "OB" in v["ups.status"].split())
    power_returns(lab, ups)
    await run.wait_values(lambda v: "OL" in v["ups.status"].split())
    return values, on_battery["ups.status"]


@pytest.mark.e2e
@real_usbhid_ups
async def test_real_usbhid_ups_and_nutrio_serve_the_same_values(usblab: UsbLab) -> None:
    ups = bk650()
    usblab.plug(ups)
    async with real_usb_driver(usblab, "usbhid-ups", FAST) as run:
        real, real_ob = await values_and_battery_status(usblab, ups, run)
    async with nutrio_usb(usblab, "usbhid-ups", FAST) as run:
        ours, ours_ob = await values_and_battery_status(usblab, ups, run)
    assert aside(ours) == aside(real)
    assert real["ups.status"] == "OL DISCHRG"  # this unit's own way of saying "on line"
    assert real_ob == ours_ob == "OB DISCHRG"
    assert real["driver.version.usb"].startswith("libusb-1.0.26")
    assert ours["driver.version.usb"].startswith("pyusb")


@pytest.mark.e2e
@real_usbhid_ups
async def test_both_read_the_report_descriptor_and_the_same_feature_reports(usblab: UsbLab) -> None:
    usblab.plug(bk650())
    async with real_usb_driver(usblab, "usbhid-ups") as run:
        await run.wait_values()
    async with nutrio_usb(usblab, "usbhid-ups") as run:
        await run.wait_values()
    for client in ("usbhid-ups", "nutrio"):
        sent = usblab.transfers(client=client)
        descriptor = [c for c in sent if c.setup and c.setup.value == 0x2200]
        assert [(str(c.setup), c.status) for c in descriptor] == [("81 06 2200 0000 743", 743)]
    feature_ids = {
        client: {c.setup.value & 0xFF for c in usblab.transfers(client=client)
                 if c.setup and (c.setup.request_type, c.setup.request) == (0xA1, 0x01)}
        for client in ("usbhid-ups", "nutrio")
    }
    assert feature_ids["nutrio"] <= feature_ids["usbhid-ups"]
    assert {0x0C, 0x16, 0x13, 0x14} <= feature_ids["nutrio"]


async def test_nutrio_in_process_finds_the_lab_through_nutrio_libusb(
        usblab: UsbLab, nursery: trio.Nursery) -> None:
    usblab.plug(bk650())
    dev = Device(name="hid", port="auto", config_dir=Path("/tmp"), driver="usbhid-ups",
                 options=MappingProxyType({}))
    handle = await start(nursery, dev)  # pyusb calls in worker threads, as in production
    snap = await partial(wait_for, timeout=20)(handle, lambda s: "ups.status" in s.data.vars)
    assert snap.data.vars["device.serial"] == "9B2019A14274"
    assert snap.data.vars["battery.charge"] == "100"
    assert {c.client for c in usblab.calls()} == {"nutrio-test"}


@pytest.mark.e2e
@real_usbhid_ups
async def test_real_usbhid_ups_clears_a_halted_interrupt_endpoint(usblab: UsbLab) -> None:
    ups = bk650()
    plugged = usblab.plug(ups)
    async with real_usb_driver(usblab, "usbhid-ups", FAST) as run:
        await run.wait_values()
        plugged.halt(0x81)
        await trio.to_thread.run_sync(
            usblab.wait_for, lambda calls: any(c.op == "clear_halt" for c in calls))
        power_fails(usblab, ups)
        await run.wait_values(lambda v: "OB" in v["ups.status"].split())
    pipe = [c for c in usblab.calls(client="usbhid-ups") if c.op in ("interrupt", "clear_halt")]
    first = next(i for i, c in enumerate(pipe) if c.status == -9)
    assert (pipe[first + 1].op, pipe[first + 1].args) == ("clear_halt", (0x81,))
    assert all(c.status != -9 for c in pipe[first + 1:])  # the halt is gone


async def test_busport_picks_the_unit_on_that_port(usblab: UsbLab, nursery: trio.Nursery) -> None:
    """NUT 2.8.1's busport (libusb_get_port_number, three digits); 2.8.0 has none."""
    for port, serial in ((3, "AAAA0003"), (4, "BBBB0004")):
        ups = bk650()
        ups.strings[ups.serial_index] = serial
        usblab.plug(ups, ports=(1, port))
    dev = Device(name="hid", port="auto", config_dir=Path("/tmp"), driver="usbhid-ups",
                 options=MappingProxyType({"busport": "004"}))
    handle = await start(nursery, dev)
    snap = await partial(wait_for, timeout=20)(handle, lambda s: "ups.status" in s.data.vars)
    assert snap.data.vars["ups.serial"] == "BBBB0004"
