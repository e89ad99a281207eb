"""A supervisor's children: their records in start order, restarts waiting, and how one
of them is started, stopped or killed.

The supervisor (tree.py) decides; this table does. Each start is one
``Incarnation`` (a wrapper task in the supervisor's nursery). A stop asks
(``ChildContext.request_stop``: an event the child may watch, plus the callbacks
it registered, e.g. closing its inbox), waits up to the child's ``shutdown``
grace for it to end (no wait for a child that never listened for the request),
then cancels the child's own cancel scope. A kill cancels at once, nested
supervisors included.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import structlog
import trio

from nutrio.supervisor.chaos import Chaos
from nutrio.supervisor.context import ChildContext
from nutrio.supervisor.incarnation import ChildRecord, Incarnation
from nutrio.supervisor.spec import ChildInfo, ChildSpec

__all__ = ["ChildTable"]

log = structlog.get_logger()


class ChildTable:
    """The children of supervisor *supervisor_id*, in start order."""

    def __init__(self, supervisor_id: str) -> None:
        self.supervisor = supervisor_id
        self._records: dict[str, ChildRecord] = {}  # insertion order = start order
        self.pending: dict[str, float] = {}  # id -> restart deadline

    def __iter__(self) -> Iterator[ChildRecord]:
        return iter(self._records.values())

    def ids(self) -> tuple[str, ...]:
        return tuple(self._records)

    def get(self, id: str) -> ChildRecord | None:
        return self._records.get(id)

    def __getitem__(self, id: str) -> ChildRecord:
        return self._records[id]

    def add(self, spec: ChildSpec) -> ChildRecord:
        if spec.id in self._records:
            raise ValueError(f"supervisor {self.supervisor} already has a child {spec.id!r}")
        child = self._records[spec.id] = ChildRecord(spec)
        return child

    def forget(self, id: str) -> None:
        self._records.pop(id, None)
        self.pending.pop(id, None)

    def info(self) -> tuple[ChildInfo, ...]:
        return tuple(ChildInfo(id=c.spec.id, running=c.running, restarts=c.restarts)
                     for c in self._records.values())

    def owns(self, ctx: ChildContext | None) -> bool:
        """Is *ctx* the context of one of these children's current incarnation?"""
        child = None if ctx is None else self._records.get(ctx.id)
        return child is not None and child.current is not None and child.current.ctx is ctx

    async def start(self, child: ChildRecord, nursery: trio.Nursery, chaos: Chaos,
                    report: trio.MemorySendChannel[Any]) -> Exception | None:
        """Start one incarnation; the error if it failed before ``started()``."""
        number = 0 if child.current is None else child.current.number + 1
        ctx = ChildContext(child.spec.id, self.supervisor, chaos)
        incarnation = Incarnation(child.spec, number, ctx, report)
        child.current = incarnation
        chaos.actor_started(child.spec.id)
        error: Exception | None = await nursery.start(incarnation.run)
        if error is None:
            log.info("actor.started", actor=child.spec.id, supervisor=self.supervisor)
        return error

    async def stop(self, child: ChildRecord, *, killed: bool = False) -> None:
        """Ask, wait the child's ``shutdown`` grace (none once *killed*), then cancel;
        a start in progress is aborted."""
        incarnation = child.current
        if incarnation is None or incarnation.done.is_set():
            return
        reason = await incarnation.stop(0.0 if killed else child.spec.shutdown)
        log.info("actor.stopped", actor=child.spec.id, supervisor=self.supervisor, reason=reason)

    async def stop_all(self, *, killed: bool = False) -> None:
        """Every child, in reverse start order; no restart is waited for any more."""
        self.pending.clear()
        for child in reversed(list(self._records.values())):
            await self.stop(child, killed=killed)

    def kill_all(self) -> None:
        """Cancel every running child now, and let nested supervisors kill theirs."""
        for child in self._records.values():
            incarnation = child.current
            if incarnation is not None and not incarnation.done.is_set():
                incarnation.ctx.kill()
                incarnation.scope.cancel()
