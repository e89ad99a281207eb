"""The real NUT 2.8.0 optiups and nutrio's, on the same simulated OPTI-UPS and Zinto D units.

Four units (tests/drivers/sim/optiups_sim.py): the PS-1440RM of the dump, the
OPTI SAFE 420E NUT's source describes (^U for the serial and the temperature,
run with ``fake_lowbatt``), a Zinto D (CR LF after each request, its outlet)
and a PS-1440RM with ``status_only``. All real drivers behind one real upsd,
nutrio's actors behind nutrio's listener (tests/drivers/serial_bench.py): the
same variables and commands, the same status changes, the same requests for
each command, for the outlet switch and for killpower.
"""

from __future__ import annotations

import random
from pathlib import Path
from types import MappingProxyType

import pytest
import trio
from driver_helpers import Device
from serial_bench import (
    Unit,
    both_say,
    read_out,
    real_kill,
    serial_bench,
    served_each_after_update,
)
from sim.optiups_sim import OPTI_420E, PS_1440RM, ZINTO_D, OptiUps, optiups_sim
from sim.pty import serving_all
from sim.realdriver import have_driver

from nutrio.actors.drivers.killpower import KillResult, kill_power
from nutrio.actors.drivers.optiups.driver import OptiUps as OptiDriver
from nutrio.protocol.devices import optiups as opti

pytestmark = [
    pytest.mark.realnut,
    pytest.mark.skipif(not have_driver("optiups"), reason="real NUT optiups absent"),
    pytest.mark.e2e,
]

SETTLE = 4.0  # a whole update on each side (seven requests, 0.15 s or more each)


def units() -> list[Unit]:
    return [Unit(name, options, OptiUps(profile), OptiUps(profile))
            for name, profile, options in (("ps", PS_1440RM, {}),
                                           ("vs", OPTI_420E, {"fake_lowbatt": None}),
                                           ("zinto", ZINTO_D, {"nowarn_noimp": None}),
                                           ("min", PS_1440RM, {"status_only": None}))]


async def test_nutrio_serves_what_real_optiups_serves_for_the_same_units(nursery) -> None:
    async with serial_bench(nursery, "optiups", units(), OptiDriver, settle=SETTLE) as b:
        found = {name: await b.compare(name) for name in b.units}
        assert found["ps"]["ups.model"] == "PS-1440RM" and found["ps"]["battery.charge"] == "100.0"
        assert found["vs"]["ups.model"] == "PowerES UPS-420E"
        assert found["vs"]["ups.serial"] == found["vs"]["ups.temperature"] == "N/A"
        assert found["vs"]["ups.status"] == "OL LB"  # fake_lowbatt
        assert found["zinto"]["ups.model"] == "Zinto D 1000"
        assert found["zinto"]["input.voltage"] == "230.0"
        assert "input.voltage" not in found["min"]
        for unit in b.units.values():  # the start's requests
            assert unit.ours.received[:8] == unit.real.received[:8], unit.name

        for change in (OptiUps.on_battery, OptiUps.low_battery, OptiUps.overload,
                       OptiUps.on_line):
            for name in b.units:
                b.both(name, change)
            await trio.sleep(SETTLE)
            for name in b.units:
                await b.compare(name)
        b.both("zinto", OptiUps.turn_off)  # a poll under way waits for each request first
        await both_say(b, "zinto", 'VAR zinto ups.status "OFF"', within=15)
        await b.compare("zinto")
        b.both("zinto", OptiUps.on_line)

        assert await b.commands("zinto", ["SET VAR zinto outlet.1.switch 0"], count=1) == ["Oi10"]
        assert (await b.compare("zinto"))["outlet.1.switch"] == "0"
        assert await b.commands("zinto", ["INSTCMD zinto load.on"], count=2) == [
            "Ct1", "Cu0000000"]
        for command, sent in (("test.failure.start", ["Ts"]),
                              ("load.off", ["Ct0", "Cs00000000"]),
                              ("load.on", ["Ct0", "Cu00000000"]),
                              ("shutdown.stop", ["Cs-0000001"])):
            assert await b.commands("ps", [f"INSTCMD ps {command}"], count=len(sent)) == sent
        # NUT's driver exits after a shutdown: these come last
        assert await b.commands("vs", ["INSTCMD vs shutdown.stayoff"], count=2) == [
            "Ct0", "Cs00000010"]
        assert await b.commands("zinto", ["INSTCMD zinto shutdown.return"], count=3) == [
            "Ct1", "Cu0000010", "Cs0000001"]


