"""The notifier actor: upsmon's notify() and our own channels, never in the way.

For each :class:`Notification` from the monitor it picks the text (NOTIFYMSG
override or stock) and the NOTIFYFLAG flags, then hands the event to each
channel that wants it: SYSLOG (a datagram to /dev/log), WALL (``wall``
reads the text on its standard input, as upsmon's popen does), EXEC
(NOTIFYCMD with the text as its one argument and NOTIFYTYPE / UPSNAME in
its environment), the webhook and the mail channel, and the upssched
rules (``actors/upsmon/scheduler.py``), whose CMDSCRIPT runs come back here.

upsmon forks for every event so a slow notifier cannot wedge it. Here each
channel has its own bounded queue and worker task(s): handing an event
over never waits, a full queue counts and logs the overflow, and a
channel that fails or hangs delays nobody else. IGNORE stops everything,
the scheduler and our channels included. The upssched rules see every
event not flagged IGNORE: NUT only feeds upssched events flagged EXEC with
NOTIFYCMD pointing at it, but here the rules live in-process beside it.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from typing import Generic, TypeVar

import structlog
import trio

from nutrio.actors.upsmon.scheduler import run_scheduler
from nutrio.conf.model import NotifyConfig, SchedulerConfig
from nutrio.protocol.notify.channels import ChannelRouting, ChannelsConfig, DeliveryFailed
from nutrio.protocol.notify.events import Alert, Notification, message_for
from nutrio.protocol.upsmon.upssched import CmdscriptCall
from nutrio.supervisor import current_child_or_none

__all__ = ["ChannelStatistics", "Notifier", "NotifierStatistics", "run_notifier"]

log = structlog.get_logger()

T = TypeVar("T")

#: syslog(3) priority of upsmon's notices: facility daemon, level notice.
SYSLOG_PRIORITY = 3 * 8 + 5
NO_CHANNELS = ChannelsConfig()
#: Concurrent NOTIFYCMD runs (upsmon forks one per event, unbounded). CMDSCRIPT
#: runs one at a time and in order, as upssched's timer daemon runs them.
EXEC_WORKERS = 4


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelStatistics:
    """One channel at a glance: waiting, delivered, failed, refused for lack of room."""

    name: str
    queued: int
    sent: int
    failed: int
    overflowed: int


@dataclass(frozen=True, slots=True, kw_only=True)
class NotifierStatistics:
    channels: tuple[ChannelStatistics, ...]

    def channel(self, name: str) -> ChannelStatistics:
        """The statistics of channel *name* (KeyError when it does not exist)."""
        for channel in self.channels:
            if channel.name == name:
                return channel
        raise KeyError(name)


class _Channel(Generic[T]):
    """A bounded queue and the worker(s) that deliver what it holds."""

    def __init__(
        self, name: str, size: int, handler: Callable[[T], Awaitable[None]] | None, workers: int = 1
    ) -> None:
        self.name, self.handler, self.workers = name, handler, workers
        self.send, self.receive = trio.open_memory_channel[T](size)
        self.sent = self.failed = self.overflowed = 0

    def offer(self, item: T) -> None:
        """Queue *item* without waiting; when full, count and log it instead."""
        try:
            self.send.send_nowait(item)
            if self.handler is None:  # someone else reads: handing over is the delivery
                self.sent += 1
        except trio.WouldBlock:
            self.overflowed += 1
            log.warning("notify.overflow", channel=self.name, overflowed=self.overflowed)
        except trio.ClosedResourceError:
            log.warning("notify.closed", channel=self.name)

    async def run(self) -> None:
        async with trio.open_nursery() as nursery:
            for _ in range(self.workers):
                nursery.start_soon(self._work)

    async def _work(self) -> None:
        assert self.handler is not None
        structlog.contextvars.bind_contextvars(channel=self.name)
        async for item in self.receive:
            try:
                await self.handler(item)
            except DeliveryFailed as exc:
                self.failed += 1
                log.warning("notify.failed", reason=exc.reason, attempts=exc.attempts)
            else:
                self.sent += 1

    def statistics(self) -> ChannelStatistics:
        queued = self.send.statistics().current_buffer_used
        return ChannelStatistics(
            name=self.name, queued=queued, sent=self.sent, failed=self.failed,
            overflowed=self.overflowed,
        )  # fmt: skip


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
        self.syslog = _Channel[Notification]("syslog", queue_size, self._syslog)
        self.wall = _Channel[Notification]("wall", queue_size, self._wall)
        self.notifycmd = _Channel[Notification](
            "notifycmd", queue_size, self._notifycmd, EXEC_WORKERS
        )
        self.cmdscript = _Channel[CmdscriptCall]("cmdscript", queue_size, self._cmdscript)
        self.scheduler = _Channel[Notification]("scheduler", queue_size, None)
        self.routed: list[tuple[ChannelRouting, _Channel[Alert]]] = []
        if channels.webhook is None and channels.email is None:
            return
        # httpx and smtplib are loaded only for a config that has these channels
        from nutrio.actors.upsmon.delivery import send_mail, send_webhook

        if (hook := channels.webhook) is not None:
            self.routed.append(
                (hook, _Channel("webhook", hook.queue, lambda a: send_webhook(hook, a)))
            )
        if (mail := channels.email) is not None:
            self.routed.append((mail, _Channel("email", mail.queue, lambda a: send_mail(mail, a))))

    @property
    def workers(
        self,
    ) -> tuple[_Channel[Notification] | _Channel[CmdscriptCall] | _Channel[Alert], ...]:
        return (
            self.syslog,
            self.wall,
            self.notifycmd,
            self.cmdscript,
            *(c for _, c in self.routed),
        )

    def statistics(self) -> NotifierStatistics:
        """Counts per channel, including the scheduler's inbox."""
        return NotifierStatistics(
            channels=tuple(c.statistics() for c in (*self.workers, self.scheduler))
        )

    # -- routing ------------------------------------------------------------

    def dispatch(self, notification: Notification) -> None:
        """upsmon's do_notify: text, flags, then every channel that wants it."""
        kind = notification.type.value
        flags = self.cfg.flags_for(kind)
        if "IGNORE" in flags:
            log.info("notify.ignored", notify_type=kind, ups=notification.ups)
            return
        notification = replace(notification, message=message_for(notification, self.cfg.messages))
        log.info(
            "notify.event", notify_type=kind, ups=notification.ups,
            message=notification.message, flags=sorted(flags),
        )  # fmt: skip
        if "SYSLOG" in flags:
            self.syslog.offer(notification)
        if "WALL" in flags:
            self.wall.offer(notification)
        if "EXEC" in flags:
            self.notifycmd.offer(notification)
        self._route(Alert(notification=notification))
        if self.scheduler_cfg.rules:
            self.scheduler.offer(notification)

    def scheduled(self, call: CmdscriptCall) -> None:
        """A CMDSCRIPT run decided by the scheduler: run it, and tell our channels."""
        self.cmdscript.offer(call)
        self._route(Alert(notification=call.cause, scheduled=call.argument, reason=call.reason))

    def _route(self, alert: Alert) -> None:
        for routing, channel in self.routed:
            if routing.wants(alert):
                channel.offer(alert)

    def close(self) -> None:
        """No more events: workers finish what is queued, then end."""
        for channel in self.workers:
            channel.send.close()

    # -- the NUT channels -------------------------------------------------

    async def _syslog(self, n: Notification) -> None:
        # upsmon: upslogx(LOG_NOTICE, ...) to the daemon facility, ident "upsmon".
        sent_to = "log"
        if os.path.exists(self.syslog_path):
            stamp = time.localtime(n.at)
            header = f"<{SYSLOG_PRIORITY}>{time.strftime('%b', stamp)} {stamp.tm_mday:2d} "
            line = f"{header}{time.strftime('%H:%M:%S', stamp)} upsmon[{os.getpid()}]: {n.message}"
            try:
                with trio.socket.socket(trio.socket.AF_UNIX, trio.socket.SOCK_DGRAM) as sock:
                    await sock.sendto(line.encode(), self.syslog_path)
                sent_to = "syslog"
            except OSError as exc:
                log.warning("notify.syslog_unreachable", path=self.syslog_path, error=str(exc))
        log.info(
            "notify.syslog", notify_type=n.type.value, ups=n.ups, message=n.message, to=sent_to
        )

    async def _wall(self, n: Notification) -> None:
        if shutil.which(self.wall_command[0]) is None:
            log.info("notify.wall_unavailable", command=self.wall_command[0], message=n.message)
            return
        await _run("wall", self.wall_command, stdin=(n.message + "\n").encode())

    async def _notifycmd(self, n: Notification) -> None:
        if self.cfg.notifycmd is None:
            log.info("notify.no_notifycmd", notify_type=n.type.value)  # upsmon skips silently
            return
        await _run_shell("notifycmd", self.cfg.notifycmd, n.message, n)

    async def _cmdscript(self, call: CmdscriptCall) -> None:
        if self.scheduler_cfg.cmdscript is None:
            log.info("notify.no_cmdscript", argument=call.argument)
            return
        await _run_shell("cmdscript", self.scheduler_cfg.cmdscript, call.argument, call.cause)


