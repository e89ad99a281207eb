"""Assemble the actor tree from a config and run it as a service.

    root (one_for_one)
    ├── drivers (one_for_one)      driver:<ups> ...   one actor per device
    ├── listener:<host>:<port> ... our upsd, one actor per LISTEN address
    ├── notifier                   NOTIFYMSG/FLAG, NOTIFYCMD, webhook, mail, upssched timers
    ├── upsmon                     the shutdown decision (MINSUPPLIES, FSD, HOSTSYNC)
    └── monitor:<ups@host> ...     one per monitored UPS, feeding upsmon
    (shutdown helper: a root subprocess on a pipe, started before privileges drop)

SIGTERM/SIGINT stop the tree in reverse start order; SIGHUP reloads the
config file (nutrio.reload): added devices start, removed ones stop, changed ones
restart, user accounts are swapped in place, upsmon and its monitors restart when
[monitor], [notify] or [scheduler] changed; everything else keeps running.
SIGUSR1 starts upsmon's forced shutdown, as it does for NUT's upsmon (`upsmon -c fsd`).
"""

from __future__ import annotations

import dataclasses
import functools
import signal
from collections.abc import Iterable, MutableMapping
from pathlib import Path
from typing import Any

import structlog
import trio

import nutrio
from nutrio import conf
from nutrio.actors.control import ErrorBook, control_socket_path, run_control, watch_errors
from nutrio.actors.drivers import DRIVERS, run_driver
from nutrio.actors.registry import DeviceHandle, Registry
from nutrio.actors.upsd.listener import run_listener, server_statistics
from nutrio.actors.upslog import LogReopen, run_upslog
from nutrio.actors.upsmon.coordinator import UpsmonHandle, monitor_children
from nutrio.actors.upsmon.notifier import run_notifier
from nutrio.actors.upsmon.shutdown import ShutdownRunner, prepare_shutdown
from nutrio.actors.web import run_web
from nutrio.actors.web.history import History
from nutrio.actors.web.metrics import NutrioStats, render_metrics
from nutrio.actors.web.upsd import loopback
from nutrio.protocol.notify.events import Notification
from nutrio.protocol.upsd.users import UserAccount
from nutrio.reload import reload_tree
from nutrio.supervisor import ChildSpec, Restart, Strategy, Supervisor, SupervisorGaveUp
from nutrio.supervisor.chaos import Chaos, ChaosPlan, FaultSpec
from nutrio.systemd import SystemdNotifier, run_watchdog

__all__ = ["run", "serve", "parse_listen_overrides", "Tree"]

log = structlog.get_logger()


def parse_listen_overrides(values: Iterable[str]) -> tuple[tuple[str, int], ...]:
    """``--listen HOST:PORT`` values, parsed like the config's ``listen``."""
    return tuple(conf.parse_listen(v, allow_zero=True) for v in values)


def chaos_from_config(cfg: conf.ChaosConfig | None) -> Chaos | None:
    if cfg is None or not cfg.faults:
        return None
    faults = tuple(FaultSpec(**dataclasses.asdict(f)) for f in cfg.faults)
    return Chaos(ChaosPlan(seed=cfg.seed, faults=faults))


def warn_if_secrets_readable(config: conf.Config) -> bool:
    """Log a warning when the config file holds passwords and group or others may read it.

    upsd only checks that upsd.users can be opened; a world-readable password
    file is worth a warning (issue 7). True when the warning was logged.
    """
    source = config.source
    if source is None or source == conf.loader.DEFAULT_PATH:
        return False  # the built-in demo config: its passwords are public anyway
    has_secrets = bool(config.users) or (config.monitor is not None and bool(config.monitor.ups))
    if not has_secrets:
        return False
    try:
        mode = source.stat().st_mode
    except OSError:
        return False
    if not mode & 0o044:
        return False
    log.warning("config.secrets_readable", file=str(source), mode=oct(mode & 0o777),
                hint=f"chmod 600 {source}")
    return True


