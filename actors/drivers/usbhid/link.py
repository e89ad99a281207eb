"""usbhid-ups's USB side on pyusb (NUT 2.8.0 libusb1.c), blocking: find, open, read.

How a device is found (nut_libusb_open): every device on the buses whose vendor a
subdriver knows is opened and its strings read (three tries each); one that may
not be opened (LIBUSB_ERROR_ACCESS) is remembered and skipped. The first device
that passes the ups.conf matchers and that a subdriver claims (or the one the
``subdriver`` option names) is taken: its HID interface (0 unless the subdriver
says) is claimed and its report descriptor read, its length taken from the HID
descriptor among the interface's extra bytes, else from GET_DESCRIPTOR(HID).
Report transfers then go to that interface, interrupt reads to endpoint 0x80 +
the subdriver's (1 by default) in 512-byte reads unless ``interruptsize`` says.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import usb.core  # type: ignore[import-untyped]
import usb.util  # type: ignore[import-untyped]

from nutrio.actors.drivers.errors import DriverError
from nutrio.actors.drivers.usbbackend import detach_kernel_driver
from nutrio.actors.drivers.usbhid.options import UsbHidOptions
from nutrio.protocol.devices.hid import (
    SUBDRIVERS,
    Claim,
    ClaimContext,
    DeviceInfo,
    ReportUnavailable,
    Subdriver,
    claim_subdriver,
)
from nutrio.protocol.devices.hid.descriptor import hid_descriptor_length

__all__ = [
    "ACCESS",
    "Found",
    "Link",
    "UsbAccessDenied",
    "find_device",
    "is_lost",
    "usb_code",
]

#: libusb error codes (pyusb keeps them as backend_error_code)
ACCESS, NO_DEVICE, TIMEOUT, OVERFLOW, PIPE = -3, -4, -7, -8, -9
#: errors after which NUT reads on: the report (or event) is skipped
_SKIP = frozenset({TIMEOUT, OVERFLOW, PIPE})
USB_TIMEOUT_MS = 5000
#: HIDGetEvents' buffer (SMALLBUF)
INTERRUPT_SIZE = 512
_STRING_TRIES = 3


class UsbAccessDenied(DriverError):
    """The matching devices were there but might not be opened (LIBUSB_ERROR_ACCESS):
    one line naming them and the fix, no traceback (a DriverError)."""

    def __init__(self, denied: list[tuple[str, int, int]]) -> None:
        self.denied = tuple(denied)
        where = ", ".join(f"{name} ({vid:04x}:{pid:04x})" for name, vid, pid in denied)
        _, vid, pid = denied[0]
        super().__init__(
            f"no permission to open USB device {where}: add a udev rule such as "
            f'SUBSYSTEM=="usb", ATTR{{idVendor}}=="{vid:04x}", ATTR{{idProduct}}=="{pid:04x}", '
            'MODE="0660", GROUP="nut" and run nutrio as a member of that group'
        )


def usb_code(exc: BaseException) -> int | None:
    """libusb's error code of a pyusb error, None for anything else."""
    return getattr(exc, "backend_error_code", None) if isinstance(exc, usb.core.USBError) else None


def is_lost(exc: BaseException) -> bool:
    """Whether a USB error means the device is gone (NUT reconnects) rather than one
    transfer failing (NUT reads on)."""
    return usb_code(exc) not in _SKIP


def _ascii(text: str) -> str:
    """libusb_get_string_descriptor_ascii: what is not ASCII becomes '?'."""
    return "".join(c if ord(c) < 0x80 else "?" for c in text)


def _string(dev: Any, index: int, tries: int = 1) -> str | None:
    """A string descriptor, or None; ACCESS propagates, other errors count as absent."""
    for _ in range(tries):
        try:
            value = usb.util.get_string(dev, index)
        except usb.core.USBError as exc:
            if usb_code(exc) == ACCESS:
                raise
            continue
        except ValueError:  # pyusb hides why the language table could not be read
            _language_table(dev)
            return None
        if value:
            return _ascii(value)[:255]
    return None


