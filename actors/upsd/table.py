"""upsd's connection table: ``maxconn`` places, the last few kept for upsmon logins.

How it works: each accepted connection asks :meth:`ConnectionTable.admit`.

- Below ``maxconn - upsmon_slots`` it is served as usual.
- In the last ``upsmon_slots`` places it is served *on probation*: it must log
  in (``LOGIN``, which only upsmon accounts may do) within
  :data:`LOGIN_GRACE` seconds, or it is sent :data:`REFUSAL` and closed.
  So a flood of plain clients cannot take the places upsmon needs to see
  a power failure; a upsc that comes meanwhile is still answered.
- At ``maxconn`` it is refused at once: :data:`REFUSAL`, then closed.

The real upsd instead stops polling its listening socket at ``maxconn``, so
a new client's connect succeeds and it waits in the kernel's backlog with no
answer; upsmon sees a hang. Why a line before closing: PyNUTClient reads a
closed connection in an endless loop (100 % CPU), while an ``ERR`` line
reaches it as a PyNUTError; upsc and upsmon report an error either way and
upsmon tries again at its next poll.

A connection whose reply is held back after a failed password guess steps
out of the table while it waits (actors/upsd/state.py: it takes a place in
its address's budget instead), so a burst of guesses cannot fill it.

The default ``maxconn`` follows the open-file limit as upsd's does
(``sysconf(_SC_OPEN_MAX)``), less :data:`FD_HEADROOM` for nutrio's own
files: a table larger than the descriptors would make ``accept`` fail and
new clients hang again.
"""

from __future__ import annotations

import enum
import resource

import structlog

__all__ = [
    "FD_HEADROOM",
    "LOGIN_GRACE",
    "REFUSAL",
    "Admission",
    "ConnectionTable",
    "effective_maxconn",
]

log = structlog.get_logger()

#: Descriptors kept for nutrio itself (listeners, drivers, logs, web, epoll).
FD_HEADROOM = 64
#: Seconds a connection in a upsmon place has to log in.
LOGIN_GRACE = 5.0
#: What a refused connection reads before the server closes it (nutrio's own
#: word: NUT has none; upsclient shows "Unknown error", PyNUTClient the text).
REFUSAL = b"ERR MAX-CONNECTIONS\n"


class Admission(enum.Enum):
    SERVE = "serve"
    PROBATION = "probation"  # in a upsmon place: LOGIN within LOGIN_GRACE
    REFUSE = "refuse"


class ConnectionTable:
    """Counts the connections of one upsd (every listener) against ``maxconn``."""

    def __init__(self, maxconn: int, upsmon_slots: int = 0) -> None:
        if maxconn < 1:
            raise ValueError("maxconn must be at least 1")
        self.maxconn = maxconn
        # at least one place stays open to anyone
        self.upsmon_slots = max(0, min(upsmon_slots, maxconn - 1))
        self.count = 0
        self.refused = 0
        self._full_logged = False

    def admit(self) -> Admission:
        """Take a place for a new connection, or say it is refused."""
        if self.count >= self.maxconn:
            self.refused += 1
            if not self._full_logged:  # once per spell at the limit, not per refusal
                self._full_logged = True
                log.warning("listener.full", maxconn=self.maxconn)
            return Admission.REFUSE
        self.count += 1
        if self.count > self.maxconn - self.upsmon_slots:
            return Admission.PROBATION
        return Admission.SERVE

    def leave(self) -> None:
        """A connection ended (or stepped out while held back)."""
        self.count -= 1
        if self._full_logged and self.count < self.maxconn:
            self._full_logged = False
            log.info("listener.not_full", maxconn=self.maxconn, refused=self.refused)

    def rejoin(self) -> None:
        """A held connection is back; it may briefly take the table past maxconn."""
        self.count += 1


def effective_maxconn(configured: int | None) -> int:
    """``maxconn`` as served: *configured*, or the open-file limit as upsd's default.

    Either way it must fit the limit less :data:`FD_HEADROOM`: a configured
    value that does not fit raises the soft limit (up to the hard one), and
    is lowered, with a warning, when even that is too small. (upsd refuses
    to start in that case; nutrio serves other things too, so it starts.)
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if configured is None:
        return _usable(soft)
    if configured <= _usable(soft):
        return configured
    want = configured + FD_HEADROOM
    target = want if hard == resource.RLIM_INFINITY else min(want, hard)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    except (ValueError, OSError):
        target = soft
    if configured <= _usable(target):
        return configured
    log.warning("listener.maxconn_lowered", configured=configured, maxconn=_usable(target),
                open_files=target)
    return _usable(target)


def _usable(limit: int) -> int:
    if limit == resource.RLIM_INFINITY:
        limit = 1 << 20
    return max(1, limit - FD_HEADROOM)
