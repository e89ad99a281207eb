"""Server-sent events fed by the snapshot cells: latest value wins.

Each stream remembers the last version it sent per UPS and waits on the
cells for anything newer. While the browser is slow, sending blocks, the
cells keep only their newest value, and the next event carries that: the
page skips states instead of falling behind (supervisor.cell's contract).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

import trio

from nutrio.actors.registry import DeviceHandle, Registry
from nutrio.actors.web.present import UpsView, live_payload, view_of
from nutrio.supervisor.cell import LatestCell

__all__ = ["event", "state_events", "wait_any_newer"]

#: A comment line this often keeps proxies from closing an idle stream
#: and lets the server notice a browser that went away.
HEARTBEAT = 15.0
#: Bursts closer than this are sent as one event per UPS (the newest).
COALESCE = 0.1
#: How often a quiet stream judges its UPSes again (a frozen driver publishes nothing).
RECHECK = 1.0


def event(name: str, data: Any, *, id: str | None = None) -> bytes:
    """One SSE frame; JSON data has no newlines, so one ``data:`` line suffices."""
    head = f"id: {id}\n" if id is not None else ""
    return f"{head}event: {name}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


async def wait_any_newer(handles: Sequence[DeviceHandle], seen: dict[str, int],
                         also: tuple[LatestCell[Any], int] | None = None) -> None:
    """Return once any handle's cell is newer than the version in *seen*, or the cell of
    *also* (a cell and the version seen of it) is."""
    async with trio.open_nursery() as nursery:
        def watch(cell: LatestCell[Any], version: int) -> Callable[[], Any]:
            async def wait() -> None:
                await cell.wait_newer(version)
                nursery.cancel_scope.cancel()
            return wait
        for handle in handles:
            nursery.start_soon(watch(handle.state, seen.get(handle.name, 0)))
        if also is not None:
            nursery.start_soon(watch(*also))


def _pick(registry: Registry, names: Sequence[str] | None) -> list[DeviceHandle]:
    if names is None:
        return list(registry)
    found = (registry.get(n) for n in names)
    return [h for h in found if h is not None]


def _plain_view(handle: DeviceHandle) -> UpsView:
    return view_of(handle.snapshot, handle.desc, now=trio.current_time())


async def state_events(registry: Registry, names: Sequence[str] | None = None, *,
                       view: Callable[[DeviceHandle], UpsView] = _plain_view,
                       fsd: LatestCell[frozenset[str]] | None = None,
                       ) -> AsyncIterator[bytes]:
    """``state`` events for *names* (all UPSes when None), first the current state of each.

    *view* judges a handle's snapshot (its freshness too). Besides new snapshots,
    the stream looks again every :data:`RECHECK` seconds: data that ages past
    MAXAGE, or a driver error noted without a new snapshot, is news as well; so is
    an FSD set in upsd (*fsd*: its flags' cell), at once.
    """
    seen: dict[str, int] = {}
    shown: dict[str, tuple[object, ...]] = {}
    yield b"retry: 2000\n\n"
    last_write = trio.current_time()
    while True:
        fsd_seen = 0 if fsd is None else fsd.version
        handles = _pick(registry, names)
        sent = False
        for handle in handles:
            seen[handle.name] = handle.state.version
            current = view(handle)
            # drivers republish unchanged data on every poll (a heartbeat): send changes only
            key = (handle.snapshot.data, current.connected, current.stale, current.last_error,
                   current.status)
            last = shown.get(handle.name)
            if last is not None and last[0] is key[0] and last[1:] == key[1:]:
                continue
            shown[handle.name] = key
            yield event("state", live_payload(current), id=f"{handle.name}:{seen[handle.name]}")
            sent = True
        now = trio.current_time()
        if sent:
            last_write = now
        elif now - last_write >= HEARTBEAT:
            last_write = now
            yield b": keep-alive\n\n"
        with trio.move_on_at(min(last_write + HEARTBEAT, now + RECHECK)):
            if handles:
                await wait_any_newer(handles, seen,
                                     None if fsd is None else (fsd, fsd_seen))
            else:
                await trio.sleep_forever()
        await trio.sleep(COALESCE)
