"""One HID UPS, as usbhid-ups walks it: pure logic over injected report I/O.

How it works (usbhid-ups.c, NUT 2.8.0): ``start`` resolves each table row
to a Feature field of the descriptor (first row of a variable whose path
exists and reads wins, ``ABSENT`` rows serve defaults) and reads everything
once. ``update`` files the interrupt reports it is given, maps their Input
fields, then walks the table: every ``pollfreq`` seconds (or right after a
SET or command) a full walk with alarms, in between a quick walk of the
status rows. Reports are buffered and re-read only when older than the
poll interval. Status bits persist between polls; words are rebuilt each
time. The caller supplies :class:`ReportIO` (blocking USB control transfers
in the driver, a dict in tests); a :class:`ReportUnavailable` from it skips
the rows of that report, anything else propagates.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from nutrio.protocol.common.state import ResultCode, VarInfo
from nutrio.protocol.devices.dummy.devfile import DeviceVars
from nutrio.protocol.devices.hid.descriptor import FieldKind, HidField, ReportDescriptor
from nutrio.protocol.devices.hid.hid2nut import Hid2Nut, HuFlag
from nutrio.protocol.devices.hid.reports import ReportBuffer, ReportIO, ReportUnavailable
from nutrio.protocol.devices.hid.status import (
    StatusBits,
    alarm_texts,
    status_words,
    transfer_reason,
)
from nutrio.protocol.devices.hid.subdriver import DeviceInfo, Subdriver
from nutrio.protocol.devices.hid.usages import string_to_path

__all__ = ["HidSession", "ReportIO", "ReportUnavailable", "SessionOptions"]


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionOptions:
    """The ups.conf options the walk uses."""

    pollinterval: float = 2.0
    pollfreq: float | None = None  # None: the subdriver's default
    onlinedischarge: bool = False
    lowbatt: str | None = None
    ondelay: str | None = None
    offdelay: str | None = None
    interrupt_only: bool = False
    disable_fix_report_desc: bool = False


def _atol(text: str | None) -> int:
    """C atol: the leading integer of ``text``, 0 if none."""
    digits = ""
    for i, ch in enumerate((text or "").strip()):
        if ch.isdigit() or (i == 0 and ch in "+-"):
            digits += ch
        else:
            break
    try:
        return int(digits)
    except ValueError:
        return 0


class _Conv:
    """What value conversions may consult (hid2nut.Conversion)."""

    def __init__(self, session: HidSession, state: DeviceVars | None) -> None:
        self._session = session
        self._state = state

    def string(self, index: int) -> str:
        return self._session.string(index)

    def get(self, name: str) -> str | None:
        return None if self._state is None else self._state.get(name)

    @property
    def scratch(self) -> dict[str, object]:
        return self._session.scratch


class HidSession:
    """A connected device: descriptor, subdriver, report buffers and status bits."""

    def __init__(
        self, descriptor: ReportDescriptor, subdriver: Subdriver, info: DeviceInfo,
        io: ReportIO, options: SessionOptions | None = None,
    ) -> None:
        self.options = options or SessionOptions()
        self.subdriver = subdriver
        self.info = info
        self.descriptor = subdriver.fix_descriptor(
            descriptor, info, self.options.disable_fix_report_desc
        )
        self.reports = ReportBuffer(self.descriptor, io)
        self.scratch: dict[str, object] = dict(subdriver.quirks(info))
        self.status = StatusBits()
        self.scratch["bits"] = self.status.bits  # conversions may look at the status (MGE)
        self._fields: list[HidField | None] = [None] * len(subdriver.table)
        self._alarms: list[str] = []
        self._alarm_active = False
        self._last_full = 0.0
        self.data_changed = False

    @property
    def pollfreq(self) -> float:
        return self.options.pollfreq if self.options.pollfreq is not None else self.subdriver.pollfreq

    # -- reports (buffered; see protocol.devices.hid.reports) -------------------------

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

    def string(self, index: int) -> str:
        return self.reports.string(index)

    def item_string(self, path: str, now: float = 0.0) -> str | None:
        """The string whose index sits at ``path`` (HIDGetItemString)."""
        field = self.field_at(path)
        if field is None:
            return None
        value = self.read(field, float("inf"), now)
        return None if value is None else self.string(int(value))

    def field_at(self, path: str, kind: FieldKind = FieldKind.FEATURE) -> HidField | None:
        nodes = string_to_path(path, self.subdriver.usages)
        return None if nodes is None else self.descriptor.find(nodes, kind)

    # -- the walk ------------------------------------------------------------

    def start(self, state: DeviceVars, now: float) -> None:
        """upsdrv_initups + initinfo: identity, the INIT walk, options, composite commands."""
        for name, value in self.subdriver.describe(self.info, lambda p: self.item_string(p, now)).items():
            if value is None:
                state.delete(name)
            else:
                state.set(name, value)
        state.set("ups.vendorid", f"{self.info.vendor_id:04x}")
        state.set("ups.productid", f"{self.info.product_id:04x}")
        self._walk_init(state, now)
        self._apply_options(state)
        state.set("driver.version.data", self.subdriver.name)
        state.set("driver.parameter.pollfreq", f"{self.pollfreq:g}")
        self._last_full = now

    def restart(self, state: DeviceVars, now: float) -> None:
        """After a reconnect: same rows, fresh buffers, then a full read of every active row."""
        self.reports.forget()
        self._walk(state, HuFlag.NONE, now, init_again=True)

    def _apply_options(self, state: DeviceVars) -> None:
        opts = self.options
        for name, value in (("battery.charge.low", opts.lowbatt),
                            ("ups.delay.start", opts.ondelay),
                            ("ups.delay.shutdown", opts.offdelay)):
            if value is not None and state.get(name) is not None:
                state.set(name, str(_atol(value)))
        has_off = self.row_for("load.off.delay") is not None
        has_on = self.row_for("load.on.delay") is not None
        if has_off:
            state.add_command("load.off")
        if has_on:
            state.add_command("load.on")
        if has_off and has_on:
            state.add_command("shutdown.return")
            state.add_command("shutdown.stayoff")

    def _walk_init(self, state: DeviceVars, now: float) -> None:
        """HU_WALKMODE_INIT. NUT keeps a row when its variable is not served yet; a local
        ``served`` set stands for that, so that a new session after a reconnect to a
        changed descriptor resolves its rows afresh."""
        conv = _Conv(self, state)
        served: set[str] = set()
        for index, row in enumerate(self.subdriver.table):
            field = self.field_at(row.path)
            if field is None:
                continue
            if row.flags & HuFlag.ABSENT:
                self._fields[index] = field
                if state.get(row.var) is None and row.fmt is not None:
                    state.set(row.var, row.fmt)
                    state.set_info(row.var, VarInfo(rw=row.rw, string_len=row.string_len))
                continue
            if not row.var.startswith("ups.alarm") and row.var in served:
                continue  # an earlier row already serves this variable
            self._fields[index] = field
            if self._read_row(state, row, field, now, conv, init=True):
                served.add(row.var)

    def _walk(self, state: DeviceVars, mode: HuFlag, now: float, *, init_again: bool = False) -> None:
        """QUICK_POLL: status rows only; NONE: the full walk (hid_ups_walk)."""
        conv = _Conv(self, state)
        for index, row in enumerate(self.subdriver.table):
            field = self._fields[index]
            if field is None:
                continue
            if mode == HuFlag.QUICK_POLL and not row.flags & HuFlag.QUICK_POLL:
                continue
            if mode == HuFlag.NONE:
                if row.flags & (HuFlag.ABSENT | HuFlag.CMD) or (
                    row.flags & HuFlag.STATIC and not init_again
                ):
                    continue
                if row.flags & HuFlag.SEMI_STATIC and not (self.data_changed or init_again):
                    continue
            self._read_row(state, row, field, now, conv, init=False)

    def _read_row(
        self, state: DeviceVars, row: Hid2Nut, field: HidField, now: float, conv: _Conv, *, init: bool
    ) -> bool:
        """Read one row; True when it set its variable."""
        value = self.read(field, self.options.pollinterval, now)
        if value is None:
            return False
        if row.is_command:
            state.add_command(row.var)
            return False
        if self._set_value(state, row, value, conv) != 1:
            return False
        if not init:
            return True
        enums: tuple[str, ...] = ()
        if row.flags & HuFlag.ENUM and row.rw and row.lookup is not None:
            enums = tuple(nut for hid, nut in row.lookup.pairs if row.lookup.to_nut(hid, conv) is not None)
        if row.rw or row.string_len is not None or enums:
            state.set_info(row.var, VarInfo(rw=row.rw, string_len=row.string_len, enums=enums))
        return True

    def _set_value(self, state: DeviceVars, row: Hid2Nut, value: float, conv: _Conv) -> int:
        """ups_infoval_set: -1 lookup failed, 0 a status/alarm bit, 1 a variable set."""
        if row.lookup is None:
            state.set(row.var, (row.fmt or "%.0f") % value)
            return 1
        text = row.lookup.to_nut(value, conv)
        if text is None:
            return -1
        if row.var == "BOOL":
            self.status.apply(text)
            return 0
        if row.var.startswith("ups.alarm"):
            self._alarms.append(text)
            return 0
        state.set(row.var, text)
        return 1

    def update(self, state: DeviceVars, now: float, events: Iterable[bytes] = ()) -> None:
        """upsdrv_updateinfo after the interrupt read: events, then a full or quick walk."""
        conv = _Conv(self, state)
        for data in events:
            for field in self.reports.file(data, now):
                self._event(state, field, now, conv)
        if now > self._last_full + self.pollfreq or self.data_changed:
            self._alarms = []
            self._walk(state, HuFlag.NONE, now)
            self._last_full = now
            self.data_changed = False
            self._alarms.extend(alarm_texts(self.status.bits))
            self._commit_alarms(state)
        else:
            self._walk(state, HuFlag.QUICK_POLL, now)
        self._commit_status(state)

    def _event(self, state: DeviceVars, field: HidField, now: float, conv: _Conv) -> None:
        value = self.read(field, self.options.pollinterval, now)
        if value is None:
            return
        kind = FieldKind.INPUT if self.options.interrupt_only else FieldKind.FEATURE
        target = self.descriptor.find(field.path, kind)
        if target is None and not self.options.interrupt_only:
            target = self.descriptor.find(field.path, FieldKind.INPUT)
        if target is None:
            return
        for index, row in enumerate(self.subdriver.table):
            if self._fields[index] is target and not row.flags & HuFlag.ABSENT:
                self._set_value(state, row, value, conv)
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
        words = status_words(self.status.bits, onlinedischarge=self.options.onlinedischarge)
        state.set("ups.status", " ".join(("ALARM", *words) if self._alarm_active else words))

    # -- commands and settings -------------------------------------------------

    def row_for(self, name: str) -> tuple[Hid2Nut, HidField] | None:
        """find_nut_info: the first row for ``name`` that the device has."""
        for index, row in enumerate(self.subdriver.table):
            field = self._fields[index]
            if field is not None and row.var.lower() == name.lower():
                return row, field
        return None

    def instcmd(self, state: DeviceVars, name: str, value: str | None = None) -> str:
        """An instant command (usbhid-ups instcmd); returns a :class:`ResultCode`."""
        lname = name.lower()
        if lname in ("beeper.off", "beeper.on"):  # renamed commands NUT still accepts
            return self.instcmd(state, "beeper.disable" if lname == "beeper.off" else "beeper.enable")
        found = self.row_for(name)
        if found is None:
            return self._composite(state, lname)
        row, field = found
        if not row.is_command:
            return ResultCode.INVALID_ARGUMENT
        text = value if value is not None else row.fmt
        number = row.lookup.to_hid(text or "", _Conv(self, state)) if row.lookup else _atol(text)
        if self.write(field, number):
            self.data_changed = True
            return ResultCode.SUCCESS
        return ResultCode.FAILED

    def _composite(self, state: DeviceVars, name: str) -> str:
        """Commands made of others when the table has no row for them."""
        if name in ("load.on", "load.off"):
            return self.instcmd(state, f"{name}.delay", "0")
        if name in ("shutdown.return", "shutdown.stayoff"):
            if state.get("ups.start.auto") is not None:
                self.setvar(state, "ups.start.auto", "yes" if name == "shutdown.return" else "no")
            start = state.get("ups.delay.start") if name == "shutdown.return" else "-1"
            code = self.instcmd(state, "load.on.delay", start)
            if code != ResultCode.SUCCESS:
                return code
            return self.instcmd(state, "load.off.delay", state.get("ups.delay.shutdown"))
        return ResultCode.INVALID_ARGUMENT

    def setvar(self, state: DeviceVars, name: str, value: str) -> str:
        """SET VAR (usbhid-ups setvar); returns a :class:`ResultCode`."""
        found = self.row_for(name)
        if found is None or not found[0].rw:
            return ResultCode.UNKNOWN
        row, field = found
        if row.flags & HuFlag.ABSENT:
            state.set(row.var, value)  # kept by the driver, sent with the next shutdown
            return ResultCode.SUCCESS
        number = row.lookup.to_hid(value, _Conv(self, state)) if row.lookup else _atol(value)
        if self.write(field, number):
            self.data_changed = True
            return ResultCode.SUCCESS
        return ResultCode.UNKNOWN
