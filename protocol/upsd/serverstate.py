"""What upsd keeps across connections: FSD flags, logins, TRACKING results.

Owned by one listener (or shared by the listeners of one server); only
their connection tasks touch it, one at a time on the Trio loop, so it is
plain mutable state behind methods rather than a message.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from nutrio.protocol.common.state import CommandResult, ResultCode

if TYPE_CHECKING:
    from nutrio.protocol.upsd.session import Session

__all__ = ["ServerState", "TrackingTable", "TRACKING_KEEP"]

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


class ServerState:
    """Server-wide upsd state shared by every session."""

    def __init__(self) -> None:
        self.tracking = TrackingTable()
        self._fsd: set[str] = set()
        self._logins: Counter[str] = Counter()
        self._sessions: dict[int, Session] = {}
        self._finished_requests = 0  # requests of connections already closed

    # FSD: once a primary sets it, ups.status is served with "FSD" in front
    # until upsd restarts (netmisc.c sets ups->fsd, nothing clears it).
    def set_fsd(self, ups: str) -> None:
        self._fsd.add(ups.lower())

    def fsd(self, ups: str) -> bool:
        return ups.lower() in self._fsd

    def numlogins(self, ups: str) -> int:
        return self._logins[ups.lower()]

    def login(self, session: Session, ups: str) -> None:
        session.login_ups = ups
        self._logins[ups.lower()] += 1

    def connect(self, session: Session) -> None:
        self._sessions[session.id] = session

    def disconnect(self, session: Session) -> None:
        if self._sessions.pop(session.id, None) is not None:
            self._finished_requests += session.requests
        if session.login_ups is not None:
            key = session.login_ups.lower()
            self._logins[key] -= 1
            if self._logins[key] <= 0:
                del self._logins[key]

    def logged_in(self, ups: str) -> Iterator[Session]:
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
