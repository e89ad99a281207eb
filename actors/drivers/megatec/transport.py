"""How nutdrv_qx reaches a UPS: one request out, one raw reply back.

The protocol layer (protocol/devices/megatec/) decides what to send and how
to read the reply; a transport only carries bytes. :class:`QxTransport` is
the seam: a serial line here, USB-to-serial bridges elsewhere (each bridge
of NUT's nutdrv_qx.c is one transport). ``exchange`` returns what NUT's
qx_command returns: the reply bytes (b"" when nothing came in time) or None
on an I/O error; the caller cuts, checks and retries.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

import structlog
import trio

from nutrio.actors.drivers.errors import DriverConfigError, DriverIOError
from nutrio.actors.drivers.serialport import SerialPort

__all__ = ["BAUDRATE", "CABLEPOWER", "SER_WAIT_SEC", "QxTransport", "SerialTransport"]

log = structlog.get_logger()

#: nutdrv_qx's serial read timeout (SER_WAIT_SEC in drivers/nutdrv_qx.c 2.8.0).
SER_WAIT_SEC = 1.0
BAUDRATE = 2400
#: ups.conf ``cablepower``: (DTR, RTS) levels that power the interface cable.
CABLEPOWER: Mapping[str, tuple[bool, bool]] = {
    "normal": (True, False),
    "reverse": (False, True),
    "both": (True, True),
    "none": (False, False),
}
#: NUT lets the cable power settle this long after setting DTR/RTS.
_CABLE_SETTLE = 0.1


class QxTransport(Protocol):
    """The seam between nutdrv_qx's protocols and the wire (serial line or USB bridge)."""

    async def open(self) -> None:
        """Open the device; raises DriverIOError (DriverConfigError for bad options)."""

    async def exchange(self, request: bytes) -> bytes | None:
        """Send one request and return its raw reply: b"" for none in time, None on I/O error."""

    async def close(self) -> None: ...

    def variables(self) -> Mapping[str, str]:
        """What the transport serves once open (a USB bridge: ups.vendorid, ups.productid)."""


class SerialTransport:
    """A serial line read the way nutdrv_qx sets its tty up: 2400 8N1, canonical mode.

    NUT reads one line per request (CR or LF ends it) within SER_WAIT_SEC;
    a line that does not end in time is no reply at all, and whatever the
    UPS sent before a request is flushed.
    """

    def __init__(
        self,
        path: str,
        options: Mapping[str, str] | None = None,
        *,
        reply_timeout: float = SER_WAIT_SEC,
    ) -> None:
        self.port = SerialPort(path, baudrate=BAUDRATE)
        self.reply_timeout = reply_timeout
        wanted = (options or {}).get("cablepower", "normal")
        cable = CABLEPOWER.get(wanted.lower())
        if cable is None:
            raise DriverConfigError(f"Value '{wanted}' not valid for 'cablepower'")
        self.cable = cable

    async def open(self) -> None:
        await self.port.open()
        dtr, rts = self.cable
        self.port.set_modem_lines(dtr=dtr, rts=rts)
        await trio.sleep(_CABLE_SETTLE)

    async def exchange(self, request: bytes) -> bytes | None:
        try:
            await self.port.discard_input()
            await self.port.write(request)
            reply = await self.port.read_until(b"\r\n", self.reply_timeout)
        except DriverIOError as exc:
            log.debug("driver.exchange_failed", request=request, error=str(exc))
            return None
        log.debug("driver.exchange", request=request, reply=reply)
        return reply if reply.endswith((b"\r", b"\n")) else b""

    def variables(self) -> Mapping[str, str]:
        return {}

    async def close(self) -> None:
        if self.port.is_open:
            self.port.set_modem_lines(dtr=False, rts=self.cable[1])  # NUT drops DTR on close
        await self.port.close()
