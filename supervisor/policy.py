"""Pure restart decisions: which children a failure touches, and whether to retry.

How it works: the Trio side (``tree.py``) asks two questions when a child dies.
``should_restart(policy, error)`` says whether the child's restart type wants a
restart at all; ``RestartLedger.record_failure`` then ticks the supervisor's
intensity counter (one tick per failure, whatever the strategy, as OTP does) and
answers ``Retry(delay)`` or ``GiveUp()``. ``affected`` names the children to
restart. Nothing here sleeps, reads a clock or imports trio: the caller passes
``now`` so tests can drive the ledger with plain numbers.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum

__all__ = [
    "Decision",
    "GiveUp",
    "Restart",
    "RestartLedger",
    "Retry",
    "Strategy",
    "affected",
    "backoff_delay",
    "should_restart",
]


class Restart(Enum):
    """When a child is restarted (OTP restart types)."""

    PERMANENT = "permanent"  # always, even after a normal return
    TRANSIENT = "transient"  # only after an exception
    TEMPORARY = "temporary"  # never; the child is forgotten once it ends


class Strategy(Enum):
    """Which siblings are restarted with a failed child (OTP strategies)."""

    ONE_FOR_ONE = "one_for_one"  # just the failed child
    ONE_FOR_ALL = "one_for_all"  # every child
    REST_FOR_ONE = "rest_for_one"  # the failed child and those started after it


@dataclass(frozen=True, slots=True)
class Retry:
    """Restart after ``delay`` seconds."""

    delay: float


@dataclass(frozen=True, slots=True)
class GiveUp:
    """Too many restarts within the period: the supervisor must stop and crash."""


Decision = Retry | GiveUp


def should_restart(policy: Restart, error: BaseException | None) -> bool:
    """Does a child of restart type *policy* that ended with *error* get restarted?"""
    if policy is Restart.PERMANENT:
        return True
    if policy is Restart.TRANSIENT:
        return error is not None
    return False


def affected(strategy: Strategy, order: Sequence[str], failed: str) -> tuple[str, ...]:
    """The ids to restart, in start order, when child *failed* dies.

    Raises:
        ValueError: *failed* is not in *order*.
    """
    index = list(order).index(failed)
    if strategy is Strategy.ONE_FOR_ONE:
        return (failed,)
    if strategy is Strategy.ONE_FOR_ALL:
        return tuple(order)
    return tuple(order[index:])


def backoff_delay(base: float, cap: float, streak: int) -> float:
    """``min(cap, base * 2**streak)``; *streak* counts failures in a row, from 0."""
    if base <= 0:
        return 0.0
    # Cap the exponent so a long streak cannot overflow a float.
    return min(cap, base * 2.0 ** min(streak, 64))


@dataclass(slots=True)
class RestartLedger:
    """Restart intensity per supervisor and back-off streak per child.

    More than *intensity* restarts within *period* seconds means give up (OTP
    ``intensity``/``period``). The back-off streak of a child resets once it
    ran healthily for at least *period* seconds before failing.
    """

    intensity: int
    period: float
    base: float = 0.0
    cap: float = 0.0
    _restarts: deque[float] = field(default_factory=deque)
    _streaks: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.intensity < 0 or self.period <= 0:
            raise ValueError("intensity must be >= 0 and period > 0")
        if self.base < 0 or self.cap < 0:
            raise ValueError("back-off base and cap must be >= 0")

    def record_failure(
        self, now: float, child: str = "", ran_for: float = 0.0, *, critical: bool = True
    ) -> Decision:
        """Count one failure of *child* at time *now* after it ran *ran_for* seconds.

        A failure of a child that is not *critical* never ticks the intensity
        counter: it only lengthens that child's back-off.
        """
        if critical:
            while self._restarts and self._restarts[0] <= now - self.period:
                self._restarts.popleft()
            self._restarts.append(now)
            if len(self._restarts) > self.intensity:
                return GiveUp()
        streak = 0 if ran_for >= self.period else self._streaks.get(child, 0)
        self._streaks[child] = streak + 1
        return Retry(backoff_delay(self.base, self.cap, streak))

    def streak(self, child: str) -> int:
        """Failures of *child* in a row so far (0 once it ran healthily)."""
        return self._streaks.get(child, 0)

    def forget(self, child: str) -> None:
        """Drop the streak of a child that left the supervisor."""
        self._streaks.pop(child, None)
