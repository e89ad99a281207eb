"""The real NUT 2.8.0 masterguard (0.25) and nutrio's, on the same simulated Masterguard units.

Four units (tests/drivers/sim/masterguard_sim.py): the PowerWalker VI 1000 of
the dump (Q1 only, "WH" unanswered), a Q3 unit with a whole "WH", a Q3 unit
with the old "WH" and a Q1 unit that answers "NAK". All real drivers behind one
real upsd, nutrio's actors behind nutrio's listener (tests/drivers/serial_bench.py):
the same variables, the same status changes, the same requests at the start
and for killpower. NUT 2.8.0's masterguard has no instant commands and no
writable variables (the rewritten Masterguard support is nutdrv_qx's).
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
from sim.masterguard_sim import A_3000, E_60, GENERIC, VI_1000, MgUps
from sim.pty import serving_all
from sim.realdriver import have_driver

from nutrio.actors.drivers import DriverConfigError
from nutrio.actors.drivers.killpower import KillResult, kill_power
from nutrio.actors.drivers.masterguard.driver import MasterGuard
from nutrio.protocol.devices import masterguard as mg

pytestmark = [
    pytest.mark.realnut,
    pytest.mark.skipif(not have_driver("masterguard"), reason="real NUT masterguard absent"),
    pytest.mark.e2e,
]

UPDATE = 10.0  # NUT waits 3 s in each update; a change shows within two


def units() -> list[Unit]:
    return [Unit(name, {}, MgUps(profile), MgUps(profile))
            for name, profile in (("vi", VI_1000), ("a3000", A_3000), ("e60", E_60),
                                  ("generic", GENERIC))]


async def test_nutrio_serves_what_real_masterguard_serves_for_the_same_units(nursery) -> None:
    async with serial_bench(nursery, "masterguard", units(), MasterGuard, settle=4.0) as b:
        for name in b.units:
            await both_say(b, name, f'VAR {name} ups.status "OL"', within=UPDATE)
        found = {name: await b.compare(name) for name in b.units}
        assert found["vi"]["ups.model"] == "unknown" and found["vi"]["ups.load"] == "016"
        assert "ups.firmware" not in found["vi"] and "battery.charge" not in found["vi"]
        assert found["a3000"]["ups.model"] == "A 3000 19" + " " * 21
        assert found["a3000"]["ups.firmware"] == "V3.12"
        assert found["a3000"]["battery.runtime"] == "0045"
        assert found["e60"]["ups.model"] == "E 60 kVA    "
        assert found["generic"]["ups.model"] == "GenericUPS"
        for unit in b.units.values():  # two identifications, then the first update
            assert unit.ours.received[:7] == unit.real.received[:7], unit.name

        for change, status in ((MgUps.on_battery, "OB"), (MgUps.low_battery, "OB LB"),
                               (MgUps.boost, "OL BOOST"), (MgUps.on_line, "OL")):
            for name in b.units:
                b.both(name, change)
            for name in b.units:
                await both_say(b, name, f'VAR {name} ups.status "{status}"', within=UPDATE)
                await b.compare(name)
        assert all(unit.real.commands() == unit.ours.commands() == []
                   for unit in b.units.values())


def section(port: str) -> Device:
    return Device(name="sim", port=port, config_dir=Path("/tmp"), driver="masterguard",
                  options=MappingProxyType({}))


@pytest.mark.parametrize("profile", [A_3000, GENERIC])
async def test_killpower_sends_what_masterguard_k_sends(profile) -> None:
    theirs, mine = MgUps(profile), MgUps(profile)
    async with serving_all([theirs, mine]) as [(_, their_tty), (_, my_tty)], \
            trio.open_nursery() as both:
        both.start_soon(real_kill, "masterguard", their_tty, {})
        result = await kill_power(section(my_tty), factory=MasterGuard)
        await read_out(theirs, mine)
    assert isinstance(result, KillResult) and result.command == "shutdown.return"
    assert mine.received == theirs.received
    assert mine.commands() == ["S.2R0001"]


async def test_the_cs_flag_cancels_a_shutdown_as_real_masterguard_does() -> None:
    """``masterguard -k`` with the CS flag cancels and exits before its shutdown."""
    theirs, mine = MgUps(GENERIC), MgUps(GENERIC)
    async with serving_all([theirs, mine]) as [(_, their_tty), (_, my_tty)]:
        code, said = await real_kill("masterguard", their_tty, {"CS": None})
        dev = Device(name="sim", port=my_tty, config_dir=Path("/tmp"), driver="masterguard",
                     options=MappingProxyType({"CS": "true"}))
        with pytest.raises(DriverConfigError, match="Shutdown cancelled"):
            await kill_power(dev, factory=MasterGuard)
        await read_out(theirs, mine)
    assert code != 0 and "Shutdown cancelled" in said
    assert mine.received == theirs.received and mine.commands() == ["C"]



class FixedLine(MgUps):
    """A Q1 unit whose "Q1" answer a test sets (``line``)."""

    line = ""

    def answer(self, request: str) -> str | None:
        return self.line if request == "Q1" and self.line else super().answer(request)


def random_q1(rng: random.Random, size: int) -> str:
    """A 46-character Q1 line: eight words of odd lengths, flags of ``size`` characters
    (the word before them 3 or more long and of 0, 1 and 9: a short flags word reads its
    characters from NUT's buffer, and nothing of NUT's stack)."""
    while True:
        flags = "".join(rng.choice("01") for _ in range(size))
        words = ["".join(rng.choice("0123456789.") for _ in range(rng.randint(1, 6)))
                 for _ in range(6)]
        rest = 46 - 1 - len(flags) - sum(map(len, words)) - 7
        if 3 <= rest <= 9:
            last = "".join(rng.choice("019") for _ in range(rest))
            return "(" + " ".join([*words, last, flags])


async def test_random_q1_lines_read_as_the_real_driver_reads_them() -> None:
    """Each random line on a unit of its own, all read at once."""
    rng = random.Random(18)
    lines = [random_q1(rng, size) for size in (1, 2, 8, 1, 3, 2, 1)]
    found = await served_each_after_update(
        "masterguard", [FixedLine(GENERIC) for _ in lines], "Q1",
        lambda unit, i: setattr(unit, "line", lines[i]))
    for line, served in zip(lines, found, strict=True):
        expected, status = mg.read_q1(line)
        assert {key: served.get(key) for key in expected} == expected, line
        assert served["ups.status"] == " ".join(status or []), line
