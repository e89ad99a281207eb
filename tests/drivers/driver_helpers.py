"""Shared pieces for driver tests: a device section, a running driver actor, waits and requests."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest
import trio
from structlog.testing import capture_logs

from nutrio.actors.drivers import DriverError, DriverFactory, run_driver
from nutrio.actors.registry import DeviceHandle
from nutrio.protocol.common.state import CommandRequest, UpsSnapshot, VarInfo


@dataclass(frozen=True, slots=True, kw_only=True)
class Device:
    """The fields run_driver reads from conf.DeviceConfig."""

    name: str
    port: str
    config_dir: Path
    driver: str = "dummy-ups"
    desc: str = "test"
    pollinterval: float | None = None
    maxage: float | None = None
    options: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    maxstartdelay: float = 45.0


def device(tmp_path: Path, port: str, content: bytes | str | None = None, **kw: object) -> Device:
    """A device serving ``tmp_path/port``, written first when ``content`` is given."""
    if content is not None:
        data = content.encode() if isinstance(content, str) else content
        (tmp_path / port).write_bytes(data)
    options = kw.pop("options", {})
    return Device(
        name=str(kw.pop("name", "ups1")), port=port, config_dir=tmp_path,
        options=MappingProxyType(dict(options)), **kw,  # type: ignore[arg-type]
    )


def serial_device(driver: str, tty: str, *, poll: float = 0.05, maxage: float = 2.0,
                  name: str | None = None, **options: str) -> Device:
    """A quick-polling ups.conf section of ``driver`` on ``tty`` (named after the driver
    unless ``name`` says otherwise)."""
    return Device(name=name or driver.split("-")[0], port=tty, config_dir=Path("/tmp"),
                  driver=driver, pollinterval=poll, maxage=maxage,
                  options=MappingProxyType(options))


async def start(nursery: trio.Nursery, dev: Device, **kw: object) -> DeviceHandle:
    handle = DeviceHandle(dev.name, dev.desc)
    await nursery.start(lambda task_status: run_driver(dev, handle, task_status=task_status, **kw))  # type: ignore[arg-type]
    return handle


async def next_snapshot(handle: DeviceHandle) -> UpsSnapshot:
    _, snap = await handle.state.wait_newer(handle.state.version)
    return snap


async def wait_for(
    handle: DeviceHandle, check: Callable[[UpsSnapshot], bool], timeout: float = 3.0
) -> UpsSnapshot:
    """The first snapshot (the current one included) that passes *check*."""
    with trio.fail_after(timeout):
        version, snap = handle.state.version, handle.snapshot
        while not check(snap):
            version, snap = await handle.state.wait_newer(version)
    return snap


def status_is(value: str) -> Callable[[UpsSnapshot], bool]:
    return lambda snap: snap.data.vars.get("ups.status") == value


async def stale_then_back(handle: DeviceHandle, sim: Any, mode: str, change: Callable[[], None],
                          status: str, timeout: float = 10) -> int:
    """Put the simulator in ``mode`` until the data goes stale, then back to normal with
    ``change``, until fresh data shows ``status``; how many ``driver.bad_reply``
    warnings that spell logged (the rest go to debug)."""
    with capture_logs() as logs:
        sim.mode = mode
        await wait_for(handle, lambda s: s.stale, timeout=timeout)
        sim.mode = "normal"
        change()
        snap = await wait_for(handle, lambda s: not s.stale and status_is(status)(s), timeout)
    assert snap.connected
    return sum(e["event"] == "driver.bad_reply" and e["log_level"] == "warning" for e in logs)


async def ask(
    handle: DeviceHandle, kind: str, name: str, value: str | None = None, *, timeout: float = 3.0
) -> str:
    """Send one tracked request straight to the driver; its result code."""
    await handle.requests_in.send(
        CommandRequest(kind=kind, ups=handle.name, name=name, value=value, tracking="t")
    )
    with trio.fail_after(timeout):
        return (await handle.results_out.receive()).code


def type_reply(info: VarInfo) -> str:
    """What upsd 2.8.0 answers to GET TYPE for these flags."""
    words = ["RW"] if info.rw else []
    if info.enums:
        words.append("ENUM")
    if info.ranges:
        words.append("RANGE")
    words.append(f"STRING:{info.string_len}" if info.string_len is not None else "NUMBER")
    return " ".join(words)


async def restart_after_silence(dev: Device, factory: DriverFactory,
                                silence: Callable[[], None],
                                answer: Callable[[], None]) -> Mapping[str, str]:
    """What the supervisor sees of a device that goes quiet: the actor ends with a
    DriverError once stale past ``restart_after`` (``silence`` runs once it started);
    then, after ``answer``, a fresh actor (the restart; the tree adds back-off) opens
    it again. Returns the variables that fresh actor read."""
    handle = DeviceHandle(dev.name)
    with pytest.RaisesGroup(pytest.RaisesExc(DriverError, match="stale for")):
        async with trio.open_nursery() as nursery:
            await nursery.start(lambda task_status: run_driver(
                dev, handle, factory=factory, task_status=task_status))
            silence()
    answer()
    async with trio.open_nursery() as nursery:
        await nursery.start(lambda task_status: run_driver(
            dev, handle, factory=factory, task_status=task_status))
        read = handle.snapshot.data.vars
        nursery.cancel_scope.cancel()
    return read
