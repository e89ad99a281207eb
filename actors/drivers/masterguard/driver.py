"""masterguard: Masterguard A/E series units on a serial line, as NUT 2.8.0's masterguard (0.25).

How it works (the protocol is protocol/devices/masterguard/; checked against
the real binary on tests/drivers/sim/masterguard_sim.py):

* Requests go one character at a time, 100 µs apart, at 2400 baud; a reply
  is a line up to CR, and every pause in it may last 3 s. A reply cut by
  such a pause is read as far as it came, as NUT does.
* ``open`` (initups, initinfo): "Q1" (46 characters back, or the try fails),
  "Q3" (70 back: a Q3 unit) and "WH" (name and firmware), until two tries
  succeed, at most ten. None does: the start fails ("No MASTERGUARD UPS
  found"). With the ``CS`` flag "C" cancels a pending shutdown and the start
  ends there, as NUT's driver exits. ``ups.mfr`` is MASTERGUARD, ``ups.model``
  the name from "WH" ("unknown" without one), ``ups.firmware`` its firmware.
* ``poll``: "Q3" or "Q1"; a reply of another length makes the data stale.
  NUT waits 3 s before it reads; nutrio reads as soon as the line is there,
  within the same 6 s.
* No instant commands, no writable variables. NUT logs that the driver is
  deprecated in favour of nutdrv_qx; so does nutrio.
* ``killpower`` (``-k``): the start's identification, then "S.2R0001" (off in
  12 s, on again a minute after the line returns).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import structlog

from nutrio.actors.drivers.base import DeviceLike, PollResult, Sent, WithoutCommands
from nutrio.actors.drivers.errors import DriverConfigError, DriverError, DriverIOError
from nutrio.actors.drivers.nutserial import CommWatch, get_line, send_paced
from nutrio.actors.drivers.serialport import SerialPort
from nutrio.protocol.devices import masterguard as mg
from nutrio.protocol.devices.dummy.devfile import DeviceVars

__all__ = ["MasterGuard", "MgTiming"]

log = structlog.get_logger()
BAUD = 2400
TRIES, GOOD = 10, 2


@dataclass(frozen=True, slots=True)
class MgTiming:
    """NUT's waits; tests shrink them."""

    idle: float = 3.0  # each pause within a reply
    update: float = 6.0  # an update's reply: NUT sleeps 3 s, then reads with 3 s pauses
    pace: float = 0.0001  # between request characters


class MasterGuard(WithoutCommands):
    """One Masterguard unit on a serial port (see the module comment)."""

    name = "masterguard"
    version_internal = "0.25"
    flags: ClassVar[frozenset[str]] = frozenset({"CS"})

    def __init__(self, device: DeviceLike, *, timing: MgTiming | None = None) -> None:
        self.options = device.options
        self.t = timing or MgTiming()
        self.port = SerialPort(device.port, baudrate=BAUD)
        self.watch = CommWatch()
        self.q3 = False
        self.who = mg.Identity()

    # -- the Driver protocol -------------------------------------------------

    async def open(self, state: DeviceVars) -> None:
        await self._initups()
        state.set("ups.mfr", "MASTERGUARD")
        state.set("ups.model", self.who.name or "unknown")
        if self.who.firmware:
            state.set("ups.firmware", self.who.firmware)
        await self.poll(state)  # main.c updates once right after initinfo

    async def poll(self, state: DeviceVars) -> PollResult:
        request, length = (mg.Q3, mg.Q3_LENGTH) if self.q3 else (mg.Q1, mg.Q1_LENGTH)
        text = await self._ask(request, self.t.update)
        if len(text) != length:
            self.watch.failed("Error in UPS response", got=text, expected=length)
            raise DriverIOError(f"reply of {len(text)} characters, not {length}")
        found, status = (mg.read_q3 if self.q3 else mg.read_q1)(text)
        for name, value in found.items():
            state.set(name, value)
        if status is not None:
            state.set("ups.status", " ".join(status))
        self.watch.good()
        return PollResult()

    async def close(self) -> None:
        await self.port.close()

    async def killpower(self) -> Sent:
        """masterguard -k: the start's identification, then the shutdown request."""
        await self._initups()
        await send_paced(self.port, mg.SHUTDOWN, self.t.pace)
        return Sent("shutdown.return", "S.2R0001: off in 12 s, on a minute after power returns")

    # -- the line -----------------------------------------------------------------

    async def _initups(self) -> None:
        log.warning("driver.deprecated", use="nutdrv_qx",
                    detail="masterguard is deprecated; nutdrv_qx speaks the Q1 family")
        await self.port.open()
        good = 0
        for _ in range(TRIES):
            good += await self._identify()
            if good == GOOD:
                break
        else:
            raise DriverError("No MASTERGUARD UPS found")
        log.info("driver.found", q3=self.q3, model=self.who.name, firmware=self.who.firmware)
        if "CS" in self.options:
            await send_paced(self.port, mg.CANCEL, self.t.pace)
            raise DriverConfigError("Shutdown cancelled (the CS flag)")

    async def _identify(self) -> bool:
        """One try of NUT's ups_ident: Q1, then Q3 and WH."""
        if len(await self._ask(mg.Q1, self.t.idle)) != mg.Q1_LENGTH:
            self.q3 = False
            return False
        self.q3 = len(await self._ask(mg.Q3, self.t.idle)) == mg.Q3_LENGTH
        said = await self._ask(mg.WH, self.t.idle)
        who = mg.identity(said)
        if who.form == "new":
            log.info("driver.new_wh", reply=said, length=len(said),
                     detail="New WH String found. Please report to maintainer")
        elif who.form != "none":
            self.who = who
        return True

    async def _ask(self, request: bytes, wait: float) -> str:
        """One request and its reply as far as it came (the CR not included).

        Input is dropped first (NUT does not): a reply cut by a pause would
        otherwise answer the next request.
        """
        await self.port.discard_input()
        await send_paced(self.port, request, self.t.pace)
        line, whole = await get_line(self.port, b"\r", wait)
        if not whole:
            log.debug("driver.no_reply", request=request, got=line)
        return mg.line_text(line)
