"""optiups: OPTI-UPS units (and the ONLINE USV Zinto D) on a serial line, as NUT 2.8.0's
optiups (1.02).

How it works (the protocol is protocol/devices/optiups/; checked against the
real binary on tests/drivers/sim/optiups_sim.py):

* Every request waits for its reply line (at 2400 baud, 0.65 s at most: NUT
  sleeps 150 ms, then waits 0.5 s for each piece). Input is dropped before each
  request (NUT does not): a late reply would answer every later request.
* ``open`` (initinfo): with the ``powerup`` flag, a unit that does not answer "AG"
  is asked once more with CR LF; a lone "2" means a Zinto D that is off: it is
  switched on and given 15 s. "IM" = ONLINE makes the unit a Zinto D (CR LF after
  each request, outlets switched on). Then "IM", "IZ", "IS" (maker, serial,
  firmware: a ^U reply gives "N/A" and the request is not made again), "IO" (the
  model; no answer fails the start). A Zinto D has a switchable outlet 1.
* ``poll``: "AG" (the status bits), then, unless ``status_only``, "NV", "OL",
  "OV", "FF", "BT" (a Zinto D: "OF" and "NF" for the frequencies, voltages
  halved) and "BV". A Zinto D that is off answers a lone "2": OFF. No status
  makes the data stale, after the other requests (NUT asks them all the same).
* Commands: ``Ct``/``Cs``/``Cu`` countdowns and ``Ts``, each answered; a Zinto D
  gets 2 s after load.off/load.on. NUT's driver exits after a shutdown; nutrio's
  keeps watching the UPS.
* ``killpower`` (``-k``): NUT reads no identity first, so it always speaks to an
  OPTI-UPS, even on a Zinto D: "AG", "Ct1", "Cu00000600" when on line, "Cs00000080".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import structlog
import trio

from nutrio.actors.drivers.base import DeviceLike, PollResult, Sent
from nutrio.actors.drivers.errors import DriverError, DriverIOError
from nutrio.actors.drivers.nutserial import CommWatch, get_line
from nutrio.actors.drivers.serialport import SerialPort
from nutrio.protocol.common.state import ResultCode, VarInfo
from nutrio.protocol.devices import optiups as opti
from nutrio.protocol.devices.dummy.devfile import DeviceVars

__all__ = ["OptiTiming", "OptiUps"]

log = structlog.get_logger()
BAUD = 2400


@dataclass(frozen=True, slots=True)
class OptiTiming:
    """NUT's waits; tests shrink them."""

    reply: float = 0.65  # usleep(150 ms) + 0.5 s of silence
    off_char: float = 1.0  # a Zinto D's lone "2"
    powerup: float = 15.0  # after switching a Zinto D on
    zinto_switch: float = 2.0  # after load.off / load.on on a Zinto D


@dataclass(frozen=True, slots=True)
class Reply:
    """One reply: its text, or None (no answer, an empty line, or ^U: ``unknown``)."""

    text: str | None
    unknown: bool = False


