"""safenet: SafeNet-protocol UPSes on a serial line, as NUT 2.8.0's safenet (1.7).

How it works (the protocol is protocol/devices/safenet/; checked against
the real binary on tests/drivers/sim/safenet_sim.py):

* ``open`` (initups, initinfo, one update): the port at 1200 baud, DTR up
  and RTS down to power the unit's interface; after 0.1 s DSR must be set
  (a line without modem lines, a pseudo-terminal, passes: NUT reads an
  unset value there); then the initialising request, three tries.
* Every request drops the line's input first and reads one status line
  back within a second; the flags it carries are kept, whichever request
  it answered (the beeper commands look at the last ones).
* ``poll``: a status request (NUT's "random" letters, the same sequence as
  NUT's). Two misses in a row change nothing; the third makes the data stale,
  until a good reply. A battery test that ran the battery low is stopped,
  and that update publishes nothing (the unit's flags settle first).
* ``killpower``: the initialising request, then ``shutdown.return`` on
  battery, else ``shutdown.reboot`` (the unit would start again on battery).
"""

from __future__ import annotations

import termios
from dataclasses import dataclass
from typing import ClassVar

import structlog
import trio

from nutrio.actors.drivers.base import DeviceLike, PollResult, Sent
from nutrio.actors.drivers.errors import DriverConfigError, DriverIOError
from nutrio.actors.drivers.nutserial import CommWatch, close_powered, open_powered
from nutrio.actors.drivers.serialport import SerialPort
from nutrio.protocol.common.state import ResultCode
from nutrio.protocol.devices import safenet as sn
from nutrio.protocol.devices.dummy.devfile import DeviceVars, commit_status

__all__ = ["Safenet", "SafenetTiming"]

log = structlog.get_logger()
BAUD = 1200
COMMANDS = ("test.battery.start", "test.battery.stop", "test.failure.start",
            "test.failure.stop", "beeper.on", "beeper.off", "beeper.enable", "beeper.mute",
            "beeper.toggle", "shutdown.return", "shutdown.reboot")
#: commands that send one request, whatever the flags say
_PLAIN = {"test.battery.start": sn.BATTERY_TEST, "test.battery.stop": sn.STOP_TEST,
          "test.failure.start": sn.MAINS_TEST, "test.failure.stop": sn.STOP_TEST,
          "beeper.toggle": sn.TOGGLE_BEEP}
#: NUT's old beeper command names and the ones they run now (with a warning)
_RENAMED = {"beeper.off": "beeper.mute", "beeper.on": "beeper.enable"}
#: misses in a row that change nothing; the next makes the data stale
_FORGIVEN = 2


@dataclass(frozen=True, slots=True)
class SafenetTiming:
    """How long a reply may take (NUT's ser_get_buf: 1 s) and the wait before DSR is read."""

    reply: float = 1.0
    settle: float = 0.1


