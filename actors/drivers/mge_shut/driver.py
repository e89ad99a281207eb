"""mge-shut: Eaton/MGE UPSes on a serial line (SHUT), as NUT 2.8.0's mge-shut.

NUT builds mge-shut from usbhid-ups's source with the SHUT library in place of
libusb and the MGE subdriver alone; nutrio does the same with its parts: the
SHUT link (link.py) carries the HID transfers, and
:class:`protocol.devices.hid.HidSession` walks the MGE table exactly as for
usbhid-ups. How it works: ``open`` synchronises with the UPS, reads its device
descriptor (ids, release; the manufacturer, product and serial strings, else
"Eaton", "unknown", "unknown"), its HID descriptor and its report descriptor
(index 1 for an Eaton unit of release 2.02, whose full descriptor is there),
and starts the session. Each ``poll`` is a quick or full walk (``pollfreq``);
SHUT has no interrupt pipe in NUT 2.8.0, so everything is polled. The session
is synchronous: it runs in a worker thread, and each report it reads or
writes is a SHUT transfer run back in Trio.

A transfer that fails (no acknowledgement, no answer) fails the poll: the data
goes stale, and the next poll opens the port, synchronises and walks every row
again (NUT's reconnect). NUT 2.8.0 instead skips the rows of that report and
waits up to 16 s per report, so its upsd shows the data stale between walks.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from functools import partial
from typing import ClassVar, TypeVar

import structlog
import trio

from nutrio.actors.drivers.base import HID_SNMP_ORDER, DeviceLike, PollResult, Sent
from nutrio.actors.drivers.errors import DriverIOError, KillPowerFailed
from nutrio.actors.drivers.mge_shut.link import BAUDRATE, ShutError, ShutLink
from nutrio.actors.drivers.serialport import SerialPort
from nutrio.actors.drivers.usbhid.options import parse_options
from nutrio.protocol.common.state import ResultCode
from nutrio.protocol.devices.dummy.devfile import DeviceVars
from nutrio.protocol.devices.hid import (
    MGE,
    DeviceInfo,
    HidSession,
    instcmd,
    parse_descriptor,
    setvar,
)
from nutrio.protocol.devices.shut import DESCRIPTOR_HID, DESCRIPTOR_REPORT, DeviceDescriptor

__all__ = ["MgeShut"]

log = structlog.get_logger()

T = TypeVar("T")

#: libshut's string buffers: 128 bytes for manufacturer and product, 37 for the serial
_NAME_SIZE, _SERIAL_SIZE = 128, 0x25
#: the string length nutrio asks for a HID string (NUT asks its caller's buffer size)
_STRING_SIZE = 255
_EATON, _FULL_DESCRIPTOR_RELEASE = 0x0463, 0x0202


class _Reports:
    """The session's ReportIO: called in a worker thread, run on the link in Trio."""

    def __init__(self, link: ShutLink) -> None:
        self.link = link

    def get_report(self, report_id: int, length: int) -> bytes:
        return trio.from_thread.run(self.link.get_report, report_id, length)

    def set_report(self, report_id: int, data: bytes) -> None:
        trio.from_thread.run(self.link.set_report, report_id, data)

    def string(self, index: int) -> str:
        return trio.from_thread.run(self.link.get_string, index, _STRING_SIZE) or ""


