"""Where the listener finds a device: one :class:`DeviceHandle` per UPS name.

A handle outlives driver restarts: the supervisor restarts the driver
actor, the handle (its state cell and request channel) stays, so clients
see DRIVER-NOT-CONNECTED in between instead of UNKNOWN-UPS.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace

import trio

from nutrio.protocol.common.state import EMPTY_DATA, CommandRequest, CommandResult, UpsSnapshot
from nutrio.supervisor.cell import LatestCell

__all__ = ["DeviceHandle", "Registry"]

#: Commands waiting for a driver; a full queue means the driver is stuck,
#: and upsd then answers as NUT does when its driver socket is gone. Room
#: for a burst from many admin clients at once, as upsd's socket to the
#: driver (~200 KB) holds: 40 simultaneous SETs all get OK from upsd.
REQUEST_BUFFER = 1024


@dataclass(eq=False)
class DeviceHandle:
    """The driver ↔ server meeting point for one UPS.

    ``state`` carries snapshots (latest value wins). ``requests`` carries
    :class:`CommandRequest` to the driver (bounded: a stuck driver makes
    ``send_nowait`` fail, which the server reports; nothing is dropped
    silently). ``results`` carries :class:`CommandResult` back.
    """

    name: str
    desc: str = ""
    state: LatestCell[UpsSnapshot] = field(init=False)
    requests_in: trio.MemorySendChannel[CommandRequest] = field(init=False)
    requests_out: trio.MemoryReceiveChannel[CommandRequest] = field(init=False)
    results_in: trio.MemorySendChannel[CommandResult] = field(init=False)
    results_out: trio.MemoryReceiveChannel[CommandResult] = field(init=False)

    def __post_init__(self) -> None:
        self.state = LatestCell(
            UpsSnapshot(ups=self.name, seq=0, taken_at=0.0, data=EMPTY_DATA, connected=False)
        )
        self.requests_in, self.requests_out = trio.open_memory_channel(REQUEST_BUFFER)
        self.results_in, self.results_out = trio.open_memory_channel(REQUEST_BUFFER)

    @property
    def snapshot(self) -> UpsSnapshot:
        return self.state.value

    def publish(self, snapshot: UpsSnapshot) -> None:
        self.state.publish(snapshot)

    def vouch_until(self, until: float) -> None:
        """The driver sleeps until ``until`` before its next read, and its data is as fresh
        as that schedule says: nothing else changes, and no watcher is woken."""
        self.state.restate(replace(self.state.value, alive_until=until))

    def mark_disconnected(self) -> None:
        """Called when the driver actor ends or crashes: clients see DRIVER-NOT-CONNECTED.

        ``taken_at`` stays when the device was last read, so the age of what
        the pages, /metrics and `nutrio drivers status` still show keeps growing
        (a driver failing its restarts would otherwise look seconds old each time).
        """
        snap = self.state.value
        self.state.publish(snap.next(taken_at=snap.taken_at, connected=False, alive_until=0.0))


@dataclass(eq=False)
class Registry:
    """All devices by name; iteration follows NUT's case-insensitive order.

    ``handles`` publishes the handles after each add or remove, for actors
    that keep one task per device (upsd's tracking actor).
    """

    devices: dict[str, DeviceHandle] = field(default_factory=dict)
    handles: LatestCell[tuple[DeviceHandle, ...]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.handles = LatestCell(tuple(self))

    def add(self, handle: DeviceHandle) -> DeviceHandle:
        self.devices[handle.name] = handle
        self.handles.publish(tuple(self))
        return handle

    def remove(self, name: str) -> None:
        if self.devices.pop(name, None) is not None:
            self.handles.publish(tuple(self))

    def get(self, name: str) -> DeviceHandle | None:
        """Find a UPS by name; upsd matches UPS names case-insensitively."""
        handle = self.devices.get(name)
        if handle is None:
            lower = name.lower()
            handle = next((h for n, h in self.devices.items() if n.lower() == lower), None)
        return handle

    def __iter__(self) -> Iterator[DeviceHandle]:
        return iter(sorted(self.devices.values(), key=lambda h: h.name.lower()))

    def __len__(self) -> int:
        return len(self.devices)

    def names(self) -> Mapping[str, DeviceHandle]:
        return dict(self.devices)
