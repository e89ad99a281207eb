"""A real NUT 2.8.0 driver and nutrio's, side by side on simulated units (bcmxcp,
bcmxcp_usb, liebert-esp2, powercom, powerpanel).

Each unit has two simulators of the same device: one for the real driver,
one for nutrio's. The real drivers (one process per ups.conf section) sit
behind one real upsd; nutrio's driver actors behind one nutrio listener, in
the test's Trio run. The tests ask both upsds the same NUT protocol
questions and compare the answers line for line, and send both the same
commands and compare the requests each simulator received (a simulator
keeps them in ``received``; ``commands()`` picks those that change
something).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Protocol

import trio
from driver_helpers import Device
from sim.pty import PtyPair, open_pty, serving, serving_all
from sim.realdriver import private_nut, stop_processes, ups_conf_section

from nutrio.actors.drivers import run_driver
from nutrio.actors.registry import DeviceHandle, Registry
from nutrio.actors.upsd.listener import run_listener
from nutrio.protocol.upsd.replies import Descriptions
from nutrio.protocol.upsd.session import ServerSettings
from nutrio.protocol.upsd.users import FixedAccounts, UserAccount
from tests.procs import wait_until
from tests.realnut import SBIN, wait_served

__all__ = ["NOT_COMPARED", "Bench", "BenchSim", "Unit", "both_say", "listing", "nut_client",
           "nutrio_side", "read_out", "real_kill", "real_log", "real_side", "serial_bench",
           "served_after_update", "served_each_after_update", "statuses", "values"]

#: what differs on purpose: the build, and each side's own pty
NOT_COMPARED = frozenset({"driver.version", "driver.parameter.port"})
ADMIN = UserAccount(name="admin", password="secret", actions=frozenset({"SET"}), instcmds=("all",))
#: both sides poll every second
POLL = {"pollinterval": "1"}


class BenchSim(Protocol):
    """What a bench needs from a simulator: the requests it got, and those that act."""

    received: Any

    def commands(self) -> list[Any]: ...


class NutClient:
    """A line client of a upsd (real or nutrio's), on the test's Trio run."""

    def __init__(self, stream: trio.SocketStream) -> None:
        self.stream = stream
        self.buffer = b""

    async def _line(self) -> str:
        while b"\n" not in self.buffer:
            chunk = await self.stream.receive_some(65536)
            if not chunk:
                raise EOFError("upsd closed the connection")
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line.decode("latin-1")

    async def ask(self, request: str) -> list[str]:
        """One request; its reply lines (a listing up to and with END LIST)."""
        await self.stream.send_all(request.encode() + b"\n")
        lines = [await self._line()]
        if lines[0].startswith("BEGIN LIST"):
            while not lines[-1].startswith("END LIST"):
                lines.append(await self._line())
        return lines


@contextlib.asynccontextmanager
async def nut_client(port: int) -> AsyncIterator[NutClient]:
    async with await trio.open_tcp_stream("127.0.0.1", port) as stream:
        client = NutClient(stream)
        for line in ("USERNAME admin", "PASSWORD secret"):
            assert await client.ask(line) == ["OK"]
        yield client


def _name(line: str) -> str | None:
    words = line.split(" ", 3)
    return words[2] if len(words) > 3 and words[0] == "VAR" else None


async def listing(port: int, ups: str, ignore: frozenset[str] = NOT_COMPARED) -> dict[str, list[str]]:
    """LIST VAR (less ``ignore``), LIST RW, LIST CMD, and each writable
    variable's GET TYPE and LIST ENUM/RANGE."""
    async with nut_client(port) as client:
        found = {kind: await client.ask(f"LIST {kind} {ups}") for kind in ("VAR", "RW", "CMD")}
        for line in found["RW"][1:-1]:
            name = line.split()[2]
            for request in (f"GET TYPE {ups} {name}", f"LIST ENUM {ups} {name}",
                            f"LIST RANGE {ups} {name}"):
                found[request] = await client.ask(request)
    found["VAR"] = [line for line in found["VAR"] if _name(line) not in ignore]
    return found


def values(found: Mapping[str, list[str]]) -> dict[str, str]:
    """name -> value of a LIST VAR reply."""
    return {line.split(" ", 3)[2]: line.split(" ", 3)[3][1:-1]
            for line in found["VAR"] if _name(line) is not None}


def difference(ups: str, real: Mapping[str, list[str]], ours: Mapping[str, list[str]]) -> str:
    """What differs, line by line: "-" only the real upsd said it, "+" only nutrio's."""
    lines = [f"UPS {ups}:"]
    for key in sorted({*real, *ours}):
        theirs, mine = real.get(key, []), ours.get(key, [])
        lines += [f"- {line}" for line in theirs if line not in mine]
        lines += [f"+ {line}" for line in mine if line not in theirs]
    return "\n".join(lines)


@dataclass
class Unit:
    """One simulated unit on both sides: its name, options and the two simulators."""

    name: str
    options: Mapping[str, str | None]  # None: a flag
    real: Any
    ours: Any
    port: str = ""  # the tty of nutrio's simulator (serial)
    #: nutrio's section when it differs (an old driver name, its own options)
    our_driver: str | None = None
    our_options: Mapping[str, str | None] | None = None


@dataclass
class Bench:
    """Every unit on both sides; ``real_port`` and ``our_port`` are the two upsds."""

    units: dict[str, Unit]
    real_port: int
    our_port: int
    handles: dict[str, DeviceHandle] = field(default_factory=dict)
    #: variables left out of the comparison (a USB driver's driver.version.usb too)
    ignore: frozenset[str] = NOT_COMPARED

    def both(self, name: str, change: Callable[[Any], None]) -> None:
        change(self.units[name].real)
        change(self.units[name].ours)

    async def compare(self, name: str) -> dict[str, str]:
        """Assert both upsds list the same for ``name``; its variables."""
        real = await listing(self.real_port, name, self.ignore)
        ours = await listing(self.our_port, name, self.ignore)
        assert ours == real, difference(name, real, ours)
        return values(real)

    async def commands(self, name: str, requests: list[str], count: int,
                       timeout: float = 60, pace: float = 0.0) -> list[bytes]:
        """Send the INSTCMD/SET lines to both; once each simulator got ``count`` command
        payloads, assert they got the same ones, and return them.

        ``pace``: send one request to both sides at a time, the next once each side's
        unit got something (or after ``pace`` seconds). For drivers that flush the
        line's output before each command (NUT's ser_flush_io), as a command still
        unread by the unit is lost then, on a real line as on a pty.
        """
        unit = self.units[name]
        unit.real.received.clear()
        unit.ours.received.clear()
        if pace:
            await self._paced(unit, requests, pace)
        else:
            for port in (self.real_port, self.our_port):
                async with nut_client(port) as client:
                    for request in requests:
                        assert await client.ask(request) == ["OK"], request
        with trio.move_on_after(timeout):
            while len(unit.real.commands()) < count or len(unit.ours.commands()) < count:
                await trio.sleep(0.1)
        assert len(unit.real.commands()) >= count and len(unit.ours.commands()) >= count, \
            f"after {timeout:g} s: real {unit.real.commands()}, ours {unit.ours.commands()}"
        await trio.sleep(0.5)
        assert unit.ours.commands() == unit.real.commands()
        return unit.real.commands()


    async def _paced(self, unit: Unit, requests: list[str], pace: float) -> None:
        async with nut_client(self.real_port) as real, nut_client(self.our_port) as ours:
            for request in requests:
                real_had, ours_had = len(unit.real.commands()), len(unit.ours.commands())
                for client in (real, ours):
                    assert await client.ask(request) == ["OK"], request
                with trio.move_on_after(pace):
                    while len(unit.real.commands()) <= real_had or len(unit.ours.commands()) <= ours_had:
                        await trio.sleep(0.05)


async def served_after_update(port: int, sim: BenchSim, request: Any, *, ups: str = "sim",
                              within: float = 30) -> dict[str, str]:
    """What a real upsd serves for ``ups`` once its driver has read the unit anew: two
    more ``request`` (the one that opens an update) reached ``sim``, so the update that
    got the unit's new replies is done."""
    seen = sim.received.count(request)
    with trio.fail_after(within):
        while sim.received.count(request) < seen + 2:
            await trio.sleep(0.1)
    return values(await listing(port, ups))


async def served_each_after_update(driver: str, sims: list[Any], request: Any,
                                   change: Callable[[Any, int], None]) -> list[dict[str, str]]:
    """Each sim on a pty and in a real ``driver`` section of its own, all behind one upsd:
    ``change(sim, index)``, then what upsd serves for it after :func:`served_after_update`,
    for all sims at once (one after the other, each waits two of the driver's updates)."""
    names = [f"sim{i}" for i in range(len(sims))]
    found: dict[int, dict[str, str]] = {}
    async with serving_all(sims) as ttys, real_side(driver, {
            name: (tty, {}) for name, (_, tty) in zip(names, ttys, strict=True)}) as port:

        async def read(index: int, sim: Any) -> None:
            change(sim, index)
            found[index] = await served_after_update(port, sim, request, ups=names[index])

        async with trio.open_nursery() as reads:
            for index, sim in enumerate(sims):
                reads.start_soon(read, index, sim)
    return [found[index] for index in range(len(sims))]


async def statuses(b: Bench, name: str) -> list[list[str]]:
    """GET VAR ups.status from the real upsd, then from nutrio's."""
    found = []
    for port in (b.real_port, b.our_port):
        async with nut_client(port) as client:
            found.append(await client.ask(f"GET VAR {name} ups.status"))
    return found


async def both_say(b: Bench, name: str, expected: str, within: float) -> None:
    """Wait until both upsds answer ``expected`` to GET VAR ups.status (at most ``within`` s)."""
    found: list[list[str]] = []
    with trio.move_on_after(within):
        while (found := await statuses(b, name)) != [[expected]] * 2:
            await trio.sleep(0.5)
        return
    raise AssertionError(f"{name}: not both {expected!r} within {within:g} s: {found}")


@contextlib.asynccontextmanager
async def real_side(driver: str, sections: Mapping[str, tuple[str, Mapping[str, str]]], *,
                    envs: Mapping[str, Mapping[str, str]] | None = None,
                    debug: str = "-DD") -> AsyncIterator[int]:
    """One real ``driver`` process per section (name -> (port, options)), each with its
    extra environment (``envs``: a USB lab of its own), all started at once, then one
    real upsd; yields its port. ``debug``: the drivers' debug flag."""
    names = list(sections)
    first, (port, options) = names[0], sections[names[0]]
    nut = private_nut(driver, port, {**POLL, **options}, name=first, prefix="realbench-")
    with (nut.tmp / "etc" / "ups.conf").open("a") as conf:
        for name in names[1:]:
            port, options = sections[name]
            conf.write(ups_conf_section(name, driver, port, {**POLL, **options}))
    procs: list[trio.Process] = []
    logs: list[int] = []
    try:
        for name in names:
            env = {**nut.env, **(envs or {}).get(name, {}), "USBLAB_CLIENT": f"{driver}-{name}"}
            logs.append(os.open(nut.tmp / f"driver-{name}.log", os.O_WRONLY | os.O_CREAT, 0o644))
            procs.append(await trio.lowlevel.open_process(
                [str(SBIN / driver), "-a", name, "-u", "root", "-F", debug], env=env,
                stdout=logs[-1], stderr=subprocess.STDOUT))
        made = await trio.to_thread.run_sync(wait_until, lambda: all(
            any(nut.state.glob(f"{driver}-{n}")) for n in names), 60)
        assert made, f"{driver} never made its sockets (logs in {nut.tmp})"
        procs.append(await trio.lowlevel.open_process(
            [str(SBIN / "upsd"), "-u", "root", "-F"], env=nut.env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        assert await trio.to_thread.run_sync(lambda: wait_served(nut.port, *names, timeout=60))
        yield nut.port
    finally:
        await stop_processes(procs)
        for log in logs:
            os.close(log)
        shutil.rmtree(nut.tmp, ignore_errors=True)


async def real_kill(driver: str, port: str, options: Mapping[str, str | None],
                    env: Mapping[str, str] | None = None) -> tuple[int, str]:
    """``driver -a sim -k`` (NUT's killpower): (exit code, what it printed)."""
    with tempfile.TemporaryDirectory(prefix="realkill-") as tmp:
        Path(tmp, "ups.conf").write_text(ups_conf_section("sim", driver, port, options))
        Path(tmp, "nut.conf").write_text("MODE=standalone\n")
        done = await trio.run_process(
            [str(SBIN / driver), "-a", "sim", "-u", "root", "-k"],
            env={**os.environ, **(env or {}), "NUT_CONFPATH": tmp, "NUT_STATEPATH": tmp},
            capture_stdout=True, capture_stderr=True, check=False)
    return done.returncode, (done.stdout + done.stderr).decode()


async def read_out(*sims: Any, quiet: float = 0.5, limit: float = 5.0) -> None:
    """Until the simulators have read what the drivers wrote last (a driver may end
    before its simulator, on a busy machine, got to the last request)."""
    with trio.move_on_after(limit):
        seen: list[int] = []
        while (now := [len(sim.received) for sim in sims]) != seen:
            seen = now
            await trio.sleep(quiet)


async def nutrio_side(nursery: trio.Nursery, driver: str, units: list[Unit],
                      factory: Callable[[Any], Any]) -> tuple[int, dict[str, DeviceHandle]]:
    """nutrio's driver actor for each unit (in order), behind one nutrio listener."""
    registry = Registry()
    handles = {}
    for unit in units:
        options = unit.options if unit.our_options is None else unit.our_options
        dev = Device(name=unit.name, port=unit.port or "auto", config_dir=Path("/tmp"),
                     driver=unit.our_driver or driver, pollinterval=1.0,
                     options=MappingProxyType({**POLL, **{  # a bare ups.conf flag is "true"
                         k: "true" if v is None else v for k, v in options.items()}}))
        handle = handles[unit.name] = registry.add(DeviceHandle(unit.name, "test"))
        await nursery.start(lambda task_status, d=dev, h=handle: run_driver(
            d, h, factory=factory, task_status=task_status))
    port = await nursery.start(lambda task_status: run_listener(
        ("127.0.0.1", 0), registry, ServerSettings(), FixedAccounts({"admin": ADMIN}),
        descriptions=Descriptions(), task_status=task_status))
    return port, handles


@contextlib.asynccontextmanager
async def serial_bench(nursery: trio.Nursery, driver: str, units: list[Unit],
                       factory: Callable[[Any], Any], *, settle: float = 1.5,
                       debug: str = "-DD",
                       env: Mapping[str, str] | None = None) -> AsyncIterator[Bench]:
    """Every unit's two simulators on ptys (``unit.real`` and ``unit.ours`` serve), nutrio's
    actors, then the real drivers (at ``debug``, with ``env`` added to their environment:
    a preloaded shim) and upsd; ``settle`` seconds for their first updates."""
    ptys: list[PtyPair] = []
    try:
        async with trio.open_nursery() as sims:
            ttys = {}
            for unit in units:
                for side in ("real", "ours"):
                    ptys.append(open_pty())
                    sims.start_soon(getattr(unit, side).serve, ptys[-1])
                    ttys[unit.name, side] = ptys[-1].path
                unit.port = ttys[unit.name, "ours"]
            our_port, handles = await nutrio_side(nursery, driver, units, factory)
            sections = {u.name: (ttys[u.name, "real"], u.options) for u in units}
            envs = {name: env for name in sections} if env else None
            async with real_side(driver, sections, debug=debug, envs=envs) as real_port:
                await trio.sleep(settle)
                yield Bench({u.name: u for u in units}, real_port, our_port, handles)
            sims.cancel_scope.cancel()
    finally:
        for pty in ptys:
            await pty.aclose()


async def real_log(driver: str, sim: Any, seconds: float, tmp: Path,
                   env: Mapping[str, str] | None = None) -> str:
    """What the real ``driver`` prints at -DDDDD (each request, each SETINFO) while it
    talks to ``sim`` on a pty for ``seconds``, polling every second."""
    async with serving(sim) as (_, tty):
        (tmp / "ups.conf").write_text(ups_conf_section("sim", driver, tty, {"pollinterval": "1"}))
        (tmp / "nut.conf").write_text("MODE=standalone\n")
        with (tmp / "log").open("w") as log:
            proc = await trio.lowlevel.open_process(
                [str(SBIN / driver), "-a", "sim", "-u", "root", "-F", "-DDDDD"],
                env={**os.environ, **(env or {}), "NUT_CONFPATH": str(tmp),
                     "NUT_STATEPATH": str(tmp)}, stdout=log, stderr=log)
            await trio.sleep(seconds)
            await stop_processes([proc])
    return (tmp / "log").read_text()
