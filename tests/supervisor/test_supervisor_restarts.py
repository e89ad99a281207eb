"""Which children a supervisor restarts, when, and when it gives up."""

from __future__ import annotations

from itertools import pairwise

import pytest
import trio
from structlog.testing import capture_logs
from supervisor_helpers import Boom, Worker, settle

from nutrio.supervisor import (
    ChildSpec,
    Restart,
    Strategy,
    Supervisor,
    SupervisorGaveUp,
)


def workers(*names: str) -> tuple[list[tuple[str, str]], dict[str, Worker]]:
    journal: list[tuple[str, str]] = []
    return journal, {n: Worker(n, journal) for n in names}


def specs(ws: dict[str, Worker], restart: Restart = Restart.PERMANENT) -> list[ChildSpec]:
    return [ChildSpec(n, w, restart=restart, shutdown=0.0) for n, w in ws.items()]


@pytest.mark.parametrize(
    ("strategy", "restarted"),
    [
        (Strategy.ONE_FOR_ONE, {"b"}),
        (Strategy.ONE_FOR_ALL, {"a", "b", "c"}),
        (Strategy.REST_FOR_ONE, {"b", "c"}),
    ],
)
async def test_strategy_decides_which_siblings_restart(
    autojump_clock: trio.testing.MockClock, strategy: Strategy, restarted: set[str]
) -> None:
    _, ws = workers("a", "b", "c")
    sup = Supervisor("top", strategy=strategy, backoff_base=1.0)
    async with trio.open_nursery() as nursery:
        await nursery.start(sup.run, specs(ws))
        ws["b"].crash()
        await trio.sleep(5)
        assert {n for n, w in ws.items() if w.starts == 2} == restarted
        assert all(w.running for w in ws.values())
        await sup.stop()


async def test_one_for_all_stops_siblings_in_reverse_and_restarts_in_order(
    autojump_clock: trio.testing.MockClock,
) -> None:
    journal, ws = workers("a", "b", "c")
    sup = Supervisor("top", strategy=Strategy.ONE_FOR_ALL, backoff_base=1.0)
    async with trio.open_nursery() as nursery:
        await nursery.start(sup.run, specs(ws))
        journal.clear()
        ws["a"].crash()
        await trio.sleep(5)
        assert journal == [
            ("stop", "a"),
            ("stop", "c"),
            ("stop", "b"),
            ("start", "a"),
            ("start", "b"),
            ("start", "c"),
        ]
        await sup.stop()


async def test_a_crash_leaves_siblings_running(autojump_clock: trio.testing.MockClock) -> None:
    _, ws = workers("a", "b")
    sup = Supervisor("top", backoff_base=1.0)
    async with trio.open_nursery() as nursery:
        await nursery.start(sup.run, specs(ws))
        ws["a"].crash()
        await settle()
        # During a's back-off b keeps serving, untouched.
        assert not ws["a"].running and ws["b"].running
        assert [c.running for c in sup.children()] == [False, True]
        stats = sup.statistics()
        assert stats.running and stats.pending_restarts == ("a",)
        await trio.sleep(2)
        assert ws["a"].running and ws["b"].starts == 1
        assert [(c.id, c.restarts) for c in sup.children()] == [("a", 1), ("b", 0)]
        assert sup.statistics().pending_restarts == ()
        await sup.stop()
    assert not sup.statistics().running


@pytest.mark.parametrize(
    ("restart", "how", "restarted", "kept"),
    [
        (Restart.PERMANENT, "finish", True, True),
        (Restart.PERMANENT, "crash", True, True),
        (Restart.TRANSIENT, "finish", False, True),
        (Restart.TRANSIENT, "crash", True, True),
        (Restart.TEMPORARY, "finish", False, False),
        (Restart.TEMPORARY, "crash", False, False),
    ],
)
async def test_restart_type_decides_after_return_or_crash(
    autojump_clock: trio.testing.MockClock, restart: Restart, how: str, restarted: bool, kept: bool
) -> None:
    _, ws = workers("a")
    sup = Supervisor("top", backoff_base=1.0)
    async with trio.open_nursery() as nursery:
        await nursery.start(sup.run, specs(ws, restart))
        getattr(ws["a"], how)()
        await trio.sleep(5)
        assert (ws["a"].starts == 2) is restarted
        assert ("a" in [c.id for c in sup.children()]) is kept
        await sup.stop()