async def _run_shell(what: str, command: str, argument: str, cause: Notification) -> None:
    """Run ``command "argument"`` through the shell, as upsmon's system() call does.

    The argument goes in as "$1", so quotes or ``$`` in a message stay text.
    upsmon sets UPSNAME to "" for events without a UPS (SHUTDOWN).
    """
    env = {**os.environ, "NOTIFYTYPE": cause.type.value, "UPSNAME": cause.ups}
    argv = ("/bin/sh", "-c", f'{command} "$1"', "sh", argument)
    await _run(what, argv, env=env)


async def _run(
    what: str, argv: Sequence[str], *, stdin: bytes = b"", env: dict[str, str] | None = None
) -> None:
    try:
        done = await trio.run_process(
            list(argv), stdin=stdin, capture_stdout=True, capture_stderr=True, check=False, env=env
        )
    except OSError as exc:
        raise DeliveryFailed(what, str(exc)) from exc
    if done.returncode != 0:
        stderr = done.stderr.decode(errors="replace")[-400:]
        raise DeliveryFailed(what, f"exit status {done.returncode}: {stderr.strip()}")
    log.info("notify.ran", command=what)


async def run_notifier(
    cfg: NotifyConfig,
    scheduler_cfg: SchedulerConfig,
    inbox: trio.MemoryReceiveChannel[Notification],
    *,
    channels: ChannelsConfig = NO_CHANNELS,
    syslog_path: str = "/dev/log",
    wall_command: Sequence[str] = ("wall",),
    queue_size: int = 64,
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
            await nursery.start(
                run_scheduler, scheduler_cfg.rules, notifier.scheduler.receive, calls_in
            )
            nursery.start_soon(_relay, notifier, calls_out, relayed)
        else:
            relayed.set()
        task_status.started(notifier)
        await _read(notifier, inbox)
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


async def _relay(
    notifier: Notifier, calls: trio.MemoryReceiveChannel[CmdscriptCall], done: trio.Event
) -> None:
    async for call in calls:
        notifier.scheduled(call)
    done.set()
