"""Report buffers between a HID session and its device (libhid.c's report buffer).

Each report id has one buffer, shared by its Input, Output and Feature
fields, as in NUT: an interrupt report refreshes the Feature values of the
same id too. A report younger than the caller's ``age`` is not read again; a
short answer overwrites only the bytes it carries. Writing a field sets its
bits in the current buffer and sends the whole report, then expires every
buffer (the device may have changed other values).

NUT's quirks kept: the buffer of report 0 (a device without report ids) holds
the answer from its first byte on, and a write sends the buffer whole, byte 0
included; ``interrupt_only`` never reads (values come from interrupt reports
alone); ``max_report`` asks for 8 bytes, the size of the pointer libhid.c
meant to be the buffer's (the maxreport flag and the APC Back-UPS CS tweak).
"""

from __future__ import annotations

from typing import Protocol

from nutrio.protocol.devices.hid.descriptor import ATTR_CONSTANT, HidField, ReportDescriptor
from nutrio.protocol.devices.hid.values import get_value, set_value, to_logical, to_physical

__all__ = ["ReportBuffer", "ReportIO", "ReportUnavailable"]

#: sizeof(unsigned char *) on the 64-bit hosts NUT runs on
_POINTER_SIZE = 8


class ReportUnavailable(Exception):
    """A report could not be read this time (a timeout or a stall): its rows are skipped."""


class ReportIO(Protocol):
    """The device, as the session needs it; calls may block."""

    def get_report(self, report_id: int, length: int) -> bytes: ...
    def set_report(self, report_id: int, data: bytes) -> None: ...
    def string(self, index: int) -> str: ...


class ReportBuffer:
    """The latest bytes of each report, when they were read, and the strings seen."""

    def __init__(self, descriptor: ReportDescriptor, io: ReportIO, *,
                 interrupt_only: bool = False, max_report: bool = False) -> None:
        self.descriptor = descriptor
        self.io = io
        self.interrupt_only = interrupt_only
        self.max_report = max_report
        self._buffers: dict[int, bytearray] = {}
        self._stamps: dict[int, float] = {}
        self._strings: dict[int, str] = {}

    def forget(self) -> None:
        """A new connection: its strings are read again (NUT keeps the report buffers)."""
        self._strings.clear()

    def _buffer(self, report_id: int) -> bytearray:
        buf = self._buffers.get(report_id)
        if buf is None:
            buf = bytearray(self.descriptor.report_length(report_id))
            buf[0] = report_id
            self._buffers[report_id] = buf
        return buf

    def _refresh(self, report_id: int, age: float, now: float) -> bool:
        """refresh_report_buffer: re-read unless younger than ``age``; False if unavailable."""
        stamp = self._stamps.get(report_id)
        if self.interrupt_only or (stamp is not None and stamp + age > now):
            return True
        buf = self._buffer(report_id)
        try:
            data = self.io.get_report(report_id, _POINTER_SIZE if self.max_report else len(buf))
        except ReportUnavailable:
            return False
        if not data:
            return False
        buf[: min(len(data), len(buf))] = data[: len(buf)]  # a short answer keeps the old tail
        self._stamps[report_id] = now
        return True

    def file(self, data: bytes, now: float) -> tuple[HidField, ...]:
        """An interrupt report: buffer it and return its Input fields (HIDGetEvents)."""
        if not data:
            return ()
        report_id = data[0]
        buf = self._buffer(report_id)
        buf[: min(len(data), len(buf))] = data[: len(buf)]
        self._stamps[report_id] = now
        return self.descriptor.inputs_of(report_id)

    def read(self, field: HidField, age: float, now: float) -> float | None:
        """The physical value of ``field`` (HIDGetDataValue), None if its report is unavailable."""
        if not self._refresh(field.report_id, age, now):
            return None
        return to_physical(field, get_value(bytes(self._buffer(field.report_id)), field))

    def write(self, field: HidField, value: float) -> bool:
        """HIDSetDataValue: False for a constant field; the device's errors propagate."""
        if field.attribute == ATTR_CONSTANT:
            return False
        buf = self._buffer(field.report_id)
        data = set_value(bytes(buf), field, to_logical(field, value))
        buf[:] = data[: len(buf)]
        self.io.set_report(field.report_id, bytes(buf))
        self._stamps.clear()  # the data may have changed: read everything again
        return True

    def data(self, report_id: int) -> bytes:
        """The buffered bytes of a report, id first (zeros until read)."""
        return bytes(self._buffer(report_id))

    def string(self, index: int, size: int = 256) -> str:
        """A string descriptor ("" when absent) cut to a ``size``-byte C buffer, as
        libusb_get_string_descriptor_ascii fills it; cached for the connection."""
        if index <= 0 or index > 255:
            return ""
        if index not in self._strings:
            try:
                self._strings[index] = self.io.string(index)
            except ReportUnavailable:
                return ""
        return self._strings[index][: max(size - 1, 0)].rstrip("\n")
