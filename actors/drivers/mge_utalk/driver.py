"""mge-utalk: MGE UPS SYSTEMS U-Talk units on a serial line, as NUT 2.8.0's mge-utalk (0.94).

How it works (checked against the real binary, tests/drivers/test_mge_utalk_vs_real_nut.py;
the replies' meaning is protocol/devices/mge_utalk/):

* Each request waits half a second (MGE's spacing), drops unread input, goes out
  with CR LF, and its reply line (up to CR) may take 3 s. 2400 baud, RTS dropped
  (``oldmac``: the other lines dropped instead).
* Start (initups): ``Z`` twice and ``Si``, then ``Ax 1`` if ``Si`` got nothing (the
  unit's communication switched on); ``LowBatt``, ``OnDelay``, ``OffDelay`` are set
  in the unit when given (``Bl``, ``Sm``, ``Sn``). Then (initinfo) ``Si 1`` (else
  ``Si``) names the model, ``Ai`` the multiplier table, the four status requests
  must answer, and each variable's request is tried once: those answered are read
  again at each full update, the others never.
* ``poll``: ``Z Z Si`` again, the status (``Ss Bs Ls Ps``; ``Ss`` is retried up to
  eleven times), then, when more than ``pollinterval`` whole seconds passed since the
  last full update, every variable. A failed request resets the line (``Ax 0``,
  then the start sequence), as NUT does; the data goes stale when the status fails.
* Commands act at once and look at the ``OK``; ``shutdown.return`` and
  ``shutdown.stayoff`` switch the unit's communication off and close the port (NUT
  2.8.0 does; the next poll fails and the actor reopens it).
* Settings go out as the variable's request with the value in place of ``?``; the
  unit's answer is only logged (NUT reports them as unknown, and reads them back at
  the next full update).
"""

from __future__ import annotations

import contextlib
import time
from typing import ClassVar

import structlog
import trio

from nutrio.actors.drivers.base import DeviceLike, PollResult, Sent
from nutrio.actors.drivers.errors import DriverIOError
from nutrio.actors.drivers.serialport import SerialPort
from nutrio.protocol.common.cnum import c_atoi
from nutrio.protocol.common.state import ResultCode, VarInfo
from nutrio.protocol.devices.dummy.devfile import DeviceVars, status_join
from nutrio.protocol.devices.mge_utalk import (
    ITEMS,
    Item,
    extract,
    identify,
    identify_legacy,
    multiplier_table,
    status_words,
)

__all__ = ["MgeUtalk", "UtalkTiming"]

log = structlog.get_logger()

#: NUT's MAXTRIES: start-up rounds, and status tries in a round (one more each)
MAX_TRIES = 10
COMMANDS = ("load.off", "load.on", "shutdown.return", "shutdown.stayoff", "test.panel.start",
            "test.battery.start", "bypass.start", "bypass.stop")
#: instant commands that need the unit's OK after one request
_SIMPLE = {"test.battery.start": "Bx 1", "test.panel.start": "Sx 129"}


class UtalkTiming:
    """The pauses of the line (NUT's: 0.5 s before each request, 1 ms before reading a
    reply, 0.5 s after switching the unit's communication, 3 s for a reply)."""

    def __init__(self, spacing: float = 0.5, connect: float = 0.5, reply: float = 3.0) -> None:
        self.spacing, self.connect, self.reply = spacing, connect, reply


def _option(device: DeviceLike, name: str) -> str | None:
    """NUT's option names are spelled LowBatt/OnDelay/OffDelay; either case is taken."""
    return next((v for k, v in device.options.items() if k.lower() == name), None)


