"""usbhid-ups: USB HID Power Device Class UPSes on pyusb, as NUT 2.8.0's usbhid-ups (0.47).

How it works: ``open`` finds the first USB device that passes the ups.conf
matchers (vendorid, productid, vendor, product, serial, bus, device: regexes
on the whole value, case-insensitive, as NUT) and that a subdriver claims
(APC, CyberPower, Eaton/MGE), reads its HID report descriptor and hands
everything to :class:`protocol.devices.hid.HidSession`, which walks the table once.
``poll`` reads the interrupt pipe first (unless ``pollonly``), then lets the
session do a quick or a full walk (``pollfreq``). Blocking pyusb calls run in
a worker thread. Read timeouts and stalls only skip a report; any other
``usb.core.USBError`` closes the device and raises :class:`DriverIOError`
(the framework marks the data stale); the next polls look for the same
device again (vendor, product, serial as first seen) and carry on where it
left off when it is back.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, ClassVar, TypeVar

import structlog
import trio
import usb.core  # type: ignore[import-untyped]
import usb.util  # type: ignore[import-untyped]

from nutrio.actors.drivers.base import (
    DEFAULT_POLLINTERVAL,
    HID_SNMP_ORDER,
    DeviceLike,
    PollResult,
    Sent,
)
from nutrio.actors.drivers.errors import DriverConfigError, DriverIOError, KillPowerFailed
from nutrio.actors.drivers.usbbackend import pyusb_backend
from nutrio.protocol.common.state import ResultCode
from nutrio.protocol.devices.dummy.devfile import DeviceVars
from nutrio.protocol.devices.hid import (
    EXPLORE,
    DeviceInfo,
    HidSession,
    ReportUnavailable,
    SessionOptions,
    parse_descriptor,
    path_to_string,
    select_subdriver,
)
from nutrio.protocol.devices.hid.descriptor import hid_descriptor_length

__all__ = ["MATCH_OPTIONS", "UsbHid"]

log = structlog.get_logger()

T = TypeVar("T")
RunSync = Callable[[Callable[[], T]], Awaitable[T]]

#: ups.conf options that select the device (NUT's regex matcher)
MATCH_OPTIONS = ("vendorid", "productid", "vendor", "product", "serial", "bus", "device")
#: libusb errors after which NUT reconnects; the others (timeout, pipe, overflow) skip a report
_SKIP_ERRORS = frozenset({-7, -8, -9})
_USB_TIMEOUT_MS = 5000
_INTERRUPT_TIMEOUT_MS = 250


async def _in_thread(fn: Callable[[], T]) -> T:
    return await trio.to_thread.run_sync(fn)


@dataclass(frozen=True, slots=True)
class _Found:
    dev: Any
    info: DeviceInfo


class _Transport:
    """The session's ReportIO on one open pyusb device (blocking)."""

    def __init__(self, dev: Any) -> None:
        self.dev = dev

    def get_report(self, report_id: int, length: int) -> bytes:
        try:
            data = bytes(self.dev.ctrl_transfer(0xA1, 0x01, 0x0300 | report_id, 0, length,
                                                _USB_TIMEOUT_MS))
        except usb.core.USBError as exc:
            if exc.backend_error_code in _SKIP_ERRORS:
                raise ReportUnavailable(report_id) from exc
            raise
        return data if report_id else b"\0" + data  # no report ids: keep byte 0 for the id

    def set_report(self, report_id: int, data: bytes) -> None:
        payload = data if report_id else data[1:]
        self.dev.ctrl_transfer(0x21, 0x09, 0x0300 | report_id, 0, payload, _USB_TIMEOUT_MS)

    def string(self, index: int) -> str:
        try:
            return usb.util.get_string(self.dev, index) or ""
        except (usb.core.USBError, ValueError) as exc:
            if isinstance(exc, usb.core.USBError) and exc.backend_error_code not in _SKIP_ERRORS:
                raise
            return ""


