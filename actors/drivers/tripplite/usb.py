"""tripplite_usb's USB link: finding the unit, and one message out and its reply back.

How it works (NUT 2.8.0's tripplite_usb on libusb-1.0, checked on the USB lab):

* ``open``: the USB devices NUT's table takes (Tripp Lite 09ae:0001; any other
  09ae product only with the ``productid`` option) whose strings and numbers
  pass the ups.conf matchers (vendorid, productid, vendor, product, serial,
  bus, device: regexes on the whole value, case-insensitive); the first one
  that can be claimed (interface 0, the usbhid kernel driver detached) wins.
  After that only the same unit (ids and strings as first seen) is taken
  again, as NUT's exact matcher does on reconnect. A unit the system does not
  let nutrio open is passed over; when nothing else matched, the error says
  which device was refused and how to fix the permissions.
* ``command``: the framed message as a HID SET_REPORT (0x21 0x09 0x0300),
  100 ms, then up to ten 8-byte interrupt reads on 0x81 (1 s each) for the
  reply that echoes the command letter; ten sends in all, as NUT. A SET_REPORT
  the unit stalls gives up at once (NUT's send_cmd does too). No accepted
  reply: None. A read that times out, stalls (the halt is cleared) or
  overflows is one failed read; any other USB error means the unit is gone:
  it is released and :class:`DriverIOError` raised, and the next ``open``
  looks for it again (at whatever device number it came back).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

import structlog
import trio
import usb.core  # type: ignore[import-untyped]
import usb.util  # type: ignore[import-untyped]

from nutrio.actors.drivers.errors import DriverConfigError, DriverIOError
from nutrio.actors.drivers.usbbackend import (
    detach_kernel_driver,
    pyusb_backend,
    release_device,
)
from nutrio.protocol.common.cnum import c_atoi
from nutrio.protocol.devices.tripplite import usbframe

__all__ = ["MATCH_OPTIONS", "TRIPPLITE_VENDOR", "UsbSeen", "UsbTiming", "UsbTripp"]

log = structlog.get_logger()

T = TypeVar("T")

TRIPPLITE_VENDOR = 0x09AE
TRIPPLITE_PRODUCT = 0x0001
#: ups.conf options that pick the unit (NUT's regex matcher, in its order)
MATCH_OPTIONS = ("vendorid", "productid", "vendor", "product", "serial", "bus", "device")
_ENDPOINT = 0x81
_SEND_TRIES = 10
_READ_TRIES = 10
_CONTROL_TIMEOUT_MS = 5000
#: libusb errors that only spoil one read (timeout, pipe, overflow); the others: the unit is gone
_READ_ERRORS = frozenset({-7, -8, -9})
_PIPE, _ACCESS, _BUSY = -9, -3, -6


@dataclass(frozen=True, slots=True)
class UsbTiming:
    """tripplite_usb's waits, in seconds (tests shrink them)."""

    #: after each SET_REPORT, before the first read (NUT: 100 ms)
    send_wait: float = 0.1
    #: each interrupt read (RECV_WAIT_MSEC)
    read: float = 1.0
    #: between the delay and the shutdown message of shutdown.return and -k
    shutdown_pause: float = 2.0


@dataclass(frozen=True, slots=True)
class UsbSeen:
    """The unit as found: ids, strings, and where it sits."""

    vendor_id: int
    product_id: int
    vendor: str | None
    product: str | None
    serial: str | None
    bus: str
    device: str

    def same_unit(self, other: UsbSeen) -> bool:
        return (self.vendor_id, self.product_id, self.vendor, self.product, self.serial) == (
            other.vendor_id, other.product_id, other.vendor, other.product, other.serial)


def matchers(options: Mapping[str, str], name: str) -> dict[str, re.Pattern[str]]:
    """The ups.conf matchers, compiled; a bad one fails at start, as NUT."""
    found = {}
    for key in MATCH_OPTIONS:
        if key in options:
            try:
                found[key] = re.compile(options[key], re.IGNORECASE)
            except re.error as exc:
                raise DriverConfigError(
                    f"{name}: invalid regular expression: {options[key]}") from exc
    return found


