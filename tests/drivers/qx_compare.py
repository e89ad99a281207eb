"""The real NUT 2.8.0 nutdrv_qx and nutrio's, side by side on simulated UPSes.

For each :class:`Case`, two simulators of the same device run on two ptys:
one for the real nutdrv_qx (all cases' drivers behind one real upsd), one
for nutrio's driver actor (all behind one nutrio listener). The tests then
ask both upsds the same NUT protocol questions and compare the answers, and
send both the same commands and compare the bytes each UPS received.
"""

from __future__ import annotations

import contextlib
from operator import methodcaller
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import trio
from driver_helpers import Device
from sim.megatec_sim import MegatecSim
from sim.pty import serving_all
from sim.realdriver import RealDriver, real_serial_drivers

from nutrio.actors.drivers import run_driver
from nutrio.actors.drivers.megatec.driver import NutdrvQx
from nutrio.actors.registry import DeviceHandle, Registry
from nutrio.actors.upsd.listener import run_listener
from nutrio.protocol.upsd.replies import Descriptions
from nutrio.protocol.upsd.session import ServerSettings
from nutrio.protocol.upsd.users import FixedAccounts, UserAccount

#: what only the real binary serves (its build, its USB half) or differs on purpose
#: (each side has its own pty)
NOT_COMPARED = frozenset({
    "driver.version", "driver.version.internal", "driver.version.usb", "driver.parameter.port",
})
ADMIN = UserAccount(name="admin", password="secret", actions=frozenset({"SET"}), instcmds=("all",))
#: both drivers poll every second, with a full update every other second or so
POLL = {"pollinterval": "1", "pollfreq": "1"}
#: long enough for a full update on both sides after a change
SETTLE = 3.5


@dataclass(frozen=True)
class Case:
    """One simulated device: its UPS name, simulator class and fields, ups.conf options."""

    name: str
    sim: type[MegatecSim]
    options: Mapping[str, str | None] = field(default_factory=dict)
    fields: Mapping[str, Any] = field(default_factory=dict)
    #: False when the real driver is expected to refuse the device
    served: bool = True
    #: variables that follow the clock (runtimecal on battery): compared within 2 %,
    #: since NUT counts whole seconds and the two drivers poll at their own moments
    timed: frozenset[str] = frozenset()
    #: nutrio's section, when it differs: its driver name (looked up in the catalog) and options
    our_driver: str = "nutdrv_qx"
    our_options: Mapping[str, str | None] | None = None


class NutClient:
    """A line client for a upsd (real or nutrio's), on the test's Trio loop."""

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
        return line.decode()

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
    stream = await trio.open_tcp_stream("127.0.0.1", port)
    async with stream:
        client = NutClient(stream)
        for line in ("USERNAME admin", "PASSWORD secret"):
            assert await client.ask(line) == ["OK"]
        yield client


async def listing(port: int, ups: str) -> dict[str, list[str]]:
    """LIST VAR, LIST RW, LIST CMD, and each writable variable's TYPE, ENUM and RANGE."""
    async with nut_client(port) as client:
        found = {kind: await client.ask(f"LIST {kind} {ups}") for kind in ("VAR", "RW", "CMD")}
        for line in found["RW"][1:-1]:
            name = line.split()[2]
            for request in (f"GET TYPE {ups} {name}", f"LIST ENUM {ups} {name}",
                            f"LIST RANGE {ups} {name}"):  # fmt: skip
                found[request] = await client.ask(request)
    found["VAR"] = [line for line in found["VAR"] if not _ignored(line)]
    return found


def _name(line: str) -> str | None:
    """The variable of a ``VAR ups name "value"`` line (None for anything else, an ERR)."""
    words = line.split(" ", 3)
    return words[2] if len(words) > 3 and words[0] == "VAR" else None


def _ignored(line: str) -> bool:
    return _name(line) in NOT_COMPARED


def difference(name: str, real: Mapping[str, list[str]], ours: Mapping[str, list[str]]) -> str:
    """What differs, line by line: "-" only the real upsd said it, "+" only nutrio's."""
    lines = [f"UPS {name}:"]
    for key in sorted({*real, *ours}):
        theirs, mine = real.get(key, []), ours.get(key, [])
        lines += [f"- {line}" for line in theirs if line not in mine]
        lines += [f"+ {line}" for line in mine if line not in theirs]
        if not lines[1:] and theirs != mine:
            lines.append(f"  {key}: same lines, another order")
    return "\n".join(lines)


def values(found: Mapping[str, list[str]]) -> dict[str, str]:
    """name -> value of a LIST VAR reply."""
    return {line.split(" ", 3)[2]: line.split(" ", 3)[3].strip('"')
            for line in found["VAR"] if _name(line) is not None}


@dataclass
class Side:
    """One device on one side: its simulator and tty."""

    sim: Any
    tty: str


