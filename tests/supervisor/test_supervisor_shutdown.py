"""Orderly stop: reverse start order, ask first, cancel after the grace; dynamic children."""

from __future__ import annotations

import pytest
import trio
import trio.testing
from supervisor_helpers import Polite, Stubborn, Worker, settle

from nutrio.supervisor import ChildSpec, Supervisor, current_child


async def test_stop_asks_children_in_reverse_start_order(
    autojump_clock: trio.testing.MockClock,
) -> None:
    journal: list[tuple[str, str, float]] = []
    sup = Supervisor("top")
    children = [ChildSpec(n, Polite(n, journal, linger=1.0), shutdown=5.0) for n in "abc"]
    async with trio.open_nursery() as nursery:
        await nursery.start(sup.run, children)
        await sup.stop()
    # Each child is asked only after the one started after it has finished.
    assert journal == [
        ("asked", "c", 0.0),
        ("done", "c", 1.0),
        ("asked", "b", 1.0),
        ("done", "b", 2.0),
        ("asked", "a", 2.0),
        ("done", "a", 3.0),
    ]


async def test_child_ignoring_the_request_is_cancelled_after_its_grace(
    autojump_clock: trio.testing.MockClock,
) -> None:
    journal: list[tuple[str, str, float]] = []
    sup = Supervisor("top")
    children = [
        ChildSpec("polite", Polite("polite", journal), shutdown=5.0),
        ChildSpec("stubborn", Stubborn("stubborn", journal), shutdown=3.0),
    ]
    async with trio.open_nursery() as nursery:
        await nursery.start(sup.run, children)
        await sup.stop()
    assert journal == [
        ("cancelled", "stubborn", 3.0),
        ("asked", "polite", 3.0),
        ("done", "polite", 3.0),
    ]


async def test_child_that_never_listens_is_cancelled_at_once(
    autojump_clock: trio.testing.MockClock,
) -> None:
    worker = Worker("w")
    sup = Supervisor("top")
    async with trio.open_nursery() as nursery:
        await nursery.start(sup.run, [ChildSpec("w", worker, shutdown=60)])
        await sup.stop()
        assert trio.current_time() == 0.0 and not worker.running


async def test_slow_tidy_up_is_cut_short_by_the_grace(
    autojump_clock: trio.testing.MockClock,
) -> None:
    journal: list[tuple[str, str, float]] = []
    sup = Supervisor("top")
    async with trio.open_nursery() as nursery:
        await nursery.start(
            sup.run, [ChildSpec("slow", Polite("slow", journal, linger=60), shutdown=2)]
        )
        await sup.stop()
        assert trio.current_time() == 2.0
    assert journal == [("asked", "slow", 0.0)]


async def test_cancelling_run_still_stops_children_in_order_with_grace(
    autojump_clock: trio.testing.MockClock,
) -> None:
    journal: list[tuple[str, str, float]] = []
    sup = Supervisor("top")
    children = [
        ChildSpec("a", Polite("a", journal, linger=1.0)),
        ChildSpec("b", Stubborn("b", journal), shutdown=2.0),
    ]
    async with trio.open_nursery() as nursery:
        await nursery.start(sup.run, children)
        nursery.cancel_scope.cancel()
    assert journal == [("cancelled", "b", 2.0), ("asked", "a", 2.0), ("done", "a", 3.0)]


