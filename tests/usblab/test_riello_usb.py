"""The real NUT 2.8.0 riello_usb and nutrio's, side by side on the same simulated units.

Three GPSER units behind their Cypress bridge (tests/usblab/riello.py), shaped after the
library's riello_usb dumps: IPG 600 (no runtime, bypass or temperature), VSD3000 and an
iDialog 800 (CRC checks, never answers the extended request). They share the id
04b4:5500 and NUT 2.8.0's riello_usb takes no matchers, so each unit gets a test of its
own: the real driver on a lab of its own behind one real upsd, nutrio's actor on the
test's lab behind nutrio's listener (tests/drivers/bcmxcp_bench.py). Both must list the
same, send the same packets at start, go through the same status changes and send
the same requests for each command.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from types import MappingProxyType

import pytest
import trio
from bcmxcp_bench import NOT_COMPARED, Bench, Unit, nutrio_side, real_side
from driver_helpers import Device
from serial_bench import real_kill

from nutrio.actors.drivers.errors import DriverIOError
from nutrio.actors.drivers.killpower import kill_power
from nutrio.actors.drivers.riello.usbdriver import RielloUsb
from nutrio.protocol.devices.riello.frames import gpser_request
from tests.usblab.calls import Call
from tests.usblab.fixtures import requires_nut_driver
from tests.usblab.riello import UNITS, RielloUsbUps, usb_ups
from tests.usblab.server import UsbLab

pytestmark = [pytest.mark.realnut, pytest.mark.e2e, requires_nut_driver("riello_usb")]

#: two polls of the real driver (every 2 s whatever it is told)
SETTLE = 4.5
IGNORE = NOT_COMPARED | {"driver.version.usb"}


def plugged(ups: object, name: str) -> RielloUsbUps:
    return RielloUsbUps(ups, strings={1: "Cypress Semiconductor", 2: "USB to Serial",  # type: ignore[arg-type]
                                      3: name})


@contextlib.asynccontextmanager
async def bench(nursery: trio.Nursery, ours: UsbLab, name: str
                ) -> AsyncIterator[tuple[Bench, UsbLab]]:
    unit = Unit(name, {}, usb_ups(name), usb_ups(name))
    ours.plug(plugged(unit.ours, name))
    our_port, handles = await nutrio_side(nursery, "riello_usb", [unit], RielloUsb)
    with UsbLab() as theirs:
        theirs.plug(plugged(unit.real, name))
        async with real_side("riello_usb", {name: ("auto", {})},
                             envs={name: theirs.env()}) as port:
            await trio.sleep(SETTLE)  # the real driver's second update reaches upsd
            yield Bench({name: unit}, port, our_port, handles, ignore=IGNORE), theirs


def first_update(calls: list[Call], device: str) -> list[tuple[object, ...]]:
    """The feature report and the packets of one unit up to the first update's end."""
    return [c.wire() for c in calls if c.device == device and (
        c.op == "interrupt" or (c.setup is not None and c.setup.kind == "class"))][:40]


@pytest.mark.parametrize("name", list(UNITS))
async def test_nutrio_serves_what_real_riello_usb_serves_for_the_same_unit(
        nursery, usblab, name: str) -> None:
    async with bench(nursery, usblab, name) as (b, theirs):
        found = await b.compare(name)
        assert found["ups.vendorid"] == "04b4"
        if name == "ipg600":
            assert found["ups.model"] == "USV5"
            assert found["input.bypass.voltage"] == "4095"
            assert "battery.runtime" not in found
        if name == "vsd3000":
            assert found["ups.realpower.nominal"] == "2700"
            assert found["output.L1.realpower"] == "250"
        if name == "idialog800":
            assert "output.L1.power" not in found
        [ours], [real] = usblab.devices, theirs.devices
        mine = first_update(usblab.calls(client="nutrio-test"), ours.name)
        assert mine == first_update(theirs.calls(), real.name)

        for step, change in enumerate(("on_battery", "low_battery", "on_line")):
            b.both(name, lambda ups, c=change: getattr(ups, c)())
            await trio.sleep(SETTLE)
            expected = ("OB", "OB LB", "OL CHRG" if name == "idialog800" else "OL")[step]
            assert (await b.compare(name))["ups.status"] == expected, name

        sent = await b.commands(name, [
            f"INSTCMD {name} load.off.delay", f"INSTCMD {name} load.on",
            f"INSTCMD {name} shutdown.stop", f"INSTCMD {name} test.panel.start",
            f"INSTCMD {name} test.battery.start"], count=5)
        crc = name == "idialog800"
        assert sent == [gpser_request("CS", b"0005", crc=crc),
                        gpser_request("CR", b"00000000", crc=crc),
                        gpser_request("CD", crc=crc), gpser_request("TP", crc=crc),
                        gpser_request("TB", b"005", crc=crc)]


async def test_riello_usb_killpower_fails_after_three_shutdown_stops_like_the_real_one(
        usblab) -> None:
    ours_ups, real_ups = usb_ups("vsd3000"), usb_ups("vsd3000")
    usblab.plug(plugged(ours_ups, "vsd3000"))
    with UsbLab() as theirs:
        theirs.plug(plugged(real_ups, "vsd3000"))
        code, _ = await real_kill("riello_usb", "auto", {}, env=theirs.env())
    dev = Device(name="sim", port="auto", config_dir=Path("/tmp"), driver="riello_usb",
                 options=MappingProxyType({}))
    with pytest.raises(DriverIOError, match="Shutdown failed"):
        await kill_power(dev, factory=RielloUsb)
    assert code != 0
    assert ours_ups.received == real_ups.received == [gpser_request("CD")] * 3