class Safenet:
    """One SafeNet-protocol UPS on a serial port (see the module comment)."""

    name = "safenet"
    version_internal = "1.7"
    flags: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, device: DeviceLike, *, timing: SafenetTiming | None = None) -> None:
        try:
            self.setup = sn.configure(device.options)
        except ValueError as exc:
            raise DriverConfigError(f"{device.name}: {exc}") from None
        self.t = timing or SafenetTiming()
        self.port = SerialPort(device.port, baudrate=BAUD)
        self.watch = CommWatch()
        self.rng = sn.GlibcRandom()  # NUT never seeds random(): the same letters each start
        self.status = sn.SafenetStatus(frozenset())
        self.misses = 0
        self.stale = True  # NUT's data is stale until its first good update

    # -- the Driver protocol -------------------------------------------------

    async def open(self, state: DeviceVars) -> None:
        await open_powered(self.port)
        await trio.sleep(self.t.settle)
        lines = self.port.modem_lines()
        if lines is not None and not lines & termios.TIOCM_DSR:
            raise DriverIOError(f"Serial cable problem or nothing attached to {self.port.path}")
        await self._initialize()
        state.set("ups.mfr", self.setup.manufacturer)
        state.set("ups.model", self.setup.model)
        state.set("ups.serial", self.setup.serial)
        state.set("ups.delay.start", str(60 * self.setup.ondelay))
        state.set("ups.delay.shutdown", str(self.setup.offdelay))
        for command in COMMANDS:
            state.add_command(command)
        await self.poll(state)  # main.c updates once right after initinfo

    async def poll(self, state: DeviceVars) -> PollResult:
        status = await self._request(sn.status_request(self.rng))
        if status is None:
            self.watch.failed("Status read failed")
            self.misses += 1
            self.stale = self.stale or self.misses > _FORGIVEN
            return self._unchanged()
        self.watch.good()
        self.misses = 0
        if status.systemtest and status.batterylow:
            if await self._request(sn.STOP_TEST) is not None:
                log.info("driver.battery_test_finished")
                return self._unchanged()
            log.warning("driver.battery_test_not_stopped")
        commit_status(state, sn.status_words(status), sn.alarms(status))
        self.stale = False
        return PollResult()

    async def instcmd(self, state: DeviceVars, name: str, value: str | None) -> str:
        if name in _RENAMED:
            log.warning("driver.command_renamed", command=name, use=_RENAMED[name])
            name = _RENAMED[name]
        if name in _PLAIN:
            return await self._run(_PLAIN[name])
        if name in ("beeper.enable", "beeper.mute"):
            # a toggle only when the beeper is not already as asked
            if self.status.silenced == (name == "beeper.enable"):
                return await self._run(sn.TOGGLE_BEEP)
            return ResultCode.SUCCESS
        if name in ("shutdown.return", "shutdown.reboot"):
            await self._request(self._shutdown(name))  # NUT takes it whatever the reply
            log.info("driver.shutdown_sent", command=name)
            return ResultCode.SUCCESS
        return ResultCode.CMD_NOT_SUPPORTED

    async def set_var(self, state: DeviceVars, name: str, value: str) -> str:
        return ResultCode.VAR_NOT_SUPPORTED

    async def close(self) -> None:
        await close_powered(self.port)

    async def killpower(self) -> Sent:
        """safenet -k: initialise, then the shutdown the line status calls for."""
        await open_powered(self.port)
        await self._initialize()
        command = "shutdown.return" if self.status.onbattery else "shutdown.reboot"
        await self._request(self._shutdown(command))
        return Sent(command)

    # -- the line -----------------------------------------------------------------

    def _shutdown(self, name: str) -> bytes:
        if name == "shutdown.return":
            return sn.return_request(self.setup.offdelay)
        return sn.reboot_request(self.setup.offdelay, self.setup.ondelay)

    def _unchanged(self) -> PollResult:
        """An update that publishes nothing: the data stays as fresh or stale as it was."""
        if self.stale:
            raise DriverIOError("Status read failed")
        return PollResult()


    async def _initialize(self) -> None:
        for _ in range(3):
            if await self._request(sn.INITIALIZE) is not None:
                return
        raise DriverIOError(f"SafeNet protocol compatible UPS not found on {self.port.path}")

    async def _run(self, request: bytes) -> str:
        answered = await self._request(request) is not None
        return ResultCode.SUCCESS if answered else ResultCode.FAILED

    async def _request(self, request: bytes) -> sn.SafenetStatus | None:
        """Send one request; the status line that answers it (kept), or None."""
        await self.port.discard_input()  # NUT's ser_flush_io
        await self.port.write(request)
        line = await self.port.read_until(b"\r\n", self.t.reply, max_bytes=sn.REPLY_MAX)
        status = sn.parse_status(line)
        if status is None:
            log.debug("driver.no_status", reply=line.decode("latin-1"))
            return None
        self.status = status
        return status
