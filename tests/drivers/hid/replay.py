"""A pyusb backend that plays back recorded HID UPSes, so the driver's real USB path runs.

:class:`ReplayBackend` is a ``usb.backend.IBackend``: ``usb.core.find``
enumerates its devices, string descriptors and the HID report descriptor come
from GET_DESCRIPTOR control transfers, GET_REPORT answers with the recorded
feature reports, SET_REPORT stores what is written (the device "applies" it),
interrupt reads pop a queue (empty: a timeout, as a quiet UPS gives).
Faults are switches: :meth:`unplug` makes every call fail with
LIBUSB_ERROR_NO_DEVICE and hides the device, :meth:`replug` brings it back
at a new address, :meth:`stall` makes one report answer with a pipe error.
Thread safe: the driver calls it from worker threads.
"""

from __future__ import annotations

import array
import errno
import threading
from collections import deque
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import usb.backend
import usb.core

from tests.drivers.hid.recordings import Recording

# libusb error codes (pyusb keeps them as backend_error_code)
NO_DEVICE, TIMEOUT, PIPE, IO = -4, -7, -9, -1


def _error(code: int, text: str, err: int) -> usb.core.USBError:
    if code == TIMEOUT:
        return usb.core.USBTimeoutError(text, code, err)
    return usb.core.USBError(text, code, err)


@dataclass
class ReplayDevice:
    """One plugged (or unplugged) recorded device and what happened to it."""

    rec: Recording
    address: int
    plugged: bool = True
    reports: dict[int, bytes] = field(default_factory=dict)
    interrupts: deque[bytes] = field(default_factory=deque)
    stalled: set[int] = field(default_factory=set)
    writes: list[bytes] = field(default_factory=list)
    gets: list[int] = field(default_factory=list)
    claimed: bool = False


