"""apc_modbus over USB HID (its default ``porttype``) on the lab: nutrio's driver finds the
APC unit, learns the Modbus report ids from its report descriptor, and carries RTU frames
in 64-byte interrupt reports, skipping the unit's other input reports.

NUT 2.8.0 has no apc_modbus, so no real driver runs here: the transfers are checked
against what the libmodbus fork NUT 2.8.1+ links does (tests/usblab/apc_modbus_hid.py).
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from types import MappingProxyType

import pytest
import trio
from driver_helpers import Device, ask, wait_for

from nutrio.actors.drivers import DriverIOError, run_driver
from nutrio.actors.drivers.apc_modbus.driver import ApcModbusDriver
from nutrio.actors.registry import DeviceHandle
from nutrio.protocol.common.state import ResultCode
from nutrio.protocol.devices.dummy.devfile import DeviceVars
from tests.usblab.apc_modbus_hid import ModbusHidUps
from tests.usblab.runners import nutrio_usb
from tests.usblab.server import UsbLab


def usb_device(**options: str) -> Device:
    return Device(name="smt", port="auto", config_dir=Path("/tmp"), driver="apc_modbus",
                  pollinterval=0.1, maxage=5,
                  options=MappingProxyType({"response_timeout_ms": "300", **options}))


async def start(nursery: trio.Nursery, dev: Device) -> DeviceHandle:
    handle = DeviceHandle(dev.name)
    factory = partial(ApcModbusDriver, error_pause=0.05)
    await nursery.start(lambda task_status: run_driver(dev, handle, factory=factory,
                                                       task_status=task_status))
    return handle


async def test_usb_unit_serves_its_registers_and_takes_commands(usblab: UsbLab,
                                                               nursery: trio.Nursery) -> None:
    ups = ModbusHidUps(rx_id=0x11, tx_id=0x12)  # ids from the descriptor, not the defaults
    ups.chatter.append(bytes([0x01, 0b01]))  # a PresentStatus report first: skipped
    usblab.plug(ups)
    handle = await start(nursery, usb_device())
    got = handle.snapshot.data.vars
    assert (got["ups.vendorid"], got["ups.productid"]) == ("051d", "0003")
    assert (got["ups.model"], got["battery.voltage"], got["ups.status"]) == (
        "Smart-UPS 750", "26.84", "OL")
    with usblab.lock:
        ups.ups.low_battery()
    await wait_for(handle, lambda s: s.data.vars["ups.status"] == "OB LB RB", timeout=5)
    assert await ask(handle, "INSTCMD", "shutdown.stayoff") == ResultCode.SUCCESS
    assert ups.ups.commands() == [(1538, (0, 0x0300 | 1 << 2 | 1 << 7))]
    outs = [c.out for c in usblab.calls(op="interrupt") if c.endpoint == 0x01]
    assert {len(o) for o in outs} == {64}
    assert outs[0][:7] == bytes([0x11, 1, 0x03, 0x02, 0x04, 0x00, 120])  # inventory first
    assert outs[0][7:] == bytes(57)  # no CRC, zero padded


async def test_other_apc_products_need_productid_and_matchers_pick_the_unit(
        usblab: UsbLab) -> None:
    usblab.plug(ModbusHidUps(product_id=0x0004, strings={3: "OTHER1"}))
    with pytest.raises(DriverIOError, match="no APC Modbus USB device"):
        await ApcModbusDriver(usb_device()).open(DeviceVars())  # 0004 is no known product
    with pytest.raises(DriverIOError, match="no APC Modbus USB device"):
        await ApcModbusDriver(usb_device(productid="0004", serial="NOPE")).open(DeviceVars())
    state = DeviceVars()
    driver = ApcModbusDriver(usb_device(productid="0004", serial="other1"))
    await driver.open(state)
    await driver.close()
    assert (state.get("ups.productid"), state.get("ups.status")) == ("0004", "OL")


async def test_a_unit_without_the_modbus_usages_is_not_taken(usblab: UsbLab) -> None:
    ups = ModbusHidUps()
    ups.descriptor = bytes.fromhex("05 84 09 04 a1 01 c0")  # a power device, no Modbus part
    usblab.plug(ups)
    with pytest.raises(DriverIOError, match="no APC Modbus USB device"):
        await ApcModbusDriver(usb_device()).open(DeviceVars())


async def test_unplugged_goes_stale_and_a_replug_recovers(usblab: UsbLab,
                                                         nursery: trio.Nursery) -> None:
    ups = ModbusHidUps()
    plugged = usblab.plug(ups)
    handle = await start(nursery, usb_device())
    plugged.unplug()
    await wait_for(handle, lambda s: s.stale, timeout=5)
    plugged.replug()
    snap = await wait_for(handle, lambda s: not s.stale and s.data.vars["ups.status"] == "OL",
                          timeout=10)
    assert snap.data.vars["ups.serial"] == "AS1316113420"


@pytest.mark.e2e
async def test_nutrio_run_serves_the_usb_unit_to_upsc(usblab: UsbLab) -> None:
    ups = ModbusHidUps()
    usblab.plug(ups)
    async with nutrio_usb(usblab, "apc_modbus", {"pollinterval": "0.5"}) as run:
        values = await run.wait_values()
        assert values["ups.efficiency"] == "LoadTooLow"
        with usblab.lock:
            ups.ups.on_battery()
        on_battery = await run.wait_values(lambda v: v["ups.status"] == "OB")
        assert on_battery["input.transfer.reason"] == "LowInputVoltage"
        rw = await run.upsrw()
        assert {"ups.id", "battery.date", "ups.delay.shutdown"} <= set(rw)
