"""Reading one row as snmp-ups does (su_ups_get, get_and_process_data, su_setinfo).

A row is read as text (STRING rows, through its lookup), as a number (scaled
and formatted, or looked up; NEGINVALID/ZEROINVALID values retire the row) or
feeds ups.status/ups.alarm. ``ambient.temperature`` is read in tenths of a
degree or through APC's IEM sensor with its unit. A row whose OID holds
``%i`` is a daisy-chained unit's: the unit's index is filled in. In a chain
of several units a plain row's value lands under ``device.1.`` (the master).
The first row that reads a UNIQUE value retires its namesakes.
"""

from __future__ import annotations

import functools
import re

from nutrio.protocol.devices.snmp import reads, status
from nutrio.protocol.devices.snmp.engine import Engine, LiveRow, Steps, Walk
from nutrio.protocol.devices.snmp.model import CMD, NEG, OK, ZERO, Flag
from nutrio.protocol.devices.snmp.values import c_format, format_number, to_float32

__all__ = ["INIT", "UPDATE", "get_and_process", "set_info"]

INIT, UPDATE = "init", "update"
_IEM_TEMP = ".1.3.6.1.4.1.318.1.1.10.2.3.2.1.4.1"
_IEM_UNIT = ".1.3.6.1.4.1.318.1.1.10.2.3.2.1.5.1"


_STATUS, _ALARMS, _ALARM, _ANY_ALARM, _AMBIENT, _PLAIN = range(6)


@functools.lru_cache(maxsize=4096)
def _role(name: str) -> int:
    """What su_ups_get and su_setinfo make of a row's name (asked on every walk).
    _ALARM: ends in ".alarm" as spelt; _ANY_ALARM: only when case is ignored."""
    lower = name.lower()
    tail = name[name.rfind("."):]
    if lower == "ups.status":
        return _STATUS
    if lower == "ups.alarms":
        return _ALARMS
    if tail == ".alarm":
        return _ALARM
    if tail.lower() == ".alarm":
        return _ANY_ALARM
    if lower == "ambient.temperature":
        return _AMBIENT
    return _PLAIN


def get_and_process(eng: Engine, mode: str, row: LiveRow) -> Steps[bool]:
    """get_and_process_data: read one row; a failure at start-up retires the row."""
    ok = yield from _read_row(eng, row)
    if ok:
        row.flags &= ~Flag.STALE
        if row.flags & Flag.UNIQUE:
            _disable_competition(eng, row)
            row.flags &= ~Flag.UNIQUE
    elif mode == INIT:
        row.flags &= ~OK
    else:
        row.flags |= Flag.STALE
    return ok


def _disable_competition(eng: Engine, entry: LiveRow) -> None:
    for other in eng.rows:
        if other is not entry and other.name == entry.name:
            other.flags &= ~OK


def _read_row(eng: Engine, row: LiveRow) -> Steps[bool]:
    """su_ups_get: read one row and publish what it gives."""
    keep_device: int | None = None
    if row.oid is not None and "%" in row.oid:
        daisy = row.copy()
        daisy.oid = c_format(row.oid, eng.current_device + eng.device_offset)
        row = daisy
    elif eng.daisychain and eng.devices_count > 1 and eng.current_device > 0:
        if not (row.name.startswith("device.") and row.name[7:8].isdigit()):
            keep_device = eng.current_device
    role = _role(row.name)
    if role in (_STATUS, _ALARMS, _ALARM):
        return (yield from _read_status(eng, row))
    if role == _AMBIENT:
        return (yield from _read_ambient(eng, row))
    if row.oid is None and row.default is not None:
        text: str | None = row.default[: reads.SU_INFOSIZE - 1]
    elif row.string:
        text = yield from reads.get_str(eng, row.oid, row.lookup, reads.SU_INFOSIZE)
        if text is not None:
            text = _symmetra(eng, row, text)
            text = reads.find_strval(row.lookup, text) or text
    else:
        value = yield from reads.get_int(eng, row.oid)
        if value is None:
            return False
        if (row.flags & NEG and value < 0) or (row.flags & ZERO and value == 0):
            row.flags &= ~OK
            if row.flags & Flag.UNIQUE:
                _disable_competition(eng, row)
                row.flags &= ~Flag.UNIQUE
            return False
        found = reads.find_infoval(eng, row.lookup, value) if row.lookup else None
        text = found if found is not None else format_number(value, row.length)
    if text is None:
        return False
    if keep_device is not None:
        eng.current_device = 1  # a plain OID in a chain belongs to its first device
    set_info(eng, row, text)
    if keep_device is not None:
        eng.current_device = keep_device
    return True


def _symmetra(eng: Engine, row: LiveRow, text: str) -> str:
    if eng.options.symmetrathreephase and row.name.lower() in (
            "input.transfer.low", "input.transfer.high"):
        return f"{_atof(text) * 0.707:.2f}"
    return text


def _atof(text: str) -> float:
    m = re.match(r"\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", text)
    return float(m.group(0)) if m else 0.0


def _read_status(eng: Engine, row: LiveRow) -> Steps[bool]:
    value = yield from reads.get_int(eng, row.oid)
    if value is None:
        return False
    if row.name.lower() == "ups.status":
        status.status_from(eng, row, value)
    elif row.name.lower() == "ups.alarms":
        if value > 0:
            assert row.oid is not None
            bindings = yield Walk(row.oid)
            assert isinstance(bindings, list)
            if not bindings:
                return False
            status.alarms_from(eng, bindings)
    else:
        status.alarm_from(eng, row, value)
    return True


def _read_ambient(eng: Engine, row: LiveRow) -> Steps[bool]:
    value = yield from reads.get_int(eng, row.oid)
    if value is None:
        return False
    if row.oid == _IEM_TEMP:
        units = yield from reads.get_int(eng, _IEM_UNIT)
        temp = to_float32((value - 32) / 1.8) if units in (None, 2) else to_float32(value)
    else:
        temp = to_float32(value * row.length)
    set_info(eng, row, f"{temp:.1f}")
    return True


def set_info(eng: Engine, row: LiveRow, value: str | None) -> None:
    """su_setinfo: publish a row's value (or its default) with its flags."""
    name = row.name
    device = eng.current_device
    if eng.daisychain and eng.devices_count > 1 and device > 0 and f"device.{device}" not in name:
        name = f"device.{device}.{name[7:] if name.startswith('device.') else name}"
    if row.kind == CMD:
        return
    if _role(row.name) in (_STATUS, _ANY_ALARM, _ALARM):
        return
    if value is None:
        value = row.default
        if value is None:
            return
    eng.dstate.set(name, value)
    eng.dstate.set_flags(name, row.string, row.rw, int(row.length))
    if row.rw and row.lookup is not None:
        for _, text in row.lookup.pairs:
            eng.dstate.add_enum(name, text)
