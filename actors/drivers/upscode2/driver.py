"""upscode2: UPScode II units on a serial line, as NUT 2.8.0's upscode2 (0.90).

How it works (checked against the real binary, tests/drivers/test_upscode2_vs_real_nut.py;
the meaning of each reply is protocol/devices/upscode2/):

* Every request is a line ending in CR (``use_crlf``: CR LF; ``use_pre_lf``: an LF
  first), sent one character at a time (``output_pace`` µs apart). Replies are lines
  ending in LF; CRs and empty lines are skipped, and each line may take
  ``input_timeout`` seconds (NUT reads the port in canonical mode).
* ``open`` (initinfo): ``UPCL`` lists the requests the unit takes; they decide the
  instant commands and the two writable delays (read with ``0000``). Then ``UPTP``
  (the model, asked twice if need be), ``UPSN 0`` (the serial), ``UPDA``, ``UPID`` and
  ``UPPM`` when offered, and the delays set to 10 and 60 s. A unit that never ends its
  ``UPCL`` list fails the start (NUT retries at each update; the actor is restarted).
* ``poll``: ``UPDS`` (status and measurements), and every ``full_update`` seconds
  ``UPDV`` (nominal values) and ``UPBS`` (batteries); then ``UPDT``/``UPTM`` when
  offered. Any missing line makes the data stale at once, as in NUT.
* NUT 2.8.0's binary compares reply lines with their LF still on unless run at debug
  level 3 or more (its trim sits inside a debug call; NUT 2.8.1 moved it out): below
  that it never finishes ``UPCL``. nutrio does what the driver means, as 2.8.1 does.
* killpower (``-k``): ``UPPC`` and its password, twice, a second apart, nothing read.
"""

from __future__ import annotations

import re
import time
from typing import ClassVar

import structlog
import trio

from nutrio.actors.drivers.base import DeviceLike, PollResult, Sent
from nutrio.actors.drivers.errors import DriverConfigError, DriverIOError
from nutrio.actors.drivers.serialport import SerialPort
from nutrio.protocol.common.cnum import c_atoi
from nutrio.protocol.common.state import ResultCode, VarInfo
from nutrio.protocol.devices.dummy.devfile import DeviceVars
from nutrio.protocol.devices.upscode2 import (
    BATTERY,
    COMMANDS,
    NOMINAL,
    SIMPLE,
    VARIABLES,
    Code,
    UpsCodeReading,
)
from nutrio.protocol.devices.upscode2.tables import Status

__all__ = ["UpsCode2"]

log = structlog.get_logger()

BAUDRATES = (300, 600, 1200, 2400, 4800, 9600, 19200, 38400)
_LINE_MAX = 256
_PARAMETER = re.compile(r"P[ \t\n\v\f\r]*([+-]?[0-9]+)")


def _positive(device: DeviceLike, option: str, default: int) -> int:
    text = device.options.get(option)
    if text is None:
        return default
    if c_atoi(text) <= 0:
        raise DriverConfigError(f"{device.name}: Bad {option} parameter: {text}")
    return c_atoi(text)


