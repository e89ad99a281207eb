"""DRIVERFAIL / DRIVEROK: the operator hears of a driver that keeps crashing.

The tree's :class:`ErrorBook` (actors/control.py) sees each driver crash
and calls :meth:`DriverWatch.crashed`; the pure :class:`CrashLedger` decides
whether this crash makes the driver failing. Then one ``driver.failing``
warning is logged (UPS, restarts, window, last error) and a DRIVERFAIL
notification goes to the notifier, when one runs ([monitor] or threshold
rules configured; without one the log line is all there is). The watch's own
task (:meth:`DriverWatch.run`, a child of the root) wakes at the ledger's
next deadline to say DRIVEROK (``driver.recovered``) once a failing driver
has gone a whole window without a crash.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import structlog
import trio

from nutrio.protocol.notify.driverfail import CrashLedger, DriverAlarm, DriverFailSettings
from nutrio.protocol.notify.events import Notification

__all__ = ["DriverWatch"]

log = structlog.get_logger()


class DriverWatch:
    """Counts driver crashes (one per tree, across restarts and reloads)."""

    def __init__(
        self, settings: DriverFailSettings, deliver: Callable[[Notification], None]
    ) -> None:
        self.ledger = CrashLedger(settings)
        self.deliver = deliver
        self._changed = trio.Event()

    def configure(self, settings: DriverFailSettings) -> None:
        """New settings (a reload); the crashes counted so far stay."""
        self.ledger.settings = settings
        self._wake()

    def crashed(self, child_id: str, error: str) -> None:
        """A driver child failed with *error* (its one-line text)."""
        ups = child_id.removeprefix("driver:")
        alarm = self.ledger.crashed(ups, error, trio.current_time())
        if alarm is not None:
            self._alarm(alarm)
        self._wake()

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Say DRIVEROK when it is due, until cancelled."""
        structlog.contextvars.bind_contextvars(actor="driverwatch")
        task_status.started()
        while True:
            deadline = self.ledger.next_deadline()
            with trio.move_on_at(math.inf if deadline is None else deadline):
                await self._changed.wait()
            for alarm in self.ledger.due(trio.current_time()):
                self._alarm(alarm)

    def _wake(self) -> None:
        self._changed.set()
        self._changed = trio.Event()

    def _alarm(self, alarm: DriverAlarm) -> None:
        if alarm.failing:
            log.warning("driver.failing", ups=alarm.ups, restarts=alarm.restarts,
                        window=alarm.window, last_error=alarm.last_error)  # fmt: skip
        else:
            log.info("driver.recovered", ups=alarm.ups, window=alarm.window)
        self.deliver(alarm.notification(time.time()))
