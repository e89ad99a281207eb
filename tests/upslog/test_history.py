"""The History store: what the web graphs read for the last hours."""

from __future__ import annotations

import itertools

import trio
import trio.testing

from nutrio.actors.registry import DeviceHandle, Registry
from nutrio.actors.web.history import History, HistoryPoint
from nutrio.protocol.common.state import UpsData, UpsSnapshot, freeze_vars


def snap(name: str, seq: int, vars_: dict[str, str], **kw: object) -> UpsSnapshot:
    return UpsSnapshot(ups=name, seq=seq, taken_at=trio.current_time(), data=UpsData(vars=freeze_vars(vars_)), **kw)  # type: ignore[arg-type]


async def driver(handle: DeviceHandle, every: float = 2.0) -> None:
    for seq in itertools.count(1):
        load = str(seq % 100)
        handle.publish(snap(handle.name, seq, {"ups.load": load, "battery.charge": "100",
                                               "input.voltage": "230.1", "ups.status": "OL",
                                               "battery.runtime": "n/a"}))
        await trio.sleep(every)


async def test_history_keeps_one_point_per_resolution_with_the_tracked_numbers(
    autojump_clock: trio.testing.MockClock,
) -> None:
    registry = Registry()
    handle = registry.add(DeviceHandle("ups1"))
    history = History(resolution=10.0, keep=60.0, wallclock=trio.current_time)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(driver, handle)
        await nursery.start(history.run, registry)
        await trio.sleep(95)
        nursery.cancel_scope.cancel()
    points = history.series("UPS1")  # names match case-insensitively, as upsd's
    assert len(points) == 6  # 60 s deep at 10 s
    assert all(b.t - a.t >= 10.0 for a, b in itertools.pairwise(points))
    assert set(points[-1].values) == {"ups.load", "battery.charge", "input.voltage"}  # "n/a" is not a number
    assert points[-1].values["input.voltage"] == 230.1
    assert history.series("ups1", since=points[-2].t) == points[-2:]
    assert history.series("nosuch") == ()


async def test_disconnected_driver_leaves_a_gap_and_a_new_handle_continues_the_series(
    autojump_clock: trio.testing.MockClock,
) -> None:
    registry = Registry()
    first = registry.add(DeviceHandle("ups1"))
    history = History(resolution=10.0, wallclock=trio.current_time)
    async with trio.open_nursery() as nursery:
        await nursery.start(history.run, registry)
        first.publish(snap("ups1", 1, {"ups.load": "10"}))
        await trio.sleep(12)
        first.mark_disconnected()
        await trio.sleep(30)
        registry.remove("ups1")  # reload: the driver comes back with a new handle
        second = registry.add(DeviceHandle("ups1"))
        second.publish(snap("ups1", 1, {"ups.load": "20"}))
        await trio.sleep(12)
        nursery.cancel_scope.cancel()
    loads = [p.values["ups.load"] for p in history.series("ups1")]
    assert loads == [10.0, 20.0]


def test_stale_snapshot_records_nothing() -> None:
    history = History(wallclock=lambda: 1.0)
    data = UpsData(vars=freeze_vars({"ups.load": "5"}))
    assert not history.record("ups1", UpsSnapshot(ups="ups1", seq=1, taken_at=0.0, data=data, stale=True))
    assert history.record("ups1", UpsSnapshot(ups="ups1", seq=2, taken_at=0.0, data=data))
    assert history.series("ups1") == (HistoryPoint(1.0, {"ups.load": 5.0}),)
