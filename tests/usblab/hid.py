"""HID devices for the lab: a Power Device Class UPS answering from its report table.

:class:`HidDevice` is any HID interface: it serves its report descriptor
(GET_DESCRIPTOR 0x22 to the interface) and the HID class descriptor (0x21),
answers GET_REPORT/SET_REPORT from a table of reports keyed by report id, keeps
what hosts write, and sends queued input reports on its interrupt IN endpoint.
:meth:`HidDevice.from_recording` builds one from a recorded UPS of
tests/drivers/hid (real descriptors and feature reports, see SOURCES.md there).
"""

from __future__ import annotations

from collections import deque
from typing import Any

from tests.usblab.models import Endpoint, Interface, Setup, UsbError, UsbModel
from tests.usblab.wire import UsbStatus

__all__ = ["HidDevice", "hid_class_descriptor", "hid_interface"]

DT_HID, DT_REPORT = 0x21, 0x22
GET_REPORT, GET_IDLE, GET_PROTOCOL = 0x01, 0x02, 0x03
SET_REPORT, SET_IDLE, SET_PROTOCOL = 0x09, 0x0A, 0x0B
INPUT, OUTPUT, FEATURE = 1, 2, 3


def hid_class_descriptor(report_length: int) -> bytes:
    """The 9-byte HID descriptor: HID 1.10, one report descriptor of that length."""
    return bytes([9, DT_HID, 0x10, 0x01, 0x00, 0x01, DT_REPORT, report_length & 0xFF,
                  report_length >> 8])


def hid_interface(report_length: int, *, max_packet: int = 8, interval: int = 10) -> Interface:
    """Interface 0, class HID, the HID descriptor in its extra bytes, interrupt IN 0x81."""
    return Interface(extra=hid_class_descriptor(report_length),
                     endpoints=(Endpoint(0x81, 3, max_packet, interval),))


class HidDevice(UsbModel):
    """A HID interface with a report table (see the module comment).

    ``reports`` maps report id to the report's bytes, id first (id 0: a device
    without report ids, whose reports carry no id byte). ``writes`` keeps every
    SET_REPORT as ``(type, id, bytes)``; ``inputs`` is the interrupt queue.
    """

    def __init__(self, vendor_id: int, product_id: int, report_descriptor: bytes,
                 reports: dict[int, bytes] | None = None, **identity: Any) -> None:
        identity.setdefault("interfaces", (hid_interface(len(report_descriptor)),))
        super().__init__(vendor_id, product_id, **identity)
        self.report_descriptor = report_descriptor
        self.reports: dict[int, bytes] = dict(reports or {})
        self.writes: list[tuple[int, int, bytes]] = []
        self.inputs: deque[bytes] = deque()
        self.idle = 0

    @classmethod
    def from_recording(cls, rec: Any) -> HidDevice:
        """A device from a ``tests.drivers.hid.recordings.Recording``."""
        return cls(rec.vendor_id, rec.product_id, rec.descriptor, rec.feature_reports,
                   strings=dict(rec.strings), manufacturer_index=rec.manufacturer_index,
                   product_index=rec.product_index, serial_index=rec.serial_index,
                   bcd_device=rec.bcd_device)

    def push_input(self, report: bytes) -> None:
        """Queue an input report for the next interrupt IN read."""
        self.inputs.append(bytes(report))

    def class_request(self, setup: Setup, data: bytes) -> bytes | int:
        kind, index = setup.value >> 8, setup.value & 0xFF
        if setup.kind == "standard" and setup.request == 0x06:
            if kind == DT_REPORT:
                return self.report_descriptor
            if kind == DT_HID:
                return hid_class_descriptor(len(self.report_descriptor))
            raise UsbError(UsbStatus.PIPE)
        if setup.kind != "class":
            raise UsbError(UsbStatus.PIPE)
        match setup.request:
            case 0x01:  # GET_REPORT
                return self.get_report(kind, index)
            case 0x09:  # SET_REPORT
                return self.set_report(kind, index, data)
            case 0x0A:  # SET_IDLE
                self.idle = setup.value >> 8
                return 0
            case 0x02:
                return bytes([self.idle])
            case 0x03:
                return b"\x01"
            case 0x0B:
                return 0
        raise UsbError(UsbStatus.PIPE)

    def get_report(self, kind: int, report_id: int) -> bytes:
        """GET_REPORT: the stored report (stall for an id the device does not have)."""
        if report_id not in self.reports:
            raise UsbError(UsbStatus.PIPE)
        return self.reports[report_id]

    def set_report(self, kind: int, report_id: int, data: bytes) -> int:
        """SET_REPORT: keep it; a feature report is what later GET_REPORTs return."""
        self.writes.append((kind, report_id, bytes(data)))
        if kind == FEATURE:
            self.reports[report_id] = bytes(data)
        return len(data)

    def read(self, endpoint: int, length: int) -> bytes | None:
        return self.inputs.popleft() if self.inputs else None
