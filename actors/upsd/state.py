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

from nutrio.actors.upsd.table import ConnectionTable
from nutrio.protocol.common.logtext import clip
from nutrio.protocol.upsd.serverstate import TRACKING_KEEP, ServerState
from nutrio.protocol.upsd.session import AuthFailure, ServerSettings, Session
from nutrio.protocol.upsd.users import Denial
from nutrio.supervisor.cell import LatestCell

__all__ = [
    "PENALTY_MEMORY",
    "PENALTY_ADDRESSES",
    "UpsdState",
    "UpsdStatistics",
    "FailedLogins",
    "hold_back",
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
    """Each address's recent failed logins, and how many of its connections are held back.

    A wrong guess holds back its own connection's reply, for ``auth_penalty``
    doubling per guess from that address up to ``auth_penalty_cap``: each
    connection waits out its own delay, so nobody else (another address, a
    user of the same address who mistypes once) ever waits behind a
    guesser's queue. What bounds guessing is the address's budget: while
    ``auth_penalty_budget`` of its connections are held back, its further
    password checks are refused untried (Denial.THROTTLED: ERR ACCESS-DENIED
    at once, which tells a guesser nothing), so an address gets at most that
    many guesses checked per ``auth_penalty_cap`` seconds.
    """

    def __init__(self) -> None:
        self._failures: dict[str, tuple[int, float]] = {}
        self._holding: dict[str, int] = {}
        self.throttled = 0  # checks refused untried since start

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
            if event.reason is Denial.THROTTLED:
                # one warning when the budget filled (take), not one per refusal
                self.throttled += 1
                log.debug("auth.throttled", peer=addr, command=event.command)
                continue
            count, last = failures.get(addr, (0, now))
            if now - last > PENALTY_MEMORY:
                count = 0
            if event.reason.is_guess:
                count += 1
                failures[addr] = (count, now)
                delay = max(delay, min(settings.auth_penalty_cap,
                                       settings.auth_penalty * 2 ** (count - 1)))
            log.warning("auth.failed", peer=addr, command=event.command, user=clip(event.username),
                        reason=event.reason.value, ups=event.target or None, failures=count)
        return delay

    def may_verify(self, addr: str, budget: int) -> bool:
        """Whether a password check from *addr* may run now (its budget is not full)."""
        return self._holding.get(addr, 0) < budget

    def take(self, addr: str, budget: int) -> None:
        """One more connection of *addr* held back."""
        held = self._holding.get(addr, 0) + 1
        self._holding[addr] = held
        if held == budget:
            log.warning("auth.budget_full", peer=addr, held=held)

    def give_back(self, addr: str) -> None:
        held = self._holding[addr] - 1
        if held:
            self._holding[addr] = held
        else:
            del self._holding[addr]

    def holding(self, addr: str) -> int:
        """Connections of *addr* held back now."""
        return self._holding.get(addr, 0)

    def __len__(self) -> int:
        return len(self._failures)


class UpsdState:
    """One upsd's shared state: the protocol's server state (FSD flags, logins,
    TRACKING), the connection table (``maxconn``), the failed-login book and
    the session ids. Made once by the tree; listeners and the tracking actor
    only use it, so it outlives their restarts."""

    def __init__(self, *, maxconn: int = 1024, upsmon_slots: int = 0,
                 tracking_keep: float = TRACKING_KEEP) -> None:
        #: the UPSes a primary set FSD on (lower-case names): every surface that shows a
        #: status reads it, so the web, the API, /metrics and upslog say FSD as upsd does
        self.fsd: LatestCell[frozenset[str]] = LatestCell(frozenset())
        self.server = ServerState(tracking_keep, on_fsd=self.fsd.publish)
        self.table = ConnectionTable(maxconn, upsmon_slots)
        self.failed_logins = FailedLogins()
        self._last_session = 0

    @classmethod
    def for_settings(cls, settings: ServerSettings, **kwargs: float) -> UpsdState:
        """The state of a upsd with these limits (maxconn, upsmon_slots)."""
        return cls(maxconn=settings.maxconn, upsmon_slots=settings.upsmon_slots, **kwargs)

    def next_session_id(self) -> int:
        """A fresh id per connection, over every listener (LIST CLIENT's order)."""
        self._last_session += 1
        return self._last_session

    def start_hold(self, events: Sequence[AuthFailure], addr: str,
                   settings: ServerSettings) -> float:
        """Judge one read's failed checks, right after the read (no await between).

        Returns how long its reply is held back. Above 0, the connection has
        stepped out of the table into its address's budget until
        :meth:`end_hold` (:func:`hold_back` calls it). Synchronous, so the very
        next check, of any connection, already sees the budget taken.
        """
        if not events:
            return 0.0
        delay = self.failed_logins.note(events, addr, settings)
        if delay:
            self.failed_logins.take(addr, settings.auth_penalty_budget)
            self.table.leave()
        return delay

    def end_hold(self, addr: str) -> None:
        self.failed_logins.give_back(addr)
        self.table.rejoin()

    def statistics(self) -> UpsdStatistics:
        return UpsdStatistics(clients=self.server.connections,
                              requests=self.server.requests_served())


async def hold_back(state: UpsdState, session: Session, delay: float,
                    settings: ServerSettings) -> bool:
    """Wait out a hold :meth:`UpsdState.start_hold` began; False when the
    client's idle_timeout ran out first (a held connection obeys it too)."""
    try:
        with trio.move_on_at(session.last_heard + settings.idle_timeout) as idle:
            await trio.sleep(delay)
        return not idle.cancelled_caught
    finally:
        state.end_hold(session.addr)
