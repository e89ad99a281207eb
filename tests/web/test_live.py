"""Live updates: server-sent events fed by the snapshot cells, latest value wins."""

from __future__ import annotations

import json
from types import MappingProxyType

import trio

from nutrio.actors.registry import DeviceHandle, Registry
from nutrio.actors.web.sse import state_events
from nutrio.protocol.common.state import UpsData, UpsSnapshot, freeze_vars
from tests.web.conftest import DEV, WebStack


def data(status: str, charge: int = 90) -> UpsData:
    return UpsData(vars=freeze_vars({"ups.status": status, "battery.charge": str(charge)}),
                   info=MappingProxyType({}))


def publish(handle: DeviceHandle, d: UpsData) -> None:
    old = handle.snapshot
    handle.publish(UpsSnapshot(ups=handle.name, seq=old.seq + 1, taken_at=0.0, data=d))


def payload(frame: bytes) -> dict[str, object]:
    lines = frame.decode().splitlines()
    assert "event: state" in lines
    result: dict[str, object] = json.loads(next(ln for ln in lines if ln.startswith("data: "))[6:])
    return result


async def test_a_slow_reader_skips_to_the_newest_state(autojump_clock: object) -> None:
    registry = Registry()
    handle = registry.add(DeviceHandle("ups1"))
    publish(handle, data("OL", 100))
    stream = state_events(registry)
    assert await anext(stream) == b"retry: 2000\n\n"
    assert payload(await anext(stream))["status"] == "OL"
    for charge in range(99, 49, -1):  # fifty states while the browser is busy
        publish(handle, data("OB", charge))
    newest = payload(await anext(stream))
    assert (newest["status"], newest["status_text"]) == ("OB", "On battery")
    assert newest["vars"]["battery.charge"] == "50"  # type: ignore[index]
    await stream.aclose()


async def test_heartbeat_snapshots_with_unchanged_data_send_nothing(autojump_clock: object) -> None:
    registry = Registry()
    handle = registry.add(DeviceHandle("ups1"))
    same = data("OL")
    publish(handle, same)
    stream = state_events(registry)
    await anext(stream)
    await anext(stream)
    for _ in range(5):
        publish(handle, same)  # a driver's poll that changed nothing
    with trio.move_on_after(5):
        frame = await anext(stream)
        raise AssertionError(f"unexpected frame {frame!r}")
    await stream.aclose()


async def test_a_driver_going_away_is_sent_too(autojump_clock: object) -> None:
    registry = Registry()
    handle = registry.add(DeviceHandle("ups1"))
    publish(handle, data("OL"))
    stream = state_events(registry, ("ups1",))
    await anext(stream)
    await anext(stream)
    handle.mark_disconnected()
    gone = payload(await anext(stream))
    assert (gone["connected"], gone["status_class"]) == (False, "unknown")
    await stream.aclose()


async def test_status_change_reaches_an_open_event_stream(stack: WebStack) -> None:
    with trio.fail_after(15):
        async with stack.client() as client, client.stream("GET", "/events/test") as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            frames = stream.aiter_text()
            seen: list[str] = []
            async for chunk in frames:
                if "event: state" in chunk:
                    seen.append(chunk)
                    if len(seen) == 1:
                        assert '"status":"OL CHRG"' in chunk
                        # dummy-ups reads a .dev file again when it changes
                        (stack.tmp / "test.dev").write_text(
                            DEV.replace("OL CHRG", "OB DISCHRG") + "ups.test.result: x\n")
                    elif '"status":"OB DISCHRG"' in chunk:
                        break
    assert '"status_text":"On battery, Discharging"' in seen[-1]


async def test_unknown_ups_has_no_event_stream(stack: WebStack) -> None:
    async with stack.client() as client:
        assert (await client.get("/events/nosuch")).status_code == 404
