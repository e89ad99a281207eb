"""apc_modbus: APC Smart-UPS units over Modbus, as NUT's apc_modbus 0.19 (NUT 2.8.5).

NUT 2.8.0 has no apc_modbus (it came with 2.8.1); this follows the 2.8.5 source,
and no real binary checks it here. How it works: ``porttype`` picks the link,
``usb`` (the default), ``tcp`` (``port`` is host[:port], 502 by default) or
``serial`` (RTU; ``baudrate``, ``parity``, ``databits``, ``stopbits``, 9600 8N1 by
default); ``slaveid`` (1) is the unit and ``response_timeout_ms`` (500) how long
a reply may take to start. ``open`` connects and reads the inventory block once
(model, serial, nominal powers, outlet groups); each ``poll`` reads the status,
dynamic and static blocks and serves them all at once
(protocol/devices/modbus/apc.py). Before each read the driver leaves the 35 ms
RTU inter-frame gap since the last one, on every link, as NUT does.

A failed read makes the data stale. As NUT: a read that timed out is followed
by a 1 s pause and a flush, five times; any other failure (the device gone, a
reply that is garbage or an exception) and the sixth time-out close the
connection, and the next poll connects again, waits 1 s, flushes and reads the
inventory before it reads on. A garbage reply is logged once until a poll
succeeds again.
"""

from __future__ import annotations

from typing import Any, ClassVar

import structlog
import trio
import usb  # type: ignore[import-untyped]

from nutrio.actors.drivers.modbus.client import (
    RESPONSE_TIMEOUT,
    Link,
    ModbusClient,
    RtuLink,
    TcpLink,
    parse_host_port,
)
from nutrio.actors.drivers.apc_modbus.usb import UsbLink
from nutrio.actors.drivers.base import DeviceLike, PollResult, Sent
from nutrio.actors.drivers.errors import (
    DriverConfigError,
    DriverError,
    DriverIOError,
    DriverTimeout,
    KillPowerFailed,
)
from nutrio.actors.drivers.serialport import SerialPort
from nutrio.protocol.common.state import ResultCode
from nutrio.protocol.devices.dummy.devfile import DeviceVars
from nutrio.protocol.devices.modbus import (
    DYNAMIC,
    INVENTORY,
    STATIC,
    STATUS,
    ApcModbus,
    ModbusError,
    ReadRequest,
    Refused,
    WriteRequest,
)

__all__ = ["ApcModbusDriver", "make_link"]

log = structlog.get_logger()

_FRAME_GAP = 0.035
_ERROR_PAUSE = 1.0
_FLUSH_TRIES = 5
_SET_PAUSE = 0.1


def _number(device: DeviceLike, key: str, default: int) -> int:
    text = device.options.get(key)
    if text is None:
        return default
    try:
        return int(text, 0)
    except ValueError:
        raise DriverConfigError(f"{device.name}: {key} must be a number, got {text!r}") from None


def make_link(device: DeviceLike, *, usb_backend: Any = None) -> Link:
    """The link ``porttype`` names (NUT's upsdrv_initups)."""
    kind = device.options.get("porttype", "usb").lower()
    if kind == "usb":
        return UsbLink(device.options, backend=usb_backend)
    if kind == "tcp":
        where = parse_host_port(device.port)
        if where is None:
            raise DriverConfigError(f"{device.name}: failed to parse host/port {device.port!r}")
        return TcpLink(*where)
    if kind == "serial":
        parity = device.options.get("parity", "N")[:1].upper() or "N"
        if parity not in "NEO":
            raise DriverConfigError(f"{device.name}: parity must be N, E or O")
        port = SerialPort(device.port, baudrate=_number(device, "baudrate", 9600),
                          bytesize=_number(device, "databits", 8), parity=parity,
                          stopbits=_number(device, "stopbits", 1))
        return RtuLink(port)
    raise DriverConfigError(f"{device.name}: porttype must be usb, tcp or serial, got {kind!r}")