def accounts_from_config(config: conf.Config) -> dict[str, UserAccount]:
    return {
        name: UserAccount(
            name=name,
            password=u.password,
            password_hash=u.password_hash,
            actions=u.actions,
            instcmds=u.instcmds,
            upsmon=u.upsmon,
        )
        for name, u in config.users.items()
    }


def server_settings(config: conf.Config) -> Any:
    from nutrio.actors.upsd.listener import ServerSettings, TlsSettings

    server = config.server
    tls = None
    if server.tls is not None:
        t = server.tls
        tls = TlsSettings(
            certfile=t.certfile,
            keyfile=t.keyfile,
            require=t.require,
            client_ca=t.client_ca,
            min_version=t.min_version,
        )
    return ServerSettings(
        maxage=server.maxage,
        maxconn=server.maxconn,
        max_line=server.max_line,
        idle_timeout=server.idle_timeout,
        send_timeout=server.send_timeout,
        auth_penalty=server.auth_penalty,
        auth_penalty_cap=server.auth_penalty_cap,
        tls=tls,
    )


class Tree:
    """The running tree: registry, accounts and the supervisors that own the actors."""

    def __init__(self, config: conf.Config, listen: tuple[tuple[str, int], ...], chaos: Chaos | None,
                 shutdown: ShutdownRunner | None = None):
        self.config = config
        self.shutdown = shutdown
        # the notifier's inbox; a buffer so a slow channel never holds up a decision
        self.notify_send, self.notify_recv = trio.open_memory_channel[Notification](100)
        self.listen = listen or config.server.listen
        self.chaos = chaos
        self.registry = Registry()
        self.accounts: MutableMapping[str, UserAccount] = accounts_from_config(config)
        # An absent device fails its restarts at most 10 times in any 60 s
        # (back-off 0.1 s doubling to the 30 s cap), then twice a minute:
        # 100 lets ten devices be unplugged at once without the drivers
        # supervisor giving up and the root stopping nutrio (docs/drivers.md).
        self.drivers = Supervisor(
            "drivers", strategy=Strategy.ONE_FOR_ONE, intensity=100, period=60.0,
            backoff_base=0.1, backoff_cap=30.0, chaos=chaos,
        )
        # chaos reaches the root's children too (listener, monitors, upsmon, notifier):
        # without it their timer crashes and seams were inert under `nutrio run`
        self.root = Supervisor(
            "root", strategy=Strategy.ONE_FOR_ONE, intensity=3, period=60.0, chaos=chaos
        )
        self.ports: list[int] = []
        self.errors = ErrorBook()  # each driver's last error, for `nutrio drivers status`
        self.history = History()  # the web graphs' source
        self.log_reopen = LogReopen()  # SIGHUP: upslog files are reopened
        self.upsmon = UpsmonHandle()  # SIGUSR1 and `nutrio upsmon -c fsd` reach upsmon here

    def driver_spec(self, device: conf.DeviceConfig) -> ChildSpec:
        handle = self.registry.get(device.name)
        if handle is None:
            handle = self.registry.add(DeviceHandle(device.name, desc=device.desc))
        start = functools.partial(run_driver, device, handle, chaos=self.chaos)
        spec = ChildSpec(id=f"driver:{device.name}", start=start, restart=Restart.PERMANENT)
        return watch_errors(spec, self.errors)

    def listener_spec(self, address: tuple[str, int]) -> ChildSpec:
        settings = server_settings(self.config)

        async def start(*, task_status: trio.TaskStatus[Any] = trio.TASK_STATUS_IGNORED) -> None:
            recorder = _PortRecorder(task_status, self.ports)
            await run_listener(address, self.registry, settings, self.accounts,
                               chaos=self.chaos, task_status=recorder)

        host, port = address
        return ChildSpec(id=f"listener:{host}:{port}", start=start, restart=Restart.PERMANENT)

    def children(self) -> list[ChildSpec]:
        """Start order: drivers, our upsd, then what reads from them."""
        drivers = [self.driver_spec(d) for d in self.config.devices.values()]
        sup = ChildSpec(
            id="drivers",
            start=functools.partial(self.drivers.run, drivers),
            restart=Restart.PERMANENT,
        )
        children = [sup, *(self.listener_spec(a) for a in self.listen)]
        monitors = monitor_children(self.config, self.registry, self.notify_send, self.shutdown,
                                    handle=self.upsmon)
        if monitors:
            children += [self.notifier_spec(), *monitors]
        children += [self.history_spec(), *self.upslog_children()]
        if self.config.web.enabled:
            children.append(self.web_spec())
        return children

    def history_spec(self) -> ChildSpec:
        start = functools.partial(self.history.run, self.registry)
        return ChildSpec(id="history", start=start, restart=Restart.PERMANENT)

    def upslog_children(self) -> list[ChildSpec]:
        maxage = self.config.server.maxage
        return [
            ChildSpec(
                id=f"upslog:{i}:{entry.ups}",
                start=functools.partial(
                    run_upslog, entry, self.registry, reopen=self.log_reopen, maxage=maxage
                ),
                restart=Restart.PERMANENT,
            )
            for i, entry in enumerate(self.config.log.entries)
        ]

    def web_spec(self) -> ChildSpec:
        def upsd() -> tuple[str, int] | None:
            """Where the admin pages reach our own upsd (the configured address)."""
            if not self.ports:
                return None
            host, port = self.listen[0]
            return loopback(host), port or self.ports[0]

        start = functools.partial(
            run_web, self.config.web, self.registry, self.accounts,
            upsd=upsd, history=self.history, metrics=self.metrics_text,
        )
        return ChildSpec(id="web", start=start, restart=Restart.PERMANENT)

    def metrics_text(self) -> str:
        """Prometheus text for /metrics: every UPS plus the tree's own counters."""
        restarts = {c.id.removeprefix("driver:"): c.restarts for c in self.drivers.children()}
        clients, requests = server_statistics(self.registry)
        stats = NutrioStats(
            now=trio.current_time(), driver_restarts=restarts, clients_connected=clients,
            requests_total=requests, version=nutrio.__version__, maxage=self.config.server.maxage,
        )
        return render_metrics([h.snapshot for h in self.registry], stats)

    def notifier_spec(self) -> ChildSpec:
        """The notifier starts before the monitors so no early notification waits."""
        notify = self.config.notify
        start = functools.partial(
            run_notifier, notify, self.config.scheduler, self.notify_recv, channels=notify.channels
        )
        return ChildSpec(id="notifier", start=start, restart=Restart.PERMANENT)

    async def reload(self, new: conf.Config) -> None:
        """Apply a re-read config (SIGHUP); nutrio.reload changes only what differs."""
        self.accounts.clear()
        self.accounts.update(accounts_from_config(new))
        await reload_tree(self, new)