class UpsCode2:
    """The upscode2 driver (see the module comment)."""

    name = "upscode2"
    version_internal = "0.90"
    flags: ClassVar[frozenset[str]] = frozenset({"use_crlf", "use_pre_lf"})

    def __init__(self, device: DeviceLike) -> None:
        baudrate = c_atoi(device.options.get("baudrate", "1200"))
        if baudrate not in BAUDRATES:
            raise DriverConfigError(f"{device.name}: Unrecognized baudrate: "
                                    f"{device.options['baudrate']}")
        self.port = SerialPort(device.port, baudrate=baudrate)
        self.timeout = float(_positive(device, "input_timeout", 2))
        self.pace = _positive(device, "output_pace", 200) / 1e6
        self.full_every = _positive(device, "full_update", 60)
        self.mfr = device.options.get("manufacturer", "unknown")
        on = {k for k in self.flags if device.options.get(k, "no").lower()
              not in ("false", "no", "off", "0")}
        self.line_end = "\r\n" if "use_crlf" in on else "\r"
        self.lead = "\n" if "use_pre_lf" in on else ""
        self.reading = UpsCodeReading()
        self.offered: set[str] = set()
        self.parameters: set[int] = set()  # UPPM parameters seen (NUT keeps them for good)
        self.last_full = 0.0

    # -- the Driver protocol -------------------------------------------------

    async def open(self, state: DeviceVars) -> None:
        await self.port.open()
        if not await self._command_list(state):
            raise DriverIOError("No contact with UPS, delaying init.")
        await self._base_info(state)
        if "UPDA" in self.offered:
            await self.port.discard_input()
            await self.send("UPDA")
        if "UPID" in self.offered:
            await self.value("UPID", None, "ACID", state, "ups.id")
        if "UPPM" in self.offered:
            await self._parameters()
        await self.set_var(state, "ups.delay.shutdown", "10")  # NUT's defaults
        await self.set_var(state, "ups.delay.reboot", "60")
        log.info("driver.detected", model=state.get("ups.model"), port=self.port.path)
        await self.poll(state)  # main.c updates once right after initinfo

    async def poll(self, state: DeviceVars) -> PollResult:
        self.reading.status = Status(0)
        ok = await self.answer("UPDS", SIMPLE, state)
        if ok and time.monotonic() - self.last_full > self.full_every:
            self.last_full = time.monotonic()
            ok = await self.answer("UPDV", NOMINAL, state)
            if ok and "UPBS" in self.offered:
                ok = await self.answer("UPBS", BATTERY, state)
        if not ok:
            self.last_full = 0.0
            raise DriverIOError("the UPS did not finish its answer")
        self.reading.finish(state)
        for request, answer, var in (("UPDT", "ACDT", "ups.date"), ("UPTM", "ACTM", "ups.time")):
            if request in self.offered:
                await self.value(request, "0", answer, state, var)
        return PollResult()

    async def instcmd(self, state: DeviceVars, name: str, value: str | None) -> str:
        command = next((c for c in COMMANDS if c.name == name.lower()), None)
        if command is None or command.request not in self.offered:
            return ResultCode.CMD_NOT_SUPPORTED
        await self.send(command.request)
        then = command.then if command.then is not None else value
        if then is not None:
            await self.send(then)
        return ResultCode.SUCCESS

    async def set_var(self, state: DeviceVars, name: str, value: str) -> str:
        variable = next((v for v in VARIABLES if v.name == name.lower()), None)
        if variable is None:
            return ResultCode.VAR_NOT_SUPPORTED
        await self.value(variable.request, value, variable.answer, state, variable.name)
        return ResultCode.SUCCESS

    async def close(self) -> None:
        await self.port.close()

    async def killpower(self) -> Sent:
        """upscode2 -k: ``shutdown.reboot`` twice, a second apart."""
        await self.port.open()
        self.offered.add("UPPC")
        for _ in range(2):
            await self.instcmd(DeviceVars(), "shutdown.reboot", None)
            await trio.sleep(1)
        return Sent("shutdown.reboot")

    # -- the line -----------------------------------------------------------------

    async def send(self, line: str) -> None:
        """One request line, a character at a time (ser_send_pace)."""
        for char in f"{self.lead}{line}{self.line_end}".encode("latin-1"):
            await self.port.write(bytes((char,)))
            await trio.sleep(self.pace)

    async def receive(self) -> str:
        """The next line that is not empty, without its CRs and LF; "" on a timeout."""
        while True:
            raw = await self.port.read_until(b"\n", self.timeout, max_bytes=_LINE_MAX)
            if not raw.endswith(b"\n") and len(raw) < _LINE_MAX:
                return ""  # no whole line in time (canonical mode returns none)
            line = raw.replace(b"\r", b"").rstrip(b"\n").decode("latin-1")
            if line:
                return line

    async def value(self, request: str, parameter: str | None, answer: str,
                    state: DeviceVars, var: str | None = None) -> str | None:
        """upsc_getvalue: the value after ``answer``, set as ``var``; None otherwise."""
        await self.send(request)
        if parameter is not None:
            await self.send(parameter)
        code, value = await self.receive(), await self.receive()
        if code != answer:
            log.error("upscode2.bad_response", request=request, code=code, value=value)
            return None
        if var:
            state.set(var, value)
        return value

    async def answer(self, request: str, table: tuple[Code, ...], state: DeviceVars) -> bool:
        """upsc_getparams: code/value pairs up to the table's last; False when cut short."""
        await self.port.discard_input()
        await self.send(request)
        first = True
        while True:
            code = await self.receive()
            if not code and first:
                code = await self.receive()
            if not code:
                log.warning("upscode2.empty_code", request=request)
                return False
            first = False
            value = await self.receive()
            if not value:
                log.warning("upscode2.empty_value", request=request, code=code)
                return False
            ended = self.reading.take(state, table, code, value)
            if ended is None:
                log.error("upscode2.unknown_response", request=request, code=code, value=value)
            elif ended:
                return True

    # -- start-up -----------------------------------------------------------------

    async def _command_list(self, state: DeviceVars) -> bool:
        """upsc_commandlist: the requests the unit takes, up to ``UPCL`` itself."""
        await self.port.discard_input()
        await self.send("UPCL")
        while (request := await self.receive()) != "UPCL":
            if not request:
                log.error("upscode2.no_command_list")
                return False
            self.offered.add(request)
            for command in COMMANDS:
                if command.request == request:
                    state.add_command(command.name)
                    break
        for variable in VARIABLES:
            if variable.request in self.offered:
                await self.value(variable.request, "0000", variable.answer, state, variable.name)
                state.set_info(variable.name, VarInfo(rw=True, string_len=7))
        return True

    async def _base_info(self, state: DeviceVars) -> None:
        state.set("ups.mfr", self.mfr)
        if await self.value("UPTP", None, "NNAME", state, "ups.model") is None:
            await self.value("UPTP", None, "NNAME", state, "ups.model")
        await self.value("UPSN", "0", "ACSN", state, "ups.serial")

    async def _parameters(self) -> None:
        """check_uppm: which parameters the unit has, then each one's value (logged only)."""
        await self.port.discard_input()
        await self.send("UPPM")
        await self.send("0")
        if (code := await self.receive()) != "ACPM":
            log.error("upscode2.bad_uppm", code=code)
        while line := await self.receive():
            match = _PARAMETER.match(line)
            number = c_atoi(match.group(1)[:2]) if match and match.group(1)[:2] not in "+-" \
                else None
            if number is None:
                log.error("upscode2.bad_uppm", code=line)
                return
            self.parameters.add(number)
        for number in sorted(n for n in self.parameters if n >= 0):
            await self.send("UPPM")
            await self.send(f"P{number:02d}")
            if (code := await self.receive()) != "ACPM":
                log.error("upscode2.bad_uppm", code=code, parameter=number)
                continue
            log.debug("upscode2.parameter", parameter=number, value=await self.receive())