class UsbTripp:
    """The USB side of one unit (see the module comment); pyusb runs in worker threads."""

    def __init__(self, options: Mapping[str, str], name: str, timing: UsbTiming,
                 backend: Any = None) -> None:
        self.t = timing
        self.backend = backend
        self.match = matchers(options, name)
        self.any_product = "productid" in options
        self.altsetting = options.get("usb_set_altinterface")
        self.dev: Any = None
        self.seen: UsbSeen | None = None

    @property
    def is_open(self) -> bool:
        return self.dev is not None

    async def open(self) -> UsbSeen:
        return await self._run(self._open_sync)

    async def close(self) -> None:
        await trio.to_thread.run_sync(self._close_sync)

    async def command(self, message: bytes) -> bytes | None:
        """Send ``message``; its accepted reply, or None (see the module comment)."""
        report = usbframe.frame(message)
        for _ in range(_SEND_TRIES):
            if not await self._run(partial(self._send_sync, report)):
                return None
            await trio.sleep(self.t.send_wait)
            for _ in range(_READ_TRIES):
                reply = await self._run(self._read_sync)
                if reply is not None and usbframe.accepts(report, reply):
                    return reply
        return None

    async def _run(self, fn: Callable[[], T]) -> T:
        return await trio.to_thread.run_sync(partial(self._guard, fn))

    # -- blocking side ---------------------------------------------------------------

    def _guard(self, fn: Callable[[], T]) -> T:
        try:
            return fn()
        except usb.core.USBError as exc:
            self._close_sync()
            raise DriverIOError(f"USB error: {exc}") from exc

    def _send_sync(self, report: bytes) -> bool:
        if self.dev is None:
            raise DriverIOError("the UPS is not connected")
        try:
            self.dev.ctrl_transfer(0x21, 0x09, 0x0300, 0, report, _CONTROL_TIMEOUT_MS)
        except usb.core.USBError as exc:
            if exc.backend_error_code != _PIPE:
                raise
            log.debug("driver.usb_send_stalled", report=report.hex())
            return False
        return True

    def _read_sync(self) -> bytes | None:
        try:
            data = bytes(self.dev.read(_ENDPOINT, usbframe.FRAME_SIZE, max(1, int(self.t.read * 1000))))
        except usb.core.USBError as exc:
            if exc.backend_error_code not in _READ_ERRORS:
                raise
            if exc.backend_error_code == _PIPE:
                self.dev.clear_halt(_ENDPOINT)
            return None
        return data.ljust(usbframe.FRAME_SIZE, b"\0")

    def _open_sync(self) -> UsbSeen:
        denied = []
        for dev in usb.core.find(find_all=True, backend=self.backend or pyusb_backend()) or []:
            if not self._takes(dev):
                continue
            try:
                seen = self._describe(dev)
                if not self._matches(seen) or not self._claim(dev):
                    usb.util.dispose_resources(dev)
                    continue
            except usb.core.USBError as exc:
                usb.util.dispose_resources(dev)
                if exc.backend_error_code != _ACCESS:
                    raise
                denied.append(f"{dev.idVendor:04x}:{dev.idProduct:04x} on bus {dev.bus:03d} "
                              f"device {dev.address:03d}")
                continue
            self.dev, self.seen = dev, seen
            return seen
        if denied:
            raise DriverIOError(
                f"USB device {', '.join(denied)}: access denied (insufficient permissions); "
                "install nutrio's udev rules (nutrio install-service) or run as a user who may "
                "open it")
        raise DriverIOError("No matching USB/HID UPS found")

    def _takes(self, dev: Any) -> bool:
        """NUT's id table: 09ae:0001, or another Tripp Lite product when productid is set."""
        if dev.idVendor != TRIPPLITE_VENDOR:
            return False
        return dev.idProduct == TRIPPLITE_PRODUCT or self.any_product

    def _describe(self, dev: Any) -> UsbSeen:
        def text(index: int) -> str | None:
            if not index:
                return None
            try:
                value: str | None = usb.util.get_string(dev, index)
                return value
            except usb.core.USBError as exc:
                if exc.backend_error_code == _ACCESS:
                    raise
                return None
            except ValueError:
                return None

        return UsbSeen(vendor_id=dev.idVendor, product_id=dev.idProduct,
                       vendor=text(dev.iManufacturer), product=text(dev.iProduct),
                       serial=text(dev.iSerialNumber), bus=f"{dev.bus or 0:03d}",
                       device=f"{dev.address or 0:03d}")

    def _matches(self, seen: UsbSeen) -> bool:
        values = {"vendorid": f"{seen.vendor_id:04x}", "productid": f"{seen.product_id:04x}",
                  "vendor": seen.vendor, "product": seen.product, "serial": seen.serial,
                  "bus": seen.bus, "device": seen.device}
        for key, pattern in self.match.items():
            if pattern.fullmatch((values[key] or "").strip(" \t\n")) is None:
                return False
        return self.seen is None or self.seen.same_unit(seen)

    def _claim(self, dev: Any) -> bool:
        """Interface 0, from the usbhid kernel driver if it holds it; False when another
        program has it."""
        detach_kernel_driver(dev)
        try:
            usb.util.claim_interface(dev, 0)
        except usb.core.USBError as exc:
            if exc.backend_error_code != _BUSY:
                raise
            log.info("driver.usb_busy", bus=dev.bus, address=dev.address)
            return False
        if self.altsetting is not None:
            dev.set_interface_altsetting(0, c_atoi(self.altsetting))
        return True

    def _close_sync(self) -> None:
        dev, self.dev = self.dev, None
        if dev is not None:
            release_device(dev)