class UsbHid:
    """The usbhid-ups driver (see the module comment)."""

    name = "usbhid-ups"
    version_internal = "0.47"
    flags: ClassVar[frozenset[str]] = frozenset(
        {"pollonly", "onlinedischarge", "interruptonly", "explore", "maxreport",
         "disable_fix_report_desc"}
    )

    def __init__(self, device: DeviceLike, *, backend: Any = None,
                 run_sync: RunSync[Any] | None = None) -> None:
        self.device = device
        self.backend = backend
        self._run: RunSync[Any] = run_sync or _in_thread
        opts = device.options
        self._matchers: dict[str, re.Pattern[str]] = {}
        for key in MATCH_OPTIONS:
            if key in opts:
                try:
                    self._matchers[key] = re.compile(opts[key], re.IGNORECASE)
                except re.error as exc:
                    raise DriverConfigError(f"{device.name}: invalid regular expression: {opts[key]}") from exc
        self._interrupt_size = self._int_option("interruptsize", None)
        self.options = SessionOptions(
            pollinterval=device.pollinterval or DEFAULT_POLLINTERVAL,
            pollfreq=self._int_option("pollfreq", None),
            onlinedischarge=self._flag("onlinedischarge"),
            lowbatt=opts.get("lowbatt"), ondelay=opts.get("ondelay"), offdelay=opts.get("offdelay"),
            interrupt_only=self._flag("interruptonly"),
            disable_fix_report_desc=self._flag("disable_fix_report_desc"),
        )
        self._pollonly = self._flag("pollonly")
        self._explore = self._flag("explore")
        if self._explore and "vendorid" not in opts:
            raise DriverConfigError(f'{device.name}: must specify "vendorid" when using "explore"')
        self._session: HidSession | None = None
        self._dev: Any = None
        self._endpoint: int | None = None
        self._known: DeviceInfo | None = None  # the exact matcher after the first open

    def _flag(self, key: str) -> bool:
        value = self.device.options.get(key)
        return value is not None and value.lower() not in ("false", "no", "off", "0")

    def _int_option(self, key: str, default: int | None) -> int | None:
        value = self.device.options.get(key)
        if value is None:
            return default
        try:
            number = int(value)
        except ValueError:
            number = 0
        if number <= 0:
            raise DriverConfigError(f"{self.device.name}: invalid {key}: {value}")
        return number

    # -- the Driver protocol -------------------------------------------------

    async def open(self, state: DeviceVars) -> None:
        now = trio.current_time()
        await self._run(lambda: self._open_sync(state, now))
        log.info("driver.usb_opened", vendor=self._known and f"{self._known.vendor_id:04x}",
                 subdriver=self._session and self._session.subdriver.name)
        await self.poll(state)  # main.c updates once right after initinfo

    async def poll(self, state: DeviceVars) -> PollResult:
        now = trio.current_time()
        await self._run(lambda: self._poll_sync(state, now))
        return PollResult()

    async def instcmd(self, state: DeviceVars, name: str, value: str | None) -> str:
        session = self._session
        if session is None or self._dev is None:
            return ResultCode.FAILED
        return str(await self._run(lambda: self._guard(lambda: session.instcmd(state, name, value))))

    async def set_var(self, state: DeviceVars, name: str, value: str) -> str:
        session = self._session
        if session is None or self._dev is None:
            return ResultCode.FAILED
        return str(await self._run(lambda: self._guard(lambda: session.setvar(state, name, value))))

    async def close(self) -> None:
        await self._run(self._close_sync)

    async def killpower(self) -> Sent:
        """usbhid-ups -k: find and read the UPS as at start (ondelay/offdelay taken),
        then the first of shutdown.return, shutdown.reboot, load.off.delay it takes."""
        state = DeviceVars()
        now = trio.current_time()
        await self._run(lambda: self._open_sync(state, now))
        session = self._session
        assert session is not None
        for name in HID_SNMP_ORDER:
            code = await self._run(partial(self._guard, partial(session.instcmd, state, name)))
            if code == ResultCode.SUCCESS:
                delays = f"ups.delay.shutdown {state.get('ups.delay.shutdown')}"
                if name == "shutdown.return":
                    delays += f", ups.delay.start {state.get('ups.delay.start')}"
                return Sent(name, delays)
            log.info("driver.killpower_refused", command=name, code=code)
        tried = ", ".join(HID_SNMP_ORDER)
        raise KillPowerFailed(f"the UPS took none of {tried} (Shutdown failed!)")

    # -- blocking side -------------------------------------------------------

    def _guard(self, fn: Callable[[], T]) -> T:
        """Run device I/O; a USB error closes the device and becomes DriverIOError."""
        try:
            return fn()
        except usb.core.USBError as exc:
            self._close_sync()
            raise DriverIOError(f"USB error: {exc}") from exc

    def _open_sync(self, state: DeviceVars, now: float) -> None:
        found = self._guard(self._find)
        if found is None:
            raise DriverIOError("No matching HID UPS found")
        self._guard(lambda: self._attach(found, state, now, first=True))

    def _poll_sync(self, state: DeviceVars, now: float) -> None:
        if self._dev is None:
            found = self._guard(self._find)
            if found is None:
                raise DriverIOError("the UPS is not connected (still looking for it)")
            self._guard(lambda: self._attach(found, state, now, first=False))
            log.info("driver.usb_reconnected")
        session = self._session
        assert session is not None
        self._guard(lambda: session.update(state, now, self._read_events()))

    def _read_events(self) -> list[bytes]:
        """HIDGetEvents: at most one interrupt report per poll, none on a timeout."""
        if self._pollonly or self._endpoint is None:
            return []
        size = self._interrupt_size or 64
        try:
            data = bytes(self._dev.read(self._endpoint, size, _INTERRUPT_TIMEOUT_MS))
        except usb.core.USBError as exc:
            if exc.backend_error_code in _SKIP_ERRORS:
                return []
            raise
        return [data] if data else []

    def _candidates(self) -> list[Any]:
        backend = self.backend or pyusb_backend()
        return list(usb.core.find(find_all=True, backend=backend) or [])

    def _describe(self, dev: Any) -> DeviceInfo:
        def text(index: int) -> str | None:
            if not index:
                return None
            try:
                value: str | None = usb.util.get_string(dev, index)
                return value
            except (usb.core.USBError, ValueError):
                return None  # NUT goes on with "unknown"

        return DeviceInfo(
            vendor_id=dev.idVendor, product_id=dev.idProduct, vendor=text(dev.iManufacturer),
            product=text(dev.iProduct), serial=text(dev.iSerialNumber),
            bus=f"{dev.bus or 0:03d}", device=f"{dev.address or 0:03d}", release=dev.bcdDevice,
        )

    def _matches(self, info: DeviceInfo) -> bool:
        values = {"vendorid": f"{info.vendor_id:04x}", "productid": f"{info.product_id:04x}",
                  "vendor": info.vendor, "product": info.product, "serial": info.serial,
                  "bus": info.bus, "device": info.device}
        for key, pattern in self._matchers.items():
            if pattern.fullmatch((values[key] or "").strip()) is None:
                return False
        known = self._known
        if known is not None:  # after the first open: the same unit only (USBNewExactMatcher)
            same = (known.vendor_id, known.product_id, known.vendor, known.product, known.serial)
            if same != (info.vendor_id, info.product_id, info.vendor, info.product, info.serial):
                return False
        return True

    def _find(self) -> _Found | None:
        for dev in self._candidates():
            if self._known is None and not self._explore and select_subdriver(
                DeviceInfo(vendor_id=dev.idVendor, product_id=dev.idProduct),
                productid_given="productid" in self.device.options,
            ) is None:
                continue
            info = self._describe(dev)
            if self._matches(info):
                return _Found(dev, info)
        return None

    def _attach(self, found: _Found, state: DeviceVars, now: float, *, first: bool) -> None:
        dev, info = found.dev, found.info
        try:
            if dev.is_kernel_driver_active(0):
                dev.detach_kernel_driver(0)
        except (NotImplementedError, usb.core.USBError):
            pass
        usb.util.claim_interface(dev, 0)
        intf = dev.get_active_configuration()[(0, 0)]
        hid = bytes(intf.extra_descriptors[:9])
        if len(hid) < 9 or hid[1] != 0x21:
            hid = bytes(dev.ctrl_transfer(0x81, 0x06, 0x2100, 0, 9, _USB_TIMEOUT_MS))
        length = hid_descriptor_length(hid)
        raw = bytes(dev.ctrl_transfer(0x81, 0x06, 0x2200, 0, length, _USB_TIMEOUT_MS))
        ep = usb.util.find_descriptor(
            intf, custom_match=lambda e: usb.util.endpoint_direction(e.bEndpointAddress)
            == usb.util.ENDPOINT_IN,
        )
        self._endpoint = None if ep is None else ep.bEndpointAddress
        self._dev = dev
        old = self._session
        if not first and old is not None and old.descriptor.raw == raw:
            old.io = _Transport(dev)
            old.restart(state, now)
            return
        sub = EXPLORE if self._explore else select_subdriver(
            info, productid_given="productid" in self.device.options
        )
        if sub is None:
            raise DriverIOError("Manufacturer not supported")
        desc = parse_descriptor(raw)
        for warning in desc.warnings:
            log.warning("driver.hid_descriptor", problem=warning)
        if (info.vendor_id, info.product_id) in sub.pollonly_products and not self._pollonly:
            log.info("driver.interrupt_pipe_disabled", reason="proprietary on this model")
            self._pollonly = True
        self._session = HidSession(desc, sub, info, _Transport(dev), self.options)
        self._known = info
        state.set("driver.version.usb", f"pyusb {usb.__version__}")
        self._session.start(state, now)
        if self._explore:
            self._dump_tree(now)

    def _dump_tree(self, now: float) -> None:
        """HIDDumpTree: every HID path of the device with its value, for a new subdriver."""
        session = self._session
        assert session is not None
        for field in session.descriptor.fields:
            value = session.read(field, self.options.pollinterval, now)
            log.info("driver.hid_path", path=path_to_string(field.path, session.subdriver.usages),
                     type=field.kind.name.title(), report_id=f"0x{field.report_id:02x}",
                     offset=field.offset, size=field.size, value=value)

    def _close_sync(self) -> None:
        dev, self._dev = self._dev, None
        if dev is None:
            return
        try:
            usb.util.release_interface(dev, 0)
        except (usb.core.USBError, ValueError):
            pass
        usb.util.dispose_resources(dev)
