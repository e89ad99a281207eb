"""libusb's calls as NUT 2.8.0's USB drivers make them, on a pyusb device (blocking).

:class:`UsbHandle` wraps one opened pyusb device with the handful of calls the
Megatec/Q1 bridges use (drivers/usb-common.h maps NUT's libusb-0.1 style names
onto these): control transfers, interrupt transfers, clear-halt, reset, and the
two string descriptor reads, ``usb_get_string`` (the raw descriptor in the
language asked for) and ``usb_get_string_simple`` (libusb's ASCII reading: the
language table first, then the string in the first language, each asking for
255 bytes). A libusb error becomes :class:`UsbFailure` carrying libusb's code,
so the bridges can react to it as NUT's code does (a timeout that ends a reply,
a stall that wants its halt cleared ...).

:class:`UsbIdentity` is what NUT's libusb layer reads of a device before it
matches it (ids, the three strings, bus, device number, port).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import usb.core  # type: ignore[import-untyped]

from nutrio.actors.drivers.usbbackend import release_device

__all__ = [
    "ACCESS",
    "BUSY",
    "IO",
    "NOT_FOUND",
    "NO_DEVICE",
    "OVERFLOW",
    "PIPE",
    "TIMEOUT",
    "MatchRules",
    "UsbFailure",
    "UsbHandle",
    "UsbIdentity",
]

# libusb-1.0's error codes (libusb.h)
IO, ACCESS, NO_DEVICE, NOT_FOUND, BUSY, TIMEOUT, OVERFLOW, PIPE = -1, -3, -4, -5, -6, -7, -8, -9
_NAMES = {IO: "I/O error", ACCESS: "access denied", NO_DEVICE: "no such device",
          NOT_FOUND: "not found", BUSY: "resource busy", TIMEOUT: "timed out",
          OVERFLOW: "overflow", PIPE: "pipe error (stall)"}  # fmt: skip
#: libusb_get_string_descriptor's timeout (libusb.h), in ms
STRING_TIMEOUT = 1000
#: how many times NUT's libusb layer asks for each identity string (MAX_RETRY)
_STRING_TRIES = 3


class UsbFailure(Exception):
    """A libusb call failed; ``code`` is libusb's (negative) error number."""

    def __init__(self, code: int) -> None:
        super().__init__(f"{_NAMES.get(code, 'error')} ({code})")
        self.code = code


def _failure(exc: Exception) -> UsbFailure:
    if isinstance(exc, usb.core.USBError):
        return UsbFailure(exc.backend_error_code or IO)
    return UsbFailure(NOT_FOUND)  # pyusb's ValueError: no such endpoint on the device


class UsbHandle:
    """One opened device (pyusb opens it on the first call); every call may raise UsbFailure."""

    def __init__(self, dev: Any) -> None:
        self.dev = dev

    def control_out(self, request_type: int, request: int, value: int, index: int,
                    data: bytes, timeout_ms: int) -> int:
        try:
            return int(self.dev.ctrl_transfer(request_type, request, value, index, data,
                                              timeout_ms))
        except (usb.core.USBError, ValueError) as exc:
            raise _failure(exc) from exc

    def control_in(self, request_type: int, request: int, value: int, index: int,
                   length: int, timeout_ms: int) -> bytes:
        try:
            return bytes(self.dev.ctrl_transfer(request_type, request, value, index, length,
                                                timeout_ms))
        except (usb.core.USBError, ValueError) as exc:
            raise _failure(exc) from exc

    def interrupt_in(self, endpoint: int, length: int, timeout_ms: int) -> bytes:
        try:
            return bytes(self.dev.read(endpoint, length, timeout_ms))
        except (usb.core.USBError, ValueError) as exc:
            raise _failure(exc) from exc

    def interrupt_out(self, endpoint: int, data: bytes, timeout_ms: int) -> int:
        try:
            return int(self.dev.write(endpoint, data, timeout_ms))
        except (usb.core.USBError, ValueError) as exc:
            raise _failure(exc) from exc

    def clear_halt(self, endpoint: int) -> None:
        try:
            self.dev.clear_halt(endpoint)
        except (usb.core.USBError, ValueError) as exc:
            raise _failure(exc) from exc

    def reset(self) -> None:
        try:
            self.dev.reset()
        except (usb.core.USBError, ValueError) as exc:
            raise _failure(exc) from exc

    def string(self, index: int, langid: int, length: int) -> bytes:
        """usb_get_string: the raw string descriptor (length byte, type byte, UTF-16LE)."""
        return self.control_in(0x80, 0x06, 0x0300 | index, langid, length, STRING_TIMEOUT)

    def string_ascii(self, index: int, length: int) -> bytes:
        """usb_get_string_simple: the string in the device's first language, one byte per
        character ('?' for anything not ASCII), at most ``length - 1`` of them."""
        table = self.control_in(0x80, 0x06, 0x0300, 0, 255, STRING_TIMEOUT)
        if len(table) < 4:
            raise UsbFailure(IO)
        raw = self.control_in(0x80, 0x06, 0x0300 | index, table[2] | table[3] << 8, 255,
                              STRING_TIMEOUT)
        if len(raw) < 2 or raw[1] != 0x03 or raw[0] > len(raw):
            raise UsbFailure(IO)
        return ascii_of(raw, raw[0], length)

    def identity_string(self, index: int) -> str | None:
        """A string NUT reads for matching: None when the device has none or never says it.
        Access and a vanished device are not "no string": those raise."""
        if not index:
            return None
        for _ in range(_STRING_TRIES):
            try:
                text = self.string_ascii(index, 256)
            except UsbFailure as failure:
                if failure.code in (ACCESS, NO_DEVICE):
                    raise
                continue
            if text:
                return text.decode("latin-1")
        return None

    def close(self) -> None:
        try:
            release_device(self.dev)
        except (usb.core.USBError, ValueError):
            pass  # already gone: nothing left to release


