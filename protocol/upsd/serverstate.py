"""What upsd keeps across connections: FSD flags, logins, TRACKING results.

Owned by one upsd (shared by its listeners, one per listen address); only
their connection tasks touch it, one at a time on the Trio loop, so it is
plain mutable state behind methods rather than a message. Sessions are
seen through :class:`Connected`, so this module needs no session import.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol

from nutrio.protocol.common.state import CommandResult, ResultCode

__all__ = ["ServerState", "TrackingTable", "TRACKING_KEEP", "Connected"]

#: upsd's tracking_delay: results are forgotten an hour after the request.
TRACKING_KEEP = 3600.0

# upsd's tracking_get(): what GET TRACKING answers for each driver result.
_TRACKING_REPLY = {
    ResultCode.SUCCESS: "SUCCESS",
    ResultCode.PENDING: "PENDING",
    ResultCode.INVALID_ARGUMENT: "ERR INVALID-ARGUMENT",
    ResultCode.FAILED: "ERR FAILED",
}
_UNKNOWN = "ERR UNKNOWN"


@dataclass(slots=True)
class _Tracked:
    status: str
    created: float


class TrackingTable:
    """TRACKING ids (upper-case UUID v4, matched case-insensitively) and their state."""

    def __init__(self, keep: float = TRACKING_KEEP) -> None:
        self._keep = keep
        self._items: dict[str, _Tracked] = {}

    def new_id(self, now: float) -> str:
        self.expire(now)
        tracking_id = str(uuid.uuid4()).upper()
        self._items[tracking_id] = _Tracked(ResultCode.PENDING, now)
        return tracking_id

    def record(self, result: CommandResult) -> bool:
        """Store a driver's verdict; False when the id is unknown (expired or foreign)."""
        if result.tracking is None:
            return False
        item = self._items.get(result.tracking.upper())
        if item is None:
            return False
        item.status = result.code
        return True

    def reply(self, tracking_id: str, now: float) -> str:
        self.expire(now)
        item = self._items.get(tracking_id.upper())
        if item is None:
            return _UNKNOWN
        return _TRACKING_REPLY.get(item.status, _UNKNOWN)

    def expire(self, now: float) -> None:
        old = [k for k, v in self._items.items() if now - v.created > self._keep]
        for key in old:
            del self._items[key]

    def __len__(self) -> int:
        return len(self._items)


class Connected(Protocol):
    """What the server state keeps of a connected session (Session fits)."""

    id: int
    addr: str
    login_ups: str | None
    requests: int


class ServerState:
    """Server-wide upsd state shared by every session.

    ``tracking_keep``: seconds a TRACKING result is kept (upsd.conf TRACKINGDELAY).
    """

    def __init__(self, tracking_keep: float = TRACKING_KEEP,
                 on_fsd: Callable[[frozenset[str]], object] | None = None) -> None:
        self.tracking = TrackingTable(tracking_keep)
        self._fsd: set[str] = set()
        #: bumped by each new FSD: remembered answers made before it are void
        self.fsd_version = 0
        self._on_fsd = on_fsd  # told the (lower-case) FSD names whenever one is added
        self._logins: Counter[str] = Counter()
        self._sessions: dict[int, Connected] = {}
        self._finished_requests = 0  # requests of connections already closed

    # FSD: once a primary sets it, ups.status is served with "FSD" in front
    # until upsd restarts (netmisc.c sets ups->fsd, nothing clears it).
    def set_fsd(self, ups: str) -> None:
        name = ups.lower()
        if name in self._fsd:
            return
        self._fsd.add(name)
        self.fsd_version += 1
        if self._on_fsd is not None:
            self._on_fsd(frozenset(self._fsd))

    def fsd(self, ups: str) -> bool:
        return ups.lower() in self._fsd

    def numlogins(self, ups: str) -> int:
        return self._logins[ups.lower()]

    def login(self, session: Connected, ups: str) -> None:
        session.login_ups = ups
        self._logins[ups.lower()] += 1

    def connect(self, session: Connected) -> None:
        self._sessions[session.id] = session

    def disconnect(self, session: Connected) -> None:
        if self._sessions.pop(session.id, None) is not None:
            self._finished_requests += session.requests
        if session.login_ups is not None:
            key = session.login_ups.lower()
            self._logins[key] -= 1
            if self._logins[key] <= 0:
                del self._logins[key]

    def logged_in(self, ups: str) -> Iterator[Connected]:
        """Sessions logged into *ups*, newest connection first (upsd's client list)."""
        lower = ups.lower()
        for session in reversed(list(self._sessions.values())):
            if session.login_ups is not None and session.login_ups.lower() == lower:
                yield session

    @property
    def connections(self) -> int:
        return len(self._sessions)

    def requests_served(self) -> int:
        """Requests answered since start, over closed and open connections (for /metrics)."""
        return self._finished_requests + sum(s.requests for s in self._sessions.values())
