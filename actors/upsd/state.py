"""What every listener of one upsd shares, with one owner: :class:`UpsdState`.

The tree makes one UpsdState and hands it to each listener (one per listen
address) and to the tracking actor (actors/upsd/tracking.py), so several
listeners count, remember and punish as one server, as upsd does: an FSD
or a login made over IPv4 shows over IPv6, ``maxconn`` counts every
address, a password guesser is slowed down whichever address it uses, and
a listener restart loses none of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import structlog
import trio

from nutrio.protocol.upsd.serverstate import TRACKING_KEEP, ServerState
from nutrio.protocol.upsd.session import AuthFailure, ServerSettings
from nutrio.supervisor.cell import LatestCell

__all__ = [
    "PENALTY_MEMORY",
    "PENALTY_ADDRESSES",
    "UpsdState",
    "UpsdStatistics",
    "FailedLogins",
    "penalize",
]

log = structlog.get_logger()

#: Forget an address's failed logins after this long without a new one.
PENALTY_MEMORY = 300.0
#: Past this many remembered addresses, forgotten ones are pruned.
PENALTY_ADDRESSES = 4096


@dataclass(frozen=True, slots=True)
class UpsdStatistics:
    """Connected clients and requests answered since start (for /metrics)."""

    clients: int
    requests: int


class FailedLogins:
    """Each address's recent failed logins, and how long its next reply is held back."""

    def __init__(self) -> None:
        self._failures: dict[str, tuple[int, float]] = {}
        self._locks: dict[str, trio.Lock] = {}

    def note(self, events: Sequence[AuthFailure], addr: str, settings: ServerSettings) -> float:
        """Log each ACCESS-DENIED; return how long to hold the reply back (0 if none).

        Only guesses (unknown user, wrong password) count; the delay doubles
        per guess from one address, up to ``auth_penalty_cap``.
        """
        delay = 0.0
        now = trio.current_time()
        failures = self._failures
        if events and len(failures) > PENALTY_ADDRESSES:
            for stale in [a for a, (_, last) in failures.items() if now - last > PENALTY_MEMORY]:
                del failures[stale]
        for event in events:
            count, last = failures.get(addr, (0, now))
            if now - last > PENALTY_MEMORY:
                count = 0
            if event.reason.is_guess:
                count += 1
                failures[addr] = (count, now)
                delay = max(delay, min(settings.auth_penalty_cap,
                                       settings.auth_penalty * 2 ** (count - 1)))
            log.warning("auth.failed", peer=addr, command=event.command, user=event.username,
                        reason=event.reason.value, ups=event.target or None, failures=count)
        return delay

    async def hold(self, addr: str, delay: float) -> None:
        """Sleep *delay*, after any other held reply to *addr*.

        One password per connection: a guesser opens many at once. Penalised
        replies to one address wait their turn, so that is no faster.
        """
        lock = self._locks.setdefault(addr, trio.Lock())
        try:
            async with lock:
                await trio.sleep(delay)
        finally:
            if not lock.locked() and lock.statistics().tasks_waiting == 0:
                self._locks.pop(addr, None)

    def __len__(self) -> int:
        return len(self._failures)


async def penalize(events: Sequence[AuthFailure], addr: str, logins: FailedLogins,
                   settings: ServerSettings) -> None:
    """Log a read's failed checks and hold its reply back as they earned."""
    if events:
        delay = logins.note(events, addr, settings)
        if delay:
            await logins.hold(addr, delay)


class UpsdState:
    """One upsd's shared state: the protocol's server state (FSD flags, logins,
    TRACKING), connection slots (``maxconn``), the failed-login book and the
    session ids. Made once by the tree; listeners and the tracking actor only
    use it, so it outlives their restarts."""

    def __init__(self, *, maxconn: int = 1024, tracking_keep: float = TRACKING_KEEP) -> None:
        if maxconn < 1:
            raise ValueError("maxconn must be at least 1")
        #: the UPSes a primary set FSD on (lower-case names): every surface that shows a
        #: status reads it, so the web, the API, /metrics and upslog say FSD as upsd does
        self.fsd: LatestCell[frozenset[str]] = LatestCell(frozenset())
        self.server = ServerState(tracking_keep, on_fsd=self.fsd.publish)
        self.slots = trio.Semaphore(maxconn)
        self.failed_logins = FailedLogins()
        self._last_session = 0

    def next_session_id(self) -> int:
        """A fresh id per connection, over every listener (LIST CLIENT's order)."""
        self._last_session += 1
        return self._last_session

    def statistics(self) -> UpsdStatistics:
        return UpsdStatistics(clients=self.server.connections,
                              requests=self.server.requests_served())
