"""Children for supervisor tests: they record their lives and crash on demand."""

from __future__ import annotations

import trio

from nutrio.supervisor import current_child


class Boom(Exception):
    """The error a test child raises when told to crash."""


class Worker:
    """A child that serves until told to crash or return, recording starts and stops."""

    def __init__(self, name: str, journal: list[tuple[str, str]] | None = None) -> None:
        self.name = name
        self.journal = journal if journal is not None else []
        self.starts = 0
        self.running = False
        self._crash = trio.Event()
        self._finish = trio.Event()

    async def __call__(
        self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED
    ) -> None:
        self.starts += 1
        crash, finish = self._crash, self._finish = trio.Event(), trio.Event()
        self.journal.append(("start", self.name))
        self.running = True
        task_status.started()
        try:
            async with trio.open_nursery() as nursery:
                nursery.start_soon(_set_on, finish, crash)
                await finish.wait()
                nursery.cancel_scope.cancel()
            if crash.is_set():
                raise Boom(self.name)
        finally:
            self.running = False
            self.journal.append(("stop", self.name))

    def crash(self) -> None:
        self._crash.set()
        self._finish.set()

    def finish(self) -> None:
        self._finish.set()


async def _set_on(target: trio.Event, source: trio.Event) -> None:
    await source.wait()
    target.set()


class Polite:
    """A child that stops when asked, after *linger* seconds of tidying up."""

    def __init__(
        self, name: str, journal: list[tuple[str, str, float]], linger: float = 0.0
    ) -> None:
        self.name = name
        self.journal = journal
        self.linger = linger

    async def __call__(
        self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED
    ) -> None:
        ctx = current_child()
        task_status.started()
        await ctx.wait_stop_requested()
        self.journal.append(("asked", self.name, trio.current_time()))
        await trio.sleep(self.linger)
        self.journal.append(("done", self.name, trio.current_time()))


class Stubborn:
    """A child that listens for stop requests but ignores them; only cancellation ends it."""

    def __init__(self, name: str, journal: list[tuple[str, str, float]]) -> None:
        self.name = name
        self.journal = journal

    async def __call__(
        self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED
    ) -> None:
        current_child().on_stop(lambda: None)  # hears the request, does nothing about it
        task_status.started()
        try:
            await trio.sleep_forever()
        finally:
            self.journal.append(("cancelled", self.name, trio.current_time()))


async def settle() -> None:
    """Let every task run until all are blocked (on the autojump clock: no time passes)."""
    await trio.testing.wait_all_tasks_blocked()