def _language_table(dev: Any) -> bytes:
    """String descriptor 0; raises the USB error that kept it from being read (ACCESS when
    the device may not be opened)."""
    return bytes(dev.ctrl_transfer(0x80, 0x06, 0x0300, 0, 255, USB_TIMEOUT_MS))


class Transport:
    """The session's ReportIO on one open pyusb device (blocking)."""

    def __init__(self, dev: Any, interface: int) -> None:
        self.dev = dev
        self.interface = interface

    def get_report(self, report_id: int, length: int) -> bytes:
        """GET_REPORT (Feature); the answer as the device gives it (id first, if it has ids)."""
        try:
            return bytes(self.dev.ctrl_transfer(0xA1, 0x01, 0x0300 | report_id, self.interface,
                                                length, USB_TIMEOUT_MS))
        except usb.core.USBError as exc:
            if is_lost(exc):
                raise
            raise ReportUnavailable(report_id) from exc

    def set_report(self, report_id: int, data: bytes) -> None:
        """SET_REPORT (Feature) of the whole buffer, byte 0 included, as NUT sends it."""
        self.dev.ctrl_transfer(0x21, 0x09, 0x0300 | report_id, self.interface, data,
                               USB_TIMEOUT_MS)

    def string(self, index: int) -> str:
        try:
            return _string(self.dev, index) or ""
        except usb.core.USBError as exc:
            if is_lost(exc):
                raise
            return ""


@dataclass(frozen=True, slots=True)
class Found:
    """A device that matched, with the subdriver that takes it."""

    dev: Any
    info: DeviceInfo
    subdriver: Subdriver
    claim: Claim


def _info(dev: Any) -> DeviceInfo:
    """USBDevice_t of ``dev``: its ids, strings, bus, address and port."""
    port = getattr(dev, "port_number", None)
    return DeviceInfo(
        vendor_id=dev.idVendor, product_id=dev.idProduct,
        vendor=_string(dev, dev.iManufacturer, _STRING_TRIES) if dev.iManufacturer else None,
        product=_string(dev, dev.iProduct, _STRING_TRIES) if dev.iProduct else None,
        serial=_string(dev, dev.iSerialNumber, _STRING_TRIES) if dev.iSerialNumber else None,
        bus=f"{dev.bus or 0:03d}", device=f"{dev.address or 0:03d}",
        busport=f"{port:03d}" if port else None, release=dev.bcdDevice,
    )


def _matches(info: DeviceInfo, options: UsbHidOptions, known: DeviceInfo | None) -> bool:
    """The regex matcher, then (after the first open) the exact one: the same unit on the
    same bus, whatever its device number (NUT 2.8.0 leaves the device number out)."""
    values = {"vendorid": f"{info.vendor_id:04x}", "productid": f"{info.product_id:04x}",
              "vendor": info.vendor, "product": info.product, "serial": info.serial,
              "bus": info.bus, "device": info.device, "busport": info.busport}
    for key, pattern in options.matchers.items():
        if pattern.fullmatch((values[key] or "").strip(" \t\n")) is None:
            return False
    if known is None:
        return True
    same = (known.vendor_id, known.product_id, known.vendor, known.product, known.serial,
            known.bus)
    return same == (info.vendor_id, info.product_id, info.vendor, info.product, info.serial,
                    info.bus)


def _known_vendor(dev: Any, options: UsbHidOptions) -> bool:
    """Worth opening: a subdriver knows its vendor (nutrio leaves other devices alone)."""
    if options.explore or options.subdriver is not None:
        return True
    return any(row.vendor_id == dev.idVendor for sub in SUBDRIVERS for row in sub.ids)


