"""The real NUT 2.8.0 tripplite and tripplitesu and nutrio's, side by side on simulated
serial units (tests/drivers/sim/tripplite_sims.py).

tripplite: a Smart 700 (outlet commands, offdelay 30) and an older Unison (old rating
formula, boosting). tripplitesu: an SU1500RTXL2Ua shaped after the library's dump (two
outlet banks, an id) and an SU2200 (no banks, no id, an environment probe, lowbatt 35).
Each real driver sits behind one real upsd, nutrio's actors behind nutrio's listener
(tests/drivers/bcmxcp_bench.py); both must list the same (LIST VAR/RW/CMD, types,
enums), ask the same at start, go through the same status changes and send the same
requests for each command and setting.
"""

from __future__ import annotations

import pytest
import trio
from bcmxcp_bench import Bench, Unit, both_say, serial_bench, statuses
from sim.realdriver import have_driver
from sim.tripplite_sims import SMART700, SU1500, SU2200, UNISON, SmartOnlineUps, SmartProUps

from nutrio.actors.drivers.tripplite.serialdriver import Tripplite
from nutrio.actors.drivers.tripplite.sudriver import SuTiming, TrippliteSu

pytestmark = [pytest.mark.realnut, pytest.mark.e2e]

#: a poll on each side after a change (both poll every second)
SETTLE = 3.0


async def status_steps(b: Bench, kinds: type, expected: dict[str, tuple[str, ...]]) -> None:
    for step, change in enumerate((kinds.on_battery, kinds.low_battery, kinds.on_line)):  # type: ignore[attr-defined]
        for name in b.units:
            b.both(name, change)
        await trio.sleep(SETTLE)
        for name in b.units:
            assert (await b.compare(name))["ups.status"] == expected[name][step], name


async def silence_goes_stale_and_back(b: Bench, name: str, within: float,
                                      fresh_for: float = 0.0) -> None:
    """A unit that stops answering: both sides still serve the old status for
    ``fresh_for`` seconds, say DATA-STALE within ``within``, and serve again once it
    answers. (An update under way when the unit goes silent may still end well: its
    optional requests just time out, so the first failing update can come late.)"""
    for sim in (b.units[name].real, b.units[name].ours):
        sim.silent = True
    if fresh_for:
        await trio.sleep(fresh_for)
        assert await statuses(b, name) == [[f'VAR {name} ups.status "OL"']] * 2
    await both_say(b, name, "ERR DATA-STALE", within)
    for sim in (b.units[name].real, b.units[name].ours):
        sim.silent = False
    await both_say(b, name, f'VAR {name} ups.status "OL"', 2 * SETTLE)


@pytest.mark.skipif(not have_driver("tripplite"), reason="real NUT tripplite absent")
async def test_nutrio_serves_what_real_tripplite_serves_for_the_same_units(nursery) -> None:
    units = {"smart700": Unit("smart700", {"offdelay": "30"}, SmartProUps(SMART700),
                              SmartProUps(SMART700)),
             "unison": Unit("unison", {}, SmartProUps(UNISON), SmartProUps(UNISON))}
    async with serial_bench(nursery, "tripplite", units, Tripplite) as b:
        found = {name: await b.compare(name) for name in b.units}
        assert found["smart700"]["ups.model"] == "Smart 700"
        assert found["smart700"]["ups.firmware"] == "BC (Gen 1)"
        assert found["smart700"]["battery.charge"] == "100"
        assert found["unison"]["ups.model"] == "Unison 100"
        assert found["unison"]["ups.status"] == "BOOST OL"
        assert found["unison"]["ups.temperature"] == " 26"
        for unit in units.values():  # start-up and the first update, request for request
            assert unit.ours.received[:9] == unit.real.received[:9], unit.name

        await status_steps(b, SmartProUps, {"smart700": ("OB", "LB OB", "OL"),
                                            "unison": ("OB", "LB OB", "BOOST OL")})
        sent = await b.commands("smart700", [
            "INSTCMD smart700 test.battery.start", "INSTCMD smart700 load.off",
            "INSTCMD smart700 load.on", "INSTCMD smart700 outlet.1.load.off",
            "INSTCMD smart700 outlet.2.load.on", "INSTCMD smart700 shutdown.reboot",
            "INSTCMD smart700 shutdown.reboot.graceful", "INSTCMD smart700 shutdown.stayoff",
            'SET VAR smart700 ups.delay.shutdown "20"', 'SET VAR smart700 ups.delay.start "300"',
            "INSTCMD smart700 shutdown.return"], count=12)
        assert sent == [b":A\r", b":K0\r", b":K1\r", b":K2\r", b":K5\r", b":H00003C\r",
                        b":N40\r", b":H00003C\r", b":N1E\r", b":K0\r", b":N14\r", b":G\r"]
        await trio.sleep(SETTLE)
        after = await b.compare("smart700")
        assert (after["ups.delay.shutdown"], after["ups.delay.start"]) == ("20", "300")
        # three bad updates keep the old values; the fourth makes them stale (2 s each)
        await silence_goes_stale_and_back(b, "smart700", 20.0, fresh_for=2.5)

        # status characters NUT does not know: logged, no word for them (an empty status)
        b.both("unison", lambda ups: ups.answers.update(D="1178097F00001E5B82258"))
        await trio.sleep(SETTLE)
        assert (await b.compare("unison"))["ups.status"] == ""


