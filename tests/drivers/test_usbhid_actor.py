"""The usbhid-ups driver actor on pyusb, against recorded UPSes replayed by a pyusb backend.

Most tests run the driver's USB calls inline (no worker thread) so the Trio
MockClock can jump over poll intervals; one test runs them in threads on the
real clock, as production does.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest
import trio
from driver_helpers import Device, status_is
from driver_helpers import ask as _ask
from driver_helpers import wait_for as _wait_for

from nutrio.actors.drivers import DRIVERS, DriverConfigError, DriverIOError, make_driver, run_driver
from nutrio.actors.drivers.usbhid import UsbHid
from nutrio.actors.registry import DeviceHandle
from nutrio.protocol.common.state import ResultCode
from tests.drivers.hid.recordings import load, nut_dump, synthetic_ups
from tests.drivers.hid.replay import ReplayBackend

# replays on the MockClock: generous virtual-time deadlines
wait_for = partial(_wait_for, timeout=60.0)
ask = partial(_ask, timeout=30.0)

BK650_DUMP = "APC__APC__Back-UPS_BK650M2-CH__usbhid-ups__2.8.0__01.dev"


async def inline(fn: Callable[[], Any]) -> Any:
    await trio.lowlevel.checkpoint()
    return fn()


def usb_device(pollinterval: float | None = None, **options: str) -> Device:
    return Device(name="hid", port="auto", config_dir=Path("/tmp"), driver="usbhid-ups",
                  pollinterval=pollinterval, options=MappingProxyType(options))


async def start(nursery: trio.Nursery, dev: Device, backend: ReplayBackend,
                run_sync: Any = inline) -> DeviceHandle:
    handle = DeviceHandle(dev.name)

    def factory(d: Any) -> UsbHid:
        return UsbHid(d, backend=backend, run_sync=run_sync)

    await nursery.start(lambda task_status: run_driver(dev, handle, factory=factory,
                                                       task_status=task_status))
    return handle


def test_usbhid_ups_is_a_known_driver_name() -> None:
    assert DRIVERS["usbhid-ups"] is UsbHid
    assert isinstance(make_driver(usb_device()), UsbHid)


def test_a_bad_matching_regex_is_a_configuration_error() -> None:
    with pytest.raises(DriverConfigError, match="invalid regular expression"):
        UsbHid(usb_device(serial="(unclosed"))
    with pytest.raises(DriverConfigError, match="pollfreq"):
        UsbHid(usb_device(pollfreq="soon"))


async def test_bk650_is_served_through_the_usb_path_like_nut(
    nursery: trio.Nursery, autojump_clock: trio.testing.MockClock
) -> None:
    backend = ReplayBackend(load("apc_bk650m2"))
    handle = await start(nursery, usb_device(), backend)
    data = handle.snapshot.data.vars
    nut = nut_dump(BK650_DUMP)
    for name in ("battery.charge", "battery.charge.low", "battery.mfr.date", "battery.runtime",
                 "battery.runtime.low", "battery.type", "battery.voltage", "battery.voltage.nominal",
                 "device.mfr", "device.model", "driver.version.data", "driver.version.internal",
                 "input.sensitivity", "input.transfer.high", "input.transfer.low", "input.voltage",
                 "input.voltage.nominal", "ups.beeper.status", "ups.delay.shutdown", "ups.mfr",
                 "ups.mfr.date", "ups.model", "ups.productid", "ups.realpower.nominal",
                 "ups.status", "ups.test.result", "ups.timer.reboot", "ups.timer.shutdown",
                 "ups.vendorid", "device.type", "driver.name"):
        assert data[name] == nut[name], name
    assert data["device.serial"] == data["ups.serial"] == "9B2019A14274"
    assert data["driver.parameter.pollfreq"] == "30"
    assert backend.device.claimed


async def test_interrupt_reports_bring_on_battery_and_low_battery(
    nursery: trio.Nursery, autojump_clock: trio.testing.MockClock
) -> None:
    backend = ReplayBackend(load("apc_bk650m2"))
    handle = await start(nursery, usb_device(), backend)
    assert handle.snapshot.data.vars["ups.status"] == "OL DISCHRG"
    for report in ("16 0a 00", "13 00"):  # the power fails: what the unit sends and answers
        backend.set_report(bytes.fromhex(report))
        backend.interrupt(bytes.fromhex(report))
    await wait_for(handle, status_is("OB DISCHRG"))
    for report in ("16 1a 00", "14 01"):  # ShutdownImminent and BelowRemainingCapacityLimit
        backend.set_report(bytes.fromhex(report))
        backend.interrupt(bytes.fromhex(report))
    await wait_for(handle, status_is("OB DISCHRG LB"))
    snap = await wait_for(handle, status_is("ALARM OB DISCHRG LB"))  # after the next full poll
    assert snap.data.vars["ups.alarm"] == "Shutdown imminent!"
    assert not snap.stale


async def test_polling_alone_sees_a_status_change_with_pollonly(
    nursery: trio.Nursery, autojump_clock: trio.testing.MockClock
) -> None:
    backend = ReplayBackend(load("apc_bk650m2"))
    handle = await start(nursery, usb_device(pollonly="yes"), backend)
    backend.interrupt(bytes.fromhex("16 0a 00"))  # never read
    backend.set_report(bytes.fromhex("16 0a 00"))
    backend.set_report(bytes.fromhex("13 00"))
    await wait_for(handle, status_is("OB DISCHRG"))
    assert len(backend.device.interrupts) == 1
    assert handle.snapshot.data.vars["driver.flag.pollonly"] == "enabled"


async def test_commands_and_settings_go_out_as_set_report(
    nursery: trio.Nursery, autojump_clock: trio.testing.MockClock
) -> None:
    backend = ReplayBackend(load("apc_bk650m2"))
    handle = await start(nursery, usb_device(), backend)
    assert await ask(handle, "INSTCMD", "beeper.enable") == ResultCode.SUCCESS
    assert await ask(handle, "INSTCMD", "test.battery.start.deep") == ResultCode.SUCCESS
    assert await ask(handle, "SET", "battery.charge.low", "40") == ResultCode.SUCCESS
    assert await ask(handle, "INSTCMD", "shutdown.return") == ResultCode.CMD_NOT_SUPPORTED
    assert backend.device.writes == [bytes.fromhex(h) for h in ("18 02", "21 02", "11 28")]
    snap = await wait_for(handle, lambda s: s.data.vars.get("ups.beeper.status") == "enabled")
    assert snap.data.vars["battery.charge.low"] == "40"


async def test_unplugged_ups_goes_stale_and_recovers_when_plugged_back(
    nursery: trio.Nursery, autojump_clock: trio.testing.MockClock
) -> None:
    backend = ReplayBackend(load("apc_bk650m2"))
    handle = await start(nursery, usb_device(), backend)
    backend.unplug()
    stale = await wait_for(handle, lambda s: s.stale)
    assert stale.data.vars["battery.charge"] == "100"  # the last values, marked stale
    assert not backend.device.claimed
    for _ in range(3):  # still away: still stale, no crash
        version = handle.state.version
        await handle.state.wait_newer(version)
        assert handle.snapshot.stale
    backend.set_report(bytes.fromhex("0c 5a"))  # it comes back at 90 %
    backend.replug()
    snap = await wait_for(handle, lambda s: not s.stale)
    assert snap.data.vars["ups.status"] == "OL DISCHRG"
    await wait_for(handle, lambda s: s.data.vars.get("battery.charge") == "90")
    assert backend.device.claimed


async def test_commands_fail_while_unplugged(
    nursery: trio.Nursery, autojump_clock: trio.testing.MockClock
) -> None:
    backend = ReplayBackend(load("apc_bk650m2"))
    handle = await start(nursery, usb_device(), backend)
    backend.unplug()
    assert await ask(handle, "INSTCMD", "beeper.enable") == ResultCode.FAILED
    await wait_for(handle, lambda s: s.stale)
    assert await ask(handle, "INSTCMD", "beeper.enable") == ResultCode.FAILED


async def test_a_stalled_report_skips_its_values_without_going_stale(
    nursery: trio.Nursery, autojump_clock: trio.testing.MockClock
) -> None:
    backend = ReplayBackend(load("apc_bk650m2"))
    handle = await start(nursery, usb_device(pollfreq="4"), backend)
    backend.stall(0x31)  # input voltage
    backend.set_report(bytes.fromhex("0c 50"))
    snap = await wait_for(handle, lambda s: s.data.vars.get("battery.charge") == "80")
    assert not snap.stale
    assert snap.data.vars["input.voltage"] == "232.0"


async def test_only_the_same_unit_is_taken_back_after_an_unplug(
    nursery: trio.Nursery, autojump_clock: trio.testing.MockClock
) -> None:
    other = load("apc_bk650m2")
    other.strings[3] = "ANOTHER-UNIT"
    backend = ReplayBackend(load("apc_bk650m2"), other)
    backend.unplug(1)
    handle = await start(nursery, usb_device(), backend)
    backend.unplug(0)
    backend.replug(1)
    await wait_for(handle, lambda s: s.stale)
    for _ in range(3):
        await handle.state.wait_newer(handle.state.version)
        assert handle.snapshot.stale
    assert not backend.devices[1].claimed


@pytest.mark.parametrize(("options", "expected"), [
    ({}, "Back-UPS"),  # first claimed device
    ({"vendorid": "0764"}, "CPS"),
    ({"vendorid": "051D", "serial": "syn.*"}, "Back-UPS"),
    ({"product": "cp1000 .*"}, "CPS"),
    ({"vendor": "Nutrio Test", "productid": "0002"}, "Back-UPS"),
    ({"bus": "001", "device": "003"}, "CPS"),
])
async def test_devices_are_matched_by_the_ups_conf_options(
    nursery: trio.Nursery, autojump_clock: trio.testing.MockClock, options: dict[str, str],
    expected: str,
) -> None:
    apc = synthetic_ups()
    cps = synthetic_ups(0x0764, 0x0501)
    cps.strings.update({1: "CPS", 2: "CP1000 AVR", 3: "CPS0001"})
    handle = await start(nursery, usb_device(**options), ReplayBackend(apc, cps))
    model = handle.snapshot.data.vars["ups.model"]
    assert model.startswith("Synthetic") if expected == "Back-UPS" else model == "CP1000 AVR"


async def test_no_matching_device_fails_to_open(autojump_clock: trio.testing.MockClock) -> None:
    backend = ReplayBackend(synthetic_ups())
    handle = DeviceHandle("hid")
    with pytest.raises(DriverIOError, match="No matching HID UPS"):
        await run_driver(usb_device(serial="nope"), handle,
                         factory=lambda d: UsbHid(d, backend=backend, run_sync=inline))


async def test_unknown_vendor_is_not_claimed(autojump_clock: trio.testing.MockClock) -> None:
    backend = ReplayBackend(synthetic_ups(0x1234, 0x0001))
    with pytest.raises(DriverIOError):
        await run_driver(usb_device(productid="0001"), DeviceHandle("hid"),
                         factory=lambda d: UsbHid(d, backend=backend, run_sync=inline))


async def test_apc_5g_models_never_read_the_interrupt_pipe(
    nursery: trio.Nursery, autojump_clock: trio.testing.MockClock
) -> None:
    backend = ReplayBackend(synthetic_ups(0x051D, 0x0003))
    backend.interrupt(bytes([1, 0]))
    handle = await start(nursery, usb_device(), backend)
    await handle.state.wait_newer(handle.state.version)
    assert len(backend.device.interrupts) == 1


async def test_usb_calls_run_in_worker_threads_on_the_real_clock(nursery: trio.Nursery) -> None:
    backend = ReplayBackend(synthetic_ups())
    handle = await start(nursery, usb_device(pollinterval=0.02), backend, run_sync=None)
    assert handle.snapshot.data.vars["battery.charge"] == "80"
    assert handle.snapshot.data.vars["battery.voltage"] == "13.5"
    backend.set_report(bytes([2, 55]))
    backend.interrupt(bytes([2, 55]))
    await wait_for(handle, lambda s: s.data.vars.get("battery.charge") == "55", timeout=5)


async def test_a_unit_that_comes_back_with_a_new_descriptor_is_mapped_afresh(
    nursery: trio.Nursery, autojump_clock: trio.testing.MockClock
) -> None:
    backend = ReplayBackend(synthetic_ups())
    handle = await start(nursery, usb_device(), backend)
    assert "input.voltage" not in handle.snapshot.data.vars
    updated = load("apc_bk650m2")  # same unit after a firmware update: the BK650's tables
    updated.strings.update(synthetic_ups().strings)
    backend.unplug()
    await wait_for(handle, lambda s: s.stale)
    backend.device.rec = updated
    backend.device.reports = dict(updated.feature_reports)
    backend.replug()
    snap = await wait_for(handle, lambda s: not s.stale)
    assert snap.data.vars["input.voltage"] == "232.0"
    assert snap.data.vars["battery.charge"] == "100"


def test_explore_needs_a_vendorid() -> None:
    with pytest.raises(DriverConfigError, match="vendorid"):
        UsbHid(usb_device(explore="yes"))


async def test_explore_mode_serves_what_nut_explore_served_and_logs_every_path(
    nursery: trio.Nursery, autojump_clock: trio.testing.MockClock
) -> None:
    from structlog.testing import capture_logs

    from tests.drivers.hid.recordings import nut_explore_dump

    backend = ReplayBackend(load("apc_bk650m2"))
    with capture_logs() as logs:
        handle = await start(nursery, usb_device(explore="yes", vendorid="051d"), backend)
    nut = nut_explore_dump(BK650_DUMP)
    mine = handle.snapshot.data.vars
    for name, value in nut.items():
        if name.startswith(("ups.", "device.")) or name in (
            "driver.version.data", "driver.version.internal", "driver.flag.explore",
            "driver.parameter.vendorid", "driver.parameter.pollfreq", "driver.name",
        ):
            assert mine[name] == value, name
    paths = [e for e in logs if e["event"] == "driver.hid_path"]
    assert len(paths) == 71
    runtime = next(e for e in paths if e["path"] == "UPS.PowerSummary.RunTimeToEmpty")
    assert runtime["value"] == 3618.0 and runtime["report_id"] == "0x0f"


async def test_default_and_override_options_as_nut_sets_them(
    nursery: trio.Nursery, autojump_clock: trio.testing.MockClock
) -> None:
    """default.* and override.* are set before the first walk (NUT's storeval): a row whose
    variable exists then is dropped, so the value stays; an override stays whatever comes."""
    backend = ReplayBackend(load("apc_bk650m2"))
    handle = await start(nursery, usb_device(**{
        "default.battery.charge.low": "25", "override.ups.mfr": "Nutrio Shop",
        "override.battery.charge": "42"}), backend)
    data = handle.snapshot.data.vars
    assert (data["battery.charge.low"], data["ups.mfr"], data["battery.charge"]) == (
        "25", "Nutrio Shop", "42")
    backend.set_report(bytes.fromhex("0c 50"))  # 80 %: the override still wins
    snap = await wait_for(handle, lambda s: s.data.vars["ups.status"] == "OL DISCHRG")
    await handle.state.wait_newer(handle.state.version)
    assert handle.snapshot.data.vars["battery.charge"] == "42"
    assert snap.data.vars["ups.mfr"] == "Nutrio Shop"


async def test_the_subdriver_option_takes_a_subdriver_without_asking(
    nursery: trio.Nursery, autojump_clock: trio.testing.MockClock
) -> None:
    backend = ReplayBackend(load("apc_bk650m2"))
    handle = await start(nursery, usb_device(subdriver="cyberpower", vendorid="051d",
                                             productid="0002"), backend)
    data = handle.snapshot.data.vars
    assert data["driver.version.data"] == "CyberPower HID 0.6"
    assert data["ups.mfr"] == "American Power Conversion"
    with pytest.raises(DriverConfigError, match="none matched"):
        UsbHid(usb_device(subdriver="nosuch", vendorid="051d", productid="0002"))
    with pytest.raises(DriverConfigError, match="'vendorid' and 'productid' are mandatory"):
        UsbHid(usb_device(subdriver="apc"))
