"""One run of a child: the wrapper task that turns its end into a ChildExited.

The wrapper catches ``Exception`` only, so ``Cancelled`` and
``KeyboardInterrupt`` pass. Before ``started()`` the child is cancellable from
outside (cancelling a start aborts it); from ``started()`` on its scope is
shielded and only the supervisor cancels it, after asking and a grace period.
A chaos timer crash cancels that scope and the wrapper reports ``ChaosCrash``
as the child's error: Trio cannot throw an arbitrary exception into a task,
cancellation is how we reach a child that never calls a seam.
"""

from __future__ import annotations

from typing import Any

import structlog
import trio

from nutrio.supervisor.chaos import ChaosCrash
from nutrio.supervisor.context import ChildContext, enter_child
from nutrio.supervisor.spec import ChildExited, ChildSpec

__all__ = ["ChildRecord", "Incarnation"]


class _Status:
    """The ``task_status`` handed to the child; remembers that it started."""

    def __init__(self, incarnation: Incarnation, outer: trio.TaskStatus[Exception | None]) -> None:
        self._incarnation = incarnation
        self._outer = outer

    def started(self, value: Any = None) -> None:
        # The value a child passes is ignored: a supervisor's caller gets nothing back.
        self._incarnation._on_started()
        self._outer.started(None)


class Incarnation:
    """State shared between the supervisor and one wrapper task."""

    def __init__(
        self,
        spec: ChildSpec,
        number: int,
        ctx: ChildContext,
        report: trio.MemorySendChannel[Any],
    ) -> None:
        self.spec = spec
        self.number = number
        self.ctx = ctx
        self.scope = trio.CancelScope()
        self.done = trio.Event()
        self.started = False
        self.started_at = trio.current_time()
        self.stopping = False  # set by the supervisor: the end is expected, not a failure
        self._report = report
        self._chaos_crash: ChaosCrash | None = None

    @property
    def running(self) -> bool:
        return self.started and not self.done.is_set()

    async def run(self, *, task_status: trio.TaskStatus[Exception | None]) -> None:
        """The wrapper task; hands a start failure back through ``task_status``."""
        structlog.contextvars.bind_contextvars(actor=self.spec.id)
        enter_child(self.ctx)
        error: Exception | None = None
        try:
            try:
                with self.scope:
                    error = await self._run_child(_Status(self, task_status))
            except Exception as exc:
                # An error raised while we cancelled the child leaves its nursery
                # in a group with our Cancelled; the scope strips the Cancelled
                # and the rest lands here. Still the child's error, never ours.
                error = exc
            if self._chaos_crash is not None and self.scope.cancelled_caught:
                error = self._chaos_crash
        finally:
            self.done.set()
        if not self.started:
            # Failed start: the supervisor gets the error from nursery.start().
            task_status.started(error or RuntimeError(f"{self.spec.id} ended before started()"))
            return
        # Buffer is unbounded on purpose: one report per incarnation, and the
        # wrapper must never wait on a supervisor that may be waiting on it.
        self._report.send_nowait(ChildExited(self.spec.id, error, self.number))

    async def _run_child(self, status: _Status) -> Exception | None:
        timers = self.ctx.chaos.timer_faults(self.spec.id)
        if not timers:
            return await self._call_child(status)
        async with trio.open_nursery() as timer_nursery:
            timer_nursery.start_soon(self._chaos_timer, timers)
            error = await self._call_child(status)
            timer_nursery.cancel_scope.cancel()
        return error

    async def _call_child(self, status: _Status) -> Exception | None:
        # Caught here, inside any nursery, so the error is never wrapped in a group.
        try:
            await self.spec.start(task_status=status)
        except Exception as exc:
            return exc
        return None

    async def _chaos_timer(self, timers: tuple[tuple[int, float], ...]) -> None:
        for index, after in timers:
            await trio.sleep_until(self.started_at + after)
            crash = self.ctx.chaos.fire_timer(self.spec.id, index)
            if crash is not None:
                self._chaos_crash = crash
                self.scope.cancel()
                return

    async def stop(self, grace: float) -> str:
        """Ask, wait up to *grace* if the child listens, then cancel; a start in progress
        is aborted. Returns how it ended: "asked" or "cancelled"."""
        self.stopping = True
        if self.started:
            self.ctx.request_stop()
            with trio.move_on_after(grace if self.ctx.listening else 0.0):
                await self.done.wait()
        if not self.done.is_set():
            self.scope.cancel()
            await self.done.wait()
        return "cancelled" if self.scope.cancel_called else "asked"

    def _on_started(self) -> None:
        if self.started:
            raise RuntimeError(f"{self.spec.id} called task_status.started() twice")
        self.started = True
        self.started_at = trio.current_time()
        self.scope.shield = True


class ChildRecord:
    """The supervisor's record of one child across incarnations."""

    def __init__(self, spec: ChildSpec) -> None:
        self.spec = spec
        self.restarts = 0
        self.current: Incarnation | None = None

    @property
    def running(self) -> bool:
        return self.current is not None and self.current.running
