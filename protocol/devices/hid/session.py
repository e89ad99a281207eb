"""One HID UPS, as usbhid-ups walks it: pure logic over injected report I/O.

How it works (usbhid-ups.c, NUT 2.8.0): ``start`` formats the identity
(format_mfr/model/serial), then walks the table in INIT mode: each row's HID
path is resolved to a field of the descriptor once (Feature fields, Input with
``interruptonly``), ``ABSENT`` rows serve their default, a row whose variable
is already served is dropped, and every other row is read. ``update`` files
the interrupt reports it is given and maps their Input fields, then walks:
every ``pollfreq`` seconds (or right after a SET or a command) a full walk
with alarms, in between a quick walk of the QUICK_POLL rows. Status bits
persist between polls; words are rebuilt each time. After a reconnect
``restart`` walks in INIT mode again over the rows already resolved, reading
all of them, as NUT does (an ABSENT row's value goes back to its default).
The caller supplies :class:`ReportIO` (blocking USB control transfers in the
driver, a dict in tests); a :class:`ReportUnavailable` from it skips the rows
of that report, anything else propagates. Commands and SET VAR are in
``protocol/devices/hid/control.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from nutrio.protocol.common.state import VarInfo
from nutrio.protocol.devices.dummy.devfile import DeviceVars
from nutrio.protocol.devices.hid.descriptor import FieldKind, HidField, ReportDescriptor
from nutrio.protocol.devices.hid.hid2nut import Hid2Nut, HuFlag, atol, c_format
from nutrio.protocol.devices.hid.reports import ReportBuffer, ReportIO, ReportUnavailable
from nutrio.protocol.devices.hid.status import (
    StatusBits,
    alarm_texts,
    status_words,
    transfer_reason,
)
from nutrio.protocol.devices.hid.subdriver import DeviceInfo, Settings, Subdriver
from nutrio.protocol.devices.hid.usages import string_to_path

__all__ = ["HidSession", "ReportIO", "ReportUnavailable", "SessionOptions", "atol"]

#: libhid.h MAX_TS: how long format functions trust a buffered report
MAX_TS = 2.0
#: the firmware bug NUT steps around: Tripp Lite SU3000LCD2UHV's report 0x54
_SKIPPED_REPORTS = {(0x09AE, 0x1330): 0x54}


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionOptions:
    """The ups.conf options the walk uses."""

    pollinterval: float = 2.0
    pollfreq: float | None = None  # None: the subdriver's default
    onlinedischarge: bool = False
    onlinedischarge_calibration: bool = False
    lowbatt: str | None = None
    ondelay: str | None = None
    offdelay: str | None = None
    interrupt_only: bool = False
    disable_fix_report_desc: bool = False
    max_report: bool = False


class _Conv:
    """What value conversions may consult (hid2nut.Conversion)."""

    def __init__(self, session: HidSession, state: DeviceVars) -> None:
        self._session = session
        self._state = state

    def string(self, index: int, size: int = 20) -> str:
        return self._session.reports.string(index, size)

    def get(self, name: str) -> str | None:
        return self._state.get(name)

    def delete(self, name: str) -> None:
        self._state.delete(name)

    def set(self, name: str, value: str) -> None:
        self._state.set(name, value)

    def report(self, report_id: int) -> bytes:
        return self._session.reports.data(report_id)

    @property
    def status(self) -> frozenset[str]:
        return frozenset(self._session.status.bits)

    @property
    def scratch(self) -> dict[str, object]:
        return self._session.scratch

    # DescribeIO, for the format functions
    def item_string(self, path: str, size: int = 512) -> str:
        value = self.item_value(path)
        return "" if value is None else self._session.reports.string(int(value), size)

    def item_value(self, path: str) -> float | None:
        field = self._session.field_at(path)
        return None if field is None else self._session.read(field, MAX_TS, self._session.now)


class HidSession:
    """A connected device: descriptor, subdriver, report buffers and status bits."""

    def __init__(
        self, descriptor: ReportDescriptor, subdriver: Subdriver, info: DeviceInfo,
        io: ReportIO, options: SessionOptions | None = None,
        settings: Settings = MappingProxyType({}),
    ) -> None:
        self.options = opts = options or SessionOptions()
        self.subdriver = subdriver
        self.info = info
        self.interrupt_only = opts.interrupt_only or bool(settings.get("interrupt_only"))
        if not opts.disable_fix_report_desc:
            descriptor = subdriver.fix_descriptor(descriptor, info)
        self.descriptor = descriptor
        self.reports = ReportBuffer(
            descriptor, io, interrupt_only=self.interrupt_only,
            max_report=opts.max_report or bool(settings.get("max_report")),
        )
        self.scratch: dict[str, object] = dict(settings)
        self.status = StatusBits()
        self._fields: list[HidField | None] = [None] * len(subdriver.table)
        self._alarms: list[str] = []
        self._alarm_active = False
        self._last_full = 0.0
        self.now = 0.0
        self.data_changed = False
        #: waits inside composite commands (the driver passes time.sleep; tests need not)
        self.pause: Callable[[float], None] = lambda seconds: None

    @property
    def pollfreq(self) -> float:
        if self.options.pollfreq is not None:
            return self.options.pollfreq
        return self.subdriver.pollfreq

    @property
    def io(self) -> ReportIO:
        return self.reports.io

    @io.setter
    def io(self, io: ReportIO) -> None:
        self.reports.io = io

    def read(self, field: HidField, age: float, now: float) -> float | None:
        return self.reports.read(field, age, now)

    def write(self, field: HidField, value: float) -> bool:
        return self.reports.write(field, value)

    def field_at(self, path: str) -> HidField | None:
        """HIDGetItemData: the field a row's path names (Input ones with interruptonly)."""
        nodes = string_to_path(path, self.subdriver.usages)
        if nodes is None:
            return None
        kind = FieldKind.INPUT if self.interrupt_only else FieldKind.FEATURE
        return self.descriptor.find(nodes, kind)

    def conv(self, state: DeviceVars) -> _Conv:
        return _Conv(self, state)

    # -- start-up --------------------------------------------------------------

    def start(self, state: DeviceVars, now: float) -> None:
        """The callback's formats, then upsdrv_initups (the INIT walk, options, composite
        commands) and upsdrv_initinfo."""
        self.now = now
        self._describe(state)
        self._walk(state, _Mode.INIT, now)
        self._apply_options(state)
        state.set("driver.version.data", self.subdriver.name)
        state.set("driver.parameter.pollfreq", f"{int(self.pollfreq)}")
        self._last_full = now

    def _describe(self, state: DeviceVars) -> None:
        conv, sub, info = self.conv(state), self.subdriver, self.info
        mfr = sub.format_mfr(info, conv)
        model = sub.format_model(info, conv)
        serial = sub.format_serial(info, conv)
        for name, value in (("ups.mfr", mfr), ("ups.model", model), ("ups.serial", serial)):
            if value is None:
                state.delete(name)
            else:
                state.set(name, value)
        state.set("ups.vendorid", f"{info.vendor_id:04x}")
        state.set("ups.productid", f"{info.product_id:04x}")

    def restart(self, state: DeviceVars, now: float) -> None:
        """After a reconnect: an INIT walk over the rows resolved at start."""
        self.now = now
        self.reports.forget()
        self._walk(state, _Mode.INIT, now)

    def _apply_options(self, state: DeviceVars) -> None:
        opts = self.options
        for name, value in (("battery.charge.low", opts.lowbatt),
                            ("ups.delay.start", opts.ondelay),
                            ("ups.delay.shutdown", opts.offdelay)):
            if value is not None and state.get(name) is not None:
                state.set(name, str(atol(value)))
        has_off = self.row_for("load.off.delay") is not None
        has_on = self.row_for("load.on.delay") is not None
        if has_off:
            state.add_command("load.off")
        if has_on:
            state.add_command("load.on")
        if has_off and has_on:
            state.add_command("shutdown.return")
            state.add_command("shutdown.stayoff")

    # -- the walk ------------------------------------------------------------

    def _walk(self, state: DeviceVars, mode: int, now: float) -> None:
        """hid_ups_walk."""
        conv = self.conv(state)
        skipped = _SKIPPED_REPORTS.get((self.info.vendor_id, self.info.product_id))
        for index, row in enumerate(self.subdriver.table):
            field = self._select(state, index, row, mode)
            if field is None or field.report_id == skipped:
                continue
            value = self.read(field, self.options.pollinterval, now)
            if value is None:
                continue
            if row.is_command:
                state.add_command(row.var)
                continue
            if self.set_value(state, row, value, conv) == 1 and mode == _Mode.INIT:
                self._declare(state, row, conv)

    def _select(self, state: DeviceVars, index: int, row: Hid2Nut, mode: int) -> HidField | None:
        """The field to read for ``row`` in this walk mode, or None to skip it."""
        field = self._fields[index]
        if mode == _Mode.QUICK:
            return field if row.flags & HuFlag.QUICK_POLL else None
        if mode == _Mode.FULL:
            if row.flags & (HuFlag.ABSENT | HuFlag.CMD | HuFlag.STATIC):
                return None
            if row.flags & HuFlag.SEMI_STATIC and not self.data_changed:
                return None
            return field
        if field is not None:
            return field  # reconnecting: the mapping is already good
        field = self._fields[index] = self.field_at(row.path)
        if field is None:
            return None
        if row.flags & HuFlag.ABSENT:
            if state.get(row.var) is None and row.fmt is not None:
                state.set(row.var, row.fmt)
                state.set_info(row.var, VarInfo(rw=row.rw, string_len=row.string_len))
            return None
        if row.var.startswith("ups.alarm") or state.get(row.var) is None:
            return field
        self._fields[index] = None  # an earlier row serves this variable
        return None

    def _declare(self, state: DeviceVars, row: Hid2Nut, conv: _Conv) -> None:
        """The INIT walk's flags, string length and enumerated values of a served row."""
        enums: tuple[str, ...] = ()
        if row.flags & HuFlag.ENUM and row.rw and row.lookup is not None:
            enums = tuple(nut for hid, nut in row.lookup.pairs
                          if row.lookup.to_nut(hid, conv) is not None)
        if row.rw or row.string_len is not None or enums:
            state.set_info(row.var, VarInfo(rw=row.rw, string_len=row.string_len, enums=enums))

    def set_value(self, state: DeviceVars, row: Hid2Nut, value: float, conv: _Conv) -> int:
        """ups_infoval_set: -1 lookup failed, 0 a status/alarm bit, 1 a variable set."""
        if row.lookup is None:
            state.set(row.var, c_format(row.fmt or "", value))
            return 1
        text = row.lookup.to_nut(value, conv)
        if text is None:
            return -1
        if row.var.startswith("BOOL"):
            self.status.apply(text)
            return 0
        if row.var.startswith("ups.alarm"):
            self._alarms.append(text)
            return 0
        state.set(row.var, text)
        return 1

    def update(self, state: DeviceVars, now: float, events: Iterable[bytes] = ()) -> None:
        """upsdrv_updateinfo after the interrupt read: events, then a full or quick walk."""
        self.now = now
        conv = self.conv(state)
        for data in events:
            for field in self.reports.file(data, now):
                self._event(state, field, now, conv)
        if now > self._last_full + self.pollfreq or self.data_changed:
            self._alarms = []
            self._walk(state, _Mode.FULL, now)
            self._last_full = now
            self.data_changed = False
            self._alarms.extend(alarm_texts(self.status.bits))
            self._commit_alarms(state)
        else:
            self._walk(state, _Mode.QUICK, now)
        self._commit_status(state)

    def _event(self, state: DeviceVars, field: HidField, now: float, conv: _Conv) -> None:
        value = self.read(field, self.options.pollinterval, now)
        if value is None:
            return
        kind = FieldKind.INPUT if self.interrupt_only else FieldKind.FEATURE
        target = self.descriptor.find(field.path, kind)
        if target is None and not self.interrupt_only:
            target = self.descriptor.find(field.path, FieldKind.INPUT)
        if target is None:
            return
        for index, row in enumerate(self.subdriver.table):
            if self._fields[index] is target and not row.flags & HuFlag.ABSENT:
                self.set_value(state, row, value, conv)
                return

    def _commit_alarms(self, state: DeviceVars) -> None:
        if self._alarms:
            state.set("ups.alarm", " ".join(self._alarms))
            self._alarm_active = True
        else:
            state.delete("ups.alarm")
            self._alarm_active = False

    def _commit_status(self, state: DeviceVars) -> None:
        reason = transfer_reason(self.status.bits)
        if reason is None:
            state.delete("input.transfer.reason")
        else:
            state.set("input.transfer.reason", reason)
        words = " ".join(status_words(
            self.status.bits, onlinedischarge=self.options.onlinedischarge,
            calibration=self.options.onlinedischarge_calibration,
        ))
        state.set("ups.status", f"ALARM {words}" if self._alarm_active else words)

    def row_for(self, name: str) -> tuple[Hid2Nut, HidField] | None:
        """find_nut_info: the first row for ``name`` that the device has."""
        for index, row in enumerate(self.subdriver.table):
            field = self._fields[index]
            if field is not None and row.var.lower() == name.lower():
                return row, field
        return None

    def served(self) -> frozenset[str]:
        """The variables this session's table serves (for a driver that starts afresh on
        a changed descriptor: they are no longer the device's)."""
        return frozenset(row.var for index, row in enumerate(self.subdriver.table)
                         if self._fields[index] is not None and not row.is_command
                         and row.var != "BOOL" and not row.var.startswith("ups.alarm"))

    def rows(self) -> Mapping[int, HidField]:
        """Resolved rows by index (for tools that list what the table found)."""
        return MappingProxyType({i: f for i, f in enumerate(self._fields) if f is not None})


class _Mode:
    INIT, QUICK, FULL = 0, 1, 2
