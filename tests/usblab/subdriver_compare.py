"""Every usbhid-ups subdriver: nutrio's usbhid-ups and the real one (NUT 2.8.0) on two
copies of the same simulated unit (tests/usblab/hidcases.py) serve the same LIST
VAR/RW/CMD (driver.version* aside), pick the same subdriver, reach the same status
when the unit goes on battery, low, overloaded, ..., and send the same reports for
every instant command and SET VAR. The unit is checked against the real driver first:
it serves the values of the dump the unit follows.

One test per subdriver (:func:`compare_group`); its units run two at a time, each pair on
its own two buses, each program seeing only its own bus (NUT's claims keep global state
across the units they see). The subdrivers are dealt to the modules
tests/usblab/test_subdrivers_part<N>.py (:data:`PARTS`), so that with ``--dist loadfile``
several workers share them (all in one module held one worker ~6 minutes).
"""

from __future__ import annotations

import pytest
import trio

from tests.usblab.compare import (
    Pair,
    aside,
    both_served,
    exercise,
    set_reports,
    set_status,
    side_by_side,
    status,
)
from tests.usblab.fixtures import requires_nut_driver
from tests.usblab.hidcases import CASES, Case
from tests.usblab.nutwire import Served
from tests.usblab.runners import UsbDriverRun
from tests.usblab.server import UsbLab

__all__ = ["GROUPS", "MARKS", "OPTIONS", "PARTS", "compare_group"]

MARKS = [pytest.mark.e2e, requires_nut_driver("usbhid-ups")]
OPTIONS = {"pollinterval": "1", "pollfreq": "2"}
#: what the units go through, one after the other
TRANSITIONS = ("OB DISCHRG", "OB DISCHRG LB", "OL CHRG RB OVER", "OL CAL", "OL")
#: the dump's variables the test holds the real driver to (the rest is the core's)
_SKIPPED = ("driver.", "device.")
GROUPS = sorted({c.picked.short for c in CASES})
#: how many test_subdrivers_part<N>.py modules share the groups
_MODULES = 4


def _deal(count: int) -> tuple[tuple[str, ...], ...]:
    """The groups in ``count`` parts of about as many units each (largest group first to
    the part with the fewest units); every group in exactly one part."""
    size = {g: sum(c.picked.short == g for c in CASES) for g in GROUPS}
    parts: list[list[str]] = [[] for _ in range(count)]
    for group in sorted(GROUPS, key=lambda g: (-size[g], g)):
        min(parts, key=lambda p: (sum(size[g] for g in p), len(p))).append(group)
    return tuple(tuple(sorted(p)) for p in parts)


PARTS = _deal(_MODULES)


async def settled(pair: Pair, timeout: float = 12.0) -> tuple[str, str]:
    """Both drivers' status once they agree twice in a row, else the last pair seen."""
    last = ("", "")
    with trio.move_on_after(timeout):
        while True:
            seen = (await status(pair.real), await status(pair.ours))
            if seen[0] == seen[1] and seen == last:
                return seen
            last = seen
            await trio.sleep(0.6)
    return last


async def _exercise_both(pair: Pair, real: Served, ours: Served) -> tuple[list[str], list[str]]:
    """:func:`exercise` on both drivers at once (each its own unit and bus): (real, ours)."""
    results: dict[str, list[str]] = {}

    async def one(side: str, run: UsbDriverRun, listed: Served) -> None:
        results[side] = await exercise(run, listed)

    async with trio.open_nursery() as nursery:
        nursery.start_soon(one, "real", pair.real, real)
        nursery.start_soon(one, "ours", pair.ours, ours)
    return results["real"], results["ours"]


async def compare(lab: UsbLab, case: Case, bus: int) -> list[str]:
    """What differs between the two drivers (and between the dump and the real one)."""
    problems = []

    def check(what: str, ours: object, real: object) -> None:
        if ours == real:
            return
        if isinstance(ours, dict) and isinstance(real, dict):
            keys = sorted(k for k in {*ours, *real} if ours.get(k) != real.get(k))
            ours, real = ({k: d.get(k) for k in keys} for d in (ours, real))
        problems.append(f"{what}: nutrio {ours!r} != real {real!r}")

    sim = case.sim()
    async with side_by_side(lab, case.make(sim), {**OPTIONS, **case.options}, bus) as pair:
        real, ours = await both_served(pair)
        check("subdriver", real.vars.get("driver.version.data"), case.picked.name)
        if case.picked is case.subdriver:
            check("real vs dump", {k: real.vars.get(k) for k, v in sim.dump.items()
                                   if not k.startswith(_SKIPPED) and k not in case.differs},
                  {k: v for k, v in sim.dump.items()
                   if not k.startswith(_SKIPPED) and k not in case.differs})
        check("LIST VAR", aside(ours.vars), aside(real.vars))
        check("LIST RW", ours.rw, real.rw)
        check("LIST CMD", ours.cmds, real.cmds)
        for words in TRANSITIONS:
            set_status(lab, sim, pair.real_ups, words)
            set_status(lab, sim, pair.our_ups, words)
            real_status, our_status = await settled(pair)
            check(f"status for {words}", our_status, real_status)
        real_answers, our_answers = await _exercise_both(pair, real, ours)
        check("INSTCMD/SET VAR", our_answers, real_answers)
        await trio.sleep(2.5)  # a full poll after the writes
        after_real, after_ours = await both_served(pair)
        check("LIST VAR after the writes", aside(after_ours.vars), aside(after_real.vars))
    check("SET_REPORTs", set_reports(lab, f"nutrio@{bus + 1}"),
          set_reports(lab, f"usbhid-ups@{bus}"))
    return problems


async def compare_group(usblab: UsbLab, group: str) -> None:
    """Every unit of subdriver ``group``, two pairs at a time; asserts none differs."""
    cases = [c for c in CASES if c.picked.short == group]
    found: dict[str, list[str]] = {}

    limit = trio.Semaphore(2)  # two pairs at a time: eight programs on two cores is enough

    async def one(case: Case, bus: int) -> None:
        async with limit:
            found[case.id] = await compare(usblab, case, bus)

    async with trio.open_nursery() as nursery:
        for i, case in enumerate(cases):
            nursery.start_soon(one, case, 1 + 2 * i)
    assert {k: v for k, v in found.items() if v} == {}
    assert len(found) == len(cases) >= 2
