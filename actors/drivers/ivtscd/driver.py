"""ivtscd: the IVT solar charge controller on a serial line, as NUT 2.8.0's ivtscd (0.03).

How it works (the protocol is protocol/devices/ivtscd/; checked against the
real binary on tests/drivers/sim/ivtscd_sim.py):

* ``open`` (initups, initinfo, one update): ups.conf's ``default.`` and
  ``override.`` variables (battery.voltage.nominal and .low set the levels),
  the port at 1200 baud with DTR up and RTS down to power the interface,
  then one reading: without one the controller is "not detected".
* Each reading: the line's input dropped, ``F``, a second for the
  controller to answer (NUT sleeps it), then one line (CRs ignored) within a
  second; fewer than seven numbers is no reading and the data goes stale.
* ``reset.input.minmax`` sends ``L``.
* ``killpower``: NUT's ivtscd cannot cut any power; ``-k`` reads until the
  battery is back at its nominal voltage ("Power is back!"). nutrio's does
  the same, within killpower's time limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import structlog
import trio

from nutrio.actors.drivers.base import DeviceLike, PollResult, Sent
from nutrio.actors.drivers.errors import DriverConfigError, DriverIOError
from nutrio.actors.drivers.megatec.link import put_defaults, put_overrides
from nutrio.actors.drivers.nutserial import CommWatch, close_powered, open_powered
from nutrio.actors.drivers.serialport import SerialPort
from nutrio.protocol.common.state import ResultCode
from nutrio.protocol.devices import ivtscd as ivt
from nutrio.protocol.devices.dummy.devfile import DeviceVars

__all__ = ["IvtTiming", "Ivtscd"]

log = structlog.get_logger()
BAUD = 1200
#: NUT's reply buffer (SMALLBUF): a longer line is read in pieces
REPLY_MAX = 512


@dataclass(frozen=True, slots=True)
class IvtTiming:
    """NUT's pause after ``F`` (1 s) and its wait for the line (1 s); tests shrink them."""

    digest: float = 1.0
    reply: float = 1.0


class Ivtscd:
    """One IVT solar controller on a serial port (see the module comment)."""

    name = "ivtscd"
    version_internal = "0.03"
    flags: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, device: DeviceLike, *, timing: IvtTiming | None = None) -> None:
        self.options = device.options
        try:
            self.levels = ivt.levels(device.options)
        except ValueError as exc:
            raise DriverConfigError(f"{device.name}: {exc}") from None
        self.t = timing or IvtTiming()
        self.port = SerialPort(device.port, baudrate=BAUD)
        self.watch = CommWatch()

    # -- the Driver protocol -------------------------------------------------

    async def open(self, state: DeviceVars) -> None:
        put_defaults(state, self.options)  # main.c sets these before the driver starts
        put_overrides(state, self.options)
        await open_powered(self.port)
        if await self._reading() is None:
            raise DriverIOError("IVT Solar Controller not detected")
        state.set("device.mfr", "IVT")
        state.set("device.model", "Solar Controller Device")
        state.set("device.type", "scd")
        state.add_command("reset.input.minmax")
        await self.poll(state)  # main.c updates once right after initinfo

    async def poll(self, state: DeviceVars) -> PollResult:
        reading = await self._reading()
        if reading is None:
            raise DriverIOError("no reading")
        self.watch.good()
        for name, value in ivt.readings(reading).items():
            state.set(name, value)
        state.set("ups.status", " ".join(ivt.status_words(reading, self.levels)))
        return PollResult()

    async def instcmd(self, state: DeviceVars, name: str, value: str | None) -> str:
        if name != "reset.input.minmax":
            return ResultCode.CMD_NOT_SUPPORTED
        await self.port.write(ivt.RESET_MINMAX)
        return ResultCode.SUCCESS

    async def set_var(self, state: DeviceVars, name: str, value: str) -> str:
        return ResultCode.VAR_NOT_SUPPORTED

    async def close(self) -> None:
        await close_powered(self.port)

    async def killpower(self) -> Sent:
        """ivtscd -k: read until the battery is back at its nominal voltage."""
        await open_powered(self.port)
        while True:
            reading = await self._reading()
            if reading is not None and not reading.voltage < self.levels.nominal:
                return Sent("none", "Power is back!")

    # -- the line -----------------------------------------------------------------


    async def _reading(self) -> ivt.IvtReading | None:
        await self.port.discard_input()  # NUT's ser_flush_io
        await self.port.write(ivt.REQUEST)
        await trio.sleep(self.t.digest)
        line = await self.port.read_until(b"\n", self.t.reply, max_bytes=REPLY_MAX)
        # NUT's tty ignores CR and hands over whole lines only (or a full buffer)
        whole = line.endswith(b"\n") or len(line) == REPLY_MAX
        reading = ivt.parse(line.replace(b"\r", b"")) if whole else None
        if reading is None:
            self.watch.failed("no reading", reply=line.decode("latin-1"))
        return reading
