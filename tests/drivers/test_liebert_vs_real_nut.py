"""The real NUT 2.8.0 liebert-esp2 and nutrio's, on the same simulated Liebert units.

Three units (tests/drivers/sim/liebert_sim.py): a one-phase GXT2-3000RT230
(scaling word 1), a three-phase NXe 20 kVA at 9600 baud without serial
number (scaling 2), and a split-phase line-interactive GXT2-6000RT208
without a scaling word and one meter missing. All real drivers behind one
real upsd, nutrio's actors behind nutrio's listener
(tests/drivers/serial_bench.py). Then killpower beside ``liebert-esp2 -k``.
"""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType

import pytest
import trio
from driver_helpers import Device
from serial_bench import Unit, read_out, real_kill, serial_bench
from sim.liebert_sim import GXT2_3000, GXT2_6000, NXE_20K, LiebertUps, liebert_sim
from sim.realdriver import have_driver

from nutrio.actors.drivers.errors import KillPowerFailed
from nutrio.actors.drivers.killpower import KillResult, kill_power
from nutrio.actors.drivers.liebert_esp2.driver import EspTiming, LiebertEsp2

pytestmark = [
    pytest.mark.realnut,
    pytest.mark.skipif(not have_driver("liebert-esp2"), reason="real NUT liebert-esp2 absent"),
    pytest.mark.e2e,
]

#: a poll on each side after a change (both poll every second; the GXT2-6000 loses 1 s
#: per poll on its missing meter)
SETTLE = 3.5
STATUS = (0x94, 1), (0x94, 2), (0x94, 3)


def units() -> list[Unit]:
    found = []
    for name, profile, options in (("gxt3000", GXT2_3000, {}),
                                   ("nxe", NXE_20K, {"baudrate": "9600"}),
                                   ("gxt6000", GXT2_6000, {})):
        found.append(Unit(name, options, LiebertUps(profile), LiebertUps(profile)))
    return found


def first_update(ups: LiebertUps) -> list[bytes]:
    """The frames up to the end of the first update (its third status word)."""
    end = next(i for i, f in enumerate(ups.received) if (f[1], f[4]) == STATUS[2])
    return ups.received[: end + 1]


async def test_nutrio_serves_what_real_liebert_esp2_serves_for_the_same_units(nursery) -> None:
    # -D, not -DD: at debug level 2 NUT 2.8.0's liebert-esp2 hex-dumps an unanswered
    # request's reply with a length of -1 and dies of SIGSEGV (the NXe's missing serial)
    async with serial_bench(nursery, "liebert-esp2", units(), LiebertEsp2, settle=3,
                            debug="-D") as b:
        found = {name: await b.compare(name) for name in b.units}
        assert found["gxt3000"]["ups.model"] == "GXT2-3000RT230" + " " * 16
        assert found["gxt3000"]["battery.voltage"] == "82.4"
        assert found["nxe"]["output.L2.crestfactor"] == "2.7" and "ups.serial" not in found["nxe"]
        assert found["gxt6000"]["ups.type"] == "line-interactive"
        assert found["gxt6000"]["input.frequency"] == "60.0"  # NUT's default 0.01
        for unit in b.units.values():  # the same frames, in the same order, to the first status
            assert first_update(unit.ours) == first_update(unit.real), unit.name

        statuses = {"gxt3000": ("OB DISCHRG", "OB DISCHRG LB", "OL"),
                    "nxe": ("OB DISCHRG", "OB DISCHRG LB", "OL"),
                    "gxt6000": ("OB DISCHRG", "OB DISCHRG LB", "OL CHRG")}
        for step, change in enumerate((LiebertUps.on_battery, LiebertUps.low_battery,
                                       LiebertUps.on_line)):
            for name in b.units:
                b.both(name, change)
            await trio.sleep(SETTLE)
            for name in b.units:
                assert (await b.compare(name))["ups.status"] == statuses[name][step], name


def section(port: str, **options: str) -> Device:
    return Device(name="sim", port=port, config_dir=Path("/tmp"), driver="liebert-esp2",
                  options=MappingProxyType(options))


async def test_killpower_sends_the_whole_sequence_where_nut_stops_after_one() -> None:
    async with liebert_sim(GXT2_3000) as (theirs, their_tty), \
            liebert_sim(GXT2_3000) as (mine, my_tty), trio.open_nursery() as both:
        both.start_soon(real_kill, "liebert-esp2", their_tty, {})
        result = await kill_power(section(my_tty), factory=LiebertEsp2)
        await read_out(theirs, mine)
    assert isinstance(result, KillResult) and result.command == "shutdown.return"
    # NUT 2.8.0 negates its first test only: an answered first request ends the sequence
    assert theirs.commands() == [bytes.fromhex("019c0401060001a9")]
    assert mine.commands() == [bytes.fromhex(h) for h in (
        "019c0401060001a9", "019c040105000cb3", "019c020107a7", "019c0401884c4cc2")]


async def test_killpower_of_a_silent_unit_fails_in_nutrio() -> None:
    async with liebert_sim(GXT2_3000, mode="silent") as (ups, tty):
        with pytest.raises(KillPowerFailed, match="Failed to shutdown UPS"):
            await kill_power(section(tty), factory=lambda d: LiebertEsp2(d, timing=EspTiming(0.2)))
    assert ups.commands() == [bytes.fromhex("019c0401060001a9")]
