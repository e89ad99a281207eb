"""LatestCell: the publisher never waits, a slow reader skips to the newest value."""

from __future__ import annotations

import trio
import trio.testing

from nutrio.supervisor import LatestCell


async def test_slow_reader_skips_to_the_newest_value(
    autojump_clock: trio.testing.MockClock,
) -> None:
    cell: LatestCell[int] = LatestCell(0)
    seen: list[tuple[int, int]] = []

    async def slow_reader() -> None:
        version = 0
        while version < 10:
            version, value = await cell.wait_newer(version)
            seen.append((version, value))
            await trio.sleep(3)  # slower than the publisher

    async with trio.open_nursery() as nursery:
        nursery.start_soon(slow_reader)
        await trio.testing.wait_all_tasks_blocked()
        for n in range(1, 11):
            before = trio.current_time()
            cell.publish(n * 100)
            assert trio.current_time() == before  # publish never blocks
            await trio.sleep(1)
    assert seen[0] == (1, 100)
    assert seen[-1] == (10, 1000)
    assert len(seen) < 10  # values in between were skipped
    assert all(v == version * 100 for version, v in seen)


async def test_every_waiting_reader_wakes_on_publish(
    autojump_clock: trio.testing.MockClock,
) -> None:
    cell: LatestCell[str] = LatestCell("init")
    got: list[str] = []

    async def reader() -> None:
        _, value = await cell.wait_newer(cell.version)
        got.append(value)

    async with trio.open_nursery() as nursery:
        for _ in range(3):
            nursery.start_soon(reader)
        await trio.testing.wait_all_tasks_blocked()
        assert cell.statistics().waiting_readers == 3
        cell.publish("new")
    assert got == ["new"] * 3
    assert cell.statistics().waiting_readers == 0


async def test_reader_behind_gets_newest_at_once(autojump_clock: trio.testing.MockClock) -> None:
    cell: LatestCell[int] = LatestCell(0)
    for n in range(5):
        cell.publish(n)
    assert await cell.wait_newer(0) == (5, 4)
