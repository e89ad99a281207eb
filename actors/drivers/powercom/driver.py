"""powercom: the PowerCom family on a serial line, as NUT 2.8.0's powercom (0.19).

How it works (the protocol is protocol/devices/powercom/; checked against
the real binary on tests/drivers/sim/powercom_sim.py):

* ``open`` (initups, initinfo, one update): the port at 1200 baud, DTR
  down and RTS up for the types that power their interface from them. For
  KIN, BNT, IMP and OPTI types one frame names the family, the model and the
  line voltage (unanswered: the configured ones stay), then a battery test
  byte unless the ``nobt`` flag is set.
* ``poll``: one request byte (0x01), a whole frame back within 3 s that
  passes the type's three byte checks; anything else fails the poll (stale)
  and the variables keep their values.
* Commands: ``test.battery.start`` (0x03), ``shutdown.return`` and
  ``shutdown.stayoff`` (the counter bytes of the type). NUT's driver exits
  after sending a shutdown; nutrio's keeps watching the UPS.
* ``killpower``: as the start, then ``shutdown.return``'s bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import structlog

from nutrio.actors.drivers.base import DeviceLike, PollResult, Sent
from nutrio.actors.drivers.errors import DriverConfigError, DriverIOError
from nutrio.actors.drivers.nutserial import CommWatch, get_buf_len
from nutrio.actors.drivers.serialport import SerialPort
from nutrio.protocol.common.state import ResultCode
from nutrio.protocol.devices import powercom as pc
from nutrio.protocol.devices.dummy.devfile import DeviceVars

__all__ = ["PcTiming", "PowerCom"]

log = structlog.get_logger()
BAUD = 1200
COMMANDS = ("test.battery.start", "shutdown.return", "shutdown.stayoff")


@dataclass(frozen=True, slots=True)
class PcTiming:
    """How long a frame may take (ser_get_buf_len's 3 s); tests shrink it."""

    reply: float = 3.0


class PowerCom:
    """One PowerCom-protocol UPS on a serial port (see the module comment)."""

    name = "powercom"
    version_internal = "0.19"
    flags: ClassVar[frozenset[str]] = frozenset({"nobt"})

    def __init__(self, device: DeviceLike, *, timing: PcTiming | None = None) -> None:
        try:
            self.setup = pc.configure(device.options)
        except ValueError as exc:
            raise DriverConfigError(f"{device.name}: {exc}") from None
        self.t = timing or PcTiming()
        self.port = SerialPort(device.port, baudrate=BAUD)
        self.watch = CommWatch()
        self.kind = self.setup.kind
        self.found = pc.Reading(self.kind.name, self.setup.model, self.setup.linevoltage)

    # -- the Driver protocol -------------------------------------------------

    async def open(self, state: DeviceVars) -> None:
        await self._initups()
        state.set("ups.mfr", self.setup.manufacturer)
        state.set("ups.model", self.found.model)
        state.set("ups.serial", self.setup.serial)
        state.set("ups.model.type", self.found.family)
        state.set("input.voltage.nominal", str(self.found.linevoltage))
        for command in COMMANDS:
            state.add_command(command)
        await self.poll(state)  # main.c updates once right after initinfo

    async def poll(self, state: DeviceVars) -> PollResult:
        frame = await self._frame()
        if frame is None:
            raise DriverIOError("data receiving error")
        family, line = self.found.family, self.found.linevoltage
        for name, text in pc.read_frame(self.kind, family, line, frame).items():
            state.set(name, text)
        state.set("ups.status", " ".join(pc.status_words(self.kind, family, line, frame)))
        self.watch.good()
        return PollResult()

    async def instcmd(self, state: DeviceVars, name: str, value: str | None) -> str:
        if name == "test.battery.start":
            await self.port.write(pc.BATTERY_TEST)
        elif name in ("shutdown.return", "shutdown.stayoff"):
            await self.port.write(pc.shutdown_bytes(self.kind, stay_off=name.endswith("stayoff")))
            log.info("driver.shutdown_sent", command=name)
        else:
            return ResultCode.CMD_NOT_SUPPORTED
        return ResultCode.SUCCESS

    async def set_var(self, state: DeviceVars, name: str, value: str) -> str:
        return ResultCode.VAR_NOT_SUPPORTED

    async def close(self) -> None:
        await self.port.close()

    async def killpower(self) -> Sent:
        """powercom -k: the start's detection (and battery test), then shutdown.return."""
        await self._initups()
        await self.port.write(pc.shutdown_bytes(self.kind, stay_off=False))
        return Sent("shutdown.return", "Forced UPS shutdown (and wait for power)")

    # -- the line -----------------------------------------------------------------

    async def _initups(self) -> None:
        await self.port.open()
        if self.kind.flow == "dtr0rts1":
            self.port.set_modem_lines(dtr=False, rts=True)
        if not self.setup.detects:
            return
        frame = await self._frame()
        if frame is None:
            return  # NUT goes on with the configured type and line voltage
        self.found = pc.detect(self.kind, frame, self.setup.model)
        log.debug("driver.detected", model=self.found.model, linevoltage=self.found.linevoltage)
        if self.setup.battery_test:
            await self.port.write(pc.BATTERY_TEST)

    async def _frame(self) -> bytes | None:
        """One frame (padded to 16 bytes, as NUT's buffer is), or None.

        Input is dropped first (NUT does not): a frame cut by the timeout
        would shift every later one.
        """
        await self.port.discard_input()
        await self.port.write(pc.SEND_DATA)
        frame = await get_buf_len(self.port, self.kind.frame, self.t.reply)
        if len(frame) == self.kind.frame and pc.valid(self.kind, frame.ljust(pc.MAX_FRAME, b"\0")):
            return frame.ljust(pc.MAX_FRAME, b"\0")
        if frame:
            self.watch.failed(f"bad frame {frame.hex()}", expected=self.kind.frame)
        else:
            log.debug("driver.no_reply")
        return None
