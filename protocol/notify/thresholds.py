"""Threshold rules, ``[[notify.threshold]]``: a variable above or below a value, for a while.

How it works: each (rule, UPS) pair has a :class:`Watch`, raised or not.
When a reading disagrees with the watch (above the limit while not raised,
or back within it while raised) the watch notes the time; when the
disagreement has lasted the rule's ``seconds``, the watch flips and one
:class:`Crossing` comes out: THRESHOLD when raised, NOTTHRESHOLD when cleared.
A reading that agrees again first forgets the time, exactly as an upssched
START-TIMER is cancelled by the opposite event: a value that flaps faster
than ``seconds`` never raises anything, and a raised rule clears only once
the value has stayed within the limit for ``seconds`` (no flapping storms).

A reading that cannot be judged (the variable is missing or not a number,
the data is stale, the driver is down) proves nothing either way: it
forgets the time and keeps the raised state. NUT has no such rules (people
write upssched or NOTIFYCMD scripts for it); the events are nutrio's own
notify types. Pure: the notifier's threshold actor feeds it snapshots.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from nutrio.protocol.notify.events import Notification, NotifyType

__all__ = ["Crossing", "Reading", "ThresholdBook", "ThresholdRule", "Watch"]

#: What the book gets per UPS: its variables, or None when they cannot be trusted.
Reading = Mapping[str, str] | None


@dataclass(frozen=True, slots=True, kw_only=True)
class ThresholdRule:
    """One ``[[notify.threshold]]``: raise ``name`` when ``variable`` is past a limit.

    Exactly one of ``above`` / ``below`` is set. ``ups`` is a device of this
    nutrio, or "*" for all of them. ``message`` and ``cleared_message`` replace
    the texts nutrio writes (the second ``%s`` of the THRESHOLD and
    NOTTHRESHOLD texts).
    """

    name: str
    ups: str = "*"
    variable: str
    above: float | None = None
    below: float | None = None
    seconds: float = 30.0
    message: str | None = None
    cleared_message: str | None = None

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("a threshold rule needs a name")
        if (self.above is None) == (self.below is None):
            raise ValueError(f"threshold {self.name!r}: give exactly one of above and below")
        if not self.seconds >= 0:
            raise ValueError(f"threshold {self.name!r}: seconds must be >= 0")

    @property
    def limit(self) -> float:
        limit = self.above if self.above is not None else self.below
        assert limit is not None
        return limit

    @property
    def side(self) -> str:
        return "above" if self.above is not None else "below"

    def applies_to(self, ups: str) -> bool:
        """True for every UPS with "*", else for the named one (any case, as upsd)."""
        return self.ups == "*" or self.ups.lower() == ups.lower()

    def holds(self, reading: Reading) -> bool | None:
        """Is the variable past the limit? None when the reading cannot tell."""
        if reading is None or self.variable not in reading:
            return None
        try:
            value = float(reading[self.variable])
        except ValueError:
            return None
        if math.isnan(value):
            return None
        return value > self.limit if self.above is not None else value < self.limit

    def text(self, raised: bool, value: str) -> str:
        """The detail of a crossing: the rule's own message, else what happened."""
        own = self.message if raised else self.cleared_message
        if own is not None:
            return own
        if raised:
            past = f"{self.variable} {self.side} {self.limit:g}"
            return f"{past} for {self.seconds:g} s (now {value})"
        return f"{self.variable} no longer {self.side} {self.limit:g} (now {value})"


@dataclass(frozen=True, slots=True)
class Watch:
    """One rule on one UPS: raised or not, and since when the readings disagree."""

    raised: bool = False
    since: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Crossing:
    """A watch flipped: ``raised`` (THRESHOLD) or cleared (NOTTHRESHOLD)."""

    rule: ThresholdRule
    ups: str
    raised: bool
    value: str

    def notification(self, at: float) -> Notification:
        """The notify event for this crossing (``at``: wall-clock time)."""
        kind = NotifyType.THRESHOLD if self.raised else NotifyType.NOTTHRESHOLD
        return Notification(type=kind, ups=self.ups, at=at, rule=self.rule.name,
                            detail=self.rule.text(self.raised, self.value))


def step(watch: Watch, holds: bool | None, seconds: float, now: float) -> Watch:
    """The next state of one watch given one judgement at time ``now``."""
    if holds is None or holds == watch.raised:
        return Watch(watch.raised)  # nothing to confirm: the pending change is forgotten
    since = now if watch.since is None else watch.since
    if now - since >= seconds:
        return Watch(not watch.raised)
    return Watch(watch.raised, since)


class ThresholdBook:
    """Every rule's watches; :meth:`observe` turns readings into crossings."""

    def __init__(self, rules: Iterable[ThresholdRule]) -> None:
        self.rules = tuple(rules)
        self._watches: dict[tuple[str, str], Watch] = {}

    def observe(self, readings: Mapping[str, Reading], now: float) -> list[Crossing]:
        """Judge each UPS's reading against each rule at ``now`` (monotonic seconds).

        Call it for each new reading and at :meth:`next_deadline`; UPSes no
        longer in ``readings`` are forgotten, raised or not.
        """
        crossings: list[Crossing] = []
        seen: dict[tuple[str, str], Watch] = {}
        for rule in self.rules:
            for ups, reading in readings.items():
                if not rule.applies_to(ups):
                    continue
                key = (rule.name, ups)
                before = self._watches.get(key, Watch())
                after = step(before, rule.holds(reading), rule.seconds, now)
                seen[key] = after
                if after.raised != before.raised:
                    assert reading is not None
                    crossings.append(Crossing(rule=rule, ups=ups, raised=after.raised,
                                              value=reading[rule.variable]))
        self._watches = seen
        return crossings

    def next_deadline(self) -> float | None:
        """When a pending change is due, if the readings stay as they are."""
        seconds = {rule.name: rule.seconds for rule in self.rules}
        due = [w.since + seconds[name] for (name, _), w in self._watches.items()
               if w.since is not None]  # fmt: skip
        return min(due, default=None)

    def raised(self) -> list[tuple[str, str]]:
        """(rule, UPS) of each raised watch."""
        return sorted(key for key, watch in self._watches.items() if watch.raised)
