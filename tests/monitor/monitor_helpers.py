"""Pieces for monitor scenarios: dummy-ups drivers, our upsd, and monitored hosts.

Everything runs in one Trio run on the mock clock: the listener and the
drivers are the real actors; each "host" is a coordinator with its monitor
actors, exactly as monitor_children() builds them for nutrio.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import trio

from nutrio import conf
from nutrio.actors.drivers import run_driver
from nutrio.actors.registry import DeviceHandle, Registry
from nutrio.actors.upsd.listener import run_listener
from nutrio.actors.upsmon.coordinator import monitor_children
from nutrio.protocol.notify.events import Notification, NotifyType
from nutrio.protocol.upsd.replies import Descriptions
from nutrio.protocol.upsd.session import ServerSettings
from nutrio.protocol.upsd.users import FixedAccounts, UserAccount

ACCOUNTS: Mapping[str, UserAccount] = {
    "admin": UserAccount(name="admin", password="secret", actions=frozenset({"SET", "FSD"}),
                         instcmds=("all",)),
    "monuser": UserAccount(name="monuser", password="pass", upsmon="primary"),
    "secuser": UserAccount(name="secuser", password="sec", upsmon="secondary"),
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Device:
    """The fields run_driver reads from conf.DeviceConfig."""

    name: str
    port: str
    config_dir: Path
    driver: str = "dummy-ups"
    desc: str = "test"
    pollinterval: float | None = 1.0
    maxage: float | None = None
    options: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    maxstartdelay: float = 45.0


async def start_driver(nursery: trio.Nursery, registry: Registry, tmp: Path, name: str,
                       seq: str) -> DeviceHandle:
    """A dummy-ups driver actor playing ``seq`` (a .seq file's text)."""
    (tmp / f"{name}.seq").write_text(seq)
    dev = Device(name=name, port=f"{name}.seq", config_dir=tmp)
    handle = registry.add(DeviceHandle(name, desc="test"))
    await nursery.start(lambda task_status: run_driver(dev, handle, task_status=task_status))
    return handle


async def start_upsd(nursery: trio.Nursery, registry: Registry) -> tuple[int, trio.CancelScope]:
    """Our listener on 127.0.0.1:0; returns the port and a scope that stops it."""
    scope = trio.CancelScope()

    async def serve(task_status: trio.TaskStatus[int]) -> None:
        with scope:
            await run_listener(("127.0.0.1", 0), registry, ServerSettings(),
                               FixedAccounts(ACCOUNTS),
                               descriptions=Descriptions(), task_status=task_status)

    port: int = await nursery.start(serve)
    return port, scope


class RecordingShutdown:
    """A ShutdownRunner whose SHUTDOWNCMD records the (Trio) time of each call."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    @property
    def requested(self) -> bool:
        return bool(self.calls)

    async def request_shutdown(self) -> None:
        self.calls.append(trio.current_time())

    def helper_alive(self) -> bool:
        return True


@dataclass
class Host:
    """One machine running upsmon: what it notified and when it shut down."""

    name: str
    shutdown: RecordingShutdown
    notes: list[tuple[float, Notification]] = field(default_factory=list)

    def types(self) -> list[NotifyType]:
        return [n.type for _, n in self.notes]

    def first(self, kind: NotifyType) -> float:
        return next(t for t, n in self.notes if n.type == kind)


def monitor_config(*ups: conf.MonitorUps, **kw: object) -> conf.Config:
    values: dict[str, object] = {"pollfreq": 5.0, "pollfreqalert": 5.0, "finaldelay": 5.0,
                                 "hostsync": 15.0, "deadtime": 15.0, "shutdowncmd": "true"}
    values.update(kw)
    return conf.Config(monitor=conf.MonitorConfig(ups=ups, **values))  # type: ignore[arg-type]


def watch(system: str, *, role: str = "primary", powervalue: int = 1) -> conf.MonitorUps:
    user, password = ("monuser", "pass") if role == "primary" else ("secuser", "sec")
    return conf.MonitorUps(system=system, powervalue=powervalue, user=user, password=password,
                           role=role)  # type: ignore[arg-type]


async def start_host(nursery: trio.Nursery, name: str, config: conf.Config,
                     registry: Registry | None = None) -> Host:
    """Start a coordinator and its monitors (as nutrio would) and collect what they do."""
    host = Host(name=name, shutdown=RecordingShutdown())
    send, receive = trio.open_memory_channel[Notification](100)

    async def collect() -> None:
        async for note in receive:
            host.notes.append((trio.current_time(), note))

    nursery.start_soon(collect)
    for spec in monitor_children(config, registry, send, host.shutdown):
        await nursery.start(spec.start)
    return host