def section(port: str) -> Device:
    return Device(name="sim", port=port, config_dir=Path("/tmp"), driver="optiups",
                  options=MappingProxyType({}))


@pytest.mark.parametrize(("profile", "change"), [
    (PS_1440RM, OptiUps.on_line), (PS_1440RM, OptiUps.on_battery),
    (ZINTO_D, OptiUps.on_line), (OPTI_420E, lambda ups: setattr(ups, "mode", "silent"))])
async def test_killpower_sends_what_optiups_k_sends(profile, change) -> None:
    theirs, mine = OptiUps(profile), OptiUps(profile)
    change(theirs)
    change(mine)
    async with serving_all([theirs, mine]) as [(_, their_tty), (_, my_tty)], \
            trio.open_nursery() as both:
        both.start_soon(real_kill, "optiups", their_tty, {})
        result = await kill_power(section(my_tty), factory=OptiDriver)
        await read_out(theirs, mine)
    assert isinstance(result, KillResult) and result.command == "shutdown.return"
    assert mine.received == theirs.received
    assert mine.received[-1] == "Cs00000080"


async def test_powerup_switches_an_off_zinto_on_as_real_optiups_does(nursery) -> None:
    real, ours = OptiUps(ZINTO_D, off=True), OptiUps(ZINTO_D, off=True)
    unit = Unit("zinto", {"powerup": None}, real, ours)
    async with serial_bench(nursery, "optiups", [unit], OptiDriver, settle=SETTLE) as b:
        found = await b.compare("zinto")
    assert found["ups.model"] == "Zinto D 1000" and found["ups.status"] == "OL"
    assert ours.received[:12] == real.received[:12]
    assert ours.raw[:40] == real.raw[:40]  # no CR LF until the unit is known


def random_replies(rng: random.Random) -> dict[str, str]:
    """Odd but well-formed replies: a hex status, numbers with leading zeros, signs,
    blanks and trailing text, as a unit or a noisy line might send."""
    def number() -> str:
        text = str(rng.choice([0, 7, 49, 500, 999, 1234, 65535, rng.randrange(100000)]))
        return rng.choice(["", "0", "00", " ", "-", "+"]) + text + rng.choice(["", "x", ".5"])
    return {"AG": rng.choice(["", "0x", " "]) + f"{rng.randrange(256):02X}",
            "OL": number(), "FF": number(), "BV": number(), "NV": number(), "BT": number()}


async def test_random_replies_read_as_the_real_driver_reads_them() -> None:
    """Each set of replies on a unit of its own, all read at once."""
    rng = random.Random(18)
    drawn = [random_replies(rng) for _ in range(8)]
    found = await served_each_after_update(
        "optiups", [OptiUps(PS_1440RM) for _ in drawn], "AG",
        lambda unit, i: unit.values.update(drawn[i]))
    fills = {f.request: f for f in opti.poll_fills(False)}
    for replies, served in zip(drawn, found, strict=True):
        expected = {fills[r].var: opti.value_text(fills[r], replies[r])
                    for r in ("OL", "FF", "NV", "BT")}
        expected.update(opti.battery(replies["BV"]))
        expected["ups.status"] = " ".join(opti.status_words(replies["AG"], fake_lowbatt=False))
        assert {key: served.get(key) for key in expected} == expected, replies