@pytest.mark.skipif(not have_driver("tripplitesu"), reason="real NUT tripplitesu absent")
async def test_nutrio_serves_what_real_tripplitesu_serves_for_the_same_units(nursery) -> None:
    units = {"su1500": Unit("su1500", {}, SmartOnlineUps(SU1500), SmartOnlineUps(SU1500)),
             "su2200": Unit("su2200", {"lowbatt": "35"}, SmartOnlineUps(SU2200),
                            SmartOnlineUps(SU2200))}
    async with serial_bench(nursery, "tripplitesu", units,
                     lambda d: TrippliteSu(d, timing=SuTiming(pace=0.002))) as b:
        found = {name: await b.compare(name) for name in b.units}
        assert found["su1500"]["ups.model"] == "SU1500RTXL2Ua"
        assert found["su1500"]["ups.firmware"] == "13"
        assert found["su1500"]["input.voltage"] == "123.6"
        assert found["su2200"]["ups.status"] == "OL TRIM RB"
        assert found["su2200"]["ups.contacts"] == "06"
        for unit in units.values():  # start-up and the two first updates
            assert unit.ours.received[:24] == unit.real.received[:24], unit.name

        await status_steps(b, SmartOnlineUps, {
            "su1500": ("OB", "OB LB", "OL"),
            "su2200": ("OB RB OVER", "OB LB OVER", "OL TRIM RB")})
        sent = await b.commands("su1500", [
            "INSTCMD su1500 load.off", "INSTCMD su1500 load.on", "INSTCMD su1500 shutdown.return",
            "INSTCMD su1500 shutdown.stop", "INSTCMD su1500 test.battery.start",
            "INSTCMD su1500 test.battery.stop", 'SET VAR su1500 ups.id "closet"',
            'SET VAR su1500 input.transfer.low "70"', 'SET VAR su1500 input.transfer.high "135"',
            'SET VAR su1500 input.sensitivity "Reduced"'], count=14)
        assert sent == [b"~00S006ROF1;1", b"~00S006ROF2;1", b"~00S006RON1;1", b"~00S006RON2;1",
                        b"~00S004ARB1", b"~00S004SDR1", b"~00S005SDA10", b"~00S004SDA0",
                        b"~00S004TST3", b"~00S004TST0", b"~00S009UIDcloset",
                        b"~00S009TXV70;138", b"~00S009TXV70;135", b"~00S004VSN1"]
        await trio.sleep(SETTLE)
        after = await b.compare("su1500")
        assert (after["ups.id"], after["input.transfer.low"], after["input.transfer.high"],
                after["input.sensitivity"]) == ("closet", "70", "135", "Reduced")
        # no output status makes the data stale at once (3 s for a reply that never comes)
        await silence_goes_stale_and_back(b, "su1500", 20.0)
