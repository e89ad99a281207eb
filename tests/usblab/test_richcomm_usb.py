"""The real NUT 2.8.0 richcomm_usb and nutrio's, side by side on the same simulated
Richcomm adapter (tests/usblab/drycontact.py, shaped after the Digitus DN-170014 and
StarPower PCF-800VA dumps; a second one with manufacturer and serial strings).

Each side has a lab of its own (the driver takes the first 0925:1234 unit, no
matchers): the real driver behind one real upsd, nutrio's actor behind nutrio's
listener. Both must list the same, send the same transfers at start (five
warm-up queries, then the updates), go through the same status changes, send the same
packets for killpower, and heal the same way when the adapter is unplugged and
plugged back in.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from pathlib import Path
from types import MappingProxyType

import pytest
import trio
from bcmxcp_bench import Bench, Unit, both_say
from driver_helpers import Device
from serial_bench import real_kill

from nutrio.actors.drivers.drycontact.richcomm import RichcommTiming, RichcommUsb
from nutrio.actors.drivers.killpower import kill_power
from nutrio.protocol.devices.drycontact import richcomm
from tests.usblab.contact_bench import contact_bench, said
from tests.usblab.drycontact import RICHCOMM_PRODUCT, RichcommUnit, bystander, data_transfers
from tests.usblab.fixtures import requires_nut_driver
from tests.usblab.runners import real_usb_driver
from tests.usblab.server import UsbLab

pytestmark = [pytest.mark.realnut, pytest.mark.e2e, requires_nut_driver("richcomm_usb")]

#: nutrio's pauses shortened: the same transfers, a shorter test
FAST = RichcommTiming(warmup=0.05, shutdown=0.2)
UNITS = {
    "dn170014": {},  # both dumps: product string only
    "serialed": {"strings": {1: "Richcomm", 2: RICHCOMM_PRODUCT, 3: "RC0042"}},
}


def ours(device: object) -> RichcommUsb:
    return RichcommUsb(device, FAST)  # type: ignore[arg-type]


def plug_all(lab: UsbLab, unit: RichcommUnit) -> None:
    lab.plug(bystander())
    lab.plug(unit)


def bench(nursery: trio.Nursery, lab: UsbLab, name: str
          ) -> AbstractAsyncContextManager[tuple[Bench, UsbLab]]:
    unit = Unit(name, {}, RichcommUnit(**UNITS[name]), RichcommUnit(**UNITS[name]))
    return contact_bench(nursery, lab, "richcomm_usb", unit, ours, plug_all)


@pytest.mark.parametrize("name", list(UNITS))
async def test_nutrio_serves_what_real_richcomm_usb_serves_for_the_same_adapter(
        nursery, usblab, name: str) -> None:
    async with bench(nursery, usblab, name) as (b, theirs):
        found = await b.compare(name)
        assert found["ups.mfr"] == richcomm.MFR
        assert found["ups.model"] == RICHCOMM_PRODUCT
        assert found["ups.serial"] == ("unknown" if name == "dn170014" else "RC0042")
        assert (found["ups.vendorid"], found["ups.productid"]) == ("0925", "1234")
        # five warm-up queries, then the first updates: each a query and its reply
        mine = data_transfers(usblab.calls(client="nutrio-test"), 14)
        assert len(mine) == 14 and mine == data_transfers(theirs.calls(), 14)
        assert mine[0][4] == richcomm.QUERY and len(mine[1][5]) == richcomm.REPLY_SIZE

        unit = b.units[name]
        for change, expected in (("on_battery", "OB"), ("low_battery", "OB LB"),
                                 ("on_line", "OL")):
            b.both(name, lambda ups, c=change: getattr(ups, c)())
            await both_say(b, name, said(name, expected), within=10)
            assert (await b.compare(name))["ups.status"] == expected
        assert unit.ours.commands() == unit.real.commands() == []  # only queries


async def test_unplugged_adapter_goes_stale_on_both_and_both_heal_when_it_is_back(
        nursery, usblab) -> None:
    async with bench(nursery, usblab, "dn170014") as (b, theirs):
        [_, our_plug], [_, their_plug] = usblab.devices, theirs.devices
        our_plug.unplug()
        their_plug.unplug()
        await both_say(b, "dn170014", "ERR DATA-STALE", within=10)
        await trio.sleep(3)  # a few polls without the unit
        b.both("dn170014", lambda ups: ups.on_battery())
        our_plug.replug()
        their_plug.replug()
        await both_say(b, "dn170014", said("dn170014", "OB"), within=10)
        await b.compare("dn170014")


async def test_richcomm_killpower_sends_what_real_driver_k_sends(usblab) -> None:
    mine, real = RichcommUnit(), RichcommUnit()
    usblab.plug(mine)
    with UsbLab() as theirs:
        theirs.plug(real)
        code, out = await real_kill("richcomm_usb", "auto", {}, env=theirs.env())
        their_wire = data_transfers(theirs.calls(), 20)
    dev = Device(name="sim", port="auto", config_dir=Path("/tmp"), driver="richcomm_usb",
                 options=MappingProxyType({}))
    result = await kill_power(dev, factory=ours)
    assert code == 0, out
    assert result.command == "shutdown.return"
    assert mine.received == real.received == (
        [richcomm.QUERY] * 5 + [richcomm.PREPARE, richcomm.RESTART])
    assert len(their_wire) == 14  # seven packets, each with its reply
    assert data_transfers(usblab.calls(client="nutrio-test"), 20) == their_wire


async def test_real_richcomm_usb_exits_when_the_bus_lists_no_device_at_all(usblab) -> None:
    """NUT 2.8.0's open ends the driver when libusb lists nothing (a real host always
    lists its root hubs, so the other tests keep a bystander plugged in)."""
    plug = usblab.plug(RichcommUnit())
    async with real_usb_driver(usblab, "richcomm_usb", {"pollinterval": "1"},
                               upsd=False) as real:
        with trio.fail_after(30):
            while not any(c.op == "interrupt" for c in usblab.calls(client="richcomm_usb")):
                await trio.sleep(0.2)
            plug.unplug()
            while real.exited() is None:
                await trio.sleep(0.2)
        assert real.exited() != 0
        assert "No USB device found" in real.log_text()
