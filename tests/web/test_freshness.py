"""Stale and disconnected data over HTTP: greyed, with its age and the driver's last error."""

from __future__ import annotations

import json
from pathlib import Path

import trio

from nutrio.actors.registry import DeviceHandle, Registry
from nutrio.actors.web.sse import state_events
from nutrio.protocol.common.state import UpsData, UpsSnapshot, freeze_vars
from tests.web.conftest import WebStack, start_stack

ERROR = "DriverIOError: cannot stat /dev/ttyUSB0"


async def stop_driver(stack: WebStack) -> None:
    handle = stack.registry.get("test")
    assert handle is not None
    stack.driver.cancel()
    with trio.fail_after(5):
        while handle.snapshot.connected:
            await trio.sleep(0.05)


async def test_a_stopped_driver_is_marked_in_the_api_with_age_and_error(stack: WebStack) -> None:
    async with stack.client() as client:
        before = (await client.get("/api/v1/ups/test")).json()
        await stop_driver(stack)
        stack.errors["test"] = ERROR
        await trio.sleep(1.2)
        after = (await client.get("/api/v1/ups/test")).json()
        listed = (await client.get("/api/v1/ups")).json()["ups"][0]
    assert (before["connected"], before["stale"], before["last_error"]) == (True, False, None)
    assert 0 <= before["age_seconds"] < 1
    assert (after["connected"], after["status_text"], after["last_error"]) == (
        False, "Driver not connected", ERROR)
    assert after["age_seconds"] >= 1.2  # counted from the last read, not from the stop
    assert listed["age_seconds"] >= 1.2 and listed["last_error"] == ERROR


async def test_pages_grey_old_data_and_say_when_it_was_last_seen(stack: WebStack) -> None:
    async with stack.client() as client:
        fresh = (await client.get("/")).text
        await stop_driver(stack)
        stack.errors["test"] = ERROR
        overview = (await client.get("/")).text
        detail = (await client.get("/ups/test")).text
    assert "not-fresh" not in fresh and "level-ok" in fresh
    for page in (overview, detail):
        assert "not-fresh" in page and "Driver not connected" in page
        assert "level-ok" not in page and "level-unknown" in page  # every bar grey
        assert "last seen 0 s ago" in page or "last seen 1 s ago" in page
        assert f'<span data-field="last_error">{ERROR}</span>' in page
        assert '<p class="seen" data-seen data-age="' in page


async def test_data_older_than_maxage_is_stale_while_the_driver_is_up(
        nursery: trio.Nursery, tmp_path: Path) -> None:
    stack = await start_stack(nursery, tmp_path, maxage=0.5)
    handle = stack.registry.get("test")
    assert handle is not None
    stack.driver.cancel()  # nothing reads the device, yet its handle still says connected
    with trio.fail_after(5):
        while handle.snapshot.connected:
            await trio.sleep(0.05)
    handle.publish(handle.snapshot.next(taken_at=handle.snapshot.taken_at, connected=True))
    await trio.sleep(0.6)
    async with stack.client() as client:
        out = (await client.get("/api/v1/ups/test")).json()
    assert (out["connected"], out["stale"], out["status_text"]) == (True, True, "Data stale")


def snapshot(seq: int, taken_at: float) -> UpsSnapshot:
    data = UpsData(vars=freeze_vars({"ups.status": "OL", "battery.charge": "90"}))
    return UpsSnapshot(ups="ups1", seq=seq, taken_at=taken_at, data=data)


async def test_live_events_tell_when_data_ages_past_maxage_without_a_new_snapshot(
        autojump_clock: object) -> None:
    registry = Registry()
    handle = registry.add(DeviceHandle("ups1"))
    handle.publish(snapshot(1, trio.current_time()))
    stream = state_events(registry)
    await anext(stream)
    first = json.loads((await anext(stream)).decode().split("data: ")[1])
    assert (first["fresh"], first["stale"]) == (True, False)
    t0 = trio.current_time()
    frame = await anext(stream)  # a frozen driver publishes nothing more
    later = json.loads(frame.decode().split("data: ")[1])
    assert (later["fresh"], later["stale"], later["status_class"]) == (False, True, "unknown")
    assert 15 <= trio.current_time() - t0 <= 17 and later["age_seconds"] >= 15
    await stream.aclose()
