"""The real NUT 2.8.0 gamatronic and nutrio's, on the same simulated SEC units.

Two NHS Expert C Online 8000 units (tests/drivers/sim/gamatronic_sim.py),
one at 9600 baud and one at 1200, so the speed search runs. The real driver
copies each answer down its buffer with an overlapping strcpy, which this
machine's C library garbles for answers of 33 characters or more, depending
on where its stack lies; it runs with tests/drivers/sim/overlapcopy.c
preloaded, which copies as NUT's source means. Compared: the same
variables (LIST RW and CMD are empty on both: NUT's driver has neither),
the same requests at start, the same status and alarm changes (on battery
with "Input Bad", low battery, output off, overload, bypass, battery bad,
the "Estimated Minutes" alarm NUT raises when that field reads 1), and the
same killpower requests.
"""

from __future__ import annotations

import random
import re
from pathlib import Path
from types import MappingProxyType

import pytest
import trio
from driver_helpers import Device
from serial_bench import Unit, read_out, real_kill, real_log, serial_bench
from sim.gamatronic_sim import SecUps, sec_sim
from sim.realdriver import have_driver
from sim.shims import overlap_safe_env

from nutrio.actors.drivers.gamatronic.driver import Gamatronic
from nutrio.actors.drivers.killpower import KillResult, kill_power
from nutrio.protocol.devices import gamatronic as sec
from nutrio.protocol.devices.dummy.devfile import DeviceVars, commit_status
from tests.usblab.build import missing_compiler_reason

pytestmark = [
    pytest.mark.realnut,
    pytest.mark.skipif(not have_driver("gamatronic"), reason="real NUT gamatronic absent"),
    pytest.mark.skipif(missing_compiler_reason() is not None, reason="no C compiler for the shim"),
    pytest.mark.e2e,
]

SETTLE = 2.5  # a poll on each side after a change (both poll every second)


def units() -> list[Unit]:
    return [Unit("nhs", {}, SecUps(), SecUps()),
            Unit("slow", {}, SecUps(baud=1200), SecUps(baud=1200))]


async def changed(b, change) -> dict[str, str]:  # type: ignore[no-untyped-def]
    b.both("nhs", change)
    await trio.sleep(SETTLE)
    return await b.compare("nhs")


async def test_nutrio_serves_what_real_gamatronic_serves_for_the_same_units(nursery) -> None:
    async with serial_bench(nursery, "gamatronic", units(), Gamatronic, settle=6,
                            env=overlap_safe_env()) as b:
        found = {name: await b.compare(name) for name in b.units}
        assert found["nhs"]["ups.model"] == "EXPERT GIII  8kVA"
        assert found["nhs"]["battery.runtime.low"] == "59940"
        assert found["nhs"]["ups.status"] == "OL" and found["slow"]["battery.voltage"] == "210.5"
        for unit in b.units.values():  # the speed search, the lists, the once-read commands
            start = len(unit.real.received) - 5 * 3  # three updates of five commands at most
            assert unit.ours.received[:start] == unit.real.received[:start], unit.name
        assert b.units["nhs"].real.received[:2] == [b"^P003MAN", b"^P003AP1"]

        assert (await changed(b, SecUps.on_battery))["ups.status"] == "ALARM OB"
        low = await changed(b, SecUps.low_battery)
        assert low["ups.alarm"] == "Input Bad  Shutdown Pending " and low["ups.status"] == (
            "ALARM OB LB")
        for command, index, text in (("ST5", 6, "1"), ("ST5", 4, "1"), ("ST3", 1, "2"),
                                     ("ST1", 1, "2"), ("ST3", 1, "3"), ("ST3", 1, "4"),
                                     ("ST1", 5, "1"), ("ST1", 5, "-5"), ("ST1", 7, "21x"),
                                     ("ST3", 1, "9")):
            await changed(b, lambda ups, c=command, i=index, t=text: ups.put(c, i, t))
        assert (await changed(b, SecUps.on_line))["ups.status"] == "OL"


def section(port: str) -> Device:
    return Device(name="sim", port=port, config_dir=Path("/tmp"), driver="gamatronic",
                  options=MappingProxyType({}))


async def test_killpower_sends_what_gamatronic_k_sends() -> None:
    async with sec_sim(baud=2400) as (theirs, their_tty), \
            sec_sim(baud=2400) as (mine, my_tty), trio.open_nursery() as both:
        both.start_soon(real_kill, "gamatronic", their_tty, {}, overlap_safe_env())
        result = await kill_power(section(my_tty), factory=Gamatronic)
        await read_out(theirs, mine)
    assert isinstance(result, KillResult) and result.command == "shutdown.return"
    assert mine.received == theirs.received
    assert mine.commands() == [b"^S005PSD-1", b"^S004ATR1", b"^S004SDA2", b"^S004PSD5"]


_TEXTS = ("0", "1", "2", "3", "4", "", "-5", "063", "2105", "12x", "abc", " 7", "+3", "0.55",
          "-0.05", "99999", "4294967297", "00687")


class RandomSec(SecUps):
    """A unit whose status answers are random texts (each kept in ``sent`` with its
    command), now and then with fewer fields than the plan reads."""

    def __init__(self, seed: int) -> None:
        super().__init__(baud=1200)
        self.rng, self.sent = random.Random(seed), []

    def answer(self, mode: str, command: str) -> bytes:
        if command in ("ST1", "ST2", "ST3", "ST4", "ST5"):
            texts = ("0", "1", "2", "") if command == "ST5" else _TEXTS
            count = len(self.fields[command]) - (self.rng.random() < 0.1) * self.rng.randrange(4)
            self.fields[command] = [self.rng.choice(texts) for _ in range(count)]
        reply = super().answer(mode, command)
        self.sent.append((command, sec.parse_reply(reply.decode("latin-1").rstrip("\r"))))
        return reply


_CHANGE = re.compile(r'send_to_all: (SETINFO|DELINFO) (\S+)(?: "(.*)")?$')


def states_printed(log: str, names: set[str]) -> list[dict[str, str]]:
    """The real driver's ``names`` just before each update (its ``ST5`` request)."""
    states, current = [], {}
    for line in log.splitlines():
        if 'PC-->UPS: "^P003ST5"' in line:
            states.append(dict(current))
        elif (found := _CHANGE.search(line)) is not None and found[2] in names:
            if found[1] == "DELINFO":
                current.pop(found[2], None)
            else:
                current[found[2]] = found[3]
    return states


async def test_random_answers_read_as_the_real_driver_reads_them(tmp_path) -> None:
    unit = RandomSec(seed=18)
    log = await real_log("gamatronic", unit, 15, tmp_path, overlap_safe_env())
    names = {var.nut for var in sec.SEC_VARS if var.nut} | {"ups.status", "ups.alarm"}
    printed = states_printed(log, names)
    assert len(printed) >= 10
    state, values = DeviceVars(), sec.SecValues()
    queries = {q.command: q for q in sec.plan(f"{unit.ap1},{unit.ap2}")}
    ours, alarms = [], None
    for command, (code, answer) in unit.sent[3:]:  # after MAN, AP1, AP2
        if command == "ST5":
            if alarms is not None:
                commit_status(state, values.status_words(), alarms)
            ours.append({name: state.get(name) for name in state.names()})
            alarms = []
        found = values.read(queries[command], answer if code >= 0 else "", state.set)
        alarms = None if alarms is None else alarms + found
    for real, mine in zip(printed[:-1], ours, strict=False):
        assert real == mine
