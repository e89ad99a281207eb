"""upssched's decisions, pure: which AT rules match, and its timer table.

How upssched 2.8.0 behaves (checked against the installed binary), and so
how this module does:

- Every AT rule matching the event runs, in file order. The UPS matches when
  it is the same string as UPSNAME or "*"; the notify type matches without
  regard to case.
- START-TIMER adds a timer even when one of that name is running: two
  ONBATTs start two timers, and each fires once.
- CANCEL-TIMER removes the oldest running timer of that name. When none is
  running and the rule names a command, that command goes to CMDSCRIPT
  ("the timer already fired, or never started").
- EXECUTE passes its command to CMDSCRIPT at once.
- A timer that expires passes its name to CMDSCRIPT.

Differences, on purpose: timers are kept to the fraction of a second
instead of upssched's one-second ticks; a negative delay is ignored, as
upssched does. The actor (``actors/upsmon/scheduler.py``) only keeps the clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from nutrio.protocol.notify.events import Notification

__all__ = [
    "Action",
    "CancelTimer",
    "CmdscriptCall",
    "Execute",
    "PendingTimer",
    "Reason",
    "Rule",
    "StartTimer",
    "TimerTable",
    "actions_for",
]

Reason = Literal["timer", "execute", "cancel"]


class Rule(Protocol):
    """One AT line; ``conf.SchedulerRule`` has this shape."""

    @property
    def notify_type(self) -> str: ...
    @property
    def ups(self) -> str: ...
    @property
    def action(self) -> str: ...
    @property
    def timer(self) -> str | None: ...
    @property
    def seconds(self) -> float | None: ...
    @property
    def command(self) -> str | None: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class StartTimer:
    timer: str
    seconds: float


@dataclass(frozen=True, slots=True, kw_only=True)
class CancelTimer:
    timer: str
    command: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Execute:
    command: str


Action = StartTimer | CancelTimer | Execute


@dataclass(frozen=True, slots=True, kw_only=True)
class CmdscriptCall:
    """One CMDSCRIPT run: its argument, why, and the notification behind it.

    ``cause`` is the notification that started the timer (for "timer") or
    matched the rule (for "execute" and "cancel"); its UPSNAME and
    NOTIFYTYPE go into CMDSCRIPT's environment.
    """

    argument: str
    reason: Reason
    cause: Notification


@dataclass(frozen=True, slots=True, kw_only=True)
class PendingTimer:
    """A running timer: fires at ``deadline`` (scheduler clock)."""

    name: str
    deadline: float
    cause: Notification


def actions_for(rules: Iterable[Rule], notify_type: str, ups: str) -> tuple[Action, ...]:
    """The actions of every AT rule matching *notify_type* on *ups*, in order."""
    actions: list[Action] = []
    for rule in rules:
        if rule.ups not in ("*", ups) or rule.notify_type.upper() != notify_type.upper():
            continue
        action = _action(rule)
        if action is not None:
            actions.append(action)
    return tuple(actions)


def _action(rule: Rule) -> Action | None:
    match rule.action:
        case "START-TIMER" if rule.timer and rule.seconds is not None and rule.seconds >= 0:
            return StartTimer(timer=rule.timer, seconds=rule.seconds)
        case "CANCEL-TIMER" if rule.timer:
            return CancelTimer(timer=rule.timer, command=rule.command or None)
        case "EXECUTE" if rule.command:
            return Execute(command=rule.command)
    # upssched logs and skips a bogus offset, an empty command or an unknown word
    return None


@dataclass(frozen=True, slots=True)
class TimerTable:
    """Running timers in start order (an immutable value; methods return a new one)."""

    timers: tuple[PendingTimer, ...] = ()

    def apply(
        self, action: Action, now: float, cause: Notification
    ) -> tuple[TimerTable, tuple[CmdscriptCall, ...]]:
        """Carry out one AT action at *now*; the CMDSCRIPT runs it asks for at once."""
        match action:
            case StartTimer(timer=name, seconds=seconds):
                timer = PendingTimer(name=name, deadline=now + seconds, cause=cause)
                return TimerTable((*self.timers, timer)), ()
            case CancelTimer(timer=name, command=command):
                table, removed = self.cancel(name)
                if removed is None and command:
                    return table, (CmdscriptCall(argument=command, reason="cancel", cause=cause),)
                return table, ()
            case Execute(command=command):
                return self, (CmdscriptCall(argument=command, reason="execute", cause=cause),)

    def cancel(self, name: str) -> tuple[TimerTable, PendingTimer | None]:
        """Remove the oldest running timer called *name*, if any."""
        for index, timer in enumerate(self.timers):
            if timer.name == name:
                return TimerTable(self.timers[:index] + self.timers[index + 1 :]), timer
        return self, None

    def pop_due(self, now: float) -> tuple[TimerTable, tuple[CmdscriptCall, ...]]:
        """Remove the timers due at *now*; their runs, earliest deadline first."""
        due = sorted(
            (t for t in self.timers if t.deadline <= now), key=lambda t: t.deadline
        )  # sorted() is stable: equal deadlines keep start order
        if not due:
            return self, ()
        left = tuple(t for t in self.timers if t.deadline > now)
        calls = tuple(CmdscriptCall(argument=t.name, reason="timer", cause=t.cause) for t in due)
        return TimerTable(left), calls

    def next_deadline(self) -> float | None:
        """When the next timer fires, or None when none runs."""
        return min((t.deadline for t in self.timers), default=None)

    def names(self) -> Sequence[str]:
        """Running timer names in start order (for logs and tests)."""
        return tuple(t.name for t in self.timers)
