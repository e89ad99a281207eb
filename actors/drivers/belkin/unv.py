"""belkinunv: Belkin "Universal UPS" units on their binary register protocol, as NUT
2.8.0's belkinunv (0.08).

How it works (the protocol is protocol/devices/belkin/unv.py; checked against the real
binary on tests/drivers/sim/belkinunv_sim.py):

* The port: 2400 baud, DTR low and RTS high for a second (the unit leaves "dumb" mode),
  then both directions flushed.
* Each register read is one request; the answer's lead byte may take 3 s, then its
  header and its data 3 s each. A failed read leaves that variable alone.
* ``open`` (initinfo): the ratings, the transfer limits (enums of the transfer
  points), the model, the firmware, the writable sensitivity, beeper and transfer
  points, the commands; then one update.
* ``poll``: the ups and battery status registers and the output voltage first: if one
  fails the data is stale. Then the rest; the input voltage's minimum and maximum are
  kept by the driver (the unit does not), from its first positive reading.
* Commands and SET write registers; like NUT, a command or SET whose write fails still
  answers OK (the failure is logged).
* killpower: restart timer 10 minutes, shutdown timer 1 s (NUT warns this unit cannot
  wait for the power to return; its ``-x wait`` tool is the way, not run here).

Left out: the ``wait``, ``nohang``, ``flash``, ``silent`` and ``dumbterm`` options, which
turn NUT's binary into a command-line tool that waits for the power (never under upsd).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import ClassVar, TypeVar

import structlog
import trio

from nutrio.actors.drivers.base import DeviceLike, PollResult, Sent
from nutrio.actors.drivers.errors import DriverConfigError, DriverIOError
from nutrio.actors.drivers.nutserial import CommWatch, get_buf_len
from nutrio.actors.drivers.serialport import SerialPort
from nutrio.protocol.common.state import ResultCode, VarInfo
from nutrio.protocol.devices.belkin import unv
from nutrio.protocol.devices.belkin.unv import Reg
from nutrio.protocol.devices.dummy.devfile import DeviceVars

__all__ = ["BelkinUnv"]

log = structlog.get_logger()

#: the options of NUT's binary's standalone mode (``wait`` starts it; nutrio does not run it)
STANDALONE = ("wait", "nohang", "flash", "silent", "dumbterm")
T = TypeVar("T")
#: a register, the variable it feeds, how its value is written
Reading = tuple[Reg, str, Callable[[int], str]]
#: read each poll after the status, with how each value is served
_PLAIN: tuple[Reading, ...] = ((Reg.XFER_LO, "input.transfer.low", str), (Reg.XFER_HI, "input.transfer.high", str),
          (Reg.VOLTSENS, "input.sensitivity", unv.sensitivity_text),
          (Reg.TESTSTATUS, "ups.test.result", unv.test_result),
          (Reg.ALARMSTATUS, "ups.beeper.status", unv.beeper_text),
          (Reg.SHUTDOWNTIMER, "ups.delay.shutdown", str),
          (Reg.RESTARTTIMER, "ups.delay.restart", lambda v: str(60 * v)))
_LATER: tuple[Reading, ...] = ((Reg.INPUTFREQ, "input.frequency", unv.tenths),
          (Reg.TEMPERATURE, "ups.temperature", str),
          (Reg.OUTPUTFREQ, "output.frequency", unv.tenths), (Reg.LOAD, "ups.load", str),
          (Reg.BATVOLT, "battery.voltage", unv.tenths), (Reg.BATLEVEL, "battery.charge", str),
          (Reg.TIMELEFT, "battery.runtime", lambda v: str(60 * v)))
_RATINGS = ((Reg.VOLTRATING, "input.voltage.nominal"), (Reg.FREQRATING, "input.frequency.nominal"),
            (Reg.POWERRATING, "ups.power.nominal"), (Reg.BATVOLTRATING, "battery.voltage.nominal"))


class BelkinUnv:
    """One Belkin Universal UPS (see the module comment)."""

    name = "belkinunv"
    version_internal = "0.08"
    flags: ClassVar[frozenset[str]] = frozenset(STANDALONE)

    def __init__(self, device: DeviceLike, *, settle: float = 1.0, reply: float = 3.0) -> None:
        if "wait" in device.options:
            raise DriverConfigError(f"{device.name}: belkinunv's wait mode is a command-line "
                                    "tool of NUT's binary (it never serves upsd); nutrio does "
                                    "not run it")
        self.port = SerialPort(device.port, baudrate=2400)
        self.settle, self.reply = settle, reply
        self.watch = CommWatch()
        self.min_in = self.max_in = -1

    # -- the Driver protocol -------------------------------------------------

    async def open(self, state: DeviceVars) -> None:
        await self._open_line()
        for reg, name in _RATINGS:
            if (value := await self.read_int(reg)) is not None:
                state.set(name, str(value))
        limits = [await self.read_int(reg) for reg in (
            Reg.XFER_LO_MAX, Reg.XFER_LO_MIN, Reg.XFER_HI_MAX, Reg.XFER_HI_MIN)]
        if (model := await self.read_str(Reg.UPSMODEL)) is not None:
            state.set("ups.model", model)
        if (firmware := await self.read_int(Reg.FIRMWARE)) is not None:
            for name, text in unv.firmware_vars(firmware).items():
                state.set(name, text)
        await self._writable(state, Reg.VOLTSENS, "input.sensitivity", unv.sensitivity_text,
                             unv.SENSITIVITY)
        await self._writable(state, Reg.ALARMSTATUS, "ups.beeper.status", unv.beeper_text,
                             ("enabled", "disabled", "muted"))
        await self._writable(state, Reg.XFER_LO, "input.transfer.low", str, _span(*limits[:2]))
        await self._writable(state, Reg.XFER_HI, "input.transfer.high", str, _span(*limits[2:]))
        for command in unv.COMMANDS:
            state.add_command(command)
        await self.poll(state)  # main.c updates once right after initinfo

    async def poll(self, state: DeviceVars) -> PollResult:
        ups, battery, volts = [await self.read_int(reg) for reg in (
            Reg.UPSSTATUS, Reg.BATSTATUS, Reg.OUTPUTVOLT)]
        if ups is None or battery is None or volts is None:
            raise DriverIOError("cannot read from UPS")
        state.set("output.voltage", unv.tenths(volts))
        state.set("ups.status", " ".join(unv.status_words(ups, battery, volts)))
        await self._read_into(state, _PLAIN)
        if (volts_in := await self.read_int(Reg.INPUTVOLT)) is not None:
            self._input_voltage(state, volts_in)
        await self._read_into(state, _LATER)
        self.watch.good()
        return PollResult()

    async def instcmd(self, state: DeviceVars, name: str, value: str | None) -> str:
        writes = unv.COMMANDS.get(name.lower())
        if writes is None:
            return ResultCode.CMD_NOT_SUPPORTED
        if name.lower() in ("beeper.on", "beeper.off"):
            log.warning("driver.command_renamed", command=name,
                        use=name.lower().replace("on", "enable").replace("off", "disable"))
        if name.lower() == "reset.input.minmax":
            self.min_in = self.max_in = -1
            state.set("input.voltage.maximum", "none")
            state.set("input.voltage.minimum", "none")
        await self._write_all(writes, name)
        return ResultCode.SUCCESS  # as NUT: handled, even when a write failed

    async def set_var(self, state: DeviceVars, name: str, value: str) -> str:
        writes = unv.set_writes(name, value)
        if writes is None:
            return ResultCode.VAR_NOT_SUPPORTED
        await self._write_all(writes, name)
        return ResultCode.SUCCESS

    async def close(self) -> None:
        await self.port.close()

    async def killpower(self) -> Sent:
        """belkinunv -k: the port's start, then a timed shutdown (back in 10 minutes)."""
        await self._open_line()
        log.warning("driver.killpower_timed", hint="this unit cannot wait for the power: "
                    "it shuts down for 10 minutes")
        await self._write_all(unv.KILLPOWER, "killpower")
        return Sent("shutdown.reboot", "timed shutdown: off in 1 s, back after 10 minutes")

    # -- reading and writing registers ------------------------------------------

    async def read_int(self, reg: int) -> int | None:
        reply = await self._exchange(unv.read_request(reg))
        return self._checked(unv.int_value, reply, reg)

    async def read_str(self, reg: int) -> str | None:
        reply = await self._exchange(unv.read_request(reg))
        return self._checked(unv.str_value, reply, reg)

    async def write_int(self, reg: int, value: int) -> bool:
        reply = await self._exchange(unv.write_request(reg, value))
        return bool(self._checked(unv.write_done, reply, reg))

    def _checked(self, read: Callable[[unv.Reply, int], T], reply: unv.Reply | None,
                 reg: int) -> T | None:
        if reply is None:
            return None
        try:
            return read(reply, reg)
        except ValueError as exc:
            self.watch.failed(str(exc), register=reg)
            return None

    async def _exchange(self, request: bytes) -> unv.Reply | None:
        """One request and its answer (None, logged, when there is none or it is bad).

        Input is dropped first (NUT does not): the rest of a bad answer would shift
        every later one.
        """
        await self.port.discard_input()
        await self.port.write(request)
        message = await get_buf_len(self.port, 1, self.reply)
        if message == bytes([unv.LEAD]):
            message += await get_buf_len(self.port, unv.HEADER - 1, self.reply)
        if len(message) == unv.HEADER:
            message += await get_buf_len(self.port, message[2], self.reply)
        if not message:
            self.watch.failed("no response from UPS", register=request[3])
            return None
        try:
            return unv.decode(message)
        except ValueError as exc:
            self.watch.failed(str(exc), register=request[3], got=message.hex())
            return None

    async def _write_all(self, writes: tuple[tuple[Reg, int], ...], why: str) -> None:
        for reg, value in writes:
            if not await self.write_int(reg, value):
                log.warning("driver.command_failed", command=why, register=int(reg))

    # -- helpers ------------------------------------------------------------------

    async def _open_line(self) -> None:
        await self.port.open()
        self.port.set_modem_lines(dtr=False, rts=True)  # "smart" mode
        await trio.sleep(self.settle)
        await self.port.discard_input()

    async def _writable(self, state: DeviceVars, reg: Reg, name: str,
                        text: Callable[[int], str], enums: Iterable[str]) -> None:
        value = await self.read_int(reg)
        if value is not None:
            state.set(name, text(value))
            state.set_info(name, VarInfo(rw=True, enums=tuple(enums)))

    async def _read_into(self, state: DeviceVars, table: tuple[Reading, ...]) -> None:
        for reg, name, text in table:
            if (value := await self.read_int(reg)) is not None:
                state.set(name, text(value))

    def _input_voltage(self, state: DeviceVars, value: int) -> None:
        """input.voltage, and the extremes of its positive readings (-0.1 before the
        first, as NUT prints its -1)."""
        state.set("input.voltage", unv.tenths(value))
        if value > 0:
            self.max_in = value if self.max_in == -1 else max(self.max_in, value)
            self.min_in = value if self.min_in == -1 else min(self.min_in, value)
        state.set("input.voltage.maximum", unv.tenths(self.max_in))
        state.set("input.voltage.minimum", unv.tenths(self.min_in))


def _span(high: int | None, low: int | None) -> tuple[str, ...]:
    """The transfer point's choices, every volt from its minimum to its maximum."""
    if high is None or low is None:
        return ()
    return tuple(str(v) for v in range(low, high + 1))
