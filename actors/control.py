"""The control socket: `nutrio drivers` and `nutrio upsmon -c` talk to the running tree here.

How it works: NUT's upsdrvctl starts and stops driver processes; in nutrio
the drivers are actors, so the running supervisor has to do it. This actor
listens on a Unix socket (mode 0600, in a 0700 directory; peers with another
uid are refused by SO_PEERCRED as well), reads one JSON request line per
connection and answers one JSON line:

    {"op": "status" | "start" | "stop", "ups": "name" | null}
    {"ok": true, "drivers": [{"ups": ..., "state": ..., ...}], "done": ["ups1: stopped"]}
    {"op": "fsd"}  ->  {"ok": true, "done": ["forced shutdown started: ..."]}
    {"op": "pid"}  ->  {"ok": true, "pid": 1234}
    {"op": "notify-test", "type": "ONBATT" | null, "ups": "ups@host" | null}
        ->  {"ok": true, "done": ["webhook: sent", ...], "delivered": true}

``fsd`` is upsmon's ``-c fsd``: the upsmon actor starts its forced shutdown
as if a UPS had gone critical (refused without a running upsmon). ``pid``
names the process `nutrio upsmon -c stop|reload` signals, so no pid file is
needed. ``notify-test`` is `nutrio upsmon -c test`: one test notification
through every channel of the running notifier, and how each one fared.

``start`` builds the child spec with the tree's own ``driver_spec`` and adds
it to the drivers supervisor; ``stop`` removes the child (no restart), so
upsd answers DRIVER-NOT-CONNECTED for that UPS until it is started again.
A Unix socket keeps the control path off the network entirely, where an
admin command on the NUT port would need its own authentication.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import socket
import struct
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol

import structlog
import trio

from nutrio import conf
from nutrio.actors.registry import Registry
from nutrio.protocol.notify.events import Notification, NotifyType
from nutrio.supervisor import ChildSpec, Supervisor

__all__ = [
    "MAX_REQUEST",
    "ControlTarget",
    "ErrorBook",
    "control_socket_path",
    "handle_request",
    "run_control",
    "watch_errors",
]

log = structlog.get_logger()

#: A request is one short JSON line.
MAX_REQUEST = 4096
_REQUEST_TIMEOUT = 5.0
#: How long `upsmon -c test` waits for the channels (the client waits 30 s).
TEST_WAIT = 20.0


class FsdRequests(Protocol):
    """Where `upsmon -c fsd` goes (actors.upsmon.coordinator.UpsmonHandle fits)."""

    def request_fsd(self, source: str) -> str: ...


class TestReceipt(Protocol):
    ok: bool

    def lines(self) -> list[str]: ...


class TestNotifications(Protocol):
    """Where `upsmon -c test` goes (actors.upsmon.notifier.NotifierHandle fits)."""

    async def send_test(self, notification: Notification, *, wait: float) -> TestReceipt: ...


class ControlTarget(Protocol):
    """What the control actor needs from nutrio.tree.Tree."""

    config: conf.Config
    registry: Registry
    drivers: Supervisor  # the supervisor of the driver actors
    errors: ErrorBook  # each driver's last error
    upsmon: FsdRequests
    notifier: TestNotifications

    def driver_spec(self, device: conf.DeviceConfig) -> ChildSpec: ...


class ErrorBook:
    """The last error of each child, for `nutrio drivers status`.

    ``on_failure`` hears of each failure too (the tree's DRIVERFAIL watch).
    """

    def __init__(self, on_failure: Callable[[str, str], None] | None = None) -> None:
        self._last: dict[str, str] = {}
        self.on_failure = on_failure

    def record(self, child_id: str, error: BaseException) -> None:
        cause: BaseException = error
        # a crashed actor (DriverCrashed) wraps its tasks' group: name the first real error
        while isinstance(cause.__cause__, BaseExceptionGroup) or isinstance(cause, BaseExceptionGroup):
            group = cause if isinstance(cause, BaseExceptionGroup) else cause.__cause__
            assert isinstance(group, BaseExceptionGroup)
            cause = group.exceptions[0]
        self._last[child_id] = f"{type(cause).__name__}: {cause}"
        if self.on_failure is not None:
            self.on_failure(child_id, self._last[child_id])

    def last(self, child_id: str) -> str | None:
        return self._last.get(child_id)


def watch_errors(spec: ChildSpec, book: ErrorBook) -> ChildSpec:
    """The same child, with each failure written into ``book`` before it propagates."""

    async def start(*, task_status: trio.TaskStatus[Any] = trio.TASK_STATUS_IGNORED) -> None:
        try:
            await spec.start(task_status=task_status)
        except Exception as exc:
            book.record(spec.id, exc)
            raise

    return dataclasses.replace(spec, start=start)


def control_socket_path(statepath: Path | None, config_source: Path | None) -> Path:
    """Where the running tree listens: ``statepath/nutrio.ctl``, or a private default.

    Without a statepath the directory is ``$TMPDIR/nutrio-<uid>/<hash>``, the
    hash naming the config file, so several `nutrio run` on one machine never
    share a socket and `nutrio drivers --config FILE` finds the right one.
    """
    if statepath is not None:
        return Path(statepath) / "nutrio.ctl"
    key = "default"
    if config_source is not None:
        key = hashlib.sha256(str(Path(config_source).resolve()).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"nutrio-{os.getuid()}" / key / "nutrio.ctl"


# -- the requests -----------------------------------------------------------


def _child_id(ups: str) -> str:
    return f"driver:{ups}"


def _state(target: ControlTarget, name: str, now: float) -> dict[str, Any]:
    stats = target.drivers.statistics()
    child = next((c for c in stats.children if c.id == _child_id(name)), None)
    device = target.config.devices.get(name)
    handle = target.registry.get(name)
    snap = handle.snapshot if handle is not None else None
    if child is None:
        state = "stopped"
    elif not child.running:
        state = "restarting" if child.id in stats.pending_restarts else "down"
    elif snap is None or not snap.connected:
        state = "starting"
    else:
        state = "stale" if snap.stale else "running"
    return {
        "ups": name,
        "driver": device.driver if device is not None else None,
        "port": device.port if device is not None else None,
        "state": state,
        "restarts": child.restarts if child is not None else 0,
        "age": round(now - snap.taken_at, 3) if snap is not None and snap.seq > 0 else None,
        "last_error": target.errors.last(_child_id(name)),
    }


def _names(target: ControlTarget, ups: str | None) -> list[str]:
    if ups is None:
        return list(target.config.devices)
    if ups not in target.config.devices:
        raise LookupError(f"no UPS named {ups!r} in the configuration")
    return [ups]


async def _start(target: ControlTarget, name: str) -> str:
    stats = target.drivers.statistics()
    if any(c.id == _child_id(name) for c in stats.children):
        return f"{name}: already running"
    # the tree's driver_spec records the child's errors in target.errors already
    await target.drivers.start_child(target.driver_spec(target.config.devices[name]))
    log.info("control.driver_started", ups=name)
    return f"{name}: started"


async def _stop(target: ControlTarget, name: str) -> str:
    try:
        await target.drivers.stop_child(_child_id(name))
    except KeyError:
        return f"{name}: already stopped"
    log.info("control.driver_stopped", ups=name)
    return f"{name}: stopped"


def _fsd(target: ControlTarget) -> dict[str, Any]:
    try:
        return {"ok": True, "done": [target.upsmon.request_fsd("command")]}
    except LookupError as exc:
        log.warning("upsmon.fsd_refused", source="command", reason=str(exc.args[0]))
        return {"ok": False, "error": str(exc.args[0])}


def _default_test_ups(config: conf.Config) -> str:
    """The first monitored UPS (what a NOTIFYCMD usually sees), else the first device."""
    if config.monitor is not None and config.monitor.ups:
        return config.monitor.ups[0].system
    return next(iter(config.devices), "")


async def _notify_test(target: ControlTarget, kind: object, ups: object) -> dict[str, Any]:
    if not (kind is None or isinstance(kind, str)) or not (ups is None or isinstance(ups, str)):
        return {"ok": False, "error": "type and ups must be strings"}
    try:
        notify_type = NotifyType((kind or "TEST").upper())
    except ValueError:
        return {"ok": False, "error": f"unknown notify type {kind!r}"}
    ups = _default_test_ups(target.config) if ups is None else ups
    notification = Notification(type=notify_type, ups=ups, at=time.time())
    try:
        receipt = await target.notifier.send_test(notification, wait=TEST_WAIT)
    except LookupError as exc:
        return {"ok": False, "error": str(exc.args[0])}
    header = f"test notification {notify_type.value} for {ups or '(no UPS)'}:"
    log.info("notify.test_sent", notify_type=notify_type.value, ups=ups, delivered=receipt.ok)
    return {"ok": True, "done": [header, *receipt.lines()], "delivered": receipt.ok}


async def handle_request(target: ControlTarget, request: Mapping[str, Any]) -> dict[str, Any]:
    """One request -> the reply object (never raises for a bad request)."""
    op, ups = request.get("op"), request.get("ups")
    if op == "fsd":
        return _fsd(target)
    if op == "notify-test":
        return await _notify_test(target, request.get("type"), ups)
    if op == "pid":
        return {"ok": True, "pid": os.getpid()}
    if op not in ("status", "start", "stop") or not (ups is None or isinstance(ups, str)):
        return {"ok": False, "error": f"bad request {dict(request)!r}"}
    try:
        names = _names(target, ups)
    except LookupError as exc:
        return {"ok": False, "error": str(exc.args[0])}
    done: list[str] = []
    for name in names:
        if op == "start":
            done.append(await _start(target, name))
        elif op == "stop":
            done.append(await _stop(target, name))
    now = trio.current_time()
    return {"ok": True, "done": done, "drivers": [_state(target, n, now) for n in names]}


# -- the socket -------------------------------------------------------------


def _peer_uid(sock: trio.socket.SocketType) -> int | None:
    """The connecting process's uid (Linux SO_PEERCRED), None where unknown."""
    option = getattr(socket, "SO_PEERCRED", None)
    if option is None:
        return None
    _pid, uid, _gid = struct.unpack("3i", sock.getsockopt(socket.SOL_SOCKET, option, 12))
    return int(uid)


async def _read_line(stream: trio.SocketStream) -> bytes:
    data = b""
    while b"\n" not in data and len(data) <= MAX_REQUEST:
        chunk = await stream.receive_some(MAX_REQUEST)
        if not chunk:
            break
        data += chunk
    return data.split(b"\n", 1)[0]


async def _serve_one(target: ControlTarget, stream: trio.SocketStream) -> None:
    """One request, one reply; a client that hangs up early ends only its own task."""
    try:
        await _answer(target, stream)
    except (trio.BrokenResourceError, trio.ClosedResourceError, OSError) as exc:
        log.info("control.client_gone", error=type(exc).__name__)


async def _answer(target: ControlTarget, stream: trio.SocketStream) -> None:
    async with stream:
        uid = _peer_uid(stream.socket)
        if uid is not None and uid not in (os.getuid(), 0):
            log.warning("control.refused", peer_uid=uid)
            return
        reply: dict[str, Any]
        line = None
        with trio.move_on_after(_REQUEST_TIMEOUT):  # the request; answering may take longer
            line = await _read_line(stream)
        if line is None:
            return
        try:
            request = json.loads(line)
        except ValueError:
            request = None
        if not isinstance(request, dict):
            reply = {"ok": False, "error": "a request is one JSON object on one line"}
        else:
            reply = await handle_request(target, request)
            log.info("control.request", op=request.get("op"), ups=request.get("ups"),
                     ok=reply["ok"])
        with trio.move_on_after(_REQUEST_TIMEOUT):
            await stream.send_all(json.dumps(reply).encode() + b"\n")


def _prepare(path: Path) -> None:
    """A 0700 directory; a leftover socket from a dead run is removed, a live one refused."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if path.exists() or path.is_symlink():
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            probe.connect(str(path))
        except OSError:
            path.unlink()
        else:
            raise RuntimeError(f"another nutrio listens on {path}")
        finally:
            probe.close()


async def run_control(
    target: ControlTarget,
    path: Path,
    *,
    task_status: trio.TaskStatus[Path] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Serve the control socket at ``path`` until cancelled; removes it on the way out."""
    structlog.contextvars.bind_contextvars(actor="control")
    _prepare(path)
    listener = trio.socket.socket(trio.socket.AF_UNIX, trio.socket.SOCK_STREAM)
    await listener.bind(str(path))
    os.chmod(path, 0o600)  # until here the 0700 directory and the uid check keep others out
    listener.listen(16)
    try:
        async with trio.open_nursery() as nursery:
            log.info("control.listening", path=str(path))
            task_status.started(path)
            sockets = trio.SocketListener(listener)
            while True:
                stream = await sockets.accept()
                nursery.start_soon(_serve_one, target, stream)
    finally:
        listener.close()
        try:
            path.unlink()
        except FileNotFoundError:
            pass
