"""Supervisors under supervisors, stopping from inside the tree, cancelled starts."""

from __future__ import annotations

import pytest
import trio
import trio.testing
from structlog.testing import capture_logs
from supervisor_helpers import Worker

from nutrio.supervisor import (
    Chaos,
    ChaosCrash,
    ChaosPlan,
    ChildSpec,
    FaultSpec,
    Supervisor,
    SupervisorGaveUp,
    current_child,
)


async def test_same_supervisor_instance_is_restarted_afresh_by_its_parent(
    autojump_clock: trio.testing.MockClock,
) -> None:
    leaf = Worker("leaf")
    inner = Supervisor("inner", intensity=1, period=60, backoff_base=0.1)
    parent = Supervisor("parent", backoff_base=1.0)
    with capture_logs() as logs:
        async with trio.open_nursery() as nursery:
            spec = inner.child_spec([ChildSpec("leaf", leaf, shutdown=0)])
            await nursery.start(parent.run, [spec])
            for _ in range(2):  # second crash within the period: inner gives up
                leaf.crash()
                await trio.sleep(1)
            await trio.sleep(2)
            assert leaf.starts == 3 and leaf.running
            assert [(c.id, c.restarts) for c in inner.children()] == [("leaf", 0)]  # fresh ledger
            assert [(c.id, c.restarts) for c in parent.children()] == [("inner", 1)]
            await parent.stop()
    assert not leaf.running
    gave_up = [e for e in logs if e["event"] == "supervisor.gave_up"]
    assert [(e["supervisor"], e["actor"]) for e in gave_up] == [("inner", "leaf")]
    crashed = [
        e["error"] for e in logs if e["event"] == "actor.crashed" and e["actor"] == "inner"
    ]
    assert len(crashed) == 1 and isinstance(crashed[0], SupervisorGaveUp)


async def test_nested_supervisor_inherits_the_parents_chaos(
    autojump_clock: trio.testing.MockClock,
) -> None:
    chaos = Chaos(ChaosPlan(faults=(FaultSpec(target="leaf", kind="crash"),)))
    seen: list[Chaos] = []

    async def leaf(*, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        seen.append(current_child().chaos)
        task_status.started()
        await trio.sleep_forever()

    inner = Supervisor("inner")
    parent = Supervisor("parent", chaos=chaos)
    async with trio.open_nursery() as nursery:
        await nursery.start(parent.run, [inner.child_spec([ChildSpec("leaf", leaf, shutdown=0)])])
        assert seen == [chaos]
        with pytest.raises(ChaosCrash):
            await seen[0].before_poll("leaf")
        await parent.stop()


async def test_a_child_can_stop_its_own_supervisor(autojump_clock: trio.testing.MockClock) -> None:
    sup = Supervisor("top")

    async def quitter(*, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        ctx = current_child()
        task_status.started()
        await trio.sleep(1)
        await sup.stop()  # only asks: waiting for its own end would stall until the grace
        await ctx.wait_stop_requested()

    async with trio.open_nursery() as nursery:
        await nursery.start(sup.run, [ChildSpec("quitter", quitter, shutdown=60)])
    assert trio.current_time() == 1.0


async def test_stop_when_not_running_is_a_no_op(autojump_clock: trio.testing.MockClock) -> None:
    sup = Supervisor("idle")
    await sup.stop()
    sup.stop_nowait()
    async with trio.open_nursery() as nursery:
        await nursery.start(sup.run, [ChildSpec("w", Worker("w"), shutdown=0)])
        await sup.stop()  # the earlier stop did not leak into this run
    assert trio.current_time() == 0.0


async def test_running_twice_at_once_is_refused(autojump_clock: trio.testing.MockClock) -> None:
    sup = Supervisor("top")
    async with trio.open_nursery() as nursery:
        await nursery.start(sup.run, [])
        with pytest.raises(RuntimeError):
            await sup.run([])
        await sup.stop()


async def test_cancelling_during_a_slow_start_aborts_it(
    autojump_clock: trio.testing.MockClock,
) -> None:
    finished: list[str] = []

    async def slow(*, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        try:
            await trio.sleep(100)
            task_status.started()
        finally:
            finished.append("slow")

    async def fast(*, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        task_status.started()
        try:
            await trio.sleep_forever()
        finally:
            finished.append("fast")

    sup = Supervisor("top")
    with trio.move_on_after(5):
        await sup.run([ChildSpec("fast", fast, shutdown=1), ChildSpec("slow", slow)])
    assert finished == ["slow", "fast"]
    assert trio.current_time() == 5.0  # fast never listened for a stop: cancelled at once
    assert [c.running for c in sup.children()] == [False, False]


async def test_failed_start_is_logged_as_a_crash_in_the_start_phase(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async def broken(*, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        raise OSError("no such device")

    sup = Supervisor("top", intensity=0)
    with capture_logs() as logs, pytest.raises(SupervisorGaveUp):
        await sup.run([ChildSpec("broken", broken)])
    crashed = [e for e in logs if e["event"] == "actor.crashed"]
    assert [(e["actor"], e["phase"]) for e in crashed] == [("broken", "start")]
    assert isinstance(crashed[0]["exc_info"], OSError)