class MgeUtalk:
    """The mge-utalk driver (see the module comment)."""

    name = "mge-utalk"
    version_internal = "0.94"
    flags: ClassVar[frozenset[str]] = frozenset({"oldmac"})

    def __init__(self, device: DeviceLike, timing: UtalkTiming | None = None) -> None:
        self.port = SerialPort(device.port, baudrate=2400)
        self.timing = timing or UtalkTiming()
        self.oldmac = device.options.get("oldmac", "no").lower() not in ("false", "no", "off", "0")
        self.settings = [(request, _option(device, name)) for request, name in
                         (("Bl", "lowbatt"), ("Sm", "ondelay"), ("Sn", "offdelay"))]
        self.poll_every = device.pollinterval or 2.0
        self.table = 0
        self.answered: dict[str, bool] = {}
        self.last_full = 0.0

    # -- the line -----------------------------------------------------------------

    async def ask(self, request: str, *, reply: bool = True, limit: int = 256) -> tuple[int, str]:
        """mge_command: (bytes received, the reply up to its CR); (0, what came) when the
        CR did not come in time."""
        await trio.sleep(self.timing.spacing)
        if not self.port.is_open:
            return -1, ""
        await self.port.discard_input()
        await self.port.write(request.encode("latin-1") + b"\r\n")
        if not reply:
            return 0, ""
        await trio.sleep(0.001)
        raw = await self.port.read_until(b"\r", self.timing.reply, max_bytes=limit)
        text = raw.replace(b"\n", b"").decode("latin-1")
        if raw.endswith(b"\r"):
            return len(text) - 1, text[:-1]
        return (len(text), text) if len(text) >= limit - 1 else (0, text)

    async def enable(self) -> None:
        """enable_ups_comm: ``Z`` twice; ``Ax 1`` when ``Si`` gets no answer."""
        await self.ask("Z", reply=False)
        await self.ask("Z", reply=False)
        if (await self.ask("Si", limit=8))[0] <= 0:
            await self.ask("Ax 1", reply=False)
            await trio.sleep(self.timing.connect)
        if self.port.is_open:
            await self.port.discard_input()

    async def disable(self) -> None:
        """disable_ups_comm: ``Ax 0`` after a pause."""
        if self.port.is_open:
            await self.port.discard_input()
        await trio.sleep(self.timing.connect)
        await self.ask("Ax 0", reply=False)

    async def reset(self) -> None:
        await self.disable()
        await self.enable()

    # -- the Driver protocol -------------------------------------------------

    async def open(self, state: DeviceVars) -> None:
        await self.start()
        state.set("ups.mfr", "MGE UPS SYSTEMS")
        for _ in range(MAX_TRIES + 1):
            await self._identify(state)
            if await self._status(state):
                break
        else:
            raise DriverIOError("Could not get status from UPS.")
        if self.table == 0:
            log.warning("mge_utalk.no_multiplier_table")
        for item in ITEMS:
            count, text = await self.ask(item.request)
            self.answered[item.var] = count >= 1 and not text.startswith("?")
            if self.answered[item.var]:
                state.set(item.var, extract(text, item, self.table))
                if item.width:
                    state.set_info(item.var, VarInfo(rw=True, string_len=item.width))
        self.last_full = time.time()
        for command in COMMANDS:
            state.add_command(command)
        log.info("driver.detected", model=state.get("ups.model"), port=self.port.path)
        await self.poll(state)  # main.c updates once right after initinfo

    async def start(self) -> None:
        """upsdrv_initups: the port, the modem lines, the unit woken, the options set."""
        await self.port.open()
        if self.oldmac:
            self.port.set_modem_lines(dtr=False, rts=True)
        else:
            self.port.set_modem_lines(dtr=True, rts=False)
        await self.enable()
        for request, value in self.settings:
            if value is not None:
                _, answer = await self.ask(f"{request} {c_atoi(value)}")
                log.debug("mge_utalk.setting", request=request, answer=answer)

    async def poll(self, state: DeviceVars) -> PollResult:
        if not self.port.is_open:
            raise DriverIOError(f"{self.port.path}: closed by a shutdown command")
        await self.enable()
        if not await self._status(state):
            log.warning("mge_utalk.no_status")
            await self.reset()
            raise DriverIOError("Cannot update system status")
        if int(time.time()) <= int(self.last_full) + int(self.poll_every):
            return PollResult()  # NUT spares old units: the variables wait
        for item in ITEMS:
            if self.answered.get(item.var):
                await self._refresh(state, item)
        self.last_full = time.time()
        return PollResult()

    async def _refresh(self, state: DeviceVars, item: Item) -> None:
        count, text = await self.ask(item.request)
        if count > 0 and not text.startswith("?"):
            state.set(item.var, extract(text, item, self.table))
        else:
            log.info("mge_utalk.cannot_update", var=item.var)
            await self.reset()

    async def instcmd(self, state: DeviceVars, name: str, value: str | None) -> str:
        name = name.lower()
        if name in _SIMPLE:
            return await self._ok(_SIMPLE[name])
        if name in ("shutdown.stayoff", "shutdown.return"):
            await self.shutdown(stayoff=name == "shutdown.stayoff")
            return ResultCode.UNKNOWN  # NUT falls through to "unknown command"
        if name in ("load.off", "load.on"):
            if await self._ok("Wy 65535") != ResultCode.SUCCESS:
                return ResultCode.UNKNOWN
            return await self._ok("Wx 1" if name == "load.on" else "Wx 0")
        if name in ("bypass.start", "bypass.stop"):
            count, text = await self.ask("Ps")
            if count > 0:
                return await self._ok("Px 2" if text.startswith("1") else "Px 3")
        return ResultCode.UNKNOWN

    async def set_var(self, state: DeviceVars, name: str, value: str) -> str:
        item = next((i for i in ITEMS if i.var == name.lower()), None)
        if item is None or not self.answered.get(item.var):
            return ResultCode.UNKNOWN
        request = item.request.replace("?", value)[:14]
        _, answer = await self.ask(request)
        log.info("mge_utalk.set", var=item.var, value=value, answer=answer)
        return ResultCode.UNKNOWN  # as NUT's setvar answers, whatever the unit said

    async def close(self) -> None:
        if self.port.is_open:
            with contextlib.suppress(DriverIOError):  # a line already gone needs no goodbye
                await self.disable()
        await self.port.close()

    async def killpower(self) -> Sent:
        """mge-utalk -k: the start (initups), then ``Sx 5`` (restart when power returns)
        and, after its OK, ``Sx 0``."""
        await self.start()
        answer = await self.shutdown(stayoff=False)
        if answer != "OK":
            return Sent("shutdown.return", f"UPS response to Automatic Restart was {answer}")
        return Sent("shutdown.return")

    async def shutdown(self, *, stayoff: bool) -> str:
        """upsdrv_shutdown: ``Sx 5`` unless staying off, ``Sx 0`` after its OK, then the
        line switched off and closed; the restart request's answer."""
        answer = ""
        if not stayoff:
            _, answer = await self.ask("Sx 5")
        if answer == "OK" or stayoff:
            await self.ask("Sx 0")
        await self.close()
        return answer

    # -- reading ------------------------------------------------------------------

    async def _ok(self, request: str) -> str:
        _, answer = await self.ask(request)
        return ResultCode.SUCCESS if answer == "OK" else ResultCode.UNKNOWN

    async def _identify(self, state: DeviceVars) -> None:
        """One start-up round: the model (``Si 1``, else ``Si``) and the multiplier table."""
        count, text = await self.ask("Si 1")
        firmware = "unknown"
        if count > 0 and not text.startswith("?"):
            state.set("ups.id", text)
            model, firmware = identify(text)
            state.set("ups.model", model)
        else:
            count, text = await self.ask("Si")
            if count > 0 and not text.startswith("?"):
                legacy = identify_legacy(text)
                if legacy is None:
                    log.warning("mge_utalk.unknown_legacy_model", reply=text)
                else:
                    state.set("ups.model", legacy)
        state.set("ups.firmware", firmware)
        count, text = await self.ask("Ai")
        if count > 0 and not text.startswith("?"):
            self.table = multiplier_table(text) or self.table

    async def _status(self, state: DeviceVars) -> bool:
        """get_ups_status: ``Ss``, ``Bs``, ``Ls``, ``Ps``, until ``Ss`` answers (11 tries)."""
        words: list[str] = []
        ok = False
        for _ in range(MAX_TRIES + 1):
            count, system = await self.ask("Ss")
            replies = [system if count > 0 else ""]
            for request in ("Bs", "Ls", "Ps"):
                replies.append((await self.ask(request))[1])
            words, ok = status_words(*replies)
            if ok:
                break
        state.set("ups.status", status_join(words))
        return ok
