"""The real NUT 2.8.0 tripplite_usb and nutrio's, side by side on the same simulated units.

Four units, one per protocol family (tests/usblab/tripplite_units.py, carried by
tests/usblab/tripplite.py): OMNIVSINT800 (1001), OMNIVS1500XL (2001, no unit id),
SMART3000RM2U (3003, three switchable banks) and SMART500RT1U (3005, binary). They
all have the id 09ae:0001, so each ups.conf section picks its unit with the
``product`` option, on both sides (NUT 2.8.0 then logs "insufficient permissions on
everything" for each unit it passes over, with no permission problem at all). The real drivers share one lab of their own
behind one real upsd; nutrio's actors use the test's lab behind nutrio's listener
(tests/drivers/bcmxcp_bench.py). Both must list the same, go through the same
status changes and send the same reports for each command and setting.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import pytest
import trio
from bcmxcp_bench import NOT_COMPARED, Bench, Unit, nutrio_side, real_side

from nutrio.actors.drivers.tripplite.usbdriver import TrippliteUsb, UsbTiming
from tests.usblab.calls import Call
from tests.usblab.fixtures import requires_nut_driver
from tests.usblab.server import UsbLab
from tests.usblab.tripplite import TrippUps, TrippUsbUps
from tests.usblab.tripplite_units import UNITS

pytestmark = [pytest.mark.realnut, pytest.mark.e2e, requires_nut_driver("tripplite_usb")]

#: a poll on each side after a change (both poll every second; a 3005 poll takes ~1 s)
SETTLE = 3.0
#: nutrio's side pauses less between the delay and the shutdown: the same reports
FAST = UsbTiming(shutdown_pause=0.2)
IGNORE = NOT_COMPARED | {"driver.version.usb"}


@contextlib.asynccontextmanager
async def bench(nursery: trio.Nursery, ours: UsbLab) -> AsyncIterator[tuple[Bench, UsbLab]]:
    # a regex without blanks: ups.conf would need quotes around them
    units = {u.name: Unit(u.name, {"product": u.product.replace(" ", ".")}, TrippUps(u),
                          TrippUps(u)) for u in UNITS}
    for unit in units.values():
        ours.plug(TrippUsbUps(unit.ours))
    our_port, handles = await nutrio_side(nursery, "tripplite_usb", list(units.values()),
                                          lambda d: TrippliteUsb(d, timing=FAST))
    with UsbLab() as theirs:
        for unit in units.values():
            theirs.plug(TrippUsbUps(unit.real))
        sections = {name: ("auto", unit.options) for name, unit in units.items()}
        envs = {name: theirs.env() for name in units}
        async with real_side("tripplite_usb", sections, envs=envs) as port:
            await trio.sleep(2.0)  # the real drivers' second update reaches upsd
            yield Bench(units, port, our_port, handles, ignore=IGNORE), theirs


def first_update(calls: list[Call], device: str) -> list[tuple[object, ...]]:
    """The reports and interrupt reads of one unit from the protocol query to the end of the
    first update (before the third status query: initinfo asks once, each update starts with
    one); string descriptor reads (other drivers enumerate too) are left out."""
    transfers = [c for c in calls if c.device == device and (
        c.op == "interrupt" or (c.setup is not None and c.setup.kind == "class"))]
    statuses = [i for i, c in enumerate(transfers) if c.setup and c.out[1:2] == b"S"]
    return [c.wire() for c in transfers[: statuses[2]]]


async def test_nutrio_serves_what_real_tripplite_usb_serves_for_the_same_units(
        nursery, usblab) -> None:
    async with bench(nursery, usblab) as (b, theirs):
        found = {name: await b.compare(name) for name in b.units}
        assert found["omnivsint800"]["input.voltage.nominal"] == "230"
        assert found["omnivs1500xl"]["ups.model"] == "UPS" and "ups.id" not in found["omnivs1500xl"]
        assert found["smart3000rm2u"]["battery.charge"] == " 91"
        assert found["smart500rt1u"]["ups.debug.T"] == "20 00 02 57 01 58 0d '...W.X.'"
        for ours, real in zip(usblab.devices, theirs.devices, strict=True):
            mine = first_update(usblab.calls(client="nutrio-test"), ours.name)
            assert mine == first_update(theirs.calls(), real.name)

        for step, change in enumerate((TrippUps.on_battery, TrippUps.low_battery,
                                       TrippUps.on_line)):
            for name in b.units:
                b.both(name, change)
            await trio.sleep(SETTLE)
            for name in b.units:
                assert (await b.compare(name))["ups.status"] == ("OB", "OB LB", "OL")[step], name

        async with trio.open_nursery() as both:
            both.start_soon(smartpro_commands, b)
            both.start_soon(binary_commands, b)
            both.start_soon(omnivs_commands, b)
        await trio.sleep(SETTLE)
        after = {name: await b.compare(name) for name in b.units}
        assert after["smart3000rm2u"]["ups.id"] == "4660"
        assert after["smart3000rm2u"]["outlet.2.switch"] == "0"
        assert after["omnivs1500xl"]["ups.delay.shutdown"] == "30"


async def smartpro_commands(b: Bench) -> None:
    sent = await b.commands("smart3000rm2u", [
        "INSTCMD smart3000rm2u test.battery.start", "INSTCMD smart3000rm2u reset.input.minmax",
        "INSTCMD smart3000rm2u load.off", "INSTCMD smart3000rm2u load.on",
        'SET VAR smart3000rm2u outlet.2.switch "0"', 'SET VAR smart3000rm2u ups.id "4660"',
        "INSTCMD smart3000rm2u shutdown.return"], count=11, timeout=90)
    assert [r[1:r.index(b"\r") - 1] for r in sent] == [
        b"A", b"Z", b"N05", b"K00", b"N05", b"K01", b"N05", b"K20", b"J\x12\x34", b"N\x00\x40",
        b"G"]


async def binary_commands(b: Bench) -> None:
    sent = await b.commands("smart500rt1u", [
        "INSTCMD smart500rt1u load.off", 'SET VAR smart500rt1u outlet.1.switch "off"',
        'SET VAR smart500rt1u outlet.1.switch "on"'], count=6, timeout=90)
    assert [r.hex() for r in sent] == [
        "3a4e05ac0d000000", "3a4bb40d00000000", "3a4e05ac0d000000", "3a4b01b30d000000",
        "3a4e05ac0d000000", "3a4b0101b20d0000"]


async def omnivs_commands(b: Bench) -> None:
    sent = await b.commands("omnivs1500xl", [
        'SET VAR omnivs1500xl ups.delay.shutdown "30"', "INSTCMD omnivs1500xl shutdown.return"],
        count=2, timeout=90)
    assert [r.hex() for r in sent] == ["3a4e001e930d0000", "3a47b80d00000000"]
