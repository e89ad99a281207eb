"""nutrio's richcomm_usb and nutdrv_atcl_usb on the USB lab when things go wrong: a reply
too short to count, a unit that stops answering, a unit of another maker, killpower
with no unit. Each goes stale with one warning and comes back without a restart."""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType

import pytest
import trio
from driver_helpers import Device, start, status_is, wait_for
from structlog.testing import capture_logs

from nutrio.actors.drivers.drycontact.atcl import AtclTiming, AtclUsb
from nutrio.actors.drivers.drycontact.richcomm import RichcommTiming, RichcommUsb
from nutrio.actors.drivers.errors import DriverIOError
from nutrio.actors.drivers.killpower import kill_power
from tests.usblab.drycontact import AtclUnit, RichcommUnit
from tests.usblab.server import UsbLab

RICHCOMM = RichcommTiming(warmup=0.01, shutdown=0.01)
ATCL = AtclTiming(transfer=0.2, shutdown=0.01)


def device(driver: str, **options: str) -> Device:
    return Device(name="dc", port="auto", config_dir=Path("/tmp"), driver=driver,
                  pollinterval=0.05, maxage=3.0, options=MappingProxyType(options))


def richcomm(dev: object) -> RichcommUsb:
    return RichcommUsb(dev, RICHCOMM)  # type: ignore[arg-type]


def atcl(dev: object) -> AtclUsb:
    return AtclUsb(dev, ATCL)  # type: ignore[arg-type]


def warnings(logs: list[dict[str, object]]) -> list[object]:
    return [e["event"] for e in logs if e["log_level"] in ("warning", "error")]


async def test_short_richcomm_replies_go_stale_once_and_heal(nursery, usblab: UsbLab) -> None:
    unit = RichcommUnit()
    usblab.plug(unit)
    handle = await start(nursery, device("richcomm_usb"), factory=richcomm)
    with capture_logs() as logs:
        unit.short = True
        await wait_for(handle, lambda s: s.stale)
        await trio.sleep(0.5)  # several polls of short replies
        unit.short = False
        unit.on_battery()
        await wait_for(handle, lambda s: not s.stale and status_is("OB")(s))
    assert warnings(logs) == ["driver.poll_failed", "driver.stale"]
    assert [e["event"] for e in logs].count("driver.usb_reconnected") >= 2  # released each time


async def test_a_silent_atcl_unit_goes_stale_and_heals(nursery, usblab: UsbLab) -> None:
    unit = AtclUnit()
    plugged = usblab.plug(unit)
    handle = await start(nursery, device("nutdrv_atcl_usb"), factory=atcl)
    with capture_logs() as logs:
        plugged.timeout(on="interrupt", count=4)
        await wait_for(handle, lambda s: s.stale)
        unit.low_battery()
        unit.on_battery()
        await wait_for(handle, lambda s: not s.stale and status_is("LB OB")(s), timeout=5)
    assert warnings(logs) == ["driver.poll_failed", "driver.stale"]


async def test_an_unknown_atcl_state_is_logged_and_served_empty(nursery, usblab: UsbLab) -> None:
    unit = AtclUnit()
    usblab.plug(unit)
    handle = await start(nursery, device("nutdrv_atcl_usb"), factory=atcl)
    with capture_logs() as logs:
        unit.state = 9
        await wait_for(handle, status_is(""))
    assert {"event": "driver.unknown_status", "byte": "0x09", "log_level": "error"} in logs


async def test_atcl_passes_over_another_makers_unit_unless_told(usblab: UsbLab) -> None:
    usblab.plug(AtclUnit(strings={1: "MEC", 2: "MEC0003"}))
    with pytest.raises(DriverIOError, match="No matching"):
        await AtclUsb(device("nutdrv_atcl_usb")).link.open()
    seen = await (driver := AtclUsb(device("nutdrv_atcl_usb", vendor="MEC"))).link.open()
    await driver.close()
    assert seen.vendor == "MEC"


async def test_killpower_without_a_unit_fails(usblab: UsbLab) -> None:
    usblab.plug(AtclUnit(strings={1: "MEC"}))
    for name, factory in (("richcomm_usb", richcomm), ("nutdrv_atcl_usb", atcl)):
        with pytest.raises(DriverIOError, match="No matching"):
            await kill_power(device(name), factory=factory)
