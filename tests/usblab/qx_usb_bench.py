"""The real NUT 2.8.0 nutdrv_qx/blazer_usb and nutrio's, side by side on simulated USB UPSes.

Each :class:`UsbCase` is a UPS simulator (tests/drivers/sim) behind a bridge model
(bridges.py, string_bridges.py), built twice, each copy alone on a lab of its own:
one for the real driver (all cases' real drivers behind one real upsd), one for
nutrio's driver, run in this process behind one nutrio listener and reaching its
lab through a private copy of the lab's library (UsbLab.private_library). Alone on
its lab, each driver finds its device exactly as it would on a machine with that
one UPS: with no options at all when the case gives none.

:class:`UsbBench` is tests/drivers/qx_compare.Bench (LIST VAR/RW/CMD through both
upsds, the power failure, the command lines each UPS got) plus the USB record:
:meth:`UsbBench.instcmd` runs ``upscmd -w`` against both upsds and compares, besides
the answers, every transfer each driver made for the command.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from operator import methodcaller
from pathlib import Path
from types import MappingProxyType
from typing import Any

import trio
from driver_helpers import Device
from qx_compare import ADMIN, Bench, Side
from sim.megatec_sim import MegatecSim

from nutrio.actors.drivers import run_driver
from nutrio.actors.drivers.base import Driver
from nutrio.actors.drivers.megatec.blazer_usb import BlazerUsb
from nutrio.actors.drivers.megatec.driver import NutdrvQx
from nutrio.actors.drivers.megatec.usb import BLAZER_USB, NUTDRV_QX, UsbTransport
from nutrio.actors.drivers.usbbackend import backend_for
from nutrio.actors.registry import DeviceHandle, Registry
from nutrio.actors.upsd.listener import run_listener
from nutrio.protocol.upsd.replies import Descriptions
from nutrio.protocol.upsd.session import ServerSettings
from nutrio.protocol.upsd.users import FixedAccounts
from tests.usblab.calls import Call
from tests.usblab.models import UsbModel
from tests.usblab.runners import UsbSection, real_usb_drivers
from tests.usblab.server import UsbLab

__all__ = ["UsbBench", "UsbCase", "usb_bench", "wire"]

#: both drivers poll every second, a full update each time
POLL = {"pollinterval": "1", "pollfreq": "1"}


@dataclass(frozen=True)
class UsbCase:
    """One simulated USB UPS: its name, chip model, simulator and ups.conf options."""

    name: str
    chip: Callable[[Any], UsbModel]
    sim: type[MegatecSim] = MegatecSim
    options: Mapping[str, str | None] = field(default_factory=dict)
    fields: Mapping[str, Any] = field(default_factory=dict)
    driver: str = "nutdrv_qx"
    timed: frozenset[str] = frozenset()
    served: bool = True
    #: ups.status on battery, on a low battery, back on line
    statuses: tuple[str, str, str] = ("OB", "OB LB", "OL")


def wire(call: Call) -> tuple[object, ...]:
    """A transfer as the bus carried it, less what NUT leaves uninitialized: the bytes after
    the command in an ippon report (after its first NUL) and in ablerex's feature report."""
    out = call.out
    if call.setup is not None and not call.setup.is_in and call.setup.request == 0x09:
        if call.setup.value == 0x0305 and len(out) > 3:  # ablerex: 05 00 count command...
            out = out[:3 + out[2]].ljust(len(out), b"\0")
        elif call.setup.value == 0x0002 and b"\0" in out:  # ippon
            out = out[:out.index(b"\0")].ljust(len(out), b"\0")
    return (call.op, call.setup, call.endpoint, call.length, out, call.back, call.status)


@dataclass
class UsbBench(Bench):
    """qx_compare's bench with a lab per case and side: ``labs[name] = (real, ours)``."""

    labs: dict[str, tuple[UsbLab, UsbLab]] = field(default_factory=dict)
    drivers: dict[str, str] = field(default_factory=dict)
    settle: float = 4.0

    async def power_failure(self, statuses: tuple[str, str, str] | None = None) -> None:
        """qx_compare's, with each case's statuses and this bench's settling time (ablerex
        takes half a second a query)."""
        for step, method in enumerate(("on_battery", "low_battery", "on_line")):
            for name in self.cases:
                self.both(name, methodcaller(method))
            await trio.sleep(self.settle)
            for name, case in self.cases.items():
                want = (statuses or case.statuses)[step]  # type: ignore[attr-defined]
                if case.served:
                    assert (await self.compare(name))["ups.status"] == want, name

    async def compare(self, name: str, tries: int = 6) -> dict[str, str]:
        """qx_compare's, asked again a few times while they differ: a real NUT driver sends
        each value to upsd as it reads it, so upsd may show a walk half done (ablerex's
        ups.alarm "0" from Q5, until the walk's end clears it; the walk takes seconds on
        that chip), where nutrio publishes a poll when it is complete."""
        for _ in range(tries - 1):
            try:
                return await super().compare(name)
            except AssertionError:
                await trio.sleep(0.5)
        return await super().compare(name)

    def both(self, name: str, change: Callable[[Any], None]) -> None:
        for (lab, side) in zip(self.labs[name], (self.real[name], self.ours[name]), strict=True):
            with lab.lock:  # no reply sees half of the change
                change(side.sim)

    def transfers(self, name: str) -> tuple[list[Call], list[Call]]:
        real, ours = self.labs[name]
        return real.transfers(client=self.drivers[name]), ours.transfers(client="nutrio")

    async def instcmd(self, name: str, command: str, value: str | None = None) -> list[bytes]:
        """``upscmd -w`` on both sides: the same answer, command lines and transfers; the
        lines the UPS got."""
        marks = [len(calls) for calls in self.transfers(name)]
        for side in (self.real, self.ours):
            side[name].sim.received.clear()
        answers = []
        for port in (self.real_port, self.our_port):
            args = ["upscmd", "-w", "-u", "admin", "-p", "secret", f"{name}@127.0.0.1:{port}",
                    command, *([value] if value is not None else [])]
            done = await trio.run_process(args, capture_stdout=True, capture_stderr=True,
                                          check=False, env=self.reals[name].env)
            answers.append((done.stdout + done.stderr).decode().strip())
        assert answers[1] == answers[0], (name, command, answers)
        real, ours = (calls[mark:] for calls, mark in zip(self.transfers(name), marks, strict=True))
        assert [wire(c) for c in ours] == [wire(c) for c in real], (
            f"{name} {command}:\nreal:\n" + "\n".join(map(str, real))
            + "\nnutrio:\n" + "\n".join(map(str, ours)))
        lines = self.real[name].sim.received, self.ours[name].sim.received
        assert lines[1] == lines[0], (name, command, lines)
        return list(lines[0])


