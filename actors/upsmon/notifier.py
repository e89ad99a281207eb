"""The notifier actor: upsmon's notify() and our own channels, never in the way.

For each :class:`Notification` from the monitor it picks the text (NOTIFYMSG
override or stock) and the NOTIFYFLAG flags, then hands the event to each
channel that wants it: SYSLOG (a datagram to /dev/log), WALL (``wall``
reads the text on its standard input, as upsmon's popen does), EXEC
(each NOTIFYCMD with the text as its one argument and NOTIFYTYPE / UPSNAME
in its environment), our routed channels (webhook, mail, ntfy, Telegram),
and the upssched rules (``actors/upsmon/scheduler.py``), whose CMDSCRIPT
runs come back here.

upsmon forks for every event so a slow notifier cannot wedge it. Here each
channel has its own bounded queue and worker task(s) (actors/upsmon/outbox.py):
handing an event over never waits, a full queue counts and logs the
overflow, and a channel that fails or hangs delays nobody else. IGNORE stops
everything, the scheduler and our channels included. The upssched rules see
every event not flagged IGNORE: NUT only feeds upssched events flagged EXEC
with NOTIFYCMD pointing at it, but here the rules live in-process beside it.

A test notification (`nutrio upsmon -c test`, :class:`NotifierHandle`) goes
the same way with a :class:`Receipt` that each channel fills in, but never
to the upssched rules: a rehearsed ONBATT must not start a shutdown timer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import structlog
import trio

from nutrio.actors.upsmon.nutchannels import run_shell, send_syslog, send_wall
from nutrio.actors.upsmon.outbox import ChannelStatistics, NotifierStatistics, Outbox, Receipt
from nutrio.actors.upsmon.scheduler import run_scheduler
from nutrio.conf.model import NotifyConfig, SchedulerConfig
from nutrio.protocol.notify.channels import ChannelRouting, ChannelsConfig
from nutrio.protocol.notify.events import Alert, Notification, message_for
from nutrio.protocol.upsmon.upssched import CmdscriptCall
from nutrio.supervisor import current_child_or_none

__all__ = [
    "ChannelStatistics",
    "Notifier",
    "NotifierHandle",
    "NotifierStatistics",
    "Receipt",
    "run_notifier",
]

log = structlog.get_logger()

NO_CHANNELS = ChannelsConfig()
#: Concurrent NOTIFYCMD runs (upsmon forks one per event, unbounded). CMDSCRIPT
#: runs one at a time and in order, as upssched's timer daemon runs them.
EXEC_WORKERS = 4
#: Which flag sends to which of upsmon's channels.
_NUT_FLAGS = (("SYSLOG", "syslog"), ("WALL", "wall"))


class Notifier:
    """The running notifier's channels; ``task_status.started()`` hands it out."""

    def __init__(
        self,
        cfg: NotifyConfig,
        scheduler_cfg: SchedulerConfig,
        channels: ChannelsConfig,
        *,
        syslog_path: str,
        wall_command: Sequence[str],
        queue_size: int,
    ) -> None:
        self.cfg, self.scheduler_cfg = cfg, scheduler_cfg
        self.syslog_path, self.wall_command = syslog_path, tuple(wall_command)
        self.syslog = Outbox[Notification]("syslog", queue_size, self._syslog)
        self.wall = Outbox[Notification]("wall", queue_size, self._wall)
        self.notifycmd = Outbox[tuple[Notification, str | None]](
            "notifycmd", queue_size, self._notifycmd, EXEC_WORKERS
        )
        self.cmdscript = Outbox[CmdscriptCall]("cmdscript", queue_size, self._cmdscript)
        # the upssched rules read from to_scheduler's other end, one event at a time
        self.to_scheduler, self.scheduler_inbox = trio.open_memory_channel[Notification](0)
        self.scheduler = Outbox[Notification]("scheduler", queue_size, self._schedule)
        self.routed: list[tuple[ChannelRouting, Outbox[Alert]]] = []
        if not channels.routed():
            return
        # httpx and smtplib are loaded only for a config that has these channels
        from nutrio.actors.upsmon.delivery import sender_for

        for name, routing in channels.routed():
            self.routed.append((routing, Outbox(name, routing.queue, sender_for(name, routing))))

    @property
    def workers(self) -> tuple[Outbox[Any], ...]:
        return (self.syslog, self.wall, self.notifycmd, self.cmdscript,
                *(c for _, c in self.routed))  # fmt: skip

    def statistics(self) -> NotifierStatistics:
        """Counts per channel, including the scheduler's inbox."""
        return NotifierStatistics(
            channels=tuple(c.statistics() for c in (*self.workers, self.scheduler))
        )

    # -- routing ------------------------------------------------------------

    def dispatch(self, notification: Notification, receipt: Receipt | None = None) -> None:
        """upsmon's do_notify: text, flags, then every channel that wants it.

        With a *receipt*, each channel notes there how it delivered (or why not).
        """
        kind = notification.type.value
        flags = self.cfg.flags_for(kind)
        if "IGNORE" in flags:
            log.info("notify.ignored", notify_type=kind, ups=notification.ups)
            if receipt is not None:
                receipt.skip("every channel", f"{kind} is flagged IGNORE")
            return
        notification = replace(notification, message=message_for(notification, self.cfg.messages))
        log.info(
            "notify.event", notify_type=kind, ups=notification.ups,
            message=notification.message, flags=sorted(flags),
            **({"test": True} if notification.test else {}),
        )  # fmt: skip
        for flag, name in _NUT_FLAGS:
            outbox = self.syslog if name == "syslog" else self.wall
            if flag in flags:
                outbox.offer(notification, receipt)
            elif receipt is not None:
                receipt.skip(name, f"{kind} is not flagged {flag}")
        self._exec(notification, "EXEC" in flags, receipt)
        self._route(Alert(notification=notification), receipt)
        if self.scheduler_cfg.rules and not notification.test:
            self.scheduler.offer(notification)

    def _exec(self, n: Notification, flagged: bool, receipt: Receipt | None) -> None:
        """Each NOTIFYCMD runs for the event (one NOTIFYCMD in NUT, as many as given here)."""
        commands = self.cfg.commands
        if not flagged:
            if receipt is not None:
                receipt.skip("notifycmd", f"{n.type.value} is not flagged EXEC")
            return
        if not commands:
            self.notifycmd.offer((n, None), receipt)
        for command in commands:
            label = "notifycmd" if len(commands) == 1 else f"notifycmd {command}"
            self.notifycmd.offer((n, command), receipt, label)

    def scheduled(self, call: CmdscriptCall) -> None:
        """A CMDSCRIPT run decided by the scheduler: run it, and tell our channels."""
        self.cmdscript.offer(call)
        self._route(Alert(notification=call.cause, scheduled=call.argument, reason=call.reason))

    def _route(self, alert: Alert, receipt: Receipt | None = None) -> None:
        for routing, outbox in self.routed:
            if routing.wants(alert):
                outbox.offer(alert, receipt)
            elif receipt is not None:
                kind = alert.notification.type.value
                receipt.skip(outbox.name, f"its events list leaves out {kind}")

    def close(self) -> None:
        """No more events: workers finish what is queued, then end."""
        for outbox in self.workers:
            outbox.send.close()

    # -- the NUT channels -------------------------------------------------

    async def _syslog(self, n: Notification) -> str | None:
        return await send_syslog(self.syslog_path, n)

    async def _wall(self, n: Notification) -> str | None:
        return await send_wall(self.wall_command, n)

    async def _notifycmd(self, item: tuple[Notification, str | None]) -> str | None:
        n, command = item
        if command is None:
            log.info("notify.no_notifycmd", notify_type=n.type.value)  # upsmon skips silently
            return "not sent (no notifycmd in [notify])"
        await run_shell("notifycmd", command, n.message, n)
        return None

    async def _cmdscript(self, call: CmdscriptCall) -> str | None:
        if self.scheduler_cfg.cmdscript is None:
            log.info("notify.no_cmdscript", argument=call.argument)
            return None
        await run_shell("cmdscript", self.scheduler_cfg.cmdscript, call.argument, call.cause)
        return None

    async def _schedule(self, n: Notification) -> str | None:
        await self.to_scheduler.send(n)
        return None


