"""The real NUT 2.8.0 nutdrv_atcl_usb and nutrio's, side by side on the same simulated
'ATCL FOR UPS' unit (tests/usblab/drycontact.py, after the Kanji 800 VA dump), with
another maker's 0001:0000 bridge plugged in first that both must pass over.

Each side has a lab of its own: the real driver behind one real upsd, nutrio's actor
behind nutrio's listener. Both must list the same, read the same packets, go through
the same status changes (NUT's "LB OB" order, an empty status for an unknown state),
send the same packets for killpower, and heal the same way after an unplug.
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

from nutrio.actors.drivers.drycontact.atcl import AtclTiming, AtclUsb
from nutrio.actors.drivers.killpower import kill_power
from nutrio.protocol.devices.drycontact import atcl
from tests.usblab.contact_bench import contact_bench, said
from tests.usblab.drycontact import AtclUnit, bystander, data_transfers
from tests.usblab.fixtures import requires_nut_driver
from tests.usblab.server import UsbLab

pytestmark = [pytest.mark.realnut, pytest.mark.e2e, requires_nut_driver("nutdrv_atcl_usb")]

FAST = AtclTiming(transfer=5.0, shutdown=0.05)
#: name -> (the unit's strings, ups.conf options)
UNITS: dict[str, tuple[dict[int, str], dict[str, str]]] = {
    "kanji800": ({1: atcl.VENDOR, 2: atcl.VENDOR}, {}),
    "unnamed": ({2: atcl.VENDOR, 3: "A1234"}, {"vendor": "NULL"}),
    "rebadged": ({1: "Kanji", 2: "800VA", 3: "800VA"}, {"vendor": "Kanji"}),
}


def ours(device: object) -> AtclUsb:
    return AtclUsb(device, FAST)  # type: ignore[arg-type]


def other_maker() -> AtclUnit:
    """A 0001:0000 bridge of another maker (nutdrv_qx's fabula/hunnox share the id)."""
    return AtclUnit(strings={1: "MEC", 2: "MEC0003"})


def plug_all(lab: UsbLab, unit: AtclUnit) -> None:
    for model in (bystander(), other_maker(), unit):
        lab.plug(model)


def bench(nursery: trio.Nursery, lab: UsbLab, name: str
          ) -> AbstractAsyncContextManager[tuple[Bench, UsbLab]]:
    strings, options = UNITS[name]
    unit = Unit(name, options, AtclUnit(strings=dict(strings)), AtclUnit(strings=dict(strings)))
    return contact_bench(nursery, lab, "nutdrv_atcl_usb", unit, ours, plug_all)


@pytest.mark.parametrize("name", list(UNITS))
async def test_nutrio_serves_what_real_nutdrv_atcl_usb_serves_for_the_same_unit(
        nursery, usblab, name: str) -> None:
    async with bench(nursery, usblab, name) as (b, theirs):
        found = await b.compare(name)
        strings = UNITS[name][0]
        assert found["ups.mfr"] == strings.get(1, "unknown")
        assert found.get("ups.serial") == {"unnamed": "A1234"}.get(name)
        assert (found["ups.vendorid"], found["ups.productid"]) == ("0001", "0000")
        mine = data_transfers(usblab.calls(client="nutrio-test"), 3, usblab.devices[2].name)
        assert len(mine) == 3 and mine == data_transfers(theirs.calls(), 3, theirs.devices[2].name)
        # the other maker's bridge is never read
        assert not data_transfers(usblab.calls(client="nutrio-test"), 1, usblab.devices[1].name)

        for change, expected in (("on_battery", "OB"), ("low_battery", "LB OB"),
                                 ("on_line", "OL")):
            b.both(name, lambda ups, c=change: getattr(ups, c)())
            await both_say(b, name, said(name, expected), within=10)
            assert (await b.compare(name))["ups.status"] == expected


async def test_an_unknown_state_byte_and_odd_padding(nursery, usblab) -> None:
    async with bench(nursery, usblab, "kanji800") as (b, _theirs):
        b.both("kanji800", lambda ups: setattr(ups, "state", 7))
        await both_say(b, "kanji800", said("kanji800", ""), within=10)
        await b.compare("kanji800")
        b.both("kanji800", lambda ups: setattr(ups, "state", None))
        b.both("kanji800", lambda ups: setattr(ups, "padding", b"\x01" + bytes(6)))
        await both_say(b, "kanji800", said("kanji800", "OL"), within=10)


async def test_unplugged_unit_goes_stale_on_both_and_both_heal_when_it_is_back(
        nursery, usblab) -> None:
    async with bench(nursery, usblab, "kanji800") as (b, theirs):
        our_plug, their_plug = usblab.devices[2], theirs.devices[2]
        our_plug.unplug()
        their_plug.unplug()
        await both_say(b, "kanji800", "ERR DATA-STALE", within=15)
        await trio.sleep(3)
        b.both("kanji800", lambda ups: ups.on_battery())
        our_plug.replug()
        their_plug.replug()
        await both_say(b, "kanji800", said("kanji800", "OB"), within=15)
        await b.compare("kanji800")


async def test_atcl_killpower_sends_what_real_driver_k_sends(usblab) -> None:
    mine, real = AtclUnit(), AtclUnit()
    plug_all(usblab, mine)
    with UsbLab() as theirs:
        plug_all(theirs, real)
        code, out = await real_kill("nutdrv_atcl_usb", "auto", {}, env=theirs.env())
        their_wire = data_transfers(theirs.calls(), 10)
    dev = Device(name="sim", port="auto", config_dir=Path("/tmp"), driver="nutdrv_atcl_usb",
                 options=MappingProxyType({}))
    result = await kill_power(dev, factory=ours)
    assert code == 0, out
    assert result.command == "shutdown.return"
    assert mine.received == real.received == [atcl.SHUTDOWN] * 2
    assert len(their_wire) == 2  # no status read: only the two packets
    assert data_transfers(usblab.calls(client="nutrio-test"), 10) == their_wire
