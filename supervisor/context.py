"""What a running child can learn about itself: its id, its chaos, a stop request.

The supervisor stops a child in two steps: it *asks* (sets the stop request and
runs the callbacks the child registered, e.g. closing its inbox so its receive
loop ends), then after the child's ``shutdown`` grace it cancels the child's
own cancel scope. The grace is only for a child that listens: one that never
registered ``on_stop``, never awaited ``wait_stop_requested`` and never read
``stop_requested`` is cancelled at once, like an OTP worker that does not trap
exits. Listening makes shutdown tidier (a last reply, a LOGOUT, a flushed file).
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar

import structlog
import trio

from nutrio.supervisor.chaos import NO_CHAOS, Chaos

__all__ = ["ChildContext", "current_child", "current_child_or_none", "enter_child"]

log = structlog.get_logger()

_current: ContextVar[ChildContext] = ContextVar("nutrio_child")


class ChildContext:
    """Handed to each child incarnation through a context variable."""

    def __init__(self, child_id: str, supervisor_id: str, chaos: Chaos = NO_CHAOS) -> None:
        self.id = child_id
        self.supervisor = supervisor_id
        self.chaos = chaos
        self._asked = trio.Event()
        self._callbacks: list[Callable[[], object]] = []
        self._kill_callbacks: list[Callable[[], object]] = []
        self.listening = False  # the child showed it handles a stop request

    async def before_poll(self) -> None:
        """The chaos seam before a poll, for this child's id (see ``Chaos.before_poll``)."""
        await self.chaos.before_poll(self.id)

    async def before_message(self) -> bool:
        """The chaos seam at a channel message; False means drop it."""
        return await self.chaos.before_message(self.id)

    @property
    def stop_requested(self) -> bool:
        """True once the supervisor asked this child to stop."""
        self.listening = True
        return self._asked.is_set()

    async def wait_stop_requested(self) -> None:
        """Return when the supervisor asks this child to stop."""
        self.listening = True
        await self._asked.wait()

    def on_stop(self, callback: Callable[[], object]) -> None:
        """Run *callback* (sync, must not block) when asked to stop; at once if already asked."""
        self.listening = True
        if self._asked.is_set():
            self._run(callback)
        else:
            self._callbacks.append(callback)

    def on_kill(self, callback: Callable[[], object]) -> None:
        """Run *callback* (sync) if the supervisor abandons the orderly stop (``kill``).

        A nested supervisor registers here, so a stop past its deadline reaches
        its own children too instead of waiting out their graces.
        """
        self._kill_callbacks.append(callback)

    def kill(self) -> None:
        """The orderly stop was abandoned: run the kill callbacks once."""
        callbacks, self._kill_callbacks = self._kill_callbacks, []
        for callback in callbacks:
            self._run(callback)

    def request_stop(self) -> None:
        """Ask the child to stop: set the event and run the callbacks once."""
        if self._asked.is_set():
            return
        self._asked.set()
        callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            self._run(callback)

    def _run(self, callback: Callable[[], object]) -> None:
        # A broken callback must not stop the supervisor from stopping the
        # rest; the grace deadline and cancellation still apply.
        try:
            callback()
        except Exception:
            log.exception("actor.stop_callback_failed", actor=self.id, supervisor=self.supervisor)


def current_child() -> ChildContext:
    """The context of the supervised child running this task.

    Raises:
        LookupError: the task was not started by a Supervisor.
    """
    return _current.get()


def current_child_or_none() -> ChildContext | None:
    """Like ``current_child``, None outside a supervised child."""
    return _current.get(None)


def enter_child(ctx: ChildContext) -> None:
    """Install *ctx* in the calling task (the supervisor's wrapper task of a child)."""
    _current.set(ctx)