class NotifierHandle:
    """The running notifier, for `nutrio upsmon -c test` (one per tree, across restarts)."""

    def __init__(self) -> None:
        self._notifier: Notifier | None = None

    def attach(self, notifier: Notifier) -> None:
        self._notifier = notifier

    def detach(self, notifier: Notifier) -> None:
        if self._notifier is notifier:
            self._notifier = None

    async def send_test(self, notification: Notification, *, wait: float) -> Receipt:
        """Dispatch *notification* (``test`` set) and wait up to *wait* s for every channel.

        Raises:
            LookupError: no notifier runs (no [monitor] and no threshold rules).
        """
        if self._notifier is None:
            raise LookupError("the notifier is not running (no [monitor] in the running config?)")
        receipt = Receipt()
        self._notifier.dispatch(replace(notification, test=True), receipt)
        with trio.move_on_after(wait):
            await receipt.wait()
        return receipt


async def run_notifier(
    cfg: NotifyConfig,
    scheduler_cfg: SchedulerConfig,
    inbox: trio.MemoryReceiveChannel[Notification],
    *,
    channels: ChannelsConfig = NO_CHANNELS,
    syslog_path: str = "/dev/log",
    wall_command: Sequence[str] = ("wall",),
    queue_size: int = 64,
    handle: NotifierHandle | None = None,
    task_status: trio.TaskStatus[Notifier] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Deliver every notification from *inbox* until it closes; started() gives the Notifier.

    Asked to stop by its supervisor, it stops reading and delivers what is
    queued within the grace (a SHUTDOWN notice should still go out). It never
    closes *inbox*, so a restarted notifier reads on from it; run it as a
    TRANSIENT child, since it returns when the monitor closes the inbox.
    """
    structlog.contextvars.bind_contextvars(actor="notifier")
    notifier = Notifier(
        cfg, scheduler_cfg, channels,
        syslog_path=syslog_path, wall_command=wall_command, queue_size=queue_size,
    )  # fmt: skip
    async with trio.open_nursery() as nursery:
        for channel in notifier.workers:
            nursery.start_soon(channel.run)
        relayed = trio.Event()
        if scheduler_cfg.rules:
            calls_in, calls_out = trio.open_memory_channel[CmdscriptCall](0)
            await nursery.start(run_scheduler, scheduler_cfg.rules, notifier.scheduler_inbox,
                                calls_in)  # fmt: skip
            nursery.start_soon(_feed_scheduler, notifier)
            nursery.start_soon(_relay, notifier, calls_out, relayed)
        else:
            relayed.set()
        if handle is not None:
            handle.attach(notifier)
        task_status.started(notifier)
        try:
            await _read(notifier, inbox)
        finally:
            if handle is not None:
                handle.detach(notifier)
        notifier.scheduler.send.close()
        await relayed.wait()
        notifier.close()
    log.info("notify.stopped")


async def _read(notifier: Notifier, inbox: trio.MemoryReceiveChannel[Notification]) -> None:
    child = current_child_or_none()
    with trio.CancelScope() as reading:
        if child is not None:
            child.on_stop(reading.cancel)
        async for notification in inbox:
            if child is None or await child.before_message():  # the chaos seam
                notifier.dispatch(notification)


async def _feed_scheduler(notifier: Notifier) -> None:
    """Pass events on to the upssched rules; closing the pipe stops them."""
    async with notifier.to_scheduler:
        await notifier.scheduler.run()


async def _relay(
    notifier: Notifier, calls: trio.MemoryReceiveChannel[CmdscriptCall], done: trio.Event
) -> None:
    async for call in calls:
        notifier.scheduled(call)
    done.set()