class OptiUps:
    """One OPTI-UPS or Zinto D on a serial port (see the module comment)."""

    name = "optiups"
    version_internal = "1.02"
    flags: ClassVar[frozenset[str]] = frozenset(
        {"status_only", "fake_lowbatt", "nowarn_noimp", "powerup"})

    def __init__(self, device: DeviceLike, *, timing: OptiTiming | None = None) -> None:
        self.options = device.options
        self.t = timing or OptiTiming()
        self.port = SerialPort(device.port, baudrate=BAUD)
        self.watch = CommWatch()
        self.zinto = False
        self.skipped: set[str] = set()  # requests the unit answered with ^U

    def _flag(self, name: str) -> bool:
        return name in self.options

    # -- the Driver protocol -------------------------------------------------

    async def open(self, state: DeviceVars) -> None:
        await self.port.open()
        if self._flag("powerup"):
            await self._power_up()
        if self._is_online(await self._ask("IM")):
            self.zinto = True
            for text in opti.ZINTO_START:
                await self._ask(text)
        await self._fill(state, opti.INIT_FILLS)
        state.set("ups.model", opti.model_name(await self._model()))
        if self._is_online(await self._ask("IM")):
            state.set("ups.mfr", "ONLINE USV-Systeme AG")
            state.set("ups.model", opti.zinto_model(await self._model()))
        for command in opti.commands(self.zinto):
            state.add_command(command)
        if self.zinto:
            for name, value in opti.OUTLETS:
                state.set(name, value)
            state.set_info(opti.SWITCH, VarInfo(rw=True, string_len=1))
        await self.poll(state)  # main.c updates once right after initinfo

    async def poll(self, state: DeviceVars) -> PollResult:
        status = await self._ask("AG")
        if status.text is None and self.zinto and await self._says_off():
            state.set("ups.status", "OFF")
            return PollResult()
        if status.text is not None:
            words = opti.status_words(status.text, fake_lowbatt=self._flag("fake_lowbatt"))
            state.set("ups.status", " ".join(words))
        else:
            self.watch.failed("can't retrieve ups status")
        if not self._flag("status_only"):
            await self._fill(state, opti.poll_fills(self.zinto))
            volts = await self._ask("BV")
            if volts.text is None:
                self.watch.failed("cannot retrieve battery voltage")
            else:
                for name, value in opti.battery(volts.text).items():
                    state.set(name, value)
        if status.text is None:
            raise DriverIOError("can't retrieve ups status")
        self.watch.good()
        return PollResult()

    async def instcmd(self, state: DeviceVars, name: str, value: str | None) -> str:
        requests = opti.requests_for(name, self.zinto)
        if requests is None:
            return ResultCode.CMD_NOT_SUPPORTED
        for text in requests:
            await self._ask(text)
        if self.zinto and name in ("load.off", "load.on"):
            await trio.sleep(self.t.zinto_switch)
        if name.startswith("shutdown."):
            log.info("driver.shutdown_sent", command=name)
        return ResultCode.SUCCESS

    async def set_var(self, state: DeviceVars, name: str, value: str) -> str:
        if not self.zinto or name.lower() != opti.SWITCH:
            return ResultCode.VAR_NOT_SUPPORTED
        change = opti.outlet_request(value)
        if change is None:
            return ResultCode.UNKNOWN
        state.set(opti.SWITCH, change[0])
        await self._ask(change[1])
        return ResultCode.SUCCESS

    async def close(self) -> None:
        await self.port.close()

    async def killpower(self) -> Sent:
        """optiups -k: the status, then the whole unit off in 8 s (back after 60 s on line)."""
        await self.port.open()
        status = await self._ask("AG")
        if status.text is None:
            log.error("driver.no_status", detail="can't retrieve ups status during shutdown")
        for text in opti.shutdown_requests(opti.on_battery(status.text), zinto=False):
            await self._ask(text)
        return Sent("shutdown.return", "Cs00000080: off in 8 s")

    # -- the line -----------------------------------------------------------------

    async def _ask(self, text: str) -> Reply:
        """One request and its reply line (see the module comment)."""
        await self.port.discard_input()
        await self.port.write(opti.request(text, self.zinto))
        line, whole = await get_line(self.port, b"\n", self.t.reply)
        said = opti.unit_says(line) if whole else None
        if said is None:
            log.debug("driver.no_reply", request=text, got=line.hex())
        return Reply(said, unknown=whole and opti.is_unknown(line))

    async def _fill(self, state: DeviceVars, fills: tuple[opti.Fill, ...]) -> None:
        for fill in fills:
            if fill.request in self.skipped:
                continue
            reply = await self._ask(fill.request)
            if reply.text is not None:
                state.set(fill.var, opti.value_text(fill, reply.text))
            elif reply.unknown:
                self.skipped.add(fill.request)
                state.set(fill.var, "N/A")
                if not self._flag("nowarn_noimp"):
                    log.info("driver.unsupported", var=fill.var, request=fill.request)
            else:
                self.watch.failed(f"can't retrieve {fill.var}")

    async def _model(self) -> str:
        reply = await self._ask("IO")
        if reply.text is None:
            raise DriverError("can't retrieve model")
        return reply.text

    @staticmethod
    def _is_online(reply: Reply) -> bool:
        return reply.text is not None and reply.text.lower() == opti.ZINTO_MFR.lower()

    async def _says_off(self) -> bool:
        """A Zinto D that is off answers "AG" CR LF with a lone "2"."""
        await self.port.write(b"AG\r\n")
        return await self.port.read_exactly(1, self.t.off_char) == b"2"

    async def _power_up(self) -> None:
        if (await self._ask("AG")).text is not None or not await self._says_off():
            return
        log.warning("driver.powering_up", detail="ups was off, switching it on")
        for text in ("Ct1", "Cu0000000"):
            await self._ask(text)
        await trio.sleep(self.t.powerup)