@dataclass
class Bench:
    """Every case on both sides; ``real_port``/``our_port`` are the two upsds."""

    cases: Mapping[str, Case]
    real: dict[str, Side]
    ours: dict[str, Side]
    reals: dict[str, RealDriver]
    real_port: int
    our_port: int
    handles: dict[str, DeviceHandle]

    def both(self, name: str, change: Callable[[Any], None]) -> None:
        change(self.real[name].sim)
        change(self.ours[name].sim)

    async def compare(self, name: str) -> dict[str, str]:
        """Assert both upsds list the same for ``name``; its variables."""
        real = await listing(self.real_port, name)
        ours = await listing(self.our_port, name)
        timed = self.cases[name].timed
        theirs, mine = values(real), values(ours)
        for var in timed & theirs.keys():
            assert abs(float(mine[var]) - float(theirs[var])) <= 0.02 * float(theirs[var]) + 1, var
        for found in (real, ours):
            found["VAR"] = [line for line in found["VAR"] if _name(line) not in timed]
        assert ours == real, difference(name, real, ours)
        return theirs

    async def power_failure(self, statuses: tuple[str, str, str] = ("OB", "OB LB", "OL")) -> None:
        """Mains fails, the battery runs low, mains returns: after each, a full update on
        both sides (they poll every second, pollfreq 1) shows the same, with these statuses."""
        for method, status in zip(("on_battery", "low_battery", "on_line"), statuses, strict=True):
            for name in self.cases:
                self.both(name, methodcaller(method))
            await trio.sleep(SETTLE)
            for name, case in self.cases.items():
                if case.served:
                    assert (await self.compare(name))["ups.status"] == status, name

    async def command(self, name: str, request: str, *, sent: bool | None = True) -> list[bytes]:
        """Send ``request`` (an INSTCMD or SET line) to both; the command lines each UPS got.

        Asserts both got the same; ``sent`` False: that neither got anything; None: either."""
        for side in (self.real, self.ours):
            side[name].sim.received.clear()
        answers = []
        for port in (self.real_port, self.our_port):
            async with nut_client(port) as client:
                answers.append(await client.ask(request))
        assert answers[1] == answers[0], (request, answers)
        got = await self._commands(name, sent)
        assert got[1] == got[0], (request, got)
        return got[0]

    async def _commands(self, name: str, sent: bool | None) -> tuple[list[bytes], list[bytes]]:
        real, ours = self.real[name].sim, self.ours[name].sim
        with trio.move_on_after(5 if sent else 1.5):
            while not (sent is not False and real.commands() and ours.commands()):
                await trio.sleep(0.05)
        await trio.sleep(0.3)
        return real.commands(), ours.commands()

    async def every_command(self, names: list[str]) -> None:
        """Every instant command each UPS lists (its defaults), then a 60 s shutdown delay and
        shutdown.return: the same bytes on both sides. The UPSes go at once, each in turn."""

        async def one(name: str) -> None:
            async with nut_client(self.real_port) as client:
                listed = [line.split()[2] for line in (await client.ask(f"LIST CMD {name}"))[1:-1]]
            assert listed, name
            for command in listed:
                await self.command(name, f"INSTCMD {name} {command}", sent=None)
            await self.command(name, f'SET VAR {name} ups.delay.shutdown "60"', sent=False)
            assert await self.command(name, f"INSTCMD {name} shutdown.return")

        async with trio.open_nursery() as nursery:
            for name in names:
                nursery.start_soon(one, name)


@contextlib.asynccontextmanager
async def bench(nursery: trio.Nursery, cases: list[Case], driver: str = "nutdrv_qx") -> AsyncIterator[Bench]:
    """Start every case on both sides (see the module comment)."""
    async with contextlib.AsyncExitStack() as stack:
        sims = [case.sim(**case.fields) for case in cases for _ in (0, 1)]
        running = await stack.enter_async_context(serving_all(sims))
        real = {case.name: Side(*running[2 * i]) for i, case in enumerate(cases)}
        ours = {case.name: Side(*running[2 * i + 1]) for i, case in enumerate(cases)}
        sections = {c.name: (real[c.name].tty, {**POLL, **c.options}) for c in cases}
        reals = await stack.enter_async_context(real_serial_drivers(driver, sections))
        registry = Registry()
        handles = {}
        for case in cases:
            handles[case.name] = await _start_ours(nursery, registry, case, ours[case.name].tty)
        port = await nursery.start(lambda task_status: run_listener(
            ("127.0.0.1", 0), registry, ServerSettings(), FixedAccounts({"admin": ADMIN}),
            descriptions=Descriptions(), task_status=task_status))  # fmt: skip
        yield Bench({c.name: c for c in cases}, real, ours, reals, reals[cases[0].name].port, port,
                    handles)  # fmt: skip


async def _start_ours(nursery: trio.Nursery, registry: Registry, case: Case, tty: str) -> DeviceHandle:
    given = case.options if case.our_options is None else case.our_options
    options = {key: "true" if value is None else value for key, value in {**POLL, **given}.items()}
    dev = Device(name=case.name, port=tty, config_dir=Path("/tmp"), driver=case.our_driver,
                 pollinterval=1.0, options=MappingProxyType(options))  # fmt: skip
    factory = NutdrvQx if case.our_driver == "nutdrv_qx" else None  # else: the catalog's
    handle = registry.add(DeviceHandle(case.name, "test"))

    async def run(task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        try:
            await run_driver(dev, handle, factory=factory, task_status=task_status)
        except Exception:  # noqa: BLE001 - a device the driver refuses, as the real one does
            if case.served:
                raise
            task_status.started()

    await nursery.start(run)
    return handle
