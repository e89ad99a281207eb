"""A Modbus client over one link, the way libmodbus (under NUT's apc_modbus) talks.

How it works: a :class:`Link` moves bytes (a TCP socket, a serial port, APC's
USB HID reports); :class:`ModbusClient` frames a request for the link's
transport (protocol/devices/modbus/frames.py), sends it, and reads the reply
in libmodbus's steps: the first bytes within the response timeout (500 ms
unless ``response_timeout_ms`` says), each later chunk within the byte
timeout (500 ms), until the frame is whole; then it is checked against the
request. A silent device raises :class:`DriverTimeout`; a wrong reply
:class:`ModbusError`; the link's own failures :class:`DriverIOError`.
Bytes past the end of a reply stay for the next one (they are garbage to it),
as they stay in the kernel's buffer under libmodbus, except on USB, whose
padded reports libmodbus drops after each reply.
"""

from __future__ import annotations

import contextlib
from typing import Protocol

import trio

from nutrio.actors.drivers.errors import DriverIOError, DriverTimeout
from nutrio.actors.drivers.serialport import SerialPort, io_errors
from nutrio.protocol.devices.modbus import (
    ReadRequest,
    Transport,
    WriteRequest,
    frame,
    parse_reply,
    reply_length,
)

__all__ = ["BYTE_TIMEOUT", "RESPONSE_TIMEOUT", "Link", "ModbusClient", "RtuLink", "TcpLink",
           "parse_host_port"]

#: libmodbus's defaults (seconds)
RESPONSE_TIMEOUT = 0.5
BYTE_TIMEOUT = 0.5
_TCP_PORT = 502


class Link(Protocol):
    """One connection to a Modbus device."""

    transport: Transport
    where: str

    async def connect(self) -> None: ...
    async def send(self, data: bytes) -> None: ...
    async def receive(self, timeout: float) -> bytes:
        """What arrives within ``timeout`` seconds (b"" if nothing)."""
    async def flush(self) -> None: ...
    async def close(self) -> None: ...


class ModbusClient:
    """Requests to one unit (slave id) over one link (see the module comment)."""

    def __init__(self, link: Link, unit: int, *, response_timeout: float = RESPONSE_TIMEOUT,
                 byte_timeout: float = BYTE_TIMEOUT) -> None:
        self.link = link
        self.unit = unit
        self.response_timeout = response_timeout
        self.byte_timeout = byte_timeout
        self._tid = 0
        self._pending = b""

    async def read(self, request: ReadRequest) -> tuple[int, ...]:
        return await self._exchange(request)

    async def write(self, request: WriteRequest) -> None:
        await self._exchange(request)

    async def flush(self) -> None:
        """modbus_flush: drop whatever the device sent that nobody read."""
        self._pending = b""
        await self.link.flush()

    async def _exchange(self, request: ReadRequest | WriteRequest) -> tuple[int, ...]:
        transport = self.link.transport
        self._tid = self._tid + 1 if self._tid < 0xFFFF else 0  # libmodbus counts from 1
        await self.link.send(frame(transport, self.unit, request, self._tid))
        data, timeout = self._pending, self.response_timeout
        while True:
            length = reply_length(transport, data)
            if length is not None and len(data) >= length:
                break
            chunk = await self.link.receive(timeout)
            if not chunk:
                self._pending = b""
                what = "no reply" if not data else f"reply cut short after {len(data)} bytes"
                raise DriverTimeout(f"{self.link.where}: {what}")
            data += chunk
            timeout = self.byte_timeout
        self._pending = b"" if transport == Transport.USB else data[length:]
        return parse_reply(transport, self.unit, request, data[:length], self._tid)


def parse_host_port(text: str) -> tuple[str, int] | None:
    """NUT's "host", "host:port" or "[v6 address]:port"; 502 when no port is given."""
    if text.startswith("["):
        host, bracket, rest = text[1:].partition("]")
        if not bracket:
            return None
        port = rest.removeprefix(":") if rest.startswith(":") else ""
    else:
        host, _, port = text.partition(":")
    if not port:
        return host, _TCP_PORT
    number = int(port) if port.isdigit() else -1
    return (host, number) if 0 <= number <= 65535 else None


class TcpLink:
    """Modbus TCP to ``host:port``."""

    transport = Transport.TCP

    def __init__(self, host: str, port: int, *, connect_timeout: float = RESPONSE_TIMEOUT):
        self.host, self.port = host, port
        self.where = f"{host}:{port}"
        self._connect_timeout = connect_timeout
        self._stream: trio.SocketStream | None = None

    async def connect(self) -> None:
        with trio.move_on_after(self._connect_timeout) as scope, io_errors(self.where):
            self._stream = await trio.open_tcp_stream(self.host, self.port)
        if scope.cancelled_caught:
            raise DriverTimeout(f"{self.where}: connection timed out")

    def _require(self) -> trio.SocketStream:
        if self._stream is None:
            raise DriverIOError(f"{self.where}: not connected")
        return self._stream

    async def send(self, data: bytes) -> None:
        with io_errors(self.where):
            await self._require().send_all(data)

    async def receive(self, timeout: float) -> bytes:
        stream = self._require()
        with trio.move_on_after(timeout), io_errors(self.where):
            data = await stream.receive_some(260)
            if not data:
                raise DriverIOError(f"{self.where}: connection closed by the device")
            return data
        return b""

    async def flush(self) -> None:
        while await self.receive(0.01):  # libmodbus reads without waiting until nothing is left
            pass

    async def close(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            with contextlib.suppress(trio.BrokenResourceError, trio.ClosedResourceError):
                await stream.aclose()


class RtuLink:
    """Modbus RTU on a serial line (9600 8N1 unless ups.conf says otherwise)."""

    transport = Transport.RTU

    def __init__(self, port: SerialPort) -> None:
        self.port = port
        self.where = port.path

    async def connect(self) -> None:
        if not self.port.is_open:
            await self.port.open()

    async def send(self, data: bytes) -> None:
        await self.port.write(data)

    async def receive(self, timeout: float) -> bytes:
        return await self.port.read_some(timeout)

    async def flush(self) -> None:
        await self.port.discard_input()

    async def close(self) -> None:
        await self.port.close()
