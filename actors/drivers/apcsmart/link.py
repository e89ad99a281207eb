"""apcsmart's serial link: reply lines, alerts met on the way, paced writes."""

from __future__ import annotations

from dataclasses import dataclass

import structlog
import trio

from nutrio.actors.drivers.errors import DriverError, DriverTimeout
from nutrio.actors.drivers.serialport import SerialPort
from nutrio.protocol.devices.apcsmart import protocol as ap
from nutrio.protocol.devices.dummy.devfile import DeviceVars

log = structlog.get_logger()


@dataclass(frozen=True, slots=True)
class ApcTiming:
    """apcsmart's waits, in seconds (tests shrink them)."""

    default: float = 3.0  # SER_D3
    short: float = 1.5  # SER_D1
    peek: float = 0.2  # SER_DX
    long: float = 6.0  # capability / command set reads
    repeat_pause: float = 1.3
    pace: float = 0.05
    confirm_min: float = 3.0  # MINCMDTIME
    confirm_max: float = 15.0  # MAXCMDTIME
    retry_sleep: float = 1.0
    drain: float = 0.01  # how long a flush waits for pending alerts
    stale_skip: int = 10


class ApcLink:
    """The port and the status byte; alerts in any reply flip the status at once."""

    def __init__(self, port: SerialPort, timing: ApcTiming) -> None:
        self.port = port
        self.t = timing
        self.status = 0
        self.state: DeviceVars | None = None

    def set_status(self, status: int) -> None:
        self.status = status
        if self.state is not None:
            self.state.set("ups.status", " ".join(ap.status_words(status)))

    async def read(
        self, timeout: float, *, alerts: bool = False, allow_timeout: bool = False,
        ignore: str | None = None, asterisk: bool = False,
    ) -> str:
        """One reply line (apc_read): alerts handled, ignored characters dropped.

        A line that does not end in time is no reply: "" when the timeout
        is allowed, else :class:`DriverTimeout`.
        """
        raw = await self.port.read_until(b"\n*" if asterisk else b"\n", timeout)
        if asterisk and raw.endswith(b"*"):
            await self.port.read_until(b"\n", self.t.peek)  # eat an "OK" sent as well
            return "OK"
        if not raw.endswith(b"\n"):
            if allow_timeout:
                return ""
            raise DriverTimeout("the UPS did not answer in time")
        reply = ap.filter_reply(raw, alert_aware=alerts, ignore=ignore)
        for alert in reply.alerts:
            log.info("driver.alert", alert=alert)
            self.set_status(ap.apply_alert(self.status, alert))
        return reply.text

    async def flush(self, *, alerts: bool = False) -> None:
        """apc_flush: drop pending input; alert aware, act on the alerts in it first."""
        if not alerts:
            await self.port.discard_input()
            return
        while True:
            raw = await self.port.read_until(b"\n", self.t.drain)
            for alert in ap.filter_reply(raw, alert_aware=True).alerts:
                log.info("driver.alert", alert=alert)
                self.set_status(ap.apply_alert(self.status, alert))
            if not raw.endswith(b"\n"):
                return

    async def ask(self, char: str, timeout: float | None = None, **kw: bool | str | None) -> str:
        await self.port.write(char.encode("latin-1"))
        return await self.read(self.t.default if timeout is None else timeout, **kw)  # type: ignore[arg-type]

    async def write_repeated(self, char: str) -> bool:
        """apc_write_rep: the character, a short look for any answer, a pause, again."""
        await self.port.write(char.encode("latin-1"))
        if await self.read(self.t.peek, allow_timeout=True):
            return False  # anything at this point means the UPS refused
        await trio.sleep(self.t.repeat_pause)
        await self.port.write(char.encode("latin-1"))
        return True

    async def write_long(self, data: bytes) -> bool:
        """apc_write_long: the first byte, a short look for a refusal, the rest paced."""
        await self.port.write(data[:1])
        if await self.read(self.t.peek, allow_timeout=True):
            return False
        for byte in data[1:]:
            await trio.sleep(self.t.pace)
            await self.port.write(bytes([byte]))
        return True

    async def smartmode(self, tries: int) -> bool:
        for _ in range(tries):
            await self.flush()
            try:
                reply = await self.ask("Y", self.t.short, allow_timeout=True)
            except DriverError:
                reply = ""
                await trio.sleep(self.t.retry_sleep)
            if reply == ap.SMART_OK:
                return True
            await self.port.write(ap.ESC)
            await self.read(self.t.short, allow_timeout=True)
        return False