def our_driver(case: UsbCase, lab: UsbLab) -> Callable[[Any], Driver]:
    """nutrio's driver for the case, talking to ``lab`` (whatever the environment says)."""
    backend = backend_for(str(lab.private_library("nutrio")))
    if case.driver == "blazer_usb":
        return lambda dev: BlazerUsb(dev, transport=UsbTransport(dev, BLAZER_USB, backend=backend))
    return lambda dev: NutdrvQx(dev, transport=UsbTransport(dev, NUTDRV_QX, backend=backend))


def section(case: UsbCase, poll: Mapping[str, str]) -> dict[str, str | None]:
    """The case's ups.conf options with the bench's polling (blazer_usb has no pollfreq:
    NUT's refuses to start with it)."""
    if case.driver == "blazer_usb":
        poll = {k: v for k, v in poll.items() if k != "pollfreq"}
    return {**poll, **case.options}


async def _start_ours(nursery: trio.Nursery, registry: Registry, case: UsbCase, lab: UsbLab,
                      poll: Mapping[str, str]) -> DeviceHandle:
    options = {k: "true" if v is None else v for k, v in section(case, poll).items()}
    interval = float(options["pollinterval"])
    # nutrio's upsd calls data older than maxage stale, where NUT's hears its driver's pings:
    # a bench that polls once a minute gives its data that long
    dev = Device(name=case.name, port="auto", config_dir=Path("/tmp"), driver=case.driver,
                 pollinterval=interval, maxage=max(15.0, 2 * interval),
                 options=MappingProxyType(options))
    handle = registry.add(DeviceHandle(case.name, "test"))
    factory = our_driver(case, lab)
    await nursery.start(lambda task_status: run_driver(dev, handle, factory=factory,
                                                       task_status=task_status))
    return handle


@contextlib.asynccontextmanager
async def usb_bench(nursery: trio.Nursery, cases: list[UsbCase], *, poll: Mapping[str, str] = POLL,
                    timeout_scale: float = 0.02, settle: float = 4.0) -> AsyncIterator[UsbBench]:
    """Every case on both sides (see the module comment); stops everything on exit."""
    labs = {c.name: (UsbLab(timeout_scale=timeout_scale), UsbLab(timeout_scale=timeout_scale))
            for c in cases}
    real: dict[str, Side] = {}
    ours: dict[str, Side] = {}
    try:
        for case in cases:
            for lab, sides in zip(labs[case.name], (real, ours), strict=True):
                sim = case.sim(**case.fields)
                lab.plug(case.chip(sim))
                sides[case.name] = Side(sim, "auto")
        sections = {c.name: UsbSection(c.driver, section(c, poll), labs[c.name][0])
                    for c in cases}
        async with real_usb_drivers(sections) as reals:
            registry = Registry()
            handles: dict[str, DeviceHandle] = {}

            async def start(case: UsbCase) -> None:
                handles[case.name] = await _start_ours(nursery, registry, case,
                                                       labs[case.name][1], poll)

            async with trio.open_nursery() as starting:  # the drivers live on in ``nursery``
                for case in cases:
                    starting.start_soon(start, case)
            maxage = max(15.0, 2 * float(poll["pollinterval"]))  # see _start_ours
            port = await nursery.start(lambda task_status: run_listener(
                ("127.0.0.1", 0), registry, ServerSettings(maxage=maxage),
                FixedAccounts({"admin": ADMIN}),
                descriptions=Descriptions(), task_status=task_status))  # fmt: skip
            yield UsbBench({c.name: c for c in cases}, real, ours, reals,  # type: ignore[arg-type]
                           reals[cases[0].name].port, port, handles, labs=labs,
                           drivers={c.name: c.driver for c in cases}, settle=settle)
    finally:
        for pair in labs.values():
            for lab in pair:
                lab.close()
        for pair in labs.values():
            for lab in pair:
                lab.check()
