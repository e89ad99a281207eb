"""The real NUT 2.8.0 powerpanel and nutrio's, on the same simulated CyberPower units.

Four units (tests/drivers/sim/powerpanel_sim.py): two text-protocol units
(the 35-byte status of a B-Box BP 1000, the 58-byte one of an OP1250) and
two binary ones (an OP-series OP1500 with NUT's approximations, a PR2200
whose transfer points NUT cannot read). nutrio runs the B-Box under the
retired name ``cpsups`` and the PR2200 under ``cyberpower``. All real
drivers behind one real upsd, nutrio's actors behind nutrio's listener
(tests/drivers/serial_bench.py): the same variables, writable variables
and commands, the same status changes, the same bytes at the start, for
commands, settings and killpower.
"""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType

import pytest
import trio
from driver_helpers import Device
from serial_bench import Unit, read_out, real_kill, serial_bench
from sim.powerpanel_sim import BBOX_1000, OP1250, OP1500, PR2200, PowerpanelUps, powerpanel_sim
from sim.realdriver import have_driver

from nutrio.actors.drivers import DRIVERS
from nutrio.actors.drivers.killpower import KillResult, kill_power
from nutrio.actors.drivers.powerpanel.driver import PowerPanel

pytestmark = [
    pytest.mark.realnut,
    pytest.mark.skipif(not have_driver("powerpanel"), reason="real NUT powerpanel absent"),
    pytest.mark.e2e,
]

SETTLE = 3.0  # a poll on each side after a change (both poll every second)
STARTS = {"bbox": 12, "op1250": 12, "op1500": 8, "pr2200": 8}  # requests of the start


def units() -> list[Unit]:
    return [Unit("bbox", {"offdelay": "90", "ondelay": "2"}, PowerpanelUps(BBOX_1000),
                 PowerpanelUps(BBOX_1000), our_driver="cpsups"),
            Unit("op1250", {"protocol": "text", "serial": "OP1250-7"}, PowerpanelUps(OP1250),
                 PowerpanelUps(OP1250)),
            Unit("op1500", {}, PowerpanelUps(OP1500), PowerpanelUps(OP1500)),
            Unit("pr2200", {"manufacturer": "CPS"}, PowerpanelUps(PR2200),
                 PowerpanelUps(PR2200), our_driver="cyberpower")]


def by_name(device: Device) -> PowerPanel:
    return DRIVERS[device.driver](device)


async def test_nutrio_serves_what_real_powerpanel_serves_for_the_same_units(nursery) -> None:
    async with serial_bench(nursery, "powerpanel", units(), by_name, settle=SETTLE) as b:
        found = {name: await b.compare(name) for name in b.units}
        assert found["bbox"]["ups.model"] == "1000VA" and found["bbox"]["ups.delay.shutdown"] == "60"
        assert found["op1250"]["battery.runtime"] == "2700"
        assert found["op1250"]["ups.serial"] == "OP1250-7"
        assert found["op1500"]["ups.temperature"] == "38.9"
        assert "input.transfer.high" not in found["pr2200"] and found["pr2200"]["ups.mfr"] == "CPS"
        for name, unit in b.units.items():
            count = STARTS[name]
            assert unit.ours.received[:count] == unit.real.received[:count], name

        for change in (PowerpanelUps.on_battery, PowerpanelUps.low_battery,
                       PowerpanelUps.on_line, PowerpanelUps.boost, PowerpanelUps.on_line):
            for name in b.units:
                b.both(name, change)
            await trio.sleep(SETTLE)
            for name in b.units:
                await b.compare(name)

        sent = await b.commands("bbox", [
            "INSTCMD bbox test.battery.start.quick", "INSTCMD bbox beeper.off",
            "INSTCMD bbox shutdown.stop", 'SET VAR bbox input.transfer.high "267"',
            'SET VAR bbox battery.charge.low "20"',  # no change: nothing sent
            "INSTCMD bbox shutdown.reboot"], count=5)
        assert sent == [b"T", b"C7:0", b"C", b"C2:267", b"S01R0002"]
        sent = await b.commands("op1500", [
            "INSTCMD op1500 beeper.toggle", 'SET VAR op1500 battery.charge.low "30"',
            'SET VAR op1500 ups.start.battery "no"', "INSTCMD op1500 shutdown.stayoff"], count=4)
        assert sent == [b"B", b"Q\x08\x01", b"Q\x0f\x00", b"S\0\0W"]
        await trio.sleep(SETTLE)
        assert (await b.compare("op1500"))["battery.charge.low"] == "30"


def section(port: str, **options: str) -> Device:
    return Device(name="sim", port=port, config_dir=Path("/tmp"), driver="powerpanel",
                  options=MappingProxyType(options))


@pytest.mark.parametrize(("profile", "command"), [(BBOX_1000, b"Z01"),
                                                  (PR2200, b"S\0\0R\0\1W")])
async def test_killpower_sends_what_powerpanel_k_sends(profile, command) -> None:
    async with powerpanel_sim(profile) as (theirs, their_tty), \
            powerpanel_sim(profile) as (mine, my_tty), trio.open_nursery() as both:
        both.start_soon(real_kill, "powerpanel", their_tty, {})
        result = await kill_power(section(my_tty), factory=PowerPanel)
        await read_out(theirs, mine)
    assert isinstance(result, KillResult)
    assert mine.received == theirs.received
    assert mine.commands()[-1] == command
