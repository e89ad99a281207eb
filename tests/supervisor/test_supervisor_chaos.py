"""Fault injection fires exactly as planned, replayably, and is inert when absent."""

from __future__ import annotations

import pytest
import trio
import trio.testing
from structlog.testing import capture_logs

from nutrio.supervisor import (
    NO_CHAOS,
    Chaos,
    ChaosCrash,
    ChaosPlan,
    ChildSpec,
    FaultSpec,
    Supervisor,
    current_child,
)


def plan(*faults: FaultSpec, seed: int = 0) -> Chaos:
    return Chaos(ChaosPlan(seed=seed, faults=faults))


async def test_crash_after_n_messages(autojump_clock: trio.testing.MockClock) -> None:
    chaos = plan(FaultSpec(target="pump", kind="crash", after_messages=3, times=1))
    for _ in range(3):
        assert await chaos.before_message("pump") is True
    with pytest.raises(ChaosCrash) as caught:
        await chaos.before_message("pump")
    assert caught.value.actor == "pump"
    assert await chaos.before_message("pump") is True  # times=1: spent
    assert chaos.statistics().injected == 1


async def test_message_count_restarts_with_each_incarnation(
    autojump_clock: trio.testing.MockClock,
) -> None:
    chaos = plan(FaultSpec(target="driver:*", kind="crash", after_messages=2, times=2))
    polls: list[tuple[int, int]] = []
    incarnations = 0

    async def driver(*, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        nonlocal incarnations
        incarnations += 1
        task_status.started()
        for n in range(1, 100):
            await current_child().before_poll()
            polls.append((incarnations, n))
            await trio.sleep(1)

    sup = Supervisor("top", backoff_base=0.5, chaos=chaos)
    with capture_logs() as logs:
        async with trio.open_nursery() as nursery:
            await nursery.start(sup.run, [ChildSpec("driver:ups1", driver, shutdown=0)])
            await trio.sleep(20)
            await sup.stop()
    # Two polls per incarnation pass, the third crashes, twice; then it keeps polling.
    assert [n for i, n in polls if i == 1] == [1, 2]
    assert [n for i, n in polls if i == 2] == [1, 2]
    assert incarnations == 3 and len([n for i, n in polls if i == 3]) > 2
    injected = [e for e in logs if e["event"] == "chaos.injected"]
    assert [(e["kind"], e["target"], e["actor"]) for e in injected] == [
        ("crash", "driver:*", "driver:ups1")
    ] * 2
    crashed = [e for e in logs if e["event"] == "actor.crashed"]
    assert all(isinstance(e["error"], ChaosCrash) for e in crashed) and len(crashed) == 2
    assert all("exc_info" not in e and e["kind"] == "ChaosCrash" for e in crashed)  # one line


async def test_timer_crash_reaches_a_child_that_never_calls_a_seam(
    autojump_clock: trio.testing.MockClock,
) -> None:
    chaos = plan(FaultSpec(target="sleeper", kind="crash", after_seconds=5, times=2))
    started: list[float] = []
    tidied: list[float] = []

    async def sleeper(*, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        started.append(trio.current_time())
        task_status.started()
        try:
            await trio.sleep_forever()
        finally:
            tidied.append(trio.current_time())

    sup = Supervisor("top", backoff_base=1.0, intensity=10, period=60, chaos=chaos)
    with capture_logs() as logs:
        async with trio.open_nursery() as nursery:
            await nursery.start(sup.run, [ChildSpec("sleeper", sleeper, shutdown=0)])
            await trio.sleep(30)
            assert sup.children()[0].running
            await sup.stop()
    # Crash at 5 s after each start, restart 1 s then 2 s later, twice only.
    assert started == [0.0, 6.0, 13.0]
    assert tidied[:2] == [5.0, 11.0]
    crashed = [e["error"] for e in logs if e["event"] == "actor.crashed"]
    assert len(crashed) == 2 and all(isinstance(e, ChaosCrash) for e in crashed)


async def test_probability_is_reproducible_with_a_seed(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async def pattern(seed: int) -> list[bool]:
        chaos = plan(FaultSpec(target="*", kind="drop", probability=0.3), seed=seed)
        return [await chaos.before_message("chan") for _ in range(200)]

    first, again, other = await pattern(7), await pattern(7), await pattern(8)
    assert first == again
    assert first != other
    assert 20 < first.count(False) < 100  # some dropped, most delivered


async def test_delay_fault_sleeps_then_continues(autojump_clock: trio.testing.MockClock) -> None:
    chaos = plan(FaultSpec(target="driver:*", kind="delay", delay=2.5, times=2))
    for expected in (2.5, 5.0, 5.0):
        await chaos.before_poll("driver:a")
        assert trio.current_time() == expected


async def test_delay_fault_waits_for_after_seconds(autojump_clock: trio.testing.MockClock) -> None:
    chaos = plan(FaultSpec(target="a", kind="delay", delay=1.0, after_seconds=10))
    chaos.actor_started("a")
    await chaos.before_poll("a")
    assert trio.current_time() == 0.0
    await trio.sleep(10)
    await chaos.before_poll("a")
    assert trio.current_time() == 11.0


async def test_drop_fault_loses_messages_but_not_polls(
    autojump_clock: trio.testing.MockClock,
) -> None:
    chaos = plan(FaultSpec(target="chan", kind="drop", after_messages=1, times=2))
    await chaos.before_poll("chan")  # counts as the first message, cannot be dropped
    results = [await chaos.before_message("chan") for _ in range(4)]
    assert results == [False, False, True, True]


async def test_freeze_blocks_for_duration(autojump_clock: trio.testing.MockClock) -> None:
    chaos = plan(FaultSpec(target="d", kind="freeze", duration=15.0, times=1))
    await chaos.before_poll("d")
    assert trio.current_time() == 15.0


async def test_freeze_without_duration_blocks_forever(
    autojump_clock: trio.testing.MockClock,
) -> None:
    chaos = plan(FaultSpec(target="d", kind="freeze", after_messages=1))
    await chaos.before_poll("d")
    with trio.move_on_after(3600) as scope:
        await chaos.before_poll("d")
    assert scope.cancelled_caught


async def test_faults_only_hit_matching_actors(autojump_clock: trio.testing.MockClock) -> None:
    chaos = plan(FaultSpec(target="driver:*", kind="crash"))
    assert await chaos.before_message("server") is True
    await chaos.before_poll("driver-ish")
    with pytest.raises(ChaosCrash):
        await chaos.before_poll("driver:ups1")


@pytest.mark.parametrize("chaos", [NO_CHAOS, Chaos(None), Chaos(ChaosPlan(seed=1))])
async def test_no_chaos_is_inert(autojump_clock: trio.testing.MockClock, chaos: Chaos) -> None:
    with capture_logs() as logs:
        for _ in range(1000):
            await chaos.before_poll("driver:x")
            assert await chaos.before_message("driver:x") is True
    assert trio.current_time() == 0.0 and logs == []
    assert chaos.timer_faults("driver:x") == () and not chaos.enabled


async def test_plan_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        FaultSpec(target="a", kind="explode")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        FaultSpec(target="a", kind="drop", probability=1.5)
    with pytest.raises(ValueError):
        FaultSpec(target="a", kind="delay", delay=-1)


async def test_drop_with_duration_is_an_outage_window(
    autojump_clock: trio.testing.MockClock,
) -> None:
    chaos = plan(FaultSpec(target="chan", kind="drop", after_seconds=5, duration=10))
    chaos.actor_started("chan")
    delivered: dict[float, bool] = {}
    for _ in range(20):
        delivered[trio.current_time()] = await chaos.before_message("chan")
        await trio.sleep(1)
    assert [t for t, ok in delivered.items() if not ok] == [float(t) for t in range(5, 15)]
