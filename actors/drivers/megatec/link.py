"""blazer's link (serial or USB) and the helpers both megatec drivers (nutdrv_qx, blazer) share."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

import structlog

from nutrio.actors.drivers.base import DeviceLike
from nutrio.actors.drivers.errors import DriverConfigError, DriverIOError, DriverTimeout
from nutrio.actors.drivers.megatec.transport import QxTransport
from nutrio.actors.drivers.serialport import SerialPort
from nutrio.protocol.common.state import ResultCode
from nutrio.protocol.devices import megatec as mt
from nutrio.protocol.devices.dummy.devfile import DeviceVars

log = structlog.get_logger()

#: NUT's serial read timeout (ser_get_buf with SER_WAIT_SEC).
SER_WAIT_SEC = 3.0
#: nutdrv_qx retries this many failed polls before the data goes stale.
MAXTRIES = 3
BAUDRATE = 2400


def float_var(state: DeviceVars, name: str) -> float:
    """A variable read as C strtod reads it (0.0 when unset)."""
    return mt.c_strtod(state.get(name) or "")


def put_defaults(state: DeviceVars, options: Mapping[str, str]) -> None:
    """ups.conf ``default.<var>``: a value the device may replace."""
    for key, value in options.items():
        if key.startswith("default."):
            state.set(key.removeprefix("default."), value)


def put_overrides(state: DeviceVars, options: Mapping[str, str]) -> None:
    """ups.conf ``override.<var>``: wins over whatever the device says."""
    for key, value in options.items():
        if key.startswith("override."):
            state.set(key.removeprefix("override."), value)


class BlazerSerial:
    """blazer_ser's serial line: 2400 baud, a reply is a line ended by CR within SER_WAIT_SEC.

    A :class:`~nutrio.actors.drivers.megatec.transport.QxTransport`; an I/O error on the
    port raises DriverIOError (the poll fails) rather than reading as no reply."""

    def __init__(self, path: str, reply_timeout: float = SER_WAIT_SEC) -> None:
        self.port = SerialPort(path, baudrate=BAUDRATE)
        self.reply_timeout = reply_timeout

    async def open(self) -> None:
        await self.port.open()

    async def exchange(self, request: bytes) -> bytes | None:
        """The reply line, or b"" when none came in time: the port works like NUT's
        canonical-mode tty, so a line without its CR by the timeout is no reply at all."""
        await self.port.discard_input()
        await self.port.write(request)
        reply = await self.port.read_until(b"\r", self.reply_timeout)
        log.debug("driver.exchange", request=request, reply=reply)
        return reply if reply.endswith(b"\r") else b""

    def variables(self) -> Mapping[str, str]:
        return {}

    async def close(self) -> None:
        await self.port.close()


class Link:
    """Request/reply the way blazer reads it, over a serial line or a USB bridge."""

    def __init__(self, transport: QxTransport) -> None:
        self.transport = transport

    async def exchange(self, request: bytes) -> bytes:
        """The reply; a USB error (None) reads as no reply, as blazer's negative return does."""
        return await self.transport.exchange(request) or b""

    async def query(self, query: bytes, *, min_len: int | None = None) -> str:
        """The reply as text up to its first NUL (a C string): its length is checked first,
        with whatever a USB bridge padded it with, as blazer_command's return is."""
        reply = await self.exchange(query)
        if not reply:
            raise DriverTimeout(f"no reply to {query!r}")
        try:
            return mt.check_reply(query, reply, min_len=min_len).split("\0", 1)[0]
        except mt.ReplyError as exc:
            raise DriverIOError(str(exc)) from exc


def require_megatec(device: DeviceLike, driver: str) -> None:
    """nutrio's Q1 drivers speak only the megatec protocol; anything else is a config error."""
    protocol = device.options.get("protocol")
    if protocol is not None and protocol.lower() != "megatec":
        raise DriverConfigError(
            f"{device.name}: nutrio's {driver} speaks only protocol 'megatec', not {protocol!r}"
        )


async def command_tries(send: Callable[[], Awaitable[str]], tries: int = MAXTRIES) -> bool:
    """Both drivers' killpower: a command is tried up to ``tries`` times until it succeeds."""
    for _ in range(tries):
        if await send() == ResultCode.SUCCESS:
            return True
    return False