class _PortRecorder:
    """Passes a listener's bound port on to the tree's list (for the ready log line)."""

    def __init__(self, status: trio.TaskStatus[Any], ports: list[int]) -> None:
        self._status = status
        self._ports = ports

    def started(self, value: Any = None) -> None:
        if isinstance(value, int):
            self._ports.append(value)
        self._status.started(value)


async def serve(
    config: conf.Config,
    *,
    listen: tuple[tuple[str, int], ...] = (),
    chaos: conf.ChaosConfig | None = None,
    shutdown: ShutdownRunner | None = None,
    task_status: trio.TaskStatus[Tree] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Run the tree until SIGTERM/SIGINT; SIGHUP reloads ``config.source``, SIGUSR1 is FSD."""
    warn_if_secrets_readable(config)
    tree = Tree(config, listen, chaos_from_config(chaos or config.chaos), shutdown)
    sd = SystemdNotifier.from_environ(unset=True)  # no-op unless systemd started us
    watched = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGUSR1)
    with trio.open_signal_receiver(*watched) as signals:
        async with trio.open_nursery() as nursery:
            # first, so pings also cover a slow start; once the root ran, they
            # stop with it (gave up or stopped): systemd then restarts us
            root_started = trio.Event()
            await nursery.start(functools.partial(run_watchdog, sd, alive=lambda: (
                not root_started.is_set() or tree.root.statistics().running)))
            await nursery.start(tree.root.run, tree.children())
            root_started.set()
            control = control_socket_path(config.server.statepath, config.source)
            await _start_control(nursery, tree, control)
            log.info("nutrio.ready", listen=[f"{h}:{p}" for h, p in tree.listen], ports=tree.ports)
            sd.ready(_ready_status(tree))
            task_status.started(tree)
            async for signum in signals:
                if signum == signal.SIGHUP:
                    sd.reloading("reloading the config")
                    tree.log_reopen.request()
                    await _reload(tree)
                    sd.ready(_ready_status(tree))
                    continue
                if signum == signal.SIGUSR1:
                    _signal_fsd(tree)
                    continue
                log.info("nutrio.stopping", signal=signal.Signals(signum).name)
                sd.stopping("stopping the tree")
                await tree.root.stop()
                nursery.cancel_scope.cancel()
                break
    log.info("nutrio.stopped")


def _signal_fsd(tree: Tree) -> None:
    """SIGUSR1: upsmon's user FSD; without a running upsmon there is nothing to shut down."""
    try:
        tree.upsmon.request_fsd("signal")
    except LookupError as exc:
        log.warning("upsmon.fsd_refused", source="signal", reason=str(exc.args[0]))


async def _start_control(nursery: trio.Nursery, tree: Tree, path: Path) -> None:
    """The `nutrio drivers`/`upsmon -c` socket; without it the UPSes are still watched."""
    try:
        await nursery.start(run_control, tree, path)
    except OSError as exc:
        log.error("control.unavailable", path=str(path), error=str(exc),
                  hint="statepath must be writable by the user nutrio runs as")


def _ready_status(tree: Tree) -> str:
    """systemd's STATUS line (`systemctl status nutrio`): device count and upsd ports."""
    devices = len(tree.config.devices)
    ports = list(dict.fromkeys(tree.ports))  # a restarted listener records its port again
    listed = ", ".join(map(str, ports)) or "none"
    return f"serving {devices} device(s); upsd port(s) {listed}"


async def _reload(tree: Tree) -> None:
    source = tree.config.source
    if source is None:
        log.info("config.reload_skipped", reason="embedded default config")
        return
    try:
        new = conf.load(source, drivers=DRIVERS)
    except conf.ConfigError as exc:
        log.error("config.reload_failed", error=str(exc))
        return
    warn_if_secrets_readable(new)
    await tree.reload(new)
    log.info("config.reloaded", file=str(source))


def run(
    config: conf.Config,
    *,
    listen: tuple[tuple[str, int], ...] = (),
    chaos: conf.ChaosConfig | None = None,
) -> int:
    """Blocking entry point for ``nutrio run``."""
    shutdown = None
    if config.monitor is not None:  # before Trio starts: may fork the root helper, drop root
        m = config.monitor
        statepath = config.server.statepath
        shutdown = prepare_shutdown(m.shutdowncmd, m.powerdownflag, m.run_as_user,
                                    own_dirs=(statepath,) if statepath else ())
    gave_up: list[str] = []
    try:
        trio.run(functools.partial(serve, config, listen=listen, chaos=chaos, shutdown=shutdown))
    except* SupervisorGaveUp as group:
        gave_up = [e.supervisor for e in _leaves(group)]
    if gave_up:
        # the root exhausted its restart intensity: crash-only, a service manager restarts us
        log.critical("nutrio.gave_up", supervisor=gave_up)
        return 1
    return 0


def _leaves(group: BaseExceptionGroup[SupervisorGaveUp]) -> list[SupervisorGaveUp]:
    out: list[SupervisorGaveUp] = []
    for exc in group.exceptions:
        out.extend(_leaves(exc) if isinstance(exc, BaseExceptionGroup) else [exc])
    return out
