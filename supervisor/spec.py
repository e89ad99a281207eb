"""Child specifications, the supervisor's messages and its errors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from nutrio.supervisor.policy import Restart

__all__ = [
    "ChildExited",
    "ChildInfo",
    "ChildSpec",
    "ExpectedFailure",
    "StartFn",
    "SupervisorError",
    "SupervisorGaveUp",
    "SupervisorStatistics",
    "failure_fields",
    "subtree_spec",
]

# ``async def start(*, task_status=trio.TASK_STATUS_IGNORED) -> None``: the child
# calls ``task_status.started()`` once it can serve, then runs until it is done.
StartFn = Callable[..., Awaitable[None]]


@dataclass(frozen=True, slots=True)
class ChildSpec:
    """How to start one child and what to do when it ends.

    Args:
        id: unique among the supervisor's children; also the ``actor`` log field.
        start: async function taking ``task_status``; see ``StartFn``.
        restart: restart type (``Restart.PERMANENT`` by default).
        shutdown: grace in seconds between asking the child to stop and
            cancelling it; 0 cancels at once.
        critical: whether this child's failures count toward the supervisor's
            restart intensity. A child that is not critical is restarted with
            back-off for as long as it keeps failing and never makes its
            supervisor give up: a failure domain that must not take its
            siblings down with it (OTP would give it a supervisor of its own
            with a patient restart policy).
    """

    id: str
    start: StartFn
    restart: Restart = Restart.PERMANENT
    shutdown: float = 5.0
    critical: bool = True

    def __post_init__(self) -> None:
        if not self.id:
            raise ValueError("a child needs a non-empty id")
        if self.shutdown < 0:
            raise ValueError(f"child {self.id}: shutdown grace must be >= 0")


def subtree_spec(
    id: str,
    run: Callable[..., Awaitable[None]],
    children: Sequence[ChildSpec] | Callable[[], Sequence[ChildSpec]],
    restart: Restart,
    shutdown: float,
    critical: bool,
) -> ChildSpec:
    """A supervisor's ``run(children, task_status=...)`` as the child *id* of another one;
    *children* as a function is called at each start."""
    build = children if callable(children) else (lambda: children)

    async def start(*, task_status: Any) -> None:
        await run(tuple(build()), task_status=task_status)

    return ChildSpec(id, start, restart, shutdown, critical)


@dataclass(frozen=True, slots=True, kw_only=True)
class ChildInfo:
    """A child as the supervisor sees it now."""

    id: str
    running: bool
    restarts: int


@dataclass(frozen=True, slots=True, kw_only=True)
class SupervisorStatistics:
    """A supervisor at a glance: is it running, its children, restarts waiting."""

    running: bool
    children: tuple[ChildInfo, ...]
    pending_restarts: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ChildExited:
    """A child's wrapper task reports the end of one incarnation.

    ``error`` is None after a normal return; ``incarnation`` lets the
    supervisor ignore reports from incarnations it already replaced.
    """

    id: str
    error: Exception | None
    incarnation: int = 0


class ExpectedFailure(Exception):
    """A failure the child explains in its message: a device unplugged, a port in use.

    The supervisor logs it in one line (``error`` and ``kind`` fields) instead of a
    traceback: tracebacks are for the unexpected.
    """

    def __structlog__(self) -> str:
        # how structlog's JSON renderer shows it: the sentence, not a repr
        return str(self)


def failure_fields(error: Exception | None) -> dict[str, object]:
    """Log fields for a child's failure: an expected one in one line (``error``, ``kind``),
    anything else with its traceback (``exc_info``)."""
    if isinstance(error, ExpectedFailure):
        return {"error": error, "kind": type(error).__name__}
    return {"exc_info": error}


class SupervisorError(Exception):
    """Base of the supervisor's own errors."""


class SupervisorGaveUp(SupervisorError, ExpectedFailure):
    """Restart intensity exceeded; raised from the last child error."""

    def __init__(self, supervisor: str) -> None:
        super().__init__(f"supervisor {supervisor} gave up: restart intensity exceeded")
        self.supervisor = supervisor

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.supervisor,))
