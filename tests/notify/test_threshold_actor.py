"""The threshold actor on a real registry: driver snapshots in, THRESHOLD events out, on time."""

from __future__ import annotations

from functools import partial

import trio
from structlog.testing import capture_logs

from nutrio.actors.registry import DeviceHandle, Registry
from nutrio.actors.upsmon.thresholds import run_thresholds
from nutrio.protocol.common.state import UpsData, freeze_vars
from nutrio.protocol.notify.events import Notification, NotifyType
from nutrio.protocol.notify.thresholds import ThresholdBook, ThresholdRule

LOAD = ThresholdRule(name="load_high", variable="ups.load", above=80, seconds=30)
MAXAGE = 15.0


def publish(handle: DeviceHandle, load: str, *, stale: bool = False) -> None:
    data = UpsData(vars=freeze_vars({"ups.load": load, "ups.status": "OL"}))
    handle.publish(handle.snapshot.next(taken_at=trio.current_time(), data=data,
                                        connected=True, stale=stale))


async def poll(handle: DeviceHandle, loads: list[str], every: float = 2.0) -> None:
    """A driver publishing one reading every *every* seconds."""
    for load in loads:
        publish(handle, load)
        await trio.sleep(every)


class Events:
    def __init__(self) -> None:
        self.seen: list[tuple[float, Notification]] = []

    async def collect(self, inbox: trio.MemoryReceiveChannel[Notification]) -> None:
        async for n in inbox:
            self.seen.append((trio.current_time(), n))

    def kinds(self) -> list[tuple[str, str]]:
        return [(n.type.value, n.ups) for _, n in self.seen]


async def start(nursery: trio.Nursery, registry: Registry, book: ThresholdBook) -> Events:
    send, receive = trio.open_memory_channel[Notification](0)
    events = Events()
    nursery.start_soon(events.collect, receive)
    await nursery.start(partial(run_thresholds, book, registry, send, maxage=MAXAGE))
    return events


async def test_a_load_held_high_raises_after_30s_and_clears_30s_after_it_fell(
    nursery: trio.Nursery, autojump_clock: trio.abc.Clock
) -> None:
    registry = Registry()
    rack = registry.add(DeviceHandle("rack"))
    with capture_logs() as logs:
        events = await start(nursery, registry, ThresholdBook([LOAD]))
        t0 = trio.current_time()
        await poll(rack, ["50"] * 5 + ["90"] * 30 + ["20"] * 30)
    assert events.kinds() == [("THRESHOLD", "rack"), ("NOTTHRESHOLD", "rack")]
    (raised_at, raised), (cleared_at, cleared) = events.seen
    assert raised_at - t0 == 10 + 30 and cleared_at - t0 == 70 + 30  # at the deadline, not later
    assert raised.rule == "load_high" and raised.detail.endswith("(now 90)")
    assert cleared.event == "threshold.load_high.cleared"
    [line] = [e for e in logs if e["event"] == "threshold.raised"]
    assert (line["rule"], line["ups"], line["value"], line["limit"]) == (
        "load_high", "rack", "90", 80)


async def test_a_load_that_flaps_every_few_polls_sends_nothing(
    nursery: trio.Nursery, autojump_clock: trio.abc.Clock
) -> None:
    registry = Registry()
    rack = registry.add(DeviceHandle("rack"))
    events = await start(nursery, registry, ThresholdBook([LOAD]))
    await poll(rack, ["90"] * 14 + ["40"] + ["90"] * 14 + ["40"] + ["95"] * 10 + ["40"] * 2)
    await trio.sleep(300)
    assert events.seen == []


async def test_data_that_stops_coming_never_raises_and_a_new_device_is_watched(
    nursery: trio.Nursery, autojump_clock: trio.abc.Clock
) -> None:
    registry = Registry()
    rack = registry.add(DeviceHandle("rack"))
    book = ThresholdBook([LOAD])
    events = await start(nursery, registry, book)
    await poll(rack, ["90"] * 5)  # then the driver goes quiet: older than MAXAGE is no proof
    await trio.sleep(300)
    assert events.seen == []
    spare = registry.add(DeviceHandle("spare"))  # the registry's own cell wakes the actor
    await poll(spare, ["99"] * 20)
    assert events.kinds() == [("THRESHOLD", "spare")]


async def test_a_restarted_actor_keeps_what_is_raised(
    nursery: trio.Nursery, autojump_clock: trio.abc.Clock
) -> None:
    registry = Registry()
    rack = registry.add(DeviceHandle("rack"))
    book = ThresholdBook([LOAD])
    async with trio.open_nursery() as first:
        events = await start(first, registry, book)
        await poll(rack, ["90"] * 20)
        first.cancel_scope.cancel()
    assert events.kinds() == [("THRESHOLD", "rack")]
    again = await start(nursery, registry, book)  # the tree hands the same book over
    await poll(rack, ["90"] * 20 + ["10"] * 20)
    assert again.kinds() == [("NOTTHRESHOLD", "rack")]
    assert [n.type for _, n in again.seen] == [NotifyType.NOTTHRESHOLD]
