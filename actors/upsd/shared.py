"""What all listeners of one Registry share, and the failed-login penalty kept there.

Connection slots (``maxconn``), the server state, and each address's
recent failed logins: several listeners (one per listen address) serving
one Registry count and punish as one server.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field

import structlog
import trio

from nutrio.actors.registry import Registry
from nutrio.protocol.upsd.session import AuthFailure, ServerSettings, ServerState, Session

__all__ = ["PENALTY_MEMORY", "PENALTY_ADDRESSES", "server_statistics"]

log = structlog.get_logger()

#: Forget an address's failed logins after this long without a new one.
PENALTY_MEMORY = 300.0
#: Past this many remembered addresses, forgotten ones are pruned.
PENALTY_ADDRESSES = 4096


@dataclass(eq=False)
class _Shared:
    """What all listeners of one Registry share."""

    state: ServerState
    slots: trio.Semaphore
    failures: dict[str, tuple[int, float]] = field(default_factory=dict)
    penalty_locks: dict[str, trio.Lock] = field(default_factory=dict)
    drained: set[int] = field(default_factory=set)
    next_id: int = 0


_SHARED: weakref.WeakKeyDictionary[Registry, _Shared] = weakref.WeakKeyDictionary()


def server_statistics(registry: Registry) -> tuple[int, int]:
    """(connected clients, requests served) of the listeners serving *registry*."""
    shared = _SHARED.get(registry)
    if shared is None:
        return 0, 0
    return shared.state.connections, shared.state.requests_served()


def _shared_for(registry: Registry, settings: ServerSettings) -> _Shared:
    shared = _SHARED.get(registry)
    if shared is None:
        shared = _Shared(ServerState(), trio.Semaphore(settings.maxconn))
        _SHARED[registry] = shared
    return shared


# -- failed authentication ------------------------------------------------------


async def _penalize(events: Sequence[AuthFailure], session: Session, shared: _Shared,
                    settings: ServerSettings) -> None:
    if events:
        delay = _note_failures(events, session.addr, shared, settings)
        if delay:
            # One password per connection: a guesser opens many at once. Penalised
            # replies to one address wait their turn, so that is no faster.
            lock = shared.penalty_locks.setdefault(session.addr, trio.Lock())
            try:
                async with lock:
                    await trio.sleep(delay)
            finally:
                if not lock.locked() and lock.statistics().tasks_waiting == 0:
                    shared.penalty_locks.pop(session.addr, None)


def _note_failures(events: Sequence[AuthFailure], addr: str, shared: _Shared,
                   settings: ServerSettings) -> float:
    """Log each ACCESS-DENIED; return how long to hold the reply back (0 if none)."""
    delay = 0.0
    now = trio.current_time()
    if events and len(shared.failures) > PENALTY_ADDRESSES:
        for stale in [a for a, (_, last) in shared.failures.items() if now - last > PENALTY_MEMORY]:
            del shared.failures[stale]
    for event in events:
        count, last = shared.failures.get(addr, (0, now))
        if now - last > PENALTY_MEMORY:
            count = 0
        if event.reason.is_guess:
            count += 1
            shared.failures[addr] = (count, now)
            delay = max(delay, min(settings.auth_penalty_cap,
                                   settings.auth_penalty * 2 ** (count - 1)))
        log.warning("auth.failed", peer=addr, command=event.command, user=event.username,
                    reason=event.reason.value, ups=event.target or None, failures=count)
    return delay
