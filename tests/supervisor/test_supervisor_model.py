"""Generated crash sequences: the running tree matches the pure model of restarts."""

from __future__ import annotations

from functools import partial

import trio
import trio.testing
from hypothesis import given, settings
from hypothesis import strategies as st
from supervisor_helpers import Worker

from nutrio.supervisor import ChildSpec, Strategy, Supervisor, affected

NAMES = ("a", "b", "c", "d")


async def crash_in_turn(strategy: Strategy, crashes: list[int]) -> dict[str, tuple[int, int]]:
    workers = {n: Worker(n) for n in NAMES}
    sup = Supervisor("top", strategy=strategy, intensity=1000, period=1, backoff_cap=1.0)
    async with trio.open_nursery() as nursery:
        await nursery.start(sup.run, [ChildSpec(n, w, shutdown=0) for n, w in workers.items()])
        for index in crashes:
            workers[NAMES[index]].crash()
            await trio.sleep(5)  # longer than any back-off: the tree has settled
        assert all(w.running for w in workers.values())
        restarts = {c.id: c.restarts for c in sup.children()}
        await sup.stop()
    return {n: (w.starts, restarts[n]) for n, w in workers.items()}


@settings(max_examples=40, deadline=None)
@given(
    strategy=st.sampled_from(Strategy),
    crashes=st.lists(st.integers(min_value=0, max_value=len(NAMES) - 1), max_size=8),
)
def test_restarts_follow_the_model(strategy: Strategy, crashes: list[int]) -> None:
    expected = dict.fromkeys(NAMES, 0)
    for index in crashes:
        for name in affected(strategy, NAMES, NAMES[index]):
            expected[name] += 1
    clock = trio.testing.MockClock(autojump_threshold=0)
    seen = trio.run(partial(crash_in_turn, strategy, crashes), clock=clock)
    assert seen == {n: (expected[n] + 1, expected[n]) for n in NAMES}