async def test_failed_start_is_retried_with_backoff(autojump_clock: trio.testing.MockClock) -> None:
    attempts: list[float] = []

    async def flaky(*, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        attempts.append(trio.current_time())
        if len(attempts) < 3:
            raise Boom("no device")
        task_status.started()
        await trio.sleep_forever()

    sup = Supervisor("top", intensity=5, period=60, backoff_base=1.0, backoff_cap=10.0)
    async with trio.open_nursery() as nursery:
        await nursery.start(sup.run, [ChildSpec("flaky", flaky, shutdown=0)])
        await trio.sleep(10)
        assert attempts == [0.0, 1.0, 3.0]
        assert sup.children()[0].running
        await sup.stop()


async def test_child_returning_before_started_is_a_failed_start(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async def quitter(*, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        return

    sup = Supervisor("top", intensity=1, period=60, backoff_base=1.0)
    with pytest.raises(SupervisorGaveUp) as caught:
        await sup.run([ChildSpec("quitter", quitter)])
    assert isinstance(caught.value.__cause__, RuntimeError)


async def test_backoff_delays_grow_and_are_capped(autojump_clock: trio.testing.MockClock) -> None:
    started: list[float] = []

    async def crasher(*, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        started.append(trio.current_time())
        task_status.started()
        raise Boom("crash")

    sup = Supervisor("top", intensity=100, period=1000, backoff_base=1.0, backoff_cap=4.0)
    with capture_logs() as logs:
        with trio.move_on_after(30):
            await sup.run([ChildSpec("c", crasher)])
    delays = [e["delay"] for e in logs if e["event"] == "actor.restarting"]
    assert delays[:6] == [1.0, 2.0, 4.0, 4.0, 4.0, 4.0]
    assert [e["attempt"] for e in logs if e["event"] == "actor.restarting"][:3] == [1, 2, 3]
    gaps = [later - earlier for earlier, later in pairwise(started)]
    assert gaps[:5] == [1.0, 2.0, 4.0, 4.0, 4.0]


async def test_backoff_resets_after_a_healthy_run(autojump_clock: trio.testing.MockClock) -> None:
    _, ws = workers("a")
    sup = Supervisor("top", intensity=100, period=10, backoff_base=1.0, backoff_cap=60.0)
    with capture_logs() as logs:
        async with trio.open_nursery() as nursery:
            await nursery.start(sup.run, specs(ws))
            for pause in (0.5, 2.5, 4.5, 30.0):  # crash soon, soon, soon, then after a healthy run
                await trio.sleep(pause)
                ws["a"].crash()
            await trio.sleep(5)
            await sup.stop()
    delays = [e["delay"] for e in logs if e["event"] == "actor.restarting"]
    assert delays == [1.0, 2.0, 4.0, 1.0]


async def test_supervisor_gives_up_after_too_many_restarts(
    autojump_clock: trio.testing.MockClock,
) -> None:
    _, ws = workers("a", "b")
    sup = Supervisor("inner", intensity=2, period=10, backoff_base=0.1)
    with capture_logs() as logs, trio.fail_after(60), pytest.raises(SupervisorGaveUp) as caught:
        await _crash_thrice(sup, ws)
    assert isinstance(caught.value.__cause__, Boom)
    gave_up = [e for e in logs if e["event"] == "supervisor.gave_up"]
    assert gave_up and gave_up[0]["supervisor"] == "inner"
    assert not ws["a"].running and not ws["b"].running  # it stopped its children first


async def _crash_thrice(sup: Supervisor, ws: dict[str, Worker]) -> None:
    async def crash_later() -> None:
        for _ in range(3):
            await trio.sleep(1)
            ws["a"].crash()

    gave_up: SupervisorGaveUp | None = None
    async with trio.open_nursery() as nursery:
        nursery.start_soon(crash_later)
        try:
            await sup.run(specs(ws))
        except SupervisorGaveUp as exc:
            gave_up = exc  # re-raised outside the nursery, so not wrapped in a group
        nursery.cancel_scope.cancel()
    if gave_up is not None:
        raise gave_up


async def test_give_up_escalates_to_the_parent_supervisor(
    autojump_clock: trio.testing.MockClock,
) -> None:
    _, ws = workers("leaf")
    inner_runs: list[Supervisor] = []

    async def inner(*, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        sup = Supervisor("inner", intensity=1, period=10, backoff_base=0.1)
        inner_runs.append(sup)
        await sup.run(specs(ws), task_status=task_status)

    parent = Supervisor("parent", intensity=5, period=100, backoff_base=1.0)
    with capture_logs() as logs:
        async with trio.open_nursery() as nursery:
            await nursery.start(parent.run, [ChildSpec("inner", inner)])
            ws["leaf"].crash()
            await trio.sleep(1)
            ws["leaf"].crash()  # second restart within the period: inner gives up
            await trio.sleep(5)
            assert len(inner_runs) == 2  # the parent restarted the inner supervisor
            assert ws["leaf"].running
            await parent.stop()
    crashed = [e for e in logs if e["event"] == "actor.crashed" and e["actor"] == "inner"]
    assert len(crashed) == 1
    error = crashed[0]["error"]
    assert isinstance(error, SupervisorGaveUp) and isinstance(error.__cause__, Boom)
