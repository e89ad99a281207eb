"""powerpanel: CyberPower serial UPSes, as NUT 2.8.0's powerpanel (0.28).

How it works (the protocols are protocol/devices/powerpanel/ and
protocols.py here; checked against the real binary on
tests/drivers/sim/powerpanel_sim.py):

* ``open`` (initups, initinfo, one update): RTS down; then the binary
  protocol (1200 baud, ``F``) and the text protocol (2400 baud, ``P4``),
  each with DTR up while it is tried, or only the one ``protocol`` names.
  None answering fails the start ("CyberPower UPS not found"). Then the
  protocol's first read, and ``manufacturer``, ``model``, ``serial``
  override what the UPS said.
* ``poll``: the status; NUT keeps serving the last values through three
  failed reads in a row and marks the data stale at the fourth, and so
  does this driver (the poll fails then).
* Commands and writable variables are the protocol's.
* ``killpower``: ``shutdown.return``; if the UPS does not take it (the
  binary protocol has none), the status (3 tries) picks
  ``shutdown.stayoff`` on battery or ``shutdown.reboot`` on line.
"""

from __future__ import annotations

from typing import ClassVar

import structlog
import trio

from nutrio.actors.drivers.base import DeviceLike, PollResult, Sent
from nutrio.actors.drivers.errors import DriverIOError, KillPowerFailed
from nutrio.actors.drivers.nutserial import CommWatch
from nutrio.actors.drivers.powerpanel.line import PpLine, PpTiming
from nutrio.actors.drivers.powerpanel.protocols import BinaryProtocol, TextProtocol
from nutrio.actors.drivers.serialport import SerialPort
from nutrio.protocol.common.state import ResultCode
from nutrio.protocol.devices.dummy.devfile import DeviceVars

__all__ = ["PowerPanel", "RetiredCpsups", "RetiredCyberpower"]

log = structlog.get_logger()
#: failed status reads NUT serves the old values through
RETRIES = 3


class PowerPanel:
    """One CyberPower UPS on a serial port (see the module comment)."""

    name = "powerpanel"
    version_internal = "0.28"
    flags: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, device: DeviceLike, *, timing: PpTiming | None = None) -> None:
        self.device = device
        self.t = timing or PpTiming()
        self.port = SerialPort(device.port, baudrate=BinaryProtocol.baud)
        self.line = PpLine(self.port, self.t)
        self.watch = CommWatch()
        options = dict(device.options)
        self.protocols = [kind(self.line, options) for kind in (BinaryProtocol, TextProtocol)]
        self.proto: BinaryProtocol | TextProtocol = self.protocols[0]
        self.failures = 0

    # -- the Driver protocol -------------------------------------------------

    async def open(self, state: DeviceVars) -> None:
        await self._initups()
        state.set("ups.mfr", "CyberPower")
        state.set("ups.model", "[unknown]")
        state.set("ups.serial", "[unknown]")
        await self.proto.initinfo(state)
        for option, name in (("manufacturer", "ups.mfr"), ("model", "ups.model"),
                             ("serial", "ups.serial")):
            if option in self.device.options:
                state.set(name, self.device.options[option])
        await self.poll(state)  # main.c updates once right after initinfo

    async def poll(self, state: DeviceVars) -> PollResult:
        if await self.proto.update(state) is None:
            self.watch.failed("Status read failed!")
            self.failures += 1
            if self.failures > RETRIES:
                raise DriverIOError("Status read failed!")
            return PollResult()
        self.failures = 0
        self.watch.good()
        return PollResult()

    async def instcmd(self, state: DeviceVars, name: str, value: str | None) -> str:
        return await self.proto.instcmd(state, name)

    async def set_var(self, state: DeviceVars, name: str, value: str) -> str:
        if state.get(name) is None:
            return ResultCode.VAR_NOT_SUPPORTED
        return await self.proto.set_var(state, name, value)

    async def close(self) -> None:
        if self.port.is_open:
            self.port.set_modem_lines(dtr=False, rts=False)
        await self.port.close()

    async def killpower(self) -> Sent:
        """powerpanel -k (see the module comment)."""
        await self._initups()
        state = DeviceVars()
        if await self.proto.instcmd(state, "shutdown.return") == ResultCode.SUCCESS:
            return Sent("shutdown.return")
        on_battery = None
        for _ in range(3):
            on_battery = await self.proto.update(state)
            if on_battery is not None:
                break
        if on_battery is not None:
            command = "shutdown.stayoff" if on_battery else "shutdown.reboot"
            if await self.proto.instcmd(state, command) == ResultCode.SUCCESS:
                detail = "Waiting for power to return" if on_battery else "Rebooting now"
                return Sent(command, detail)
        raise KillPowerFailed("Shutdown command failed!")

    # -- start-up ------------------------------------------------------------------

    async def _initups(self) -> None:
        wanted = self.device.options.get("protocol")
        await self.port.open()
        self.port.set_modem_lines(dtr=False, rts=False)
        for proto in self.protocols:
            if wanted is not None and wanted.lower() != proto.name:
                continue
            self.port.set_modem_lines(dtr=True, rts=False)
            await trio.sleep(self.t.dtr)
            self.port.set_baudrate(proto.baud)
            if await proto.detect():
                log.info("driver.detected", protocol=proto.name)
                self.proto = proto
                return
            self.port.set_modem_lines(dtr=False, rts=False)
            await trio.sleep(self.t.dtr)
        raise DriverIOError(f"CyberPower UPS not found on {self.device.port}")


class RetiredCpsups(PowerPanel):
    """``driver = cpsups``: NUT's old name for powerpanel's text protocol units."""

    def __init__(self, device: DeviceLike, **kw: PpTiming) -> None:
        log.warning("driver.renamed", driver=device.driver, use="powerpanel")
        super().__init__(device, **kw)  # type: ignore[arg-type]


class RetiredCyberpower(RetiredCpsups):
    """``driver = cyberpower``: NUT's old name for the binary protocol units."""
