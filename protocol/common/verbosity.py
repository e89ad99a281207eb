"""Per-actor debug verbosity, read by the log set-up (nutrio/logs.py).

An actor whose :class:`Verbosity` is above 0 has its debug events logged whatever the
process's log level, as SET driver.debug raises one NUT driver's verbosity and no other
program's. The holder is mutable and shared through a context variable: each Trio task
starts with a copy of its spawner's context, so every task of the actor sees the same
holder (a change made while serving a command reaches the poll loop) and no sibling does.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = ["Verbosity", "debug_level", "verbosity_scope"]


class Verbosity:
    """One actor's debug level (0: only the process's log level counts)."""

    __slots__ = ("level",)

    def __init__(self, level: int = 0) -> None:
        self.level = level


_current: ContextVar[Verbosity | None] = ContextVar("nutrio_verbosity", default=None)


def debug_level() -> int:
    """The debug level of the actor running the current task; 0 outside any."""
    holder = _current.get()
    return 0 if holder is None else holder.level


@contextmanager
def verbosity_scope(holder: Verbosity) -> Iterator[Verbosity]:
    """Make *holder* the current task's verbosity (and that of tasks it starts inside)."""
    token = _current.set(holder)
    try:
        yield holder
    finally:
        _current.reset(token)
