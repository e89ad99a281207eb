"""The fault-injection schema, pure: one definition for the supervisor and the config.

``conf`` reads ``[chaos]`` tables into these values and ``supervisor.chaos`` runs
them, so the rules of a fault live here once. A broken rule raises ``FaultError``
naming the field, which the config loader turns into a file:line:key error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

__all__ = ["FAULT_KINDS", "ChaosPlan", "FaultError", "FaultKind", "FaultSpec"]

FaultKind = Literal["crash", "delay", "drop", "freeze"]
FAULT_KINDS: tuple[FaultKind, ...] = get_args(FaultKind)


class FaultError(ValueError):
    """A fault that cannot be: ``field`` names what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True, slots=True, kw_only=True)
class FaultSpec:
    """One fault: where (``target`` glob over actor ids), what, when, how often.

    ``times`` None repeats for ever; ``duration`` None freezes/drops for ever.
    """

    target: str
    kind: FaultKind
    after_messages: int | None = None
    after_seconds: float | None = None
    probability: float = 1.0
    delay: float = 0.0
    duration: float | None = None
    times: int | None = None

    def __post_init__(self) -> None:
        problem = _problem(self)
        if problem is not None:
            raise FaultError(*problem)

    @property
    def is_timer(self) -> bool:
        """A crash on the clock, fired by the supervisor rather than a seam."""
        return (
            self.kind == "crash" and self.after_seconds is not None and self.after_messages is None
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class ChaosPlan:
    """The faults to inject and the seed that makes their dice replayable."""

    seed: int = 0
    faults: tuple[FaultSpec, ...] = ()


def _problem(spec: FaultSpec) -> tuple[str, str] | None:
    if spec.kind not in FAULT_KINDS:
        return "kind", f"unknown fault kind {spec.kind!r}: one of {', '.join(FAULT_KINDS)}"
    if not 0.0 <= spec.probability <= 1.0:
        return "probability", f"must be between 0 and 1, got {spec.probability:g}"
    for name in ("after_messages", "after_seconds", "duration", "delay"):
        value = getattr(spec, name)
        if value is not None and value < 0:
            return name, f"must be at least 0, got {value:g}"
    if spec.times is not None and spec.times < 1:
        return "times", f"must be at least 1, got {spec.times}"
    if spec.kind == "delay" and spec.delay <= 0:
        return "delay", "a delay fault needs delay > 0 (seconds)"
    if spec.kind != "delay" and spec.delay != 0:
        return "delay", f'only used by kind = "delay", not {spec.kind!r}'
    if spec.duration is not None and spec.kind not in ("freeze", "drop"):
        return "duration", 'only used by kind = "freeze" or "drop"'
    return None
