"""gamatronic: SEC-protocol UPSes on a serial line, as NUT 2.8.0's gamatronic (0.03).

How it works (the protocol is protocol/devices/gamatronic/; checked against
the real binary on tests/drivers/sim/gamatronic_sim.py):

* ``open`` (initups, initinfo, one update): the speed search (1200 to
  19200 baud, the manufacturer probe at each, a second for an answer; a
  refusal counts as an answer), the variable list (AP1, AP2) and its query
  plan, the commands read once, then an update.
* ``poll``: each status command of the plan; the variables whose text
  changed, ups.alarm from the alarm fields, ups.status.
* No instant commands, no writable variables (NUT's driver has none).
* ``killpower``: the speed search, then NUT's four set requests (cancel,
  restart on power, shutdown type 2, off in 5 s), each answer read and
  ignored.

Where nutrio differs: NUT's driver never marks its data stale, and a status
command left unanswered blanks the variable of its first field (a voltage
reads 0.0). nutrio makes the data stale instead and keeps the values; the
first unanswered spell is logged once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import structlog

from nutrio.actors.drivers.base import DeviceLike, PollResult, Sent, WithoutCommands
from nutrio.actors.drivers.errors import DriverIOError
from nutrio.actors.drivers.nutserial import CommWatch, get_line
from nutrio.actors.drivers.serialport import SerialPort
from nutrio.protocol.devices import gamatronic as sec
from nutrio.protocol.devices.dummy.devfile import DeviceVars, commit_status

__all__ = ["GamaTiming", "Gamatronic"]

log = structlog.get_logger()


@dataclass(frozen=True, slots=True)
class GamaTiming:
    """How long the line may stay silent within a reply (NUT: 1 s)."""

    reply: float = 1.0


class Gamatronic(WithoutCommands):
    """One SEC-protocol UPS on a serial port (see the module comment)."""

    name = "gamatronic"
    version_internal = "0.03"
    flags: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, device: DeviceLike, *, timing: GamaTiming | None = None) -> None:
        self.t = timing or GamaTiming()
        self.port = SerialPort(device.port, baudrate=sec.BAUDS[0])
        self.watch = CommWatch()
        self.values = sec.SecValues()
        self.queries: list[sec.Query] = []

    # -- the Driver protocol -------------------------------------------------

    async def open(self, state: DeviceVars) -> None:
        await self._initups()
        first = await self._ask("AP1") or ""
        rest = await self._ask("AP2") or ""
        available = f"{first},{rest}" if first else rest
        if not available:
            raise DriverIOError("No available variables found!")
        self.queries = sec.plan(available)
        for query in self.queries:
            if query.once:  # an unanswered one leaves its variables unset, as NUT's
                await self._read(query, state)
        log.info("driver.identified", mfr=state.get("ups.mfr"), model=state.get("ups.model"))
        await self.poll(state)  # main.c updates once right after initinfo

    async def poll(self, state: DeviceVars) -> PollResult:
        alarms: list[str] = []
        missed = []
        for query in self.queries:
            if not query.once:
                found = await self._read(query, state)
                if found is None:
                    missed.append(query.command)
                else:
                    alarms += found
        if missed:
            self.watch.failed("no answer", commands=missed)
            raise DriverIOError(f"no answer to {', '.join(missed)}")
        self.watch.good()
        commit_status(state, self.values.status_words(), alarms)
        return PollResult()

    async def close(self) -> None:
        await self.port.close()

    async def killpower(self) -> Sent:
        """gamatronic -k: the speed search, then the four set requests."""
        await self._initups()
        for command, data in sec.SHUTDOWN:
            await self.port.write(sec.request("S", command, data))
            await self._receive()  # NUT reads each answer and goes on whatever it says
        return Sent("shutdown.return", "off in 5 s, on again when the power returns")

    # -- the line -----------------------------------------------------------------

    async def _initups(self) -> None:
        await self.port.open()
        for baud in sec.BAUDS:
            self.port.set_baudrate(baud)
            await self.port.discard_input()  # ser_set_speed drops the input
            await self.port.write(sec.PROBE)
            code, _ = await self._receive()
            if code >= -1:
                log.info("driver.connected", baud=baud)
                return
        raise DriverIOError(f"Can't talk to UPS on port {self.port.path}!")

    async def _read(self, query: sec.Query, state: DeviceVars) -> list[str] | None:
        """Run one query into the values; its alarms, or None when unanswered."""
        answer = await self._ask(query.command)
        if answer is None:
            return None
        return self.values.read(query, answer, state.set)

    async def _ask(self, command: str) -> str | None:
        """A poll request; its fields ("" for a plain "done"), None when refused or not
        answered."""
        # a reply that came after its query timed out would answer this query, and
        # every later one, with the wrong values (NUT never resyncs): drop it
        await self.port.discard_input()
        await self.port.write(sec.request("P", command))
        code, fields = await self._receive()
        return fields if code >= 0 else None

    async def _receive(self) -> tuple[int, str]:
        # NUT reads what came even when the line fell silent before the CR
        line, _ = await get_line(self.port, b"\r", self.t.reply)
        return sec.parse_reply(line[: sec.LINE_MAX].decode("latin-1"))
