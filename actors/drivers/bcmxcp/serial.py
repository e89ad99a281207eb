"""bcmxcp's serial transport: frames on a serial port, as NUT 2.8.0's bcmxcp_ser (0.21).

How it works:

* ``open``: the port at ``baud_rate`` when given (only 19200, 9600, 4800,
  2400 or 1200), else each of those in turn: the escape byte (0x1D, "out of
  the menu"), 90 ms, the authorization block, 500 ms, then "request only
  mode" (0xA0), and when that goes unanswered, 500 ms and the ID block. The
  first speed that answers is kept. A given speed that does not answer falls
  back to hunting, as NUT does.
* ``exchange``: the request, then its answer block by block; each byte may
  take 1 s. Three tries; the third one drops pending input first. A block
  fails when its start byte is not within 128 bytes, its block number does
  not fit the request, its length is 0, its sequence is not the next one,
  its data is short or its checksum is wrong.
"""

from __future__ import annotations

import structlog
import trio

from nutrio.actors.drivers.bcmxcp.link import CommWatch, XcpTiming
from nutrio.actors.drivers.errors import DriverConfigError, DriverIOError
from nutrio.actors.drivers.serialport import SerialPort
from nutrio.protocol.devices import bcmxcp as xcp

__all__ = ["BAUD_RATES", "SerialXcp"]

log = structlog.get_logger()

#: the speeds bcmxcp hunts through, fastest first
BAUD_RATES = (19200, 9600, 4800, 2400, 1200)
_TRIES = 3
#: bytes read looking for a block's start byte before the answer counts as garbage
_START_WITHIN = 128
_ID_REQUEST = bytes([xcp.Cmd.ID_BLOCK])
_REQUEST_ONLY = bytes([xcp.Cmd.REQUEST_ONLY_MODE])


def baud_option(text: str | None, name: str) -> int | None:
    """The ``baud_rate`` option: None (hunt) or one of :data:`BAUD_RATES`.

    Raises:
        DriverConfigError: anything else ("Specified baudrate is invalid", as NUT).
    """
    if text is None:
        return None
    try:
        rate = int(text.strip())
    except ValueError:
        rate = 0
    if rate not in BAUD_RATES:
        raise DriverConfigError(f'{name}: Specified baudrate "{text}" is invalid!')
    return rate


class SerialXcp:
    """The serial line of one UPS (see the module comment)."""

    def __init__(self, path: str, baud_rate: int | None, timing: XcpTiming) -> None:
        self.path = path
        self.wanted = baud_rate
        self.t = timing
        self.port = SerialPort(path, baudrate=baud_rate or BAUD_RATES[0])
        self.watch = CommWatch()

    async def open(self) -> None:
        await self.port.open()
        rates = [self.wanted] if self.wanted else []
        for rate in (*rates, *BAUD_RATES):
            if await self._hello(rate):
                log.info("driver.connected", port=self.path, baud_rate=rate)
                return
            if rate == self.wanted:
                log.error("driver.no_answer", port=self.path, baud_rate=rate)
                log.info("driver.baud_hunting")
        raise DriverIOError(f"Can't connect to the UPS on port {self.path}!")

    async def close(self) -> None:
        await self.port.close()

    async def _hello(self, rate: int) -> bool:
        await self._set_speed(rate)
        await self.port.write(bytes([xcp.ESCAPE]))
        await trio.sleep(self.t.escape)
        await self.send(xcp.AUTHORIZATION)
        await trio.sleep(self.t.settle)
        if await self._sequence(_REQUEST_ONLY):
            return True
        await trio.sleep(self.t.settle)
        return bool(await self._sequence(_ID_REQUEST))

    async def _set_speed(self, rate: int) -> None:
        """ser_set_speed: the new speed in place (the port stays open), input dropped."""
        self.port.set_baudrate(rate)
        await self.port.discard_input()

    async def send(self, payload: bytes) -> None:
        await self.port.write(xcp.request(payload))

    async def exchange(self, payload: bytes, *, write: bool = False) -> bytes:
        answer = await self._sequence(payload)
        if not answer:
            self.watch.failed("no valid answer after the retries", command=f"{payload[0]:02x}")
        return answer

    async def _sequence(self, payload: bytes) -> bytes:
        """command_sequence: three tries, the last one after dropping pending input."""
        for attempt in range(1, _TRIES + 1):
            if attempt == _TRIES:
                await self.port.discard_input()
            await self.send(payload)
            answer = await self._answer(payload[0])
            if answer:
                return answer
        return b""

    async def _byte(self) -> int | None:
        data = await self.port.read_exactly(1, self.t.byte)
        return data[0] if data else None

    async def _bytes(self, count: int) -> bytes:
        """ser_get_buf_len: up to ``count`` bytes, each wait up to the byte timeout."""
        data = b""
        while len(data) < count:
            chunk = await self.port.read_exactly(count - len(data), self.t.byte)
            if not chunk:
                break
            data += chunk
        return data

    async def _answer(self, command: int) -> bytes:
        """get_answer: every block of one answer, joined; b"" on any failure. Each header
        byte is checked as soon as it is read, so a bad one leaves the rest unread."""
        data, previous, seen = b"", 0, 0
        where = f"{command:02x}"
        while True:
            byte = None
            while byte != xcp.START:
                byte = await self._byte()
                if byte is None:
                    return b""
                seen += 1
                if seen >= _START_WITHIN:
                    self.watch.failed("no start byte", command=where)
                    return b""
            header = bytearray([xcp.START])
            for check in (lambda b: xcp.block_ok(command, b), lambda b: b >= 1,
                          lambda b: b & 0x07 == previous + 1):
                byte = await self._byte()
                if byte is None or not check(byte):
                    self.watch.failed(f"bad header {bytes(header).hex()} {byte}", command=where)
                    return b""
                header.append(byte)
            length, sequence = header[2], header[3]
            body = await self._bytes(length + 1)
            if len(body) != length + 1 or not xcp.sum_ok(bytes(header) + body):
                self.watch.failed("short block or bad checksum", command=where)
                return b""
            data += body[:-1]
            if sequence & 0x80:
                return data
            previous = sequence
