"""A latest-value-wins cell: state is a level, not a stream of edges.

A publisher never waits; each reader sees the newest value and skips the
ones it was too slow to read. Use a memory channel instead for what must
not be lost (commands, results, notifications).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

import trio

__all__ = ["LatestCell", "CellStatistics"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class CellStatistics:
    version: int
    waiting_readers: int


class LatestCell(Generic[T]):
    """Holds the newest value; ``version`` counts publications from 1."""

    def __init__(self, initial: T) -> None:
        self._value = initial
        self._version = 0
        self._changed = trio.Event()
        self._waiting = 0

    @property
    def value(self) -> T:
        return self._value

    @property
    def version(self) -> int:
        return self._version

    def publish(self, value: T) -> None:
        """Replace the value and wake every waiting reader. Never blocks."""
        self._value = value
        self._version += 1
        changed, self._changed = self._changed, trio.Event()
        changed.set()

    def restate(self, value: T) -> None:
        """Replace the value without a new version: the same level, said again (a
        heartbeat's new timestamp). Readers that wait for news are not woken."""
        self._value = value

    async def wait_newer(self, version: int) -> tuple[int, T]:
        """Wait until a value newer than *version* exists; return (version, value)."""
        while self._version <= version:
            self._waiting += 1
            try:
                await self._changed.wait()
            finally:
                self._waiting -= 1
        return self._version, self._value

    def statistics(self) -> CellStatistics:
        return CellStatistics(self._version, self._waiting)
