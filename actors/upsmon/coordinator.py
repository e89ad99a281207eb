"""The upsmon coordinator: applies the pure decisions and runs the shutdown.

It receives every poll result from the monitor actors (actors.upsmon.monitor),
feeds them to :mod:`protocol.upsmon.state`, emits a
:class:`~protocol.notify.events.Notification` per edge and re-assesses the power
value at least every second (so DEADTIME and HOSTSYNC expire on time).

When the power value drops below MINSUPPLIES it runs upsmon's
forceshutdown once: set FSD on every UPS we are primary for, wait until the
secondaries logged out (NUMLOGINS <= 1) or HOSTSYNC ran out, then
doshutdown: notify SHUTDOWN, wait FINALDELAY, ask the shutdown runner (the
root helper) for SHUTDOWNCMD, and retire the monitors so that our own
logins disappear, which is what a primary waits for.

A user may start the same forced shutdown early (upsmon's ``-c fsd``, or
SIGUSR1): :class:`UpsmonHandle` reaches whichever coordinator runs now, and
the sequence is the same as for a critical UPS.

Notifications never block a decision: they go out with ``send_nowait`` and
an overflow is counted and logged.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import assert_never

import structlog
import trio

from nutrio import conf
from nutrio.actors.nutclient import NET_TIMEOUT
from nutrio.actors.registry import Registry
from nutrio.actors.upsmon.monitor import (
    CountLogins,
    FsdResult,
    LoginsCounted,
    MonitorCommand,
    MonitorEvent,
    PollFailed,
    PollTiming,
    Retire,
    SetFsd,
    StatusRead,
    local_handle,
    run_ups_monitor,
)
from nutrio.actors.upsmon.shutdown import LocalShutdown, ShutdownRunner
from nutrio.conf.model import MonitorTls
from nutrio.protocol.notify.events import DEFAULT_MESSAGES, Notification, NotifyType, format_message
from nutrio.protocol.upsmon.critical import assess, primaries, secondaries_gone
from nutrio.protocol.upsmon.state import (
    Monitor,
    Notice,
    Settings,
    Step,
    new_monitor,
    observe_failure,
    observe_status,
    power_config_error,
)
from nutrio.supervisor import ChildSpec, Restart, StartFn

__all__ = [
    "MonitorConfigError",
    "MonitorHub",
    "Phase",
    "UpsmonHandle",
    "monitor_children",
    "run_upsmon",
    "settings_from",
]

log = structlog.get_logger()

#: recalc at least this often (seconds), whatever the poll frequencies.
TICK = 1.0
#: sync_secondaries asks NUMLOGINS this often.
HOSTSYNC_POLL = 0.25
#: NOPARENT is repeated this often while the helper is gone (check_parent).
NOPARENT_EVERY = 120.0
EVENT_BUFFER = 64
COMMAND_BUFFER = 8


class MonitorConfigError(ValueError):
    """The [monitor] section cannot work (upsmon refuses to start)."""


class Phase(enum.Enum):
    RUNNING = "running"
    SHUTTING_DOWN = "shutting-down"
    DONE = "done"


@dataclass(eq=False)
class MonitorHub:
    """The channels between the coordinator and the monitors.

    Created once per config so they outlive actor restarts (like DeviceHandle).
    """

    events_in: trio.MemorySendChannel[MonitorEvent]
    events_out: trio.MemoryReceiveChannel[MonitorEvent]
    commands_in: Mapping[str, trio.MemorySendChannel[MonitorCommand]]
    commands_out: Mapping[str, trio.MemoryReceiveChannel[MonitorCommand]]

    @classmethod
    def create(cls, systems: tuple[str, ...]) -> MonitorHub:
        events_in, events_out = trio.open_memory_channel[MonitorEvent](EVENT_BUFFER)
        pairs = {s: trio.open_memory_channel[MonitorCommand](COMMAND_BUFFER) for s in systems}
        return cls(events_in, events_out,
                   MappingProxyType({s: p[0] for s, p in pairs.items()}),
                   MappingProxyType({s: p[1] for s, p in pairs.items()}))


class UpsmonHandle:
    """The running coordinator, for requests from outside the tree.

    One per tree, like MonitorHub, so `nutrio upsmon -c fsd` and SIGUSR1
    reach the coordinator that runs now, across restarts and reloads.
    """

    def __init__(self) -> None:
        self._coordinator: _Coordinator | None = None

    def attach(self, coordinator: _Coordinator) -> None:
        self._coordinator = coordinator

    def detach(self, coordinator: _Coordinator) -> None:
        if self._coordinator is coordinator:
            self._coordinator = None

    @property
    def shutting_down(self) -> bool:
        """True once the coordinator left RUNNING (FSD, HOSTSYNC wait, SHUTDOWNCMD)."""
        return self._coordinator is not None and self._coordinator.phase is not Phase.RUNNING

    def request_fsd(self, source: str) -> str:
        """Start the forced shutdown now (upsmon's user FSD); what happened, in words.

        Raises:
            LookupError: no coordinator runs (no [monitor], or it is restarting).
        """
        if self._coordinator is None:
            raise LookupError("upsmon is not running (no [monitor] in the running config?)")
        return self._coordinator.request_fsd(source)


def settings_from(cfg: conf.MonitorConfig) -> Settings:
    return Settings(minsupplies=cfg.minsupplies, deadtime=cfg.deadtime, hostsync=cfg.hostsync,
                    nocommwarntime=cfg.nocommwarntime, rbwarntime=cfg.rbwarntime,
                    offduration=cfg.offduration, oblbduration=cfg.oblbduration,
                    overduration=cfg.overduration, alarmcritical=cfg.alarmcritical)


def _initial(cfg: conf.MonitorConfig) -> Monitor:
    return new_monitor(settings_from(cfg),
                       ((u.system, u.powervalue, u.role == "primary") for u in cfg.ups))


async def run_upsmon(
    cfg: conf.MonitorConfig,
    hub: MonitorHub,
    notify: trio.MemorySendChannel[Notification],
    shutdown: ShutdownRunner,
    *,
    handle: UpsmonHandle | None = None,
    task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
) -> None:
    """The coordinator actor; runs until cancelled (after a shutdown it idles).

    ``handle`` lets the control socket and SIGUSR1 ask for a forced shutdown.
    """
    structlog.contextvars.bind_contextvars(actor="upsmon")
    coordinator = _Coordinator(cfg, hub, notify, shutdown)
    async with trio.open_nursery() as nursery:
        coordinator.nursery = nursery
        log.info("actor.started", ups=[u.system for u in cfg.ups], minsupplies=cfg.minsupplies)
        if handle is not None:
            handle.attach(coordinator)
        try:
            task_status.started()
            await coordinator.run()
        finally:
            if handle is not None:
                handle.detach(coordinator)


class _Coordinator:
    def __init__(self, cfg: conf.MonitorConfig, hub: MonitorHub,
                 notify: trio.MemorySendChannel[Notification], shutdown: ShutdownRunner) -> None:
        self.cfg = cfg
        self.hub = hub
        self.notify_out = notify
        self.shutdown = shutdown
        self.monitor = _initial(cfg)
        self.phase = Phase.RUNNING
        self.critical: tuple[tuple[str, str], ...] = ()
        self.dropped_notifications = 0
        self.last_noparent = -float("inf")
        self.replies_in, self.replies_out = trio.open_memory_channel[MonitorEvent](EVENT_BUFFER)
        self.nursery: trio.Nursery | None = None  # run_upsmon's: the shutdown runs there

    async def run(self) -> None:
        while True:
            with trio.move_on_after(TICK):
                self.handle(await self.hub.events_out.receive())
            self.recalc()
            self.check_parent()

    def handle(self, event: MonitorEvent) -> None:
        match event:
            case StatusRead(sys=sys, status=status, at=at):
                if self.phase is Phase.RUNNING:
                    self.apply(observe_status(self.monitor, sys, status, at))
            case PollFailed(sys=sys, at=at):
                if self.phase is Phase.RUNNING:
                    self.apply(observe_failure(self.monitor, sys, at))
            case LoginsCounted() | FsdResult():
                try:
                    self.replies_in.send_nowait(event)
                except trio.WouldBlock:  # nobody waits for it (a late FSD result)
                    log.warning("upsmon.reply_dropped", reply=type(event).__name__)
            case _:
                assert_never(event)

    def apply(self, step: Step) -> None:
        self.monitor = step.monitor
        for notice in step.notices:
            self.emit(notice)

    def emit(self, notice: Notice) -> None:
        text = format_message(DEFAULT_MESSAGES.get(notice.type, "UPS %s"), notice.ups,
                              notice.detail)
        note = Notification(type=notice.type, ups=notice.ups, message=text, at=time.time(),
                            detail=notice.detail)
        log.info("upsmon.notify", type=notice.type.value, target=notice.ups, text=text)
        try:
            self.notify_out.send_nowait(note)
        except trio.WouldBlock:
            self.dropped_notifications += 1
            log.error("upsmon.notify_overflow", type=notice.type.value,
                      dropped=self.dropped_notifications)
        except (trio.BrokenResourceError, trio.ClosedResourceError):
            log.error("upsmon.notify_closed", type=notice.type.value)

    def recalc(self) -> None:
        if self.phase is not Phase.RUNNING:
            return
        verdict = assess(self.monitor, trio.current_time())
        self.monitor = verdict.monitor
        if verdict.critical != self.critical:
            self.critical = verdict.critical
            log.warning("upsmon.critical", critical=dict(verdict.critical), power=verdict.power,
                        minsupplies=self.monitor.settings.minsupplies)
        if verdict.shutdown:
            log.critical("upsmon.power_insufficient", power=verdict.power,
                         minsupplies=self.monitor.settings.minsupplies,
                         critical=dict(verdict.critical))
            self.begin_shutdown()

    def request_fsd(self, source: str) -> str:
        """A user asked for the forced shutdown (upsmon's userfsd); once only."""
        if self.phase is not Phase.RUNNING:
            log.warning("upsmon.fsd_ignored", source=source, phase=self.phase.value)
            return "a forced shutdown is already under way"
        ours = primaries(self.monitor)
        log.critical("upsmon.fsd_requested", source=source, primary_for=list(ours))
        self.begin_shutdown()
        if ours:
            return f"forced shutdown started: setting FSD on {', '.join(ours)}"
        return "forced shutdown started: primary for no UPS, shutting down this host only"

    def begin_shutdown(self) -> None:
        assert self.nursery is not None
        self.phase = Phase.SHUTTING_DOWN
        self.nursery.start_soon(self.force_shutdown)

    def check_parent(self) -> None:
        if self.shutdown.helper_alive():
            return
        now = trio.current_time()
        if now - self.last_noparent >= NOPARENT_EVERY:
            self.last_noparent = now
            log.critical("upsmon.parent_died")  # "Parent died - shutdown impossible"
            self.emit(Notice(type=NotifyType.NOPARENT, ups=""))

    # -- forceshutdown / sync_secondaries / doshutdown --------------------------

    async def force_shutdown(self) -> None:
        ours = primaries(self.monitor)
        for sys in ours:
            await self.command(sys, SetFsd())
        if ours:
            await self.sync_secondaries(ours)
        await self.do_shutdown()

    async def sync_secondaries(self, ours: tuple[str, ...]) -> None:
        start = trio.current_time()
        announced = False
        while True:
            counts = [await self.count_logins(sys) for sys in ours]
            if secondaries_gone(counts):
                log.info("upsmon.secondaries_gone", logins=counts)
                return
            if not announced:  # only when there is someone to wait for
                announced = True
                for sys, count in zip(ours, counts, strict=True):
                    if (count or 0) > 1:
                        self.emit(Notice(type=NotifyType.SHUTDOWN_HOSTSYNC, ups=sys))
            if trio.current_time() - start > self.cfg.hostsync:
                log.warning("upsmon.hostsync_expired", logins=counts)
                return
            await trio.sleep(HOSTSYNC_POLL)

    async def count_logins(self, sys: str) -> int | None:
        await self.command(sys, CountLogins())
        with trio.move_on_after(NET_TIMEOUT):
            while True:
                reply = await self.replies_out.receive()
                if isinstance(reply, LoginsCounted) and reply.sys == sys:
                    return reply.count
        return None

    async def command(self, sys: str, command: MonitorCommand) -> None:
        with trio.move_on_after(NET_TIMEOUT) as scope:
            await self.hub.commands_in[sys].send(command)
        if scope.cancelled_caught:
            log.error("upsmon.monitor_unresponsive", target=sys, command=type(command).__name__)

    async def do_shutdown(self) -> None:
        log.critical("upsmon.shutdown", finaldelay=self.cfg.finaldelay)
        self.emit(Notice(type=NotifyType.SHUTDOWN, ups=""))
        await trio.sleep(self.cfg.finaldelay)
        await self.shutdown.request_shutdown()
        self.phase = Phase.DONE
        for sys in self.hub.commands_in:
            await self.command(sys, Retire())  # upsmon exits here: its logins vanish


def monitor_children(
    config: conf.Config,
    registry: Registry | None,
    notify: trio.MemorySendChannel[Notification],
    shutdown: ShutdownRunner | None = None,
    *,
    handle: UpsmonHandle | None = None,
) -> list[ChildSpec]:
    """The coordinator and one monitor actor per ``[[monitor.ups]]``, in start order.

    Args:
        config: the whole config; nothing is returned without a [monitor].
        registry: this process's devices, for the push path (None: network only).
        notify: where Notifications go (the notifier's inbox; give it a buffer).
        shutdown: from :func:`actors.upsmon.shutdown.prepare_shutdown`; by default the
            command runs in-process.
        handle: the tree's, so a requested forced shutdown reaches this coordinator.
    Raises:
        MonitorConfigError: the power values cannot reach MINSUPPLIES.
    """
    cfg = config.monitor
    if cfg is None or not cfg.ups:
        return []
    problem = power_config_error(_initial(cfg))
    if problem:
        raise MonitorConfigError(problem)
    runner = shutdown or LocalShutdown(cfg.shutdowncmd, cfg.powerdownflag)
    hub = MonitorHub.create(tuple(u.system for u in cfg.ups))
    timing = PollTiming(pollfreq=cfg.pollfreq, pollfreqalert=cfg.pollfreqalert)

    async def coordinator(*, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        await run_upsmon(cfg, hub, notify, runner, handle=handle, task_status=task_status)

    specs = [ChildSpec(id="upsmon", start=coordinator, restart=Restart.PERMANENT)]
    for entry in cfg.ups:
        specs.append(ChildSpec(id=f"monitor:{entry.system}", restart=Restart.PERMANENT,
                               start=_monitor_start(entry, timing, hub, registry, cfg.tls)))
    return specs


def _monitor_start(entry: conf.MonitorUps, timing: PollTiming, hub: MonitorHub,
                   registry: Registry | None, tls: MonitorTls | None) -> StartFn:
    async def start(*, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        await run_ups_monitor(entry, timing, hub.events_in, hub.commands_out[entry.system],
                              local_handle(entry, registry), tls=tls, task_status=task_status)
    return start
