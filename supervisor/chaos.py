"""Fault injection through seams that exist anyway: a driver poll, a channel message.

How it works: a ``ChaosPlan`` lists ``FaultSpec``s; each targets actor ids by
fnmatch glob. Actors call ``await chaos.before_poll(actor_id)`` before each
poll and ``await chaos.before_message(actor_id)`` around a channel send or
receive. Every seam call counts as one message of that actor. A fault is armed
for an actor once it saw more than ``after_messages`` messages and/or
``after_seconds`` passed since the actor's current incarnation started (the
supervisor calls ``actor_started`` on each start). When armed, each seam call
rolls ``probability`` on a ``random.Random`` of its own, seeded from the plan's
seed and the actor id, and on a hit injects (one generator per actor: Trio
runs ready tasks in a deliberately shuffled order, so dice shared between
actors would hand each one different draws from run to run; per actor, a
seed replays the same faults at the same seam calls):

    crash   raise ChaosCrash (both seams)
    delay   sleep ``delay`` seconds, then go on (both seams)
    freeze  sleep ``duration`` seconds, or forever when None (both seams)
    drop    ``before_message`` returns False: the message is lost (message seam
            only); with ``duration``, only within that many seconds of arming

A crash fault with ``after_seconds`` and no ``after_messages`` is a *timer*
crash: the supervisor's wrapper fires it on the clock even if the child never
calls a seam (see ``timer_faults``/``fire_timer``). ``times`` bounds how often a
fault fires in total. ``NO_CHAOS`` matches nothing and returns at once.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Literal

import structlog
import trio

from nutrio.supervisor.faults import ChaosPlan, FaultKind, FaultSpec
from nutrio.supervisor.spec import ExpectedFailure

__all__ = ["NO_CHAOS", "Chaos", "ChaosCrash", "ChaosPlan", "FaultKind", "FaultSpec", "Seam"]

log = structlog.get_logger()

Seam = Literal["poll", "message"]


class ChaosCrash(ExpectedFailure):
    """An injected crash; the supervisor treats it like any other child error."""

    def __init__(self, actor: str, target: str) -> None:
        super().__init__(f"chaos: injected crash in {actor} (fault {target!r})")
        self.actor = actor
        self.target = target


@dataclass(slots=True)
class _ActorState:
    started_at: float
    messages: int = 0
    windows: dict[int, float] = field(default_factory=dict)  # drop fault -> window opened at


@dataclass(slots=True)
class _FaultState:
    spec: FaultSpec
    index: int
    fired: int = 0

    @property
    def exhausted(self) -> bool:
        return self.spec.times is not None and self.fired >= self.spec.times


@dataclass(frozen=True, slots=True)
class ChaosStatistics:
    injected: int


class Chaos:
    """Runtime state of a plan; ``Chaos(None)`` is inert."""

    def __init__(self, plan: ChaosPlan | None = None) -> None:
        self.plan = plan or ChaosPlan()
        self._faults = tuple(_FaultState(f, i) for i, f in enumerate(self.plan.faults))
        self._rngs: dict[str, random.Random] = {}
        self._matches: dict[str, tuple[_FaultState, ...]] = {}
        self._actors: dict[str, _ActorState] = {}
        self._injected = 0

    @property
    def enabled(self) -> bool:
        return bool(self._faults)

    def actor_started(self, actor_id: str) -> None:
        """A new incarnation of *actor_id* began: restart its message count and clock."""
        if self._match(actor_id):
            self._actors[actor_id] = _ActorState(trio.current_time())

    async def before_poll(self, actor_id: str) -> None:
        """Seam before a driver poll: may raise ChaosCrash, delay or freeze."""
        if not self._faults or not self._match(actor_id):
            return
        await self._seam(actor_id, "poll")

    async def before_message(self, actor_id: str) -> bool:
        """Seam at a channel send/receive; False means drop the message."""
        if not self._faults or not self._match(actor_id):
            return True
        return await self._seam(actor_id, "message")

    def timer_faults(self, actor_id: str) -> tuple[tuple[int, float], ...]:
        """(fault index, seconds after start) of the timer crashes for *actor_id*, soonest first."""
        timers = [
            (f.index, f.spec.after_seconds or 0.0)
            for f in self._match(actor_id)
            if f.spec.is_timer and not f.exhausted
        ]
        return tuple(sorted(timers, key=lambda pair: pair[1]))

    def fire_timer(self, actor_id: str, index: int) -> ChaosCrash | None:
        """The timer of fault *index* ran out for *actor_id*: the crash to inject, if any."""
        fault = self._faults[index]
        if fault.exhausted or not self._roll(fault.spec, actor_id):
            return None
        self._record(fault, actor_id, "timer")
        return ChaosCrash(actor_id, fault.spec.target)

    def statistics(self) -> ChaosStatistics:
        return ChaosStatistics(self._injected)

    def _match(self, actor_id: str) -> tuple[_FaultState, ...]:
        # Precomputed per id: the glob match is done once, the seams then
        # cost one dict lookup for actors no fault targets.
        found = self._matches.get(actor_id)
        if found is None:
            found = tuple(f for f in self._faults if fnmatchcase(actor_id, f.spec.target))
            self._matches[actor_id] = found
        return found

    async def _seam(self, actor_id: str, seam: Seam) -> bool:
        state = self._actors.get(actor_id)
        if state is None:
            state = self._actors[actor_id] = _ActorState(trio.current_time())
        state.messages += 1
        deliver = True
        for fault in self._match(actor_id):
            if not self._armed(fault, state, seam, actor_id):
                continue
            self._record(fault, actor_id, seam)
            kind = fault.spec.kind
            if kind == "crash":
                raise ChaosCrash(actor_id, fault.spec.target)
            if kind == "delay":
                await trio.sleep(fault.spec.delay)
            elif kind == "freeze":
                await _freeze(fault.spec.duration)
            else:
                deliver = False
        return deliver

    def _armed(self, fault: _FaultState, state: _ActorState, seam: Seam, actor_id: str) -> bool:
        spec = fault.spec
        if fault.exhausted or spec.is_timer or (spec.kind == "drop" and seam != "message"):
            return False
        if spec.after_messages is not None and state.messages <= spec.after_messages:
            return False
        now = trio.current_time()
        if spec.after_seconds is not None and now - state.started_at < spec.after_seconds:
            return False
        if spec.kind == "drop" and spec.duration is not None:
            # A drop fault with a duration is an outage window: it opens when
            # the fault is first armed and closes ``duration`` seconds later.
            opened = state.windows.setdefault(fault.index, now)
            if now - opened >= spec.duration:
                return False
        return self._roll(spec, actor_id)

    def _roll(self, spec: FaultSpec, actor_id: str) -> bool:
        # Draw only for uncertain faults, so adding a certain fault to a plan
        # does not shift the dice of the others.
        if spec.probability >= 1.0:
            return True
        rng = self._rngs.get(actor_id)
        if rng is None:  # a str seed is hashed with SHA-512: stable across processes
            rng = self._rngs[actor_id] = random.Random(f"{self.plan.seed}:{actor_id}")
        return rng.random() < spec.probability

    def _record(self, fault: _FaultState, actor_id: str, seam: str) -> None:
        fault.fired += 1
        self._injected += 1
        log.warning(
            "chaos.injected",
            kind=fault.spec.kind,
            target=fault.spec.target,
            actor=actor_id,
            seam=seam,
            fault=fault.index,
        )


async def _freeze(duration: float | None) -> None:
    if duration is None:
        await trio.sleep_forever()
    else:
        await trio.sleep(duration)


NO_CHAOS = Chaos(None)
