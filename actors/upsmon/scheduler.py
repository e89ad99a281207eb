"""The upssched actor: AT rules on notifications, timers on the Trio clock.

NUT runs upssched as NOTIFYCMD and keeps its timers in a daemon reached
through a socket and a lock file; here the timers live in this task. The
decisions are :mod:`protocol.upsmon.upssched`'s; this actor waits for the next
notification or the next deadline, whichever comes first, and sends each
CMDSCRIPT run it decides on (a fired timer, an EXECUTE, a CANCEL-TIMER
command) to *outbox*. Running CMDSCRIPT and telling the channels is the
notifier's job, so a slow script never holds a timer back.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import structlog
import trio

from nutrio.protocol.notify.events import Notification
from nutrio.protocol.upsmon.upssched import CmdscriptCall, Rule, TimerTable, actions_for

__all__ = ["run_scheduler"]

log = structlog.get_logger()


async def run_scheduler(
    rules: Iterable[Rule],
    inbox: trio.MemoryReceiveChannel[Notification],
    outbox: trio.MemorySendChannel[CmdscriptCall],
    *,
    task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Apply upssched *rules* to each notification until *inbox* closes.

    Timers still running when the inbox closes are dropped (logged).
    """
    structlog.contextvars.bind_contextvars(actor="scheduler")
    rules = tuple(rules)
    with outbox:  # closing it tells the notifier no more runs will come
        task_status.started()
        await _serve(rules, inbox, outbox)


async def _serve(
    rules: tuple[Rule, ...],
    inbox: trio.MemoryReceiveChannel[Notification],
    outbox: trio.MemorySendChannel[CmdscriptCall],
) -> None:
    table = TimerTable()
    while True:
        deadline = table.next_deadline()
        notification: Notification | None = None
        with trio.move_on_at(math.inf if deadline is None else deadline):
            try:
                notification = await inbox.receive()
            except trio.EndOfChannel:
                log.info("scheduler.stopped", pending=list(table.names()))
                return
        now = trio.current_time()
        calls: tuple[CmdscriptCall, ...] = ()
        if notification is not None:
            table, calls = _on_notification(rules, table, notification, now)
        table, fired = table.pop_due(now)
        for call in (*calls, *fired):
            if call.reason == "timer":
                log.info("scheduler.timer_fired", timer=call.argument, ups=call.cause.ups)
            await outbox.send(call)


def _on_notification(
    rules: tuple[Rule, ...], table: TimerTable, notification: Notification, now: float
) -> tuple[TimerTable, tuple[CmdscriptCall, ...]]:
    calls: list[CmdscriptCall] = []
    for action in actions_for(rules, notification.type.value, notification.ups):
        before = table
        table, asked = table.apply(action, now, notification)
        calls.extend(asked)
        log.info(
            "scheduler.action",
            action=type(action).__name__,
            notify_type=notification.type.value,
            ups=notification.ups,
            cancelled=len(before.timers) > len(table.timers),
            running=list(table.names()),
        )
    return table, tuple(calls)
