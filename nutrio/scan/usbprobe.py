"""Read-only probes that tell what sits behind a USB id two drivers claim.

Blocking pyusb calls (the scan runs them in a worker thread). Nothing here
changes the UPS: the HID probe reads the report descriptor (from sysfs when the
kernel's usbhid holds the interface, else with a GET_DESCRIPTOR request); the
Q1 probes ask the status query ``Q1`` and read the reply, the way NUT 2.8.0's
nutdrv_qx bridges carry it (drivers/nutdrv_qx.c): ``cypress`` writes the
command in 8-byte HID SET_REPORTs and reads 8-byte interrupt reports on 0x81
until a CR; ``krauler`` reads string descriptor 3, whose text is the reply with
its first character replaced. A kernel driver detached for the probe is
attached again afterwards.
"""

from __future__ import annotations

import contextlib
import glob
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import usb.core  # type: ignore[import-untyped]
import usb.util  # type: ignore[import-untyped]

__all__ = ["PROBED_BRIDGES", "hid_power_device", "q1_reply", "usage_pages"]

_HID_CLASS = 3
#: the Power Device and Battery System usage pages (HID PDC 1.0)
_POWER_PAGES = frozenset({0x84, 0x85})
_Q1_REPLY = re.compile(rb"\(\d[\d. ]{20,}\r?$")
_TIMEOUT_MS = 1000
#: the bridges a Q1 probe can speak through
PROBED_BRIDGES = frozenset({"cypress", "krauler"})


def hid_power_device(dev: Any) -> bool | None:
    """True: a HID interface whose report descriptor uses the Power Device or Battery
    System pages (a usbhid-ups device); False: none does; None: no HID interface
    could be read."""
    verdict: bool | None = None
    for number, length in _hid_interfaces(dev):
        descriptor = _sysfs_report_descriptor(dev, number) or _report_descriptor(dev, number,
                                                                                length)
        if descriptor is None:
            continue
        if _POWER_PAGES & usage_pages(descriptor):
            return True
        verdict = False
    return verdict


def usage_pages(descriptor: bytes) -> set[int]:
    """Every Usage Page a report descriptor names (its global items of tag 0)."""
    pages, at = set(), 0
    while at < len(descriptor):
        prefix = descriptor[at]
        if prefix == 0xFE:  # a long item: its size byte follows
            at += 3 + (descriptor[at + 1] if at + 1 < len(descriptor) else 0)
            continue
        size = (0, 1, 2, 4)[prefix & 0x03]
        if prefix & 0xFC == 0x04:
            pages.add(int.from_bytes(descriptor[at + 1:at + 1 + size], "little"))
        at += 1 + size
    return pages


def _hid_interfaces(dev: Any) -> list[tuple[int, int]]:
    """(interface number, report descriptor length) of each HID interface."""
    out = []
    for interface in dev.get_active_configuration():
        if interface.bInterfaceClass != _HID_CLASS or interface.bAlternateSetting:
            continue
        extra = bytes(interface.extra_descriptors or b"")
        # the HID descriptor: 09 21 ... 22 LL HH (report descriptor type and length)
        length = int.from_bytes(extra[7:9], "little") if len(extra) >= 9 else 0
        out.append((interface.bInterfaceNumber, length or 4096))
    return out


def _sysfs_report_descriptor(dev: Any, number: int) -> bytes | None:
    """What the kernel's usbhid read at enumeration, without a USB request."""
    ports = ".".join(str(p) for p in (dev.port_numbers or ()))
    if not ports:
        return None
    pattern = f"/sys/bus/usb/devices/{dev.bus}-{ports}:*.{number}/*/report_descriptor"
    for path in glob.glob(pattern):
        with contextlib.suppress(OSError):
            return Path(path).read_bytes()
    return None


def _report_descriptor(dev: Any, number: int, length: int) -> bytes | None:
    """GET_DESCRIPTOR(Report) to the interface (Linux wants it claimed: usbhid is
    detached for the request and bound again after)."""
    try:
        with _claimed(dev, number):
            return bytes(dev.ctrl_transfer(0x81, 0x06, 0x2200, number, length, _TIMEOUT_MS))
    except usb.core.USBError:
        return None


def q1_reply(dev: Any, bridge: str) -> str | None:
    """The UPS's answer to Q1 through *bridge* (one of PROBED_BRIDGES), or None."""
    try:
        raw = _cypress_q1(dev) if bridge == "cypress" else _krauler_q1(dev)
    except (usb.core.USBError, ValueError, NotImplementedError):
        return None
    return raw.decode("ascii", "replace").strip() if _Q1_REPLY.match(raw) else None


def _krauler_q1(dev: Any) -> bytes:
    text = usb.util.get_string(dev, 0x03) or ""
    return b"(" + text[1:].encode("ascii", "replace")


def _cypress_q1(dev: Any) -> bytes:
    with _claimed(dev, 0):
        command = b"Q1\r".ljust(8, b"\0")
        dev.ctrl_transfer(0x21, 0x09, 0x0200, 0, command, _TIMEOUT_MS)
        reply = bytearray()
        while b"\r" not in reply and len(reply) < 64:
            try:
                chunk = bytes(dev.read(0x81, 8, _TIMEOUT_MS))
            except usb.core.USBTimeoutError:
                break
            reply += chunk
        return bytes(reply.split(b"\r")[0] + b"\r") if b"\r" in reply else bytes(reply)


@contextlib.contextmanager
def _claimed(dev: Any, number: int) -> Iterator[None]:
    """The interface claimed for the probe; the kernel driver given back afterwards."""
    detached = False
    with contextlib.suppress(NotImplementedError, usb.core.USBError):
        if dev.is_kernel_driver_active(number):
            dev.detach_kernel_driver(number)
            detached = True
    usb.util.claim_interface(dev, number)
    try:
        yield
    finally:
        usb.util.release_interface(dev, number)
        if detached:
            with contextlib.suppress(NotImplementedError, usb.core.USBError):
                dev.attach_kernel_driver(number)