async def test_on_stop_callback_closes_an_inbox(autojump_clock: trio.testing.MockClock) -> None:
    received: list[int] = []
    send, receive = trio.open_memory_channel[int](0)

    async def consumer(*, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        current_child().on_stop(receive.close)  # asking ends the receive loop
        task_status.started()
        try:
            async for item in receive:
                received.append(item)
        except trio.ClosedResourceError:
            pass

    sup = Supervisor("top")
    async with trio.open_nursery() as nursery:
        await nursery.start(sup.run, [ChildSpec("consumer", consumer, shutdown=10)])
        await send.send(1)
        await sup.stop()
        assert trio.current_time() == 0.0  # it left when asked, no grace used
    assert received == [1]


async def test_nested_supervisor_stops_its_children_before_the_parent_moves_on(
    autojump_clock: trio.testing.MockClock,
) -> None:
    journal: list[tuple[str, str, float]] = []

    async def inner(*, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        await Supervisor("inner").run(
            [ChildSpec(n, Polite(n, journal, linger=1.0)) for n in ("x", "y")],
            task_status=task_status,
        )

    parent = Supervisor("parent")
    async with trio.open_nursery() as nursery:
        await nursery.start(
            parent.run,
            [ChildSpec("first", Polite("first", journal)), ChildSpec("inner", inner, shutdown=10)],
        )
        await parent.stop()
    assert [(what, who) for what, who, _ in journal] == [
        ("asked", "y"),
        ("done", "y"),
        ("asked", "x"),
        ("done", "x"),
        ("asked", "first"),
        ("done", "first"),
    ]


async def test_children_can_be_added_and_removed_while_running(
    autojump_clock: trio.testing.MockClock,
) -> None:
    a, b = Worker("a"), Worker("b")
    sup = Supervisor("top", backoff_base=1.0)
    async with trio.open_nursery() as nursery:
        await nursery.start(sup.run, [ChildSpec("a", a, shutdown=0)])
        await sup.start_child(ChildSpec("b", b, shutdown=0))
        assert [(c.id, c.running) for c in sup.children()] == [("a", True), ("b", True)]
        with pytest.raises(ValueError):
            await sup.start_child(ChildSpec("b", b))
        b.crash()  # a dynamic child is supervised like the others
        await trio.sleep(2)
        assert b.starts == 2 and sup.children()[1].restarts == 1
        await sup.stop_child("a")
        await settle()
        assert not a.running and a.starts == 1
        assert [c.id for c in sup.children()] == ["b"]
        with pytest.raises(KeyError):
            await sup.stop_child("a")
        await sup.stop()
    with pytest.raises(RuntimeError):
        await sup.start_child(ChildSpec("c", Worker("c")))


async def test_dynamic_child_failing_to_start_is_retried(
    autojump_clock: trio.testing.MockClock,
) -> None:
    tries: list[float] = []

    async def late(*, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        tries.append(trio.current_time())
        if len(tries) == 1:
            raise OSError("device not there yet")
        task_status.started()
        await trio.sleep_forever()

    sup = Supervisor("top", backoff_base=1.0)
    async with trio.open_nursery() as nursery:
        await nursery.start(sup.run, [])
        await sup.start_child(ChildSpec("late", late, shutdown=0))
        await trio.sleep(5)
        assert tries == [0.0, 1.0]
        assert sup.children()[0].running
        await sup.stop()


async def test_error_raised_while_being_cancelled_stays_inside_the_child(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async def raise_on_cancel() -> None:
        try:
            await trio.sleep_forever()
        finally:
            raise ValueError("cleanup failed")

    async def messy(*, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        task_status.started()
        async with trio.open_nursery() as nursery:
            nursery.start_soon(raise_on_cancel)
            await trio.sleep_forever()

    sup = Supervisor("top")
    async with trio.open_nursery() as nursery:
        await nursery.start(sup.run, [ChildSpec("messy", messy, shutdown=1)])
        await sup.stop()  # the supervisor's nursery never sees the child's error
    assert trio.current_time() == 0.0


async def test_stop_aborts_a_dynamic_child_still_starting(
    autojump_clock: trio.testing.MockClock,
) -> None:
    aborted: list[float] = []

    async def slow(*, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        try:
            await trio.sleep(100)
        finally:
            aborted.append(trio.current_time())
        task_status.started()

    sup = Supervisor("top")
    async with trio.open_nursery() as nursery:
        await nursery.start(sup.run, [])
        nursery.start_soon(sup.start_child, ChildSpec("slow", slow))
        await trio.sleep(1)
        await sup.stop()
        assert trio.current_time() == 1.0
    assert aborted == [1.0]
    with pytest.raises(RuntimeError):
        await sup.start_child(ChildSpec("late", slow))