class MgeShut:
    """The mge-shut driver (see the module comment)."""

    name = "mge-shut"
    version_internal = "0.47"
    flags: ClassVar[frozenset[str]] = frozenset({"pollonly", "onlinedischarge"})

    def __init__(self, device: DeviceLike, *, link: ShutLink | None = None) -> None:
        self.device = device
        self.options = parse_options(device)
        self.link = link or ShutLink(SerialPort(device.port, baudrate=BAUDRATE))
        self._session: HidSession | None = None
        self._connected = False
        self._failure_logged = False

    # -- the Driver protocol -------------------------------------------------

    async def open(self, state: DeviceVars) -> None:
        for name, value in self.options.defaults.items():
            state.set(name, value)
        await self._start(state)
        await self.poll(state)  # main.c updates once right after initinfo

    async def poll(self, state: DeviceVars) -> PollResult:
        now = trio.current_time()
        session = self._require()
        if not self._connected:
            await self._guard(self.link.open)
            self._connected = True
            log.info("driver.shut_reconnected", port=self.device.port)
            await self._in_thread(partial(session.restart, state, now))
        await self._in_thread(partial(session.update, state, now, ()))
        for name, value in self.options.overrides.items():
            state.set(name, value)
        self._failure_logged = False
        return PollResult()

    async def instcmd(self, state: DeviceVars, name: str, value: str | None) -> str:
        if not self._connected:
            return ResultCode.FAILED
        return str(await self._in_thread(partial(instcmd, self._require(), state, name, value)))

    async def set_var(self, state: DeviceVars, name: str, value: str) -> str:
        if not self._connected:
            return ResultCode.FAILED
        return str(await self._in_thread(partial(setvar, self._require(), state, name, value)))

    async def close(self) -> None:
        self._connected = False
        await self.link.close()

    async def killpower(self) -> Sent:
        """mge-shut -k: read the UPS as at start, then the first of shutdown.return,
        shutdown.reboot, load.off.delay it takes (usbhid-ups's sequence)."""
        state = DeviceVars()
        await self._start(state)
        session = self._require()
        for name in HID_SNMP_ORDER:
            code = await self._in_thread(partial(instcmd, session, state, name, None))
            if code == ResultCode.SUCCESS:
                delays = f"ups.delay.shutdown {state.get('ups.delay.shutdown')}"
                if name == "shutdown.return":
                    delays += f", ups.delay.start {state.get('ups.delay.start')}"
                return Sent(name, delays)
            log.info("driver.killpower_refused", command=name, code=code)
        raise KillPowerFailed(f"the UPS took none of {', '.join(HID_SNMP_ORDER)}")

    # -- helpers -----------------------------------------------------------------

    def _require(self) -> HidSession:
        if self._session is None:
            raise DriverIOError(f"{self.device.name}: the UPS was never read")
        return self._session

    async def _guard(self, fn: Callable[[], Awaitable[T]]) -> T:
        """Run link code; a lost link marks the UPS disconnected."""
        try:
            return await fn()
        except ShutError as exc:
            self._lost(exc)
            raise

    async def _in_thread(self, fn: Callable[[], T]) -> T:
        """Run session code in a worker thread; a lost link marks the UPS disconnected."""
        try:
            return await trio.to_thread.run_sync(fn)
        except ShutError as exc:
            self._lost(exc)
            raise

    def _lost(self, error: ShutError) -> None:
        """The link failed: reconnect next time; say why once until a poll succeeds."""
        self._connected = False
        if not self._failure_logged:
            self._failure_logged = True
            log.warning("driver.shut_failed", error=str(error))

    async def _start(self, state: DeviceVars) -> None:
        """libshut_open with its callback, then upsdrv_initups/initinfo."""
        await self._guard(self.link.open)
        self._connected = True
        info, raw = await self._guard(self._identify)
        desc = parse_descriptor(raw)
        for warning in desc.warnings:
            log.warning("driver.hid_descriptor", problem=warning)
        session = HidSession(desc, MGE, info, _Reports(self.link), self.options.session,
                             MGE.settings)
        session.pause = time.sleep
        self._session = session
        await self._in_thread(partial(session.start, state, trio.current_time()))
        log.info("driver.shut_opened", port=self.device.port, model=state.get("ups.model"))

    async def _identify(self) -> tuple[DeviceInfo, bytes]:
        link = self.link
        dev = DeviceDescriptor.parse(await link.device_descriptor())
        if dev is None:
            raise ShutError("DEVICE descriptor too short")
        vendor = "Eaton"
        if dev.manufacturer_index:
            vendor = await link.get_string(dev.manufacturer_index, _NAME_SIZE) or vendor
        product = serial = None
        if dev.product_index:
            product = await link.get_string(dev.product_index, _NAME_SIZE)
        if dev.serial_index:
            serial = await link.get_string(dev.serial_index, _SERIAL_SIZE)
        index = 1 if (dev.vendor_id, dev.release) == (_EATON, _FULL_DESCRIPTOR_RELEASE) else 0
        hid = await link.get_descriptor(DESCRIPTOR_HID, index, 9)
        if len(hid) < 9:
            raise ShutError("HID descriptor too short")
        length = int.from_bytes(hid[7:9], "little")
        raw = await link.get_descriptor(DESCRIPTOR_REPORT, index, length)
        if len(raw) != length:
            raise ShutError(f"Report descriptor too short (expected {length}, got {len(raw)})")
        info = DeviceInfo(vendor_id=dev.vendor_id, product_id=dev.product_id, vendor=vendor,
                          product=product or "unknown", serial=serial or "unknown",
                          bus="serial", release=dev.release)
        return info, raw
