"""The actor tree of `nutrio run`: one failure domain per NUT layer.

    root (one_for_one)
    ├── drivers     (one_for_one)   driver:<ups> ...      NUT's drivers
    ├── upsd        (one_for_one)   tracking, listener:<host>:<port> ...
    ├── monitoring  (rest_for_one)  notifier -> upsmon -> monitor:<ups@host> ... -> thresholds
    ├── extras      (one_for_one)   history, upslog:<n>:<ups> ..., web, announce (mDNS)
    └── driverwatch                 DRIVEROK when a failing driver runs cleanly again
    (shutdown helper: a root subprocess on a pipe, started before privileges drop)

NUT keeps these layers in separate processes, so a crash loop in upsmon or in a
CGI never takes upsd down. Here each layer is a subtree with its own restart
intensity. drivers and upsd are the root's critical children: if one of them
gives up again and again, the root gives up and `nutrio run` exits (a service
manager restarts it). monitoring and extras are not critical: the root restarts
them with back-off for as long as they fail, and upsd keeps answering meanwhile.

Each subtree builds its children from ``Tree.config`` when it starts, so a subtree
the root restarts, or a reload restarts, runs the settings of that moment.

The driver-failure watch: each driver's errors go through ``watch_errors`` into the
ErrorBook, which tells the DriverWatch (actors/upsmon/driverfail.py); a driver that
keeps crashing is logged once (``driver.failing``) and, when a notifier runs, sent
as DRIVERFAIL into its inbox. The watch and the threshold rules' book belong to the
tree, so they outlive the restarts of the actors that use them.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import structlog
import trio

import nutrio
from nutrio import conf
from nutrio.actors.announce import announce_wanted, run_announcer
from nutrio.actors.control import ErrorBook, watch_errors
from nutrio.actors.drivers import run_driver
from nutrio.actors.registry import DeviceHandle, Registry
from nutrio.actors.upsd.listener import ServerSettings, TlsSettings, run_listener
from nutrio.actors.upsd.state import UpsdState
from nutrio.actors.upsd.table import effective_maxconn
from nutrio.actors.upsd.tracking import run_tracking
from nutrio.actors.upslog import LogReopen, run_upslog
from nutrio.actors.upsmon.coordinator import UpsmonHandle, monitor_children
from nutrio.actors.upsmon.driverfail import DriverWatch
from nutrio.actors.upsmon.notifier import NotifierHandle, run_notifier
from nutrio.actors.upsmon.shutdown import ShutdownRunner
from nutrio.actors.upsmon.thresholds import run_thresholds
from nutrio.actors.web.history import History
from nutrio.logs import write_errors
from nutrio.protocol.notify.events import Notification
from nutrio.protocol.notify.thresholds import ThresholdBook
from nutrio.protocol.upsd.users import UserAccount
from nutrio.reload import Monitoring, ReloadPlan
from nutrio.supervisor import ChildSpec, Restart, Strategy, Supervisor
from nutrio.supervisor.cell import LatestCell
from nutrio.supervisor.chaos import Chaos, ChaosPlan

__all__ = ["Tree", "accounts_from_config", "chaos_from_config", "server_settings"]

log = structlog.get_logger()


def chaos_from_config(plan: ChaosPlan | None) -> Chaos | None:
    if plan is None or not plan.faults:
        return None
    return Chaos(plan)


def accounts_from_config(config: conf.Config) -> Mapping[str, UserAccount]:
    return MappingProxyType({
        name: UserAccount(
            name=name,
            password=u.password,
            password_hash=u.password_hash,
            actions=u.actions,
            instcmds=u.instcmds,
            upsmon=u.upsmon,
        )
        for name, u in config.users.items()
    })


def server_settings(config: conf.Config) -> ServerSettings:
    server = config.server
    tls = None
    if server.tls is not None:
        t = server.tls
        tls = TlsSettings(certfile=str(t.certfile), keyfile=str(t.keyfile), require=t.require,
                          client_ca=None if t.client_ca is None else str(t.client_ca),
                          min_version=t.min_version)
    return ServerSettings(
        maxage=server.maxage,
        maxconn=effective_maxconn(server.maxconn),
        upsmon_slots=server.upsmon_slots,
        auth_penalty_budget=server.auth_penalty_budget,
        max_line=server.max_line,
        idle_timeout=server.idle_timeout,
        send_timeout=server.send_timeout,
        auth_penalty=server.auth_penalty,
        auth_penalty_cap=server.auth_penalty_cap,
        tls=tls,
        transport=server.transport,
    )


class Tree:
    """The running tree: registry, accounts and the supervisors that own the actors."""

    def __init__(self, config: conf.Config, listen: tuple[tuple[str, int], ...], chaos: Chaos | None,
                 shutdown: ShutdownRunner | None = None):
        self.config = config
        self.shutdown = shutdown
        # the notifier's inbox outlives notifier restarts; a buffer so a slow
        # channel never holds up a decision
        self.notify_send, self.notify_recv = trio.open_memory_channel[Notification](100)
        self.listen = listen or config.server.listen
        self.chaos = chaos
        self.registry = Registry()
        # one read-only mapping per version: a reload publishes, a login reads the current one
        self.accounts = LatestCell(accounts_from_config(config))
        # what upsd's listeners share, and its tracking actor fills: outlives their restarts
        self.server_settings = server_settings(config)
        self.upsd_state = UpsdState.for_settings(self.server_settings,
                                                 tracking_keep=config.server.trackingdelay)
        self.ports: list[int] = []
        self.driver_watch = DriverWatch(config.notify.driverfail, self.notify_nowait)
        # each driver's last error, for `nutrio drivers status`; each crash counts for DRIVERFAIL
        self.errors = ErrorBook(on_failure=self.driver_watch.crashed)
        self.thresholds = ThresholdBook(config.notify.thresholds)
        self.notifier = NotifierHandle()  # `nutrio upsmon -c test` reaches the notifier here
        self.history = History()  # the web graphs' source
        self.log_reopen = LogReopen()  # SIGHUP: upslog files are reopened
        self.upsmon = UpsmonHandle()  # SIGUSR1 and `nutrio upsmon -c fsd` reach upsmon here
        # An absent device fails its restarts at most 10 times in any 60 s
        # (back-off 0.1 s doubling to the 30 s cap), then twice a minute:
        # 100 lets ten devices be unplugged at once without the drivers
        # supervisor giving up (docs/drivers.md).
        self.drivers = Supervisor("drivers", Strategy.ONE_FOR_ONE, intensity=100, period=60.0,
                                  backoff_base=0.1, backoff_cap=30.0, chaos=chaos)
        # while a listener is down its clients are refused: back quickly
        self.upsd = Supervisor("upsd", Strategy.ONE_FOR_ONE, intensity=5, period=60.0,
                               backoff_base=0.05, backoff_cap=1.0, chaos=chaos)
        # rest_for_one: upsmon reads what the monitors send, the notifier what upsmon sends
        self.monitoring = Supervisor("monitoring", Strategy.REST_FOR_ONE, intensity=5,
                                     period=60.0, backoff_base=0.5, backoff_cap=10.0, chaos=chaos)
        self.extras = Supervisor("extras", Strategy.ONE_FOR_ONE, intensity=5, period=60.0,
                                 backoff_base=0.5, backoff_cap=10.0, chaos=chaos)
        # small intensity at the top: limits multiply down the tree. The back-off is
        # what a subtree that is not critical waits between its incarnations.
        self.root = Supervisor("root", Strategy.ONE_FOR_ONE, intensity=3, period=60.0,
                               backoff_base=0.5, backoff_cap=30.0, chaos=chaos)

    def children(self) -> list[ChildSpec]:
        """The root's children, in start order: drivers, our upsd, then what reads from them."""
        return [
            self.drivers.child_spec(self.driver_children),
            self.upsd.child_spec(self.upsd_children),
            self.monitoring.child_spec(self.monitoring_children, critical=False),
            self.extras.child_spec(self.extras_children, critical=False),
            ChildSpec(id="driverwatch", start=self.driver_watch.run, critical=False),
        ]

    # -- drivers ------------------------------------------------------------

    def driver_children(self) -> list[ChildSpec]:
        return [self.driver_spec(d) for d in self.config.devices.values()]

    def driver_spec(self, device: conf.DeviceConfig) -> ChildSpec:
        handle = self.registry.get(device.name)
        if handle is None:
            handle = self.registry.add(DeviceHandle(device.name, desc=device.desc))
        if device.maxage is None:  # the driver vouches for its data within upsd's MAXAGE
            device = dataclasses.replace(device, maxage=self.config.server.maxage)
        start = functools.partial(run_driver, device, handle, chaos=self.chaos)
        spec = ChildSpec(id=f"driver:{device.name}", start=start, restart=Restart.PERMANENT)
        return watch_errors(spec, self.errors)

    # -- upsd ---------------------------------------------------------------

    def upsd_children(self) -> list[ChildSpec]:
        tracking = ChildSpec(id="tracking", restart=Restart.PERMANENT, start=functools.partial(
            run_tracking, self.registry, self.upsd_state))
        return [tracking, *(self.listener_spec(a) for a in self.listen)]

    def listener_spec(self, address: tuple[str, int]) -> ChildSpec:
        settings = self.server_settings

        async def start(*, task_status: trio.TaskStatus[Any] = trio.TASK_STATUS_IGNORED) -> None:
            recorder = _PortRecorder(task_status, self.ports)
            await run_listener(address, self.registry, settings, self.accounts,
                               state=self.upsd_state, chaos=self.chaos, task_status=recorder)

        host, port = address
        return ChildSpec(id=f"listener:{host}:{port}", start=start, restart=Restart.PERMANENT)

    # -- monitoring (upsmon) ------------------------------------------------

    def monitoring_children(self) -> list[ChildSpec]:
        """The notifier starts before what feeds it, so no early notification waits."""
        feeders = self.upsmon_children()
        return [self.notifier_spec(), *feeders] if feeders else []

    def upsmon_children(self) -> list[ChildSpec]:
        """upsmon, its monitors and the threshold rules: what sends notifications."""
        monitors = monitor_children(self.config, self.registry, self.notify_send, self.shutdown,
                                    handle=self.upsmon)
        rules = self.config.notify.thresholds
        if not rules:
            return monitors
        if self.thresholds.rules != rules:  # kept across restarts while the rules stay
            self.thresholds = ThresholdBook(rules)
        start = functools.partial(run_thresholds, self.thresholds, self.registry,
                                  self.notify_send, maxage=self.config.server.maxage)
        return [*monitors, ChildSpec(id="thresholds", start=start, restart=Restart.PERMANENT)]

    def notifier_spec(self) -> ChildSpec:
        notify = self.config.notify
        start = functools.partial(
            run_notifier, notify, self.config.scheduler, self.notify_recv,
            channels=notify.channels, handle=self.notifier,
        )  # fmt: skip
        return ChildSpec(id="notifier", start=start, restart=Restart.PERMANENT)

    def notify_nowait(self, notification: Notification) -> None:
        """Into the notifier's inbox, when this config runs a notifier; never waits."""
        notify = self.config.notify
        if self.config.monitor is None and not notify.thresholds:
            return  # no notifier reads the inbox: the log line was all
        try:
            self.notify_send.send_nowait(notification)
        except trio.WouldBlock:
            log.warning("notify.overflow", channel="inbox", notify_type=notification.type.value)

    # -- extras -------------------------------------------------------------

    def extras_children(self) -> list[ChildSpec]:
        children = self.upslog_children()
        if self.config.web.enabled:  # the history feeds the web's graphs, nothing else
            children += [self.history_spec(), self.web_spec()]
        if announce_wanted(self.config.server.announce, self.listen):  # mDNS: _nut._tcp
            start = functools.partial(run_announcer, self.bound_addresses)
            children.append(ChildSpec(id="announce", start=start, restart=Restart.PERMANENT))
        return children

    def bound_addresses(self) -> list[tuple[str, int]]:
        """The listen addresses, port 0 replaced by the port its listener bound."""
        pairs = zip(self.listen, self.ports, strict=False)
        return [(host, port or bound) for (host, port), bound in pairs]

    def history_spec(self) -> ChildSpec:
        start = functools.partial(self.history.run, self.registry)
        return ChildSpec(id="history", start=start, restart=Restart.PERMANENT)

    def upslog_children(self) -> list[ChildSpec]:
        maxage = self.config.server.maxage
        return [
            ChildSpec(
                id=f"upslog:{i}:{entry.ups}",
                start=functools.partial(
                    run_upslog, entry, self.registry, reopen=self.log_reopen, maxage=maxage,
                    fsd=self.upsd_state.fsd,
                ),
                restart=Restart.PERMANENT,
            )
            for i, entry in enumerate(self.config.log.entries)
        ]

    def web_spec(self) -> ChildSpec:
        # the web stack loads only for a config with [web]
        from nutrio.actors.web import run_web
        from nutrio.actors.web.upsd import loopback

        def upsd() -> tuple[str, int] | None:
            """Where the admin pages reach our own upsd (the configured address)."""
            if not self.ports:
                return None
            host, port = self.listen[0]
            return loopback(host), port or self.ports[0]

        start = functools.partial(
            run_web, self.config.web, self.registry, self.accounts,
            upsd=upsd, history=self.history, metrics=self.metrics_text,
            maxage=self.config.server.maxage,
            last_error=lambda ups: self.errors.last(f"driver:{ups}"),
            fsd=self.upsd_state.fsd,
        )
        return ChildSpec(id="web", start=start, restart=Restart.PERMANENT)

    def metrics_text(self) -> str:
        """Prometheus text for /metrics: every UPS plus the tree's own counters."""
        from nutrio.actors.web.metrics import NutrioStats, render_metrics

        restarts = {c.id.removeprefix("driver:"): c.restarts for c in self.drivers.children()}
        upsd = self.upsd_state.statistics()
        stats = NutrioStats(
            now=trio.current_time(), driver_restarts=restarts, clients_connected=upsd.clients,
            requests_total=upsd.requests, version=nutrio.__version__,
            maxage=self.config.server.maxage,
            log_write_errors=write_errors(),
            fsd=frozenset(h.name for h in self.registry if h.name.lower() in self.upsd_state.fsd.value),
        )
        return render_metrics([h.snapshot for h in self.registry], stats)

    # -- reload -------------------------------------------------------------

    @property
    def shutting_down(self) -> bool:
        """upsmon began its forced shutdown: a restarted upsmon would forget it."""
        return self.upsmon.shutting_down or (self.shutdown is not None
                                             and self.shutdown.requested)

    async def apply(self, plan: ReloadPlan) -> None:
        """Apply a reload plan (nutrio.reload.plan_reload); each part logs what it did.

        The config loader already refused a [monitor] whose power values cannot
        reach MINSUPPLIES, so starting the new upsmon cannot fail on that.
        """
        _log_kept(plan)
        self.accounts.publish(accounts_from_config(plan.new))
        self.config = plan.new
        self.driver_watch.configure(plan.new.notify.driverfail)
        await self._apply_devices(plan)
        await self._apply_monitoring(plan)
        if plan.extras_changed:
            await _restart_subtree(self.root, "extras")
            log.info("config.extras_reloaded")

    async def _apply_devices(self, plan: ReloadPlan) -> None:
        if not self.drivers.statistics().running:
            return  # restarting: it starts from the new config
        for name in plan.removed:
            await self.drivers.stop_child(f"driver:{name}")
            self.registry.remove(name)
            log.info("config.device_removed", ups=name)
        for name in plan.changed:
            await self.drivers.stop_child(f"driver:{name}")
            # a fresh handle in the same place: upsd updates a changed UPS in place,
            # so LIST UPS keeps its ups.conf order
            self.registry.add(DeviceHandle(name, desc=self.config.devices[name].desc))
        for name in (*plan.changed, *plan.added):
            await self.drivers.start_child(self.driver_spec(self.config.devices[name]))
            log.info("config.device_changed" if name in plan.changed else "config.device_added",
                     ups=name)

    async def _apply_monitoring(self, plan: ReloadPlan) -> None:
        if plan.monitoring is Monitoring.KEEP:
            return
        notifier_running = any(c.id == "notifier" and c.running
                               for c in self.monitoring.children())
        if plan.monitoring is Monitoring.ALL or not notifier_running:
            await _restart_subtree(self.root, "monitoring")
        else:  # the notifier keeps its upssched timers
            for child in reversed(self.monitoring.children()):
                if child.id != "notifier":
                    await self.monitoring.stop_child(child.id)
            for spec in self.upsmon_children():
                await self.monitoring.start_child(spec)
        monitors = [c.id for c in self.monitoring.children() if c.id.startswith("monitor:")]
        log.info("config.monitor_reloaded", monitors=monitors)


async def _restart_subtree(root: Supervisor, child_id: str) -> None:
    if root.statistics().running:
        await root.restart_child(child_id)


def _log_kept(plan: ReloadPlan) -> None:
    if plan.monitoring_blocked is not None:
        log.warning("config.monitor_kept", reason=plan.monitoring_blocked)
    if plan.restart_needed:
        log.warning("config.monitor_restart_needed", keys=list(plan.restart_needed),
                    reason="the shutdown path was set up before privileges dropped")
    if plan.server_kept:
        log.warning("config.server_kept", reason="[server] changes need a restart of nutrio")


class _PortRecorder:
    """Passes a listener's bound port on to the tree's list (for the ready log line)."""

    def __init__(self, status: trio.TaskStatus[Any], ports: list[int]) -> None:
        self._status = status
        self._ports = ports

    def started(self, value: Any = None) -> None:
        if isinstance(value, int):
            self._ports.append(value)
        self._status.started(value)
