"""`nutrio run`: the process around the actor tree (nutrio.tree).

SIGTERM/SIGINT stop the tree in reverse start order, within STOP_DEADLINE
seconds, after which whatever still runs is cancelled; SIGHUP reloads the config
file (nutrio.reload plans, the tree applies: added devices start, removed ones
stop, changed ones restart, accounts are swapped, upsmon and its monitors restart
when [monitor], [notify] or [scheduler] changed, the extras when [web] or [log]
did; everything else keeps running). SIGUSR1 starts upsmon's forced shutdown, as
it does for NUT's upsmon (`upsmon -c fsd`).
"""

from __future__ import annotations

import ctypes
import dataclasses
import functools
import gc
import signal
from collections.abc import Iterable
from pathlib import Path

import structlog
import trio

from nutrio import conf
from nutrio.actors.control import control_socket_path, run_control
from nutrio.actors.drivers import DRIVERS
from nutrio.actors.upsmon.shutdown import ShutdownRunner, prepare_shutdown
from nutrio.preflight import bind_failures, running_pid
from nutrio.reload import plan_reload
from nutrio.supervisor import SupervisorGaveUp
from nutrio.systemd import SystemdNotifier, run_watchdog
from nutrio.tree import Tree, chaos_from_config

__all__ = [
    "STOP_DEADLINE",
    "parse_listen_overrides",
    "run",
    "serve",
    "warn_if_secrets_readable",
    "with_web_listen",
]

log = structlog.get_logger()

#: Seconds an orderly stop may take before the tree is cancelled (systemd's
#: TimeoutStopSec is 90 s by default: this leaves it room).
STOP_DEADLINE = 30.0


def parse_listen_overrides(values: Iterable[str]) -> tuple[tuple[str, int], ...]:
    """``--listen HOST:PORT`` values, parsed like the config's ``listen``."""
    return tuple(conf.parse_listen(v, allow_zero=True) for v in values)


def with_web_listen(config: conf.Config, value: str) -> conf.Config:
    """``--web-listen HOST:PORT``: *config* with its web pages there (a config without
    ``[web]`` keeps them off)."""
    where = conf.parse_listen(value, 8080, allow_zero=True)
    return dataclasses.replace(config, web=dataclasses.replace(config.web, listen=where))


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
            nursery.start_soon(_trim_after_start)
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
                await tree.root.stop(deadline=STOP_DEADLINE)
                nursery.cancel_scope.cancel()
                break
    log.info("nutrio.stopped")


#: Seconds after start-up when memory start-up alone used is handed back.
TRIM_AFTER = 2.0


async def _trim_after_start() -> None:
    """Hand back to the kernel the heap pages start-up freed (config parsing, the
    first polls): glibc keeps them otherwise. About 0.7 MB of idle RSS."""
    await trio.sleep(TRIM_AFTER)
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass  # not glibc: nothing to trim this way


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
    await tree.apply(plan_reload(tree.config, new, shutting_down=tree.shutting_down))
    log.info("config.reloaded", file=str(source))


def run(
    config: conf.Config,
    *,
    listen: tuple[tuple[str, int], ...] = (),
    chaos: conf.ChaosConfig | None = None,
) -> int:
    """Blocking entry point for ``nutrio run``; 1 when it cannot start or the root gave up."""
    usable = _preflight(config, listen)
    if usable is None:
        return 1
    listen = usable
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


def _preflight(config: conf.Config,
               listen: tuple[tuple[str, int], ...]) -> tuple[tuple[str, int], ...] | None:
    """The addresses upsd will listen on, or None: another nutrio runs this config, or
    an address cannot be bound (unless allow_not_all_listeners, and one can)."""
    control = control_socket_path(config.server.statepath, config.source)
    pid = running_pid(control)
    if pid is not None:
        log.error("nutrio.already_running", pid=pid, control=str(control))
        return None
    wanted = listen or config.server.listen
    failed = bind_failures(wanted)
    for failure in failed:
        log.error("listener.bind_failed", host=failure.host, port=failure.port,
                  error=failure.error)
    usable = tuple(a for a in wanted if a not in {(f.host, f.port) for f in failed})
    if failed and (not config.server.allow_not_all_listeners or not usable):
        return None
    return usable


def _leaves(group: BaseExceptionGroup[SupervisorGaveUp]) -> list[SupervisorGaveUp]:
    out: list[SupervisorGaveUp] = []
    for exc in group.exceptions:
        out.extend(_leaves(exc) if isinstance(exc, BaseExceptionGroup) else [exc])
    return out
