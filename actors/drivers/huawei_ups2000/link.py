"""The UPS2000's serial line: the raw identification exchange and Modbus RTU register
reads and writes with NUT 2.8.0's retries.

* The port: 9600 8N1, RTS and DTR low. NUT opens it twice (its own descriptor for the
  identification, libmodbus' for the registers); one port here carries both. On a
  pseudo-terminal libmodbus' RTU backend just sets the speed (tcsetattr works there, and
  it sends no RS-485 ioctl unless told to), and the RTS/DTR ioctls fail quietly.
* Identification: the input dropped, the request written, 400 ms for the unit to
  think, then whatever arrives until the line has been silent for a second (a full
  128-byte buffer counts as no answer, as in NUT).
* Registers: libmodbus with a 1 s response timeout. A failed read or write is tried
  again after a second, three times in all; once all three fail, later failures are not
  retried until something succeeds again (so a dead line does not make every update
  last minutes). A battery status (register 2002) outside 2..5 is read again too.
"""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from typing import TypeVar

import structlog
import trio

from nutrio.actors.drivers.modbus.client import ModbusClient, RtuLink
from nutrio.actors.drivers.errors import DriverTimeout
from nutrio.actors.drivers.serialport import SerialPort
from nutrio.protocol.devices.modbus import ModbusError, ReadRequest, WriteRequest
from nutrio.protocol.devices.modbus import huawei as hw

__all__ = ["HwTiming", "UpsLine"]

log = structlog.get_logger()
T = TypeVar("T")
BATTERY_STATUS = 12002


@dataclass(frozen=True, slots=True)
class HwTiming:
    """NUT's waits; tests shrink them."""

    think: float = 0.4  # before reading the identification
    silence: float = 1.0  # ends the identification
    response: float = 1.0  # libmodbus' response timeout
    retry: float = 1.0  # between tries


class UpsLine:
    """One UPS2000 on one serial port (see the module comment)."""

    def __init__(self, path: str, timing: HwTiming) -> None:
        self.port = SerialPort(path, baudrate=9600)
        self.t = timing
        self.modbus = ModbusClient(RtuLink(self.port), hw.UNIT, response_timeout=timing.response)
        self.retrying = True

    async def open(self) -> None:
        await self.port.open()
        self.port.set_modem_lines(dtr=False, rts=False)

    async def close(self) -> None:
        await self.port.close()

    async def identify(self) -> hw.Identity:
        """The unit's identity; HuaweiError (or DriverTimeout) when it cannot be driven."""
        data, silent, crc_ok = b"", False, False
        for _ in range(3):
            data = await self._ident_exchange()
            silent = not data
            if silent:
                log.warning("driver.no_identification", port=self.port.path)
                continue
            crc_ok = hw.ident_crc_ok(data)
            if crc_ok:
                break
        if silent:
            raise DriverTimeout(f"unable to read from serial port {self.port.path}!")
        if not crc_ok:
            raise hw.HuaweiError("response CRC verification failed!")
        return hw.parse_identity(data)

    async def _ident_exchange(self) -> bytes:
        await self.modbus.flush()
        await self.port.write(hw.IDENT_REQUEST)
        await trio.sleep(self.t.think)
        data = b""
        while chunk := await self.port.read_some(self.t.silence):
            data += chunk
            if len(data) >= hw.IDENT_MAX:
                return b""  # NUT's buffer is full: it takes that as no answer
        return data

    async def read(self, address: int, count: int) -> tuple[int, ...] | None:
        """``count`` registers from ``address`` (unit 1's numbering), or None."""
        values: tuple[int, ...] | None = None
        for _ in range(3):
            values = await self._try(self.modbus.read(ReadRequest(address, count)))
            if values is None and self.retrying:
                log.debug("driver.read_retry", register=address)
                await trio.sleep(self.t.retry)
                continue
            if values is not None:
                self.retrying = True
            if address == BATTERY_STATUS and values is not None and not 2 <= values[0] <= 5:
                if self.retrying:  # a known harmless glitch of this register
                    log.debug("driver.battery_status_retry", value=values[0])
                    await trio.sleep(self.t.retry)
                    continue
            return values
        log.warning("driver.read_failed", register=address)
        self.retrying = False
        return values

    async def write(self, address: int, values: tuple[int, ...]) -> bool:
        """Write ``values`` from ``address`` (function 0x10, also for one register)."""
        for _ in range(3):
            done = await self._try(self._written(WriteRequest(address, values)))
            if done is None and self.retrying:
                log.debug("driver.write_retry", register=address)
                await trio.sleep(self.t.retry)
                continue
            if done is not None:
                self.retrying = True
            return done is not None
        log.warning("driver.write_failed", register=address)
        self.retrying = False
        return False

    async def _written(self, request: WriteRequest) -> bool:
        await self.modbus.write(request)
        return True

    @staticmethod
    async def _try(exchange: Awaitable[T]) -> T | None:
        """What the exchange returns, or None when it failed (libmodbus' -1)."""
        try:
            return await exchange
        except (DriverTimeout, ModbusError) as exc:
            log.debug("driver.modbus_failed", error=str(exc))
            return None
