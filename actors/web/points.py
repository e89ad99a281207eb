"""What the charts read: a History store's ``series(ups)``, as plain points.

The store (actors.web.history.History, run as its own actor) answers with
``HistoryPoint(t, values)`` objects; anything else offering ``series(ups)``
with ``(t, {var: float})`` pairs works too, so a site can plug in another
source (an upslog file reader, a time-series database).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

__all__ = ["HistorySource", "Point", "TimedValues", "points"]

Point = tuple[float, Mapping[str, float]]


class TimedValues(Protocol):
    """One point of a history: ``t`` in seconds since the epoch, the values then."""

    @property
    def t(self) -> float: ...
    @property
    def values(self) -> Mapping[str, float]: ...


class HistorySource(Protocol):
    """Recent values of a UPS, oldest first: points, or plain ``(t, values)`` pairs."""

    def series(self, ups: str) -> Sequence[TimedValues | Point]: ...


def points(source: HistorySource, ups: str, since: float | None = None) -> list[Point]:
    """``source.series(ups)`` as ``(t, values)`` pairs with ``t >= since``."""
    out: list[Point] = []
    for item in source.series(ups):
        t, values = item if isinstance(item, tuple) else (item.t, item.values)
        if since is None or t >= since:
            out.append((float(t), values))
    return out