def ascii_of(raw: bytes, size: int, length: int) -> bytes:
    """A string descriptor's text as NUT's and libusb's loops take it: from byte 2, one
    byte per UTF-16 unit up to ``size``, '?' for a unit beyond ASCII, ``length - 1`` at most."""
    out = bytearray()
    for si in range(2, size - 1, 2):
        if len(out) >= length - 1 or si + 1 >= len(raw):
            break
        low, high = raw[si], raw[si + 1]
        out.append(0x3F if high or low & 0x80 else low)
    return bytes(out)


@dataclass(frozen=True, slots=True)
class UsbIdentity:
    """What NUT's libusb layer knows of a device when it matches it."""

    vendor_id: int
    product_id: int
    vendor: str | None = None
    product: str | None = None
    serial: str | None = None
    bus: int = 0
    address: int = 0
    port: int = 0
    release: int = 0

    @property
    def name(self) -> str:
        """"001/004 (0665:5161)": bus, device number and ids, as a user finds them in lsusb."""
        return f"{self.bus:03d}/{self.address:03d} ({self.vendor_id:04x}:{self.product_id:04x})"

    def fields(self) -> dict[str, str | None]:
        """The values ups.conf's matching options are compared with."""
        return {"vendorid": f"{self.vendor_id:04x}", "productid": f"{self.product_id:04x}",
                "vendor": self.vendor, "product": self.product, "serial": self.serial,
                "bus": f"{self.bus:03d}", "device": f"{self.address:03d}",
                "busport": f"{self.port:03d}" if self.port else None}  # fmt: skip

    def same_unit(self, other: UsbIdentity) -> bool:
        """NUT's exact matcher for reopening: ids and the three strings, wherever it sits."""
        return (self.vendor_id, self.product_id, self.vendor, self.product, self.serial) == (
            other.vendor_id, other.product_id, other.vendor, other.product, other.serial)


#: ups.conf options that select the device by regular expression (NUT's USBNewRegexMatcher;
#: ``busport`` as NUT 2.8.1 added it)
MATCH_OPTIONS = ("vendorid", "productid", "vendor", "product", "serial", "bus", "device",
                 "busport")  # fmt: skip


class MatchRules:
    """The regular expressions of ups.conf, matched as NUT does: case-insensitive, on the
    whole value with blanks at either end removed; an absent value counts as ""."""

    def __init__(self, options: Mapping[str, str]) -> None:
        self.patterns: dict[str, re.Pattern[str]] = {}
        for key in MATCH_OPTIONS:
            if key in options:
                try:
                    self.patterns[key] = re.compile(options[key], re.IGNORECASE)
                except re.error as exc:
                    raise ValueError(f"Invalid regular expression: {options[key]}") from exc

    def fit(self, identity: UsbIdentity, keys: tuple[str, ...] = MATCH_OPTIONS) -> bool:
        values = identity.fields()
        for key, pattern in self.patterns.items():
            if key in keys and pattern.fullmatch((values[key] or "").strip(" \t\n")) is None:
                return False
        return True
