"""The Trio side of a supervisor: start, watch, restart and stop children.

How it works: ``run`` opens a nursery and starts the children in order, each
in a wrapper task (``Incarnation.run``) that catches ``Exception`` and reports
``ChildExited`` on a channel; the supervisor's nursery never sees a child's
error. One loop task reads those reports, asks ``policy`` what to do and keeps a
table of pending restarts (id -> deadline) so a back-off never blocks a stop.
Changes to the children (restart, ``start_child``, ``stop_child``) take one
lock, so they never interleave; a stop request does not wait for it.

Starting, stopping and killing one child is the ChildTable's (children.py).
A child's scope is shielded once it called ``started()``, so cancelling
``run`` does not hit the children directly: the supervisor stops them itself,
in reverse start order, as an OTP supervisor terminates its children.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import structlog
import trio

from nutrio.supervisor.chaos import NO_CHAOS, Chaos
from nutrio.supervisor.children import ChildTable
from nutrio.supervisor.context import current_child_or_none
from nutrio.supervisor.incarnation import ChildRecord
from nutrio.supervisor.policy import (
    GiveUp,
    Restart,
    RestartLedger,
    Retry,
    Strategy,
    affected,
    should_restart,
)
from nutrio.supervisor.spec import (
    ChildExited,
    ChildInfo,
    ChildSpec,
    SupervisorGaveUp,
    SupervisorStatistics,
    failure_fields,
    subtree_spec,
)

__all__ = ["Supervisor"]

log = structlog.get_logger()


@dataclass(frozen=True, slots=True)
class _StopRequest:
    pass


class _GaveUp(Exception):
    def __init__(self, error: BaseException | None) -> None:
        self.error = error


class Supervisor:
    """An OTP-style supervisor for Trio tasks.

    Args:
        id: the supervisor's name (``supervisor`` log field).
        strategy: which siblings restart with a failed child.
        intensity, period: more than *intensity* restarts within *period*
            seconds make the supervisor stop its children and raise
            ``SupervisorGaveUp``.
        backoff_base, backoff_cap: a child's n-th restart in a row waits
            ``min(cap, base * 2**n)`` seconds; n resets after it ran *period*.
        chaos: fault injection handed to children (``current_child().chaos``);
            None inherits the parent supervisor's when nested, else none.
    """

    def __init__(
        self,
        id: str,
        strategy: Strategy = Strategy.ONE_FOR_ONE,
        intensity: int = 3,
        period: float = 5.0,
        backoff_base: float = 0.1,
        backoff_cap: float = 10.0,
        chaos: Chaos | None = None,
    ) -> None:
        self.id = id
        self.strategy = strategy
        self._chaos_arg = chaos
        self.chaos = chaos or NO_CHAOS
        self._limits = (intensity, period, backoff_base, backoff_cap)
        self._ledger = RestartLedger(*self._limits)
        self._children = ChildTable(id)
        self._lock = trio.Lock()
        self._send, self._receive = trio.open_memory_channel[ChildExited | _StopRequest](math.inf)
        self._nursery: trio.Nursery | None = None
        self._running = False
        self._stopping = False
        self._killed = False
        self._stop_scope: trio.CancelScope | None = None
        self._finished = trio.Event()

    # -- public API -------------------------------------------------------

    async def run(
        self,
        children: Sequence[ChildSpec],
        *,
        task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
    ) -> None:
        """Start *children* in order, then supervise them until stopped.

        Returns after ``stop()``; on cancellation stops the children in
        reverse order first, then lets ``Cancelled`` through. Each call starts
        afresh (children, restart counts, ledger), so a parent can restart a
        supervisor that gave up.

        Raises:
            SupervisorGaveUp: restart intensity exceeded (``__cause__`` is the
                last child error); the children are stopped by then.
            RuntimeError: this supervisor is already running.
        """
        if self._running:
            raise RuntimeError(f"supervisor {self.id} is already running")
        self._reset()
        self._running = True
        gave_up: _GaveUp | None = None
        try:
            for spec in children:
                self._children.add(spec)
            self._join_parent()
            async with trio.open_nursery() as nursery:
                self._nursery = nursery
                try:
                    await self._start_sequence(self._children.ids())
                    task_status.started()
                    await self._loop()
                except _GaveUp as exc:
                    gave_up = exc
                finally:
                    self._stopping = True  # refuse start_child from here on
                    with trio.CancelScope(shield=True) as self._stop_scope:
                        if not self._killed:
                            await self._children.stop_all()
        finally:
            self._nursery = None
            self._stop_scope = None
            self._running = False
            self._finished.set()
        if gave_up is not None:
            raise SupervisorGaveUp(self.id) from gave_up.error

    def child_spec(
        self,
        children: Sequence[ChildSpec] | Callable[[], Sequence[ChildSpec]],
        *,
        restart: Restart = Restart.PERMANENT,
        shutdown: float = math.inf,
        critical: bool = True,
    ) -> ChildSpec:
        """This supervisor as a child of another one (its id is the child id).

        *children* may be a function: it is called at each start, so a subtree
        that its parent restarts is built anew from the settings of that moment.
        The grace defaults to infinity, as OTP does for supervisors: asked to
        stop, it stops its own children, each within its own grace.
        """
        return subtree_spec(self.id, self.run, children, restart, shutdown, critical)

    async def stop(self, *, deadline: float = math.inf) -> None:
        """Stop all children in reverse start order and wait until ``run`` returned.

        Past *deadline* seconds the orderly stop is abandoned and ``kill``
        cancels whatever still runs. No-op when not running. Called from inside
        one of this supervisor's own children it only asks (``stop_nowait``):
        waiting there would make the caller wait for its own end.
        """
        if not self._running:
            return
        self.stop_nowait()
        if self._children.owns(current_child_or_none()):
            return
        with trio.move_on_after(deadline):
            await self._finished.wait()
        if not self._finished.is_set():
            log.error("supervisor.stop_deadline", supervisor=self.id, deadline=deadline)
            self.kill()
            await self._finished.wait()

    def kill(self) -> None:
        """Cancel every child now, nested supervisors' children included: no ask, no grace.

        For a stop that ran past its deadline; ``run`` ends once the children's
        cancellation finished.
        """
        if not self._running:
            return
        self._killed = True
        self.stop_nowait()
        if self._stop_scope is not None:
            self._stop_scope.cancel()
        self._children.kill_all()

    def stop_nowait(self) -> None:
        """Ask ``run`` to stop; does not wait."""
        if self._running and not self._stopping:
            self._stopping = True
            self._send.send_nowait(_StopRequest())

    async def start_child(self, spec: ChildSpec) -> None:
        """Add and start a child after the others (e.g. on config reload).

        A failed start is handled like a crash: restart with back-off.

        Raises:
            ValueError: a child with this id exists.
            RuntimeError: the supervisor is not running.
        """
        if self._nursery is None or self._stopping or not self._running:
            raise RuntimeError(f"supervisor {self.id} is not running")
        async with self._lock:
            if self._nursery is None or self._stopping:
                raise RuntimeError(f"supervisor {self.id} is not running")
            child = self._children.add(spec)
            try:
                error = await self._start_one(child)
            except BaseException:
                if not child.running:  # start aborted (cancelled): nothing to supervise
                    self._forget(spec.id)
                raise
            if error is not None:
                # Decided by the loop like any crash, so give-up happens there.
                self._send.send_nowait(ChildExited(spec.id, error, -1))

    async def restart_child(self, id: str) -> None:
        """Stop child *id* (ask, grace, cancel) and start it again in its place.

        Not a failure: no intensity tick, no back-off. A child built from the
        current settings (see ``child_spec``) picks up new ones this way.

        Raises:
            KeyError: no child has this id.
        """
        async with self._lock:
            child = self._children[id]
            self._children.pending.pop(id, None)
            await self._stop_one(child)
            error = await self._start_one(child)
            if error is not None:
                self._send.send_nowait(ChildExited(id, error, -1))

    async def stop_child(self, id: str) -> None:
        """Stop child *id* (ask, grace, cancel) and forget it; no restart.

        Raises:
            KeyError: no child has this id.
        """
        async with self._lock:
            child = self._children[id]
            self._children.pending.pop(id, None)
            await self._stop_one(child)
            self._forget(id)

    def children(self) -> tuple[ChildInfo, ...]:
        """The children in start order."""
        return self._children.info()

    def statistics(self) -> SupervisorStatistics:
        """A frozen snapshot: running, children, ids waiting out a back-off."""
        return SupervisorStatistics(
            running=self._running,
            children=self.children(),
            pending_restarts=tuple(i for i in self._children.ids() if i in self._children.pending),
        )

    # -- supervision ------------------------------------------------------

    async def _loop(self) -> None:
        while True:
            deadline = min(self._children.pending.values(), default=math.inf)
            message: ChildExited | _StopRequest | None = None
            with trio.move_on_at(deadline):
                message = await self._receive.receive()
            if isinstance(message, _StopRequest):
                return  # without the lock: a slow start_child must not delay a stop
            async with self._lock:
                if message is None:
                    await self._restart_due()
                else:
                    await self._on_exit(message)

    async def _on_exit(self, message: ChildExited) -> None:
        child = self._children.get(message.id)
        if child is None or child.current is None or child.current.stopping:
            return
        if message.incarnation not in (child.current.number, -1):
            return
        ran_for = trio.current_time() - child.current.started_at
        phase = "start" if message.incarnation == -1 else "run"
        await self._handle_failure(child, message.error, ran_for, phase)

    async def _handle_failure(
        self, child: ChildRecord, error: Exception | None, ran_for: float, phase: str
    ) -> None:
        fields = {"actor": child.spec.id, "supervisor": self.id}
        if error is None:
            log.info("actor.stopped", reason="returned", **fields)
        else:
            log.error("actor.crashed", phase=phase, **fields, **failure_fields(error))
        if not should_restart(child.spec.restart, error):
            if child.spec.restart is Restart.TEMPORARY:
                self._forget(child.spec.id)
            return
        decision = self._ledger.record_failure(
            trio.current_time(), child.spec.id, ran_for, critical=child.spec.critical
        )
        match decision:
            case GiveUp():
                log.error("supervisor.gave_up", **fields, **failure_fields(error))
                raise _GaveUp(error)
            case Retry(delay=delay):
                await self._schedule_restart(child, delay)

    async def _schedule_restart(self, failed: ChildRecord, delay: float) -> None:
        ids = affected(self.strategy, self._children.ids(), failed.spec.id)
        pending = self._children.pending
        group = [
            self._children[i]
            for i in ids
            if i == failed.spec.id or self._children[i].running or i in pending
        ]
        for sibling in reversed(group):
            if sibling is not failed:
                await self._stop_one(sibling)
        deadline = trio.current_time() + delay
        for child in group:
            if child is not failed and child.spec.restart is Restart.TEMPORARY:
                self._forget(child.spec.id)
                continue
            child.restarts += 1
            pending[child.spec.id] = deadline
            log.warning(
                "actor.restarting",
                actor=child.spec.id,
                supervisor=self.id,
                attempt=child.restarts,
                delay=delay,
            )

    async def _restart_due(self) -> None:
        now = trio.current_time()
        pending = self._children.pending
        due = [i for i, at in pending.items() if at <= now]
        for i in due:
            del pending[i]
        await self._start_sequence(tuple(i for i in self._children.ids() if i in due))

    async def _start_sequence(self, ids: Sequence[str]) -> None:
        for i in ids:
            child = self._children.get(i)
            # A failure earlier in this sequence may have put it back on hold.
            if child is None or child.running or i in self._children.pending:
                continue
            error = await self._start_one(child)
            if error is not None:
                await self._handle_failure(child, error, 0.0, "start")

    # -- one child, and bookkeeping ----------------------------------------

    async def _start_one(self, child: ChildRecord) -> Exception | None:
        assert self._nursery is not None
        return await self._children.start(child, self._nursery, self.chaos, self._send)

    async def _stop_one(self, child: ChildRecord) -> None:
        await self._children.stop(child, killed=self._killed)

    def _forget(self, id: str) -> None:
        self._children.forget(id)
        self._ledger.forget(id)

    def _reset(self) -> None:
        self._ledger = RestartLedger(*self._limits)
        self._children = ChildTable(self.id)
        self._send, self._receive = trio.open_memory_channel[ChildExited | _StopRequest](math.inf)
        self._stopping = False
        self._killed = False
        self._finished = trio.Event()

    def _join_parent(self) -> None:
        # Nested supervisor: when the parent asks us to stop, stop our own
        # children in order instead of waiting to be cancelled; share its chaos.
        ctx = current_child_or_none()
        if ctx is None:
            return
        ctx.on_stop(self.stop_nowait)
        ctx.on_kill(self.kill)
        if self._chaos_arg is None:
            self.chaos = ctx.chaos