class ApcModbusDriver:
    """The apc_modbus driver (see the module comment)."""

    name = "apc_modbus"
    version_internal = "0.19"
    flags: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, device: DeviceLike, *, link: Link | None = None,
                 error_pause: float = _ERROR_PAUSE) -> None:
        self.device = device
        unit = _number(device, "slaveid", 1)
        if not 0 <= unit <= 247:
            raise DriverConfigError(f"{device.name}: modbus_set_slave: invalid slave id {unit}")
        timeout = _number(device, "response_timeout_ms", int(RESPONSE_TIMEOUT * 1000)) / 1000
        self.client = ModbusClient(link or make_link(device), unit, response_timeout=timeout)
        self.ups = ApcModbus()
        self.error_pause = error_pause
        self._connected = False
        self._timeouts = 0
        self._last_read = -1.0
        self._garbage_logged = False

    # -- the Driver protocol -------------------------------------------------

    async def open(self, state: DeviceVars) -> None:
        state.set("driver.version.usb", f"pyusb {usb.__version__}")
        await self._connect(state, pause=0.0)
        await self.poll(state)  # main.c updates once right after initinfo

    async def poll(self, state: DeviceVars) -> PollResult:
        if not self._connected:
            await self._connect(state, pause=self.error_pause)
        blocks = [await self._read(request) for request in (STATUS, DYNAMIC, STATIC)]
        self.ups.apply_poll(state, *blocks)
        self._garbage_logged = False
        return PollResult()

    async def instcmd(self, state: DeviceVars, name: str, value: str | None) -> str:
        write = self.ups.command(name)
        if isinstance(write, Refused):
            return write.code
        log.info("driver.instcmd", command=name, register=write.address, values=write.values)
        return await self._write(write)

    async def set_var(self, state: DeviceVars, name: str, value: str) -> str:
        write = self.ups.setting(name, value)
        if isinstance(write, Refused):
            return write.code
        code = await self._write(write)
        if code == ResultCode.SUCCESS:
            await trio.sleep(_SET_PAUSE)  # NUT waits before reading the new value back
            back = ReadRequest(write.address, len(write.values))
            try:
                self.ups.apply(state, write.address, await self._read(back))
            except DriverError as exc:  # the write went through: NUT still says handled
                log.info("driver.read_back_failed", variable=name, error=str(exc))
        return code

    async def close(self) -> None:
        await self.client.link.close()
        self._connected = False

    async def killpower(self) -> Sent:
        """apc_modbus -k: read the inventory, then shutdown.return on every outlet group."""
        state = DeviceVars()
        await self._connect(state, pause=0.0)
        write = self.ups.command("shutdown.default")
        if isinstance(write, Refused) or await self._write(write) != ResultCode.SUCCESS:
            raise KillPowerFailed("the UPS did not take shutdown.default")
        return Sent("shutdown.return", f"outlet command 0x{write.values[1]:04x}")

    # -- I/O -----------------------------------------------------------------

    async def _connect(self, state: DeviceVars, *, pause: float) -> None:
        """Connect and read the inventory (upsdrv_initups + initinfo, or _reopen)."""
        link = self.client.link
        await link.connect()
        self._connected = True
        if isinstance(link, UsbLink) and link.vendor_id is not None:
            state.set("ups.vendorid", f"{link.vendor_id:04x}")
            state.set("ups.productid", f"{link.product_id or 0:04x}")
        await trio.sleep(pause)
        await self.client.flush()
        try:
            regs = await self._read(INVENTORY)
        except DriverError as exc:
            raise DriverIOError(f"Can't read inventory information from the UPS: {exc}") from exc
        for warning in self.ups.apply_inventory(state, regs):
            log.warning("driver.apc_modbus", problem=warning)

    async def _read(self, request: ReadRequest) -> tuple[int, ...]:
        wait = self._last_read + _FRAME_GAP - trio.current_time()
        if wait > 0:
            await trio.sleep(wait)
        self._last_read = trio.current_time()
        try:
            regs = await self.client.read(request)
        except (DriverError, ModbusError) as exc:
            what = f"Read of {request.address}:{request.address + request.count}"
            raise await self._failed(exc, what) from exc
        self._last_read = trio.current_time()
        return regs

    async def _write(self, request: WriteRequest) -> str:
        try:
            await self.client.write(request)
        except (DriverError, ModbusError) as exc:
            end = request.address + len(request.values) - 1
            await self._failed(exc, f"Write of {request.address}:{end}")
            return ResultCode.FAILED
        return ResultCode.SUCCESS

    async def _failed(self, error: Exception, what: str) -> DriverError:
        """_apc_modbus_handle_error: pause and flush after a time-out (five times), else
        close; returns the driver error a poll fails with."""
        if isinstance(error, ModbusError) and not self._garbage_logged:
            self._garbage_logged = True
            log.warning("driver.modbus_bad_reply", what=what, error=str(error))
        if isinstance(error, DriverTimeout) and self._timeouts < _FLUSH_TRIES:
            self._timeouts += 1
            await trio.sleep(self.error_pause)
            await self.client.flush()
        else:
            self._timeouts = 0
            log.info("driver.modbus_closing", what=what, error=str(error))
            await self.close()
        kind = DriverTimeout if isinstance(error, DriverTimeout) else DriverIOError
        return kind(f"{what} failed: {error}")