class ReplayBackend(usb.backend.IBackend):  # type: ignore[misc]
    """Recorded devices behind pyusb's backend interface."""

    def __init__(self, *recordings: Recording) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self.devices = [
            ReplayDevice(rec, address=2 + n, reports=dict(rec.feature_reports))
            for n, rec in enumerate(recordings)
        ]

    # -- test controls -------------------------------------------------------

    @property
    def device(self) -> ReplayDevice:
        return self.devices[0]

    def unplug(self, index: int = 0) -> None:
        with self._lock:
            self.devices[index].plugged = False
            self.devices[index].claimed = False

    def replug(self, index: int = 0) -> None:
        with self._lock:
            dev = self.devices[index]
            dev.plugged, dev.address = True, dev.address + 10
            dev.interrupts.clear()

    def set_report(self, report: bytes, index: int = 0) -> None:
        with self._lock:
            self.devices[index].reports[report[0]] = bytes(report)

    def interrupt(self, report: bytes, index: int = 0) -> None:
        with self._lock:
            self.devices[index].interrupts.append(bytes(report))

    def stall(self, report_id: int, index: int = 0) -> None:
        with self._lock:
            self.devices[index].stalled.add(report_id)

    # -- enumeration and descriptors -------------------------------------------

    def enumerate_devices(self) -> list[ReplayDevice]:
        with self._lock:
            return [d for d in self.devices if d.plugged]

    def get_device_descriptor(self, dev: ReplayDevice) -> SimpleNamespace:
        rec = dev.rec
        return SimpleNamespace(
            bLength=18, bDescriptorType=1, bcdUSB=0x0110, bDeviceClass=0, bDeviceSubClass=0,
            bDeviceProtocol=0, bMaxPacketSize0=8, idVendor=rec.vendor_id, idProduct=rec.product_id,
            bcdDevice=rec.bcd_device, iManufacturer=rec.manufacturer_index,
            iProduct=rec.product_index, iSerialNumber=rec.serial_index, bNumConfigurations=1,
            address=dev.address, bus=rec.bus, port_number=1, port_numbers=(1,), speed=1,
        )

    def get_configuration_descriptor(self, dev: ReplayDevice, config: int) -> SimpleNamespace:
        return SimpleNamespace(
            bLength=9, bDescriptorType=2, wTotalLength=34, bNumInterfaces=1,
            bConfigurationValue=1, iConfiguration=0, bmAttributes=0xA0, bMaxPower=50,
            extra_descriptors=[],
        )

    def _hid_class_descriptor(self, dev: ReplayDevice) -> bytes:
        length = len(dev.rec.descriptor)
        return bytes([9, 0x21, 0x10, 0x01, 0x21, 0x01, 0x22, length & 0xFF, length >> 8])

    def get_interface_descriptor(self, dev: ReplayDevice, intf: int, alt: int, config: int) -> SimpleNamespace:
        return SimpleNamespace(
            bLength=9, bDescriptorType=4, bInterfaceNumber=0, bAlternateSetting=0,
            bNumEndpoints=1, bInterfaceClass=3, bInterfaceSubClass=0, bInterfaceProtocol=0,
            iInterface=0, extra_descriptors=list(self._hid_class_descriptor(dev)),
        )

    def get_endpoint_descriptor(
        self, dev: ReplayDevice, ep: int, intf: int, alt: int, config: int
    ) -> SimpleNamespace:
        return SimpleNamespace(
            bLength=7, bDescriptorType=5, bEndpointAddress=0x81, bmAttributes=3,
            wMaxPacketSize=8, bInterval=10, bRefresh=0, bSynchAddress=0, extra_descriptors=[],
        )

    # -- handles -------------------------------------------------------------

    def _check(self, dev: ReplayDevice) -> None:
        if not dev.plugged:
            raise _error(NO_DEVICE, "No such device (it may have been disconnected)", errno.ENODEV)

    def open_device(self, dev: ReplayDevice) -> ReplayDevice:
        with self._lock:
            self._check(dev)
            return dev

    def close_device(self, dev_handle: ReplayDevice) -> None:
        pass

    def set_configuration(self, dev_handle: ReplayDevice, config_value: int) -> None:
        with self._lock:
            self._check(dev_handle)

    def get_configuration(self, dev_handle: ReplayDevice) -> int:
        with self._lock:
            self._check(dev_handle)
            return 1

    def set_interface_altsetting(self, dev_handle: ReplayDevice, intf: int, altsetting: int) -> None:
        pass

    def claim_interface(self, dev_handle: ReplayDevice, intf: int) -> None:
        with self._lock:
            self._check(dev_handle)
            dev_handle.claimed = True

    def release_interface(self, dev_handle: ReplayDevice, intf: int) -> None:
        with self._lock:
            dev_handle.claimed = False

    def is_kernel_driver_active(self, dev_handle: ReplayDevice, intf: int) -> bool:
        return False

    def detach_kernel_driver(self, dev_handle: ReplayDevice, intf: int) -> None:
        pass

    def attach_kernel_driver(self, dev_handle: ReplayDevice, intf: int) -> None:
        pass

    # -- transfers -----------------------------------------------------------

    def ctrl_transfer(
        self, dev_handle: ReplayDevice, bmRequestType: int, bRequest: int, wValue: int,
        wIndex: int, data: Any, timeout: int,
    ) -> int:
        with self._lock:
            self._check(dev_handle)
            if bmRequestType & 0x80:
                answer = self._control_in(dev_handle, bmRequestType, bRequest, wValue)
                n = min(len(answer), len(data))
                data[:n] = array.array("B", answer[:n])
                return n
            return self._control_out(dev_handle, bRequest, wValue, bytes(data))

    def _control_in(self, dev: ReplayDevice, req_type: int, request: int, value: int) -> bytes:
        kind, index = value >> 8, value & 0xFF
        if request == 0x06 and kind == 0x03:  # string descriptor
            if index == 0:
                return bytes([4, 3, 0x09, 0x04])
            text = dev.rec.strings.get(index)
            if text is None:
                raise _error(PIPE, "Pipe error", errno.EPIPE)
            body = text.encode("utf-16-le")
            return bytes([len(body) + 2, 3]) + body
        if request == 0x06 and kind == 0x21:
            return self._hid_class_descriptor(dev)
        if request == 0x06 and kind == 0x22:
            return dev.rec.descriptor
        if request == 0x01 and kind == 0x03:  # GET_REPORT, feature
            dev.gets.append(index)
            if index in dev.stalled or index not in dev.reports:
                raise _error(PIPE, "Pipe error", errno.EPIPE)
            return dev.reports[index]
        raise _error(PIPE, "Pipe error", errno.EPIPE)

    def _control_out(self, dev: ReplayDevice, request: int, value: int, payload: bytes) -> int:
        if request == 0x09 and value >> 8 == 0x03:  # SET_REPORT, feature
            dev.writes.append(payload)
            dev.reports[value & 0xFF] = payload
            return len(payload)
        if request == 0x0A:  # SET_IDLE
            return 0
        raise _error(PIPE, "Pipe error", errno.EPIPE)

    def intr_read(self, dev_handle: ReplayDevice, ep: int, intf: int, buff: Any, timeout: int) -> int:
        with self._lock:
            self._check(dev_handle)
            if not dev_handle.interrupts:
                raise _error(TIMEOUT, "Operation timed out", errno.ETIMEDOUT)
            data = dev_handle.interrupts.popleft()
            n = min(len(data), len(buff))
            buff[:n] = array.array("B", data[:n])
            return n

    def clear_halt(self, dev_handle: ReplayDevice, ep: int) -> None:
        pass

    def reset_device(self, dev_handle: ReplayDevice) -> None:
        pass
