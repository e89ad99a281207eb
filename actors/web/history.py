"""Recent history of each UPS's key numbers, for the web graphs.

Per UPS a ring buffer of :class:`HistoryPoint` (wall-clock time, values of
:data:`TRACKED`), at most one point per ``resolution`` seconds, ``keep``
seconds deep (default: one point per 10 s for 6 hours, 2160 points).

The actor (:meth:`History.run`) watches the registry: one watcher task per
device handle, fed by ``LatestCell.wait_newer`` (a slow watcher skips to the
newest snapshot, never queues). A handle replaced on reload gets a new
watcher but keeps its series: history is per UPS name. A disconnected or
stale UPS records nothing, so a graph shows a gap rather than old numbers.
"""

from __future__ import annotations

import collections
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import structlog
import trio

from nutrio.actors.registry import DeviceHandle, Registry
from nutrio.protocol.common.state import UpsSnapshot

__all__ = ["TRACKED", "History", "HistoryPoint"]

log = structlog.get_logger()

#: The variables kept, in the order graphs list them.
TRACKED = ("battery.charge", "ups.load", "input.voltage", "output.voltage", "battery.runtime")


@dataclass(frozen=True, slots=True)
class HistoryPoint:
    """One sample: ``t`` in epoch seconds, ``values`` the tracked variables present."""

    t: float
    values: Mapping[str, float]


def sample_values(snapshot: UpsSnapshot) -> Mapping[str, float] | None:
    """The tracked numbers of a usable snapshot, or None (disconnected, stale, none)."""
    if not snapshot.connected or snapshot.stale:
        return None
    values: dict[str, float] = {}
    for name in TRACKED:
        text = snapshot.data.get(name)
        if text is None:
            continue
        try:
            number = float(text)
        except ValueError:
            continue
        if math.isfinite(number):
            values[name] = number
    return MappingProxyType(values) if values else None


class History:
    """Ring buffers by UPS name; :meth:`series` is what the web actor reads."""

    def __init__(
        self,
        *,
        resolution: float = 10.0,
        keep: float = 6 * 3600.0,
        wallclock: Callable[[], float] = time.time,
    ) -> None:
        self.resolution = resolution
        self.capacity = max(1, int(keep / resolution))
        self._wallclock = wallclock
        self._rings: dict[str, collections.deque[HistoryPoint]] = {}

    # -- reading ---------------------------------------------------------

    def upses(self) -> tuple[str, ...]:
        return tuple(sorted(self._rings, key=str.lower))

    def series(self, ups: str, since: float | None = None) -> tuple[HistoryPoint, ...]:
        """Points of *ups* (case-insensitive), oldest first, ``t >= since`` if given."""
        ring = self._ring_for(ups)
        if ring is None:
            return ()
        if since is None:
            return tuple(ring)
        return tuple(p for p in ring if p.t >= since)

    def _ring_for(self, ups: str) -> collections.deque[HistoryPoint] | None:
        ring = self._rings.get(ups)
        if ring is None:
            lower = ups.lower()
            ring = next((r for n, r in self._rings.items() if n.lower() == lower), None)
        return ring

    # -- writing ---------------------------------------------------------

    def record(self, ups: str, snapshot: UpsSnapshot) -> bool:
        """Add a point now if the snapshot is usable; False when nothing was kept."""
        values = sample_values(snapshot)
        if values is None:
            return False
        ring = self._rings.get(ups)
        if ring is None:
            ring = self._rings[ups] = collections.deque(maxlen=self.capacity)
        ring.append(HistoryPoint(self._wallclock(), values))
        return True

    # -- the actor ---------------------------------------------------------

    async def run(
        self, registry: Registry, *, rescan: float = 5.0,
        task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
    ) -> None:
        """Watch every device in *registry*, following devices added or removed."""
        structlog.contextvars.bind_contextvars(actor="history")
        watching: dict[int, tuple[DeviceHandle, trio.CancelScope]] = {}
        async with trio.open_nursery() as nursery:
            task_status.started()
            while True:
                current = {id(h): h for h in registry}
                for key in watching.keys() - current.keys():
                    watching.pop(key)[1].cancel()
                for key, handle in current.items():
                    if key not in watching:
                        scope = trio.CancelScope()
                        watching[key] = (handle, scope)
                        nursery.start_soon(self._watch, handle, scope)
                await trio.sleep(rescan)

    async def _watch(self, handle: DeviceHandle, scope: trio.CancelScope) -> None:
        with scope:
            structlog.contextvars.bind_contextvars(ups=handle.name)
            version = 0
            while True:
                version, snapshot = await handle.state.wait_newer(version)
                if self.record(handle.name, snapshot):
                    # at most one point per resolution: later snapshots are skipped
                    await trio.sleep(self.resolution)
