"""The real NUT 2.8.0 bcmxcp_usb and nutrio's, on the same simulated units on the USB lab.

Two units (tests/drivers/sim/bcmxcp_models.py, carried by tests/usblab/xcp.py):
a Powerware 5110 500 VA (0592:0002, requests as SET_DESCRIPTOR) and a 5115
RM 1500 VA behind the Phoenixtec id (06da:0002, requests as a vendor
request) with outlets, settings and system tests. The real drivers run on a
lab of their own, behind one real upsd; nutrio's actors use the test's lab
(pyusb in worker threads) behind nutrio's listener. NUT's bcmxcp_usb takes
the first unit it knows, so its lab lists the 5115 first only once the
5110's driver holds the 5110.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import pytest
import trio
from bcmxcp_bench import FAST, Bench, Unit, nutrio_side, real_side
from sim.bcmxcp_models import PW5110, PW5115, XcpProfile
from sim.bcmxcp_sim import XcpUps

from nutrio.actors.drivers.bcmxcp.driver import BcmXcpUsb
from tests.usblab.calls import Call
from tests.usblab.fixtures import requires_nut_driver
from tests.usblab.server import UsbLab
from tests.usblab.xcp import XcpUsbUps

pytestmark = [pytest.mark.realnut, pytest.mark.e2e, requires_nut_driver("bcmxcp_usb")]

SETTLE = 2.5


def model(ups: XcpUps, profile: XcpProfile) -> XcpUsbUps:
    return XcpUsbUps(ups, *profile.usb_ids, strings=dict(profile.strings))


@contextlib.asynccontextmanager
async def bench(nursery: trio.Nursery, ours: UsbLab) -> AsyncIterator[tuple[Bench, dict[str, UsbLab]]]:
    units = {p.name: Unit(p.name, {}, XcpUps(p), XcpUps(p)) for p in (PW5110, PW5115)}
    for profile in (PW5110, PW5115):  # nutrio's second actor passes over the unit the first holds
        ours.plug(model(units[profile.name].ours, profile))
    our_port, handles = await nutrio_side(nursery, "bcmxcp_usb", list(units.values()),
                                          lambda d: BcmXcpUsb(d, timing=FAST))
    with UsbLab() as lab_a, UsbLab() as lab_b:  # NUT's driver takes the first unit it knows
        theirs = {"pw5110": lab_a, "pw5115": lab_b}
        for profile in (PW5110, PW5115):
            theirs[profile.name].plug(model(units[profile.name].real, profile))
        sections = {name: ("auto", {}) for name in units}
        envs = {name: lab.env() for name, lab in theirs.items()}
        async with real_side("bcmxcp_usb", sections, envs=envs) as port:
            await trio.sleep(1.5)
            yield Bench(units, port, our_port, handles), theirs


def first_update(calls: list[Call]) -> list[tuple[object, ...]]:
    """The transfers from the first request to the end of the first update (config block)."""
    transfers = [c for c in calls if c.is_transfer]
    meters = next(i for i, c in enumerate(transfers) if c.setup and c.out[2:3] == b"\x34")
    end = next(i for i, c in enumerate(transfers[meters:], meters) if c.setup and c.out[2:3] == b"\x36")
    return [c.wire() for c in transfers[: end + 2]]


async def test_nutrio_serves_what_real_bcmxcp_usb_serves_for_the_same_units(nursery, usblab) -> None:
    async with bench(nursery, usblab) as (b, theirs):
        found = {name: await b.compare(name) for name in b.units}
        assert found["pw5110"]["ups.model"] == "POWERWARE UPS 500i"
        assert found["pw5115"]["ups.description"] == "Line-Interactive UPS, Single Phase"
        for name, plugged in zip(b.units, usblab.devices, strict=True):
            mine = [c for c in usblab.calls(client="nutrio-test") if c.device == plugged.name]
            assert first_update(mine) == first_update(theirs[name].calls())

        for step, change in enumerate((XcpUps.on_battery, XcpUps.low_battery, XcpUps.on_line)):
            for name in b.units:
                b.both(name, change)
            await trio.sleep(SETTLE)
            for name in b.units:
                assert (await b.compare(name))["ups.status"] == ("OB", "OB LB", "OL")[step]

        async with trio.open_nursery() as both:
            both.start_soon(phoenixtec_commands, b)
            both.start_soon(powerware_commands, b)
        await trio.sleep(SETTLE)
        after = {name: await b.compare(name) for name in b.units}
        assert after["pw5115"]["outlet.1.status"] == "off/open"
        assert after["pw5115"]["input.transfer.trim.low"] == "240"


async def phoenixtec_commands(b: Bench) -> None:
    sent = await b.commands("pw5115", [
        "INSTCMD pw5115 test.system.start", "INSTCMD pw5115 test.panel.start",
        "INSTCMD pw5115 beeper.disable", "INSTCMD pw5115 outlet.1.load.off",
        'SET VAR pw5115 input.transfer.trim.low "240"'], count=10, timeout=90)
    assert sent[1::2] == [bytes.fromhex("b201"), bytes.fromhex("b2040a"),
                          bytes.fromhex("95060000"), bytes.fromhex("8b01"),
                          bytes.fromhex("9503f000")]


async def powerware_commands(b: Bench) -> None:
    sent = await b.commands("pw5110", ["INSTCMD pw5110 shutdown.return",
                                       "INSTCMD pw5110 test.battery.start"], count=4, timeout=90)
    assert sent[1::2] == [bytes.fromhex("8a7800"), bytes.fromhex("b10a1e")]
