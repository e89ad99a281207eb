"""The SHUT link of mge-shut: USB control transfers carried over a serial line
(protocol/devices/shut/frames.py has the packets), as NUT 2.8.0's libshut.c does them.

How it works: :meth:`ShutLink.open` opens the port at 2400 baud, drops DTR and
raises RTS, and synchronises: the sync byte 0x18 (no notifications) is sent up
to four times until the UPS echoes it within a second. :meth:`control` sends a
transfer's packets, each acknowledged: a NAK makes it send the packet again; no
answer (3 s) makes it send a NAK itself, at most four times, after which it
synchronises again and the transfer fails. A GET then reads the response
packets, acknowledging each good one and asking again (NAK) for one whose
checksum is wrong, up to three times in a row. Notification packets that come
meanwhile are acknowledged and dropped (libshut 0.86 drops them too). NUT
resends on NAKs and notifications without end; nutrio stops after four.
A transfer that fails raises :class:`ShutError`: the link is then taken as
lost and the next poll synchronises again.
"""

from __future__ import annotations

import structlog

from nutrio.actors.drivers.errors import DriverIOError
from nutrio.actors.drivers.serialport import SerialPort
from nutrio.protocol.devices.shut import (
    ACK,
    DESCRIPTOR_DEVICE,
    DESCRIPTOR_STRING,
    LAST,
    NAK,
    NOTIFY,
    SYNC,
    SYNC_OFF,
    Setup,
    checksum,
    data_length,
    request_packets,
    string_text,
)

__all__ = ["BAUDRATE", "ShutError", "ShutLink"]

log = structlog.get_logger()

BAUDRATE = 2400
_TRIES = 4
_RECEIVE_TRIES = 3


class ShutError(DriverIOError):
    """A SHUT transfer that did not go through."""


class ShutLink:
    """SHUT on one serial port (see the module comment)."""

    def __init__(self, port: SerialPort, *, char_timeout: float = 3.0,
                 sync_timeout: float = 1.0) -> None:
        self.port = port
        self.char_timeout = char_timeout
        self.sync_timeout = sync_timeout

    async def open(self) -> None:
        """Open (again) and synchronise; ShutError when the UPS does not answer."""
        await self.port.close()
        await self.port.open()
        self.port.set_modem_lines(dtr=False, rts=True)
        if not await self.sync():
            raise ShutError(f"{self.port.path}: No communication with UPS")

    async def close(self) -> None:
        await self.port.close()

    async def sync(self) -> bool:
        for _ in range(_TRIES):
            await self.port.write(bytes([SYNC_OFF]))
            if await self.port.read_exactly(1, self.sync_timeout) == bytes([SYNC_OFF]):
                return True
        return False

    # -- transfers -----------------------------------------------------------------

    async def control(self, setup: Setup, data: bytes = b"") -> bytes:
        """One control transfer; a GET's data (at most ``setup.length`` bytes)."""
        for chunk in request_packets(setup, data):
            await self._send_acked(chunk)
        return b"" if setup.is_set else await self._receive(setup.length)

    async def get_descriptor(self, kind: int, index: int, length: int) -> bytes:
        return await self.control(Setup.get_descriptor(kind, index, length))

    async def get_string(self, index: int, size: int) -> str | None:
        """A string descriptor's text for a ``size``-byte buffer (None: NUT's error)."""
        data = await self.get_descriptor(DESCRIPTOR_STRING, index, size)
        return string_text(data, size)

    async def get_report(self, report_id: int, length: int) -> bytes:
        return await self.control(Setup.get_report(report_id, length))

    async def set_report(self, report_id: int, data: bytes) -> None:
        await self.control(Setup.set_report(report_id, len(data)), data)

    async def device_descriptor(self) -> bytes:
        return await self.get_descriptor(DESCRIPTOR_DEVICE, 0, 18)

    async def _byte(self) -> int | None:
        data = await self.port.read_exactly(1, self.char_timeout)
        return data[0] if data else None

    async def _send_acked(self, chunk: bytes) -> None:
        await self.port.write(chunk)
        waits = resends = 0
        while True:
            answer = await self._byte()
            if answer == ACK:
                return
            if answer == NAK and resends < _TRIES:
                resends += 1
                await self.port.write(chunk)
                continue
            waits += 1
            if waits >= _TRIES or answer == NAK:
                await self.sync()
                raise ShutError(f"{self.port.path}: no ACK for a SHUT packet")
            await self.port.write(bytes([NAK]))  # "say it again", or a notification came

    async def _receive(self, length: int) -> bytes:
        out = b""
        failures = 0
        while len(out) < length and failures < _RECEIVE_TRIES:
            kind = await self._byte()
            if kind is None:
                failures += 1
                continue
            if kind in (SYNC, SYNC_OFF):
                return bytes([kind])  # NUT hands the token over as a one-byte answer
            size_byte = await self._byte()
            size = None if size_byte is None else data_length(size_byte)
            if size is None:
                raise ShutError(f"{self.port.path}: garbage instead of a SHUT packet")
            data = await self.port.read_exactly(size, self.char_timeout)
            check = await self._byte()
            if len(data) != size or check != checksum(data):
                await self.port.write(bytes([NAK]))
                failures += 1
                continue
            await self.port.write(bytes([ACK]))
            failures = 0
            if kind & 0x0F == NOTIFY:
                continue  # dropped, as libshut does
            out += data
            if kind & 0xF0 == LAST:
                return out
        raise ShutError(f"{self.port.path}: no answer to a SHUT request")
