"""Failure domains: children that are not critical, restarts in place, a stop with a deadline."""

from __future__ import annotations

import math

import trio
import trio.testing
from structlog.testing import capture_logs
from supervisor_helpers import Stubborn, Worker, settle

from nutrio.supervisor import ChildSpec, GiveUp, RestartLedger, Retry, Supervisor


def test_a_child_that_is_not_critical_never_ticks_the_intensity() -> None:
    ledger = RestartLedger(intensity=1, period=60, base=1.0, cap=8.0)
    decisions = [ledger.record_failure(float(t), "web", critical=False) for t in range(6)]
    assert decisions == [Retry(1.0), Retry(2.0), Retry(4.0), Retry(8.0), Retry(8.0), Retry(8.0)]
    assert ledger.record_failure(6.0, "upsd") == Retry(1.0)
    assert ledger.record_failure(7.0, "upsd") == GiveUp()


async def test_a_crash_loop_outside_the_critical_children_never_ends_the_supervisor(
    autojump_clock: trio.testing.MockClock,
) -> None:
    core, extra = Worker("core"), Worker("extra")
    sup = Supervisor("root", intensity=1, period=60, backoff_base=0.5, backoff_cap=4)
    async with trio.open_nursery() as nursery:
        await nursery.start(sup.run, [ChildSpec("core", core, shutdown=0),
                                      ChildSpec("extra", extra, shutdown=0, critical=False)])
        for _ in range(20):
            extra.crash()
            await trio.sleep(5)  # longer than the back-off cap: it is running again
            assert extra.running
        assert sup.statistics().running and core.running and core.starts == 1
        assert extra.starts == 21
        core.crash()
        await trio.sleep(1)
        assert core.running and core.starts == 2  # one critical failure: within intensity
        await sup.stop()


async def test_a_critical_child_still_makes_the_supervisor_give_up(
    autojump_clock: trio.testing.MockClock,
) -> None:
    core, extra = Worker("core"), Worker("extra")
    sup = Supervisor("root", intensity=1, period=60, backoff_base=0.1)
    gave_up: list[BaseException] = []
    with capture_logs():
        async with trio.open_nursery() as nursery:

            async def run() -> None:
                try:
                    await sup.run([ChildSpec("core", core, shutdown=0),
                                   ChildSpec("extra", extra, shutdown=0, critical=False)])
                except Exception as exc:
                    gave_up.append(exc)

            nursery.start_soon(run)
            await settle()
            extra.crash()
            await trio.sleep(1)
            for _ in range(2):
                core.crash()
                await trio.sleep(1)
    assert len(gave_up) == 1 and not extra.running and not core.running


async def test_restart_child_rebuilds_a_subtree_in_its_place_without_a_failure(
    autojump_clock: trio.testing.MockClock,
) -> None:
    journal: list[tuple[str, str]] = []
    first, second, last = Worker("first", journal), Worker("second", journal), Worker("last", journal)
    generation = [first]
    inner = Supervisor("inner")
    root = Supervisor("root", intensity=0, period=60)
    async with trio.open_nursery() as nursery:
        specs = [
            inner.child_spec(lambda: [ChildSpec(w.name, w, shutdown=0) for w in generation]),
            ChildSpec("last", last, shutdown=0),
        ]
        await nursery.start(root.run, specs)
        generation[:] = [second]
        await root.restart_child("inner")
        await settle()
        assert [c.id for c in root.children()] == ["inner", "last"]  # same place
        assert [(c.id, c.restarts) for c in root.children()] == [("inner", 0), ("last", 0)]
        assert not first.running and second.running and last.starts == 1
        await root.stop()
    assert journal == [("start", "first"), ("start", "last"), ("stop", "first"),
                       ("start", "second"), ("stop", "last"), ("stop", "second")]


async def test_a_stop_past_its_deadline_cancels_every_level_at_once(
    autojump_clock: trio.testing.MockClock,
) -> None:
    journal: list[tuple[str, str, float]] = []
    inner = Supervisor("inner")
    root = Supervisor("root")
    children = [ChildSpec(f"s{i}", Stubborn(f"s{i}", journal), shutdown=10) for i in range(5)]
    with capture_logs() as logs:
        async with trio.open_nursery() as nursery:
            await nursery.start(root.run, [inner.child_spec(children),
                                           ChildSpec("top", Stubborn("top", journal),
                                                     shutdown=math.inf)])
            begun = trio.current_time()
            await root.stop(deadline=3)
            took = trio.current_time() - begun
    # without the deadline: "top" never ends (infinite grace), the five others take 50 s
    assert took == 3
    assert sorted(name for _, name, _ in journal) == ["s0", "s1", "s2", "s3", "s4", "top"]
    assert not root.statistics().running and not inner.statistics().running
    assert [e["supervisor"] for e in logs if e["event"] == "supervisor.stop_deadline"] == ["root"]