def _take(info: DeviceInfo, options: UsbHidOptions) -> tuple[Subdriver, Claim] | None:
    if options.subdriver is not None:  # NUT 2.8.1: named, claimed without asking
        return options.subdriver, Claim()
    return claim_subdriver(info, ClaimContext(options.productid_given, options.explore))


def find_device(candidates: list[Any], options: UsbHidOptions,
                known: DeviceInfo | None) -> Found | None:
    """The first device that matches and is claimed (see the module comment).

    Raises:
        UsbAccessDenied: nothing matched and some device might not be opened.
    """
    denied: list[tuple[str, int, int]] = []
    for dev in candidates:
        if not _known_vendor(dev, options):
            continue
        try:
            info = _info(dev)
        except usb.core.USBError as exc:
            if usb_code(exc) == ACCESS:
                denied.append((f"{dev.bus or 0:03d}:{dev.address or 0:03d}", dev.idVendor,
                               dev.idProduct))
                continue
            raise
        if not _matches(info, options, known):
            continue
        taken = _take(info, options)
        if taken is not None:
            return Found(dev, info, *taken)
    if denied:
        raise UsbAccessDenied(denied)
    return None


class Link:
    """One opened device: its interface claimed, its report descriptor read."""

    def __init__(self, found: Found, options: UsbHidOptions) -> None:
        settings = found.claim.settings
        self.dev = found.dev
        self.interface = _setting(settings, "interface", 0)
        self.endpoint = 0x80 | _setting(settings, "ep_in", 1)
        self.interrupt_size = options.interrupt_size or _setting(
            settings, "interrupt_size", INTERRUPT_SIZE)
        self.transport = Transport(self.dev, self.interface)

    def claim(self) -> None:
        detach_kernel_driver(self.dev, self.interface)
        usb.util.claim_interface(self.dev, self.interface)

    def report_descriptor(self, release: int, vendor_id: int) -> bytes:
        """The report descriptor; its length from the interface's HID descriptor (MGE units
        with bcdDevice 0x0202 keep it at descriptor index 1 and are asked directly)."""
        dev, number = self.dev, self.interface
        index = 1 if (vendor_id, release) == (0x0463, 0x0202) else 0
        asked = bytes(dev.ctrl_transfer(0x81, 0x06, 0x2100 + index, number, 9, USB_TIMEOUT_MS))
        extra = b""
        try:
            extra = bytes(dev.get_active_configuration()[(number, 0)].extra_descriptors)
        except (usb.core.USBError, KeyError, IndexError):
            pass
        length = _extra_length(extra)
        if length is None or index == 1:
            length = hid_descriptor_length(asked)
        return bytes(dev.ctrl_transfer(0x81, 0x06, 0x2200 + index, number, length,
                                       USB_TIMEOUT_MS))

    def read_interrupt(self, timeout_ms: int) -> bytes:
        """One interrupt report, b"" when none came; a halted endpoint is cleared (NUT's
        libusb_clear_halt) and reads on; losing the device raises."""
        try:
            return bytes(self.dev.read(self.endpoint, self.interrupt_size, timeout_ms))
        except usb.core.USBError as exc:
            if usb_code(exc) == PIPE:
                self.dev.clear_halt(self.endpoint)
                return b""
            if is_lost(exc):
                raise
            return b""

    def close(self) -> None:
        try:
            usb.util.release_interface(self.dev, self.interface)
        except (usb.core.USBError, ValueError):
            pass
        usb.util.dispose_resources(self.dev)


def _setting(settings: Mapping[str, object], key: str, default: int) -> int:
    value = settings.get(key, default)
    return value if isinstance(value, int) else default


def _extra_length(extra: bytes) -> int | None:
    """wDescriptorLength of the HID descriptor among an interface's extra bytes."""
    i = 0
    while i + 1 < len(extra) and extra[i] > 0:
        if extra[i] >= 9 and extra[i + 1] == 0x21 and i + 9 <= len(extra):
            return hid_descriptor_length(extra[i:i + 9])
        i += extra[i]
    return None
