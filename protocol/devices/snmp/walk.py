"""snmp-ups' walk over its table (snmp_ups_walk), step for step as NUT 2.8.0 does it.

How it works: at start-up (``INIT``) every row is read once; a row the agent
cannot answer loses its OK flag and is never read again, ABSENT rows serve
their default, STATIC rows are not read again. Each update (``UPDATE``, every
pollfreq) reads the remaining rows; SEMI_STATIC ones every semistaticfreq
updates. Rows flagged for 1 or 3 phases are kept only when the device has
that many (input.phases, output.phases; NUT 2.8.0 checks bypass rows against
the *input* flags, so both bypass forms stay). Templates (``%i``) repeat a
row per outlet, outlet group, ambient sensor or daisy-chained device: the
count comes from ``<kind>.count`` or from probing, the first SNMP index (0 or
1) from probing. Which row provides a value, how it is formatted and where it
lands (``device.N.`` prefixes in a chain) follow the C code, quirks included.
"""

from __future__ import annotations

import re

from nutrio.protocol.devices.snmp import reads, status
from nutrio.protocol.devices.snmp.ber import Tag
from nutrio.protocol.devices.snmp.engine import Engine, LiveRow, Steps, Walk
from nutrio.protocol.devices.snmp.model import (
    AMBIENT,
    CMD,
    DAISY1,
    DAISY2,
    GROUP,
    INPHASES,
    MASTER,
    NA,
    NEG,
    OK,
    OUTLET,
    OUTPHASES,
    ZERO,
    Flag,
)
from nutrio.protocol.devices.snmp.values import atoi, c_format, format_number, to_float32

__all__ = ["INIT", "UPDATE", "walk", "process_template", "guess_count", "base_index",
           "template_kind", "set_info"]

INIT, UPDATE = "init", "update"
#: NUT counts template instances until a GET fails; a v2c agent answers every GET (with
#: noSuchInstance), so NUT counts forever and never starts. nutrio stops at the first
#: instance without a value, and at this many in any case.
_MAX_INSTANCES = 1024
_MISSING = frozenset({Tag.NO_SUCH_OBJECT, Tag.NO_SUCH_INSTANCE, Tag.END_OF_MIB_VIEW})
_IEM_TEMP = ".1.3.6.1.4.1.318.1.1.10.2.3.2.1.4.1"
_IEM_UNIT = ".1.3.6.1.4.1.318.1.1.10.2.3.2.1.5.1"


def walk(eng: Engine, mode: str) -> Steps[bool]:
    """snmp_ups_walk: read the table; True when the last row read worked (NUT's verdict)."""
    if mode == UPDATE:
        eng.semistatic_countdown -= 1
        if eng.semistatic_countdown < 0:
            eng.semistatic_countdown = eng.options.semistaticfreq
    ok = False
    first = 1 if not eng.daisychain and eng.devices_count == 1 else 0
    for device in range(first, eng.devices_count + 1):
        eng.current_device = device
        if eng.devices_count > 1:
            eng.alarm_buf = []
        for row in eng.rows:
            ok = yield from _walk_row(eng, mode, row, ok)
        if eng.devices_count > 1:
            status.device_alarm_commit(eng, device)
            eng.alarm_buf = []
    return ok


def _walk_row(eng: Engine, mode: str, row: LiveRow, ok: bool) -> Steps[bool]:
    """One row of the walk; returns the walk's running status."""
    device = eng.current_device
    if mode == INIT and row.name.startswith("device.count"):
        row.flags &= ~OK
        return ok
    if device == 0 and eng.daisychain:
        return ok  # the whole chain is not walked (2.8.0)
    if row.kind == CMD and not row.flags & (OUTLET | GROUP):
        return ok
    if mode == UPDATE and (not row.flags & OK or row.flags & Flag.STATIC):
        return ok
    if mode == UPDATE and row.flags & Flag.SEMI_STATIC and eng.semistatic_countdown != 0:
        return ok
    if row.flags & Flag.ABSENT and not row.flags & (OUTLET | GROUP | AMBIENT):
        if mode == INIT:
            if row.default is not None:
                if eng.daisychain and eng.devices_count > 1 and device != 0:
                    ok = yield from process_template(eng, mode, "device", row)
                else:
                    set_info(eng, row, None)
            row.flags |= Flag.STATIC
        return ok
    phases = eng.phases.setdefault(device, [-1, -1, -1])
    for slot, kind, mask in ((0, "input", INPHASES), (1, "output", OUTPHASES),
                             (2, "input.bypass", Flag.BYPASS_1 | Flag.BYPASS_3)):
        if row.flags & mask:
            keep = yield from _phase_filter(eng, kind, phases, slot, row)
            if not keep:
                return ok
    for flag, kind in ((OUTLET, "outlet"), (GROUP, "outlet.group"), (AMBIENT, "ambient")):
        if row.flags & flag:
            if row.kind == CMD and mode == UPDATE:
                return ok
            return (yield from process_template(eng, mode, kind, row))
    return (yield from get_and_process(eng, mode, row))


def _phase_filter(eng: Engine, kind: str, phases: list[int], slot: int,
                  row: LiveRow) -> Steps[bool]:
    """process_phase_data; False: skip this row. NUT tests ``kind`` with a 5-letter
    prefix, so "input.bypass" is judged by the input flags."""
    if kind.startswith("input"):
        mask, one, three = INPHASES, Flag.INPUT_1, Flag.INPUT_3
    else:
        mask, one, three = OUTPHASES, Flag.OUTPUT_1, Flag.OUTPUT_3
    if phases[slot] == -1:
        name = f"{kind}.phases"
        if eng.daisychain and eng.current_device > 0:
            name = f"device.{eng.current_device}.{kind}.phases"
        published = eng.dstate.get(name)
        if published is None:
            name = f"{kind}.phases"
            source = eng.find(name)
            count = None
            if source is not None and source.oid is not None:
                oid = source.oid
                if "%" in oid:
                    oid = c_format(oid, eng.current_device + eng.device_offset)
                count = yield from reads.get_int(eng, oid)
            phases[slot] = 1 if count is None else count
        else:
            phases[slot] = atoi(published)
        eng.dstate.set(name, str(phases[slot]))
    if row.flags & one or row.flags & three:
        wanted = 1 if row.flags & one else 3
        if phases[slot] != wanted:
            row.flags &= ~OK
            return False
        row.flags &= ~mask
    return True


def template_kind(name: str) -> str:
    """get_template_type, by the variable's name."""
    for prefix in ("outlet.group", "outlet", "device", "ambient"):
        if name.startswith(prefix):
            return prefix
    return "last"


def guess_count(eng: Engine, row: LiveRow) -> Steps[int]:
    """guestimate_template_count: how many instances answer, from index 0 or 1."""
    if row.oid is None:
        return 0  # NUT formats a NULL template here (pulizzi without outlets) and crashes
    base = 0
    first = c_format(row.oid, 0)
    if (yield from reads.get(first)) is None:
        base = 1
    elif row.flags & ZERO and (yield from reads.get_int(eng, first)) == 0:
        base = 1
    count = 0
    while count < _MAX_INSTANCES:
        found = yield from reads.get(c_format(row.oid, base + count))
        if found is None or found.tag in _MISSING:
            break
        count += 1
    return count


def base_index(eng: Engine, row: LiveRow) -> Steps[int]:
    """base_snmp_template_index: the first SNMP index of this kind (probed once)."""
    if row.oid is None:
        return -1
    kind = template_kind(row.name)
    cached = eng.bases[kind]
    if kind != "last":
        eng.bases["last"] = cached
    base = eng.bases["last"]
    if base != -1:
        return base
    unit = eng.current_device + eng.device_offset
    for base in (0, 1, 2):
        if base == 2:
            break
        if row.oid.count("%") > 1:
            pair = (unit, base) if row.flags & DAISY1 else (base, unit)
            probe = c_format(row.oid, *pair)
        else:
            probe = c_format(row.oid, base)
        if (yield from reads.get(probe)) is None:
            continue
        if row.flags & ZERO:
            if (yield from reads.get_int(eng, probe)) not in (None, 0):
                break
        elif row.flags & NA:
            text = yield from reads.get_str(eng, probe, None, reads.SU_BUFSIZE)
            if text is not None and not text.startswith("N/A"):
                break
        else:
            break
    for flag, name in ((OUTLET, "outlet"), (GROUP, "outlet.group"), (AMBIENT, "ambient")):
        if row.flags & flag:
            eng.bases[name] = base
            break
    else:
        eng.bases["device"] = base
    return base


def _instance_name(eng: Engine, kind: str, row: LiveRow, number: int) -> str | None:
    device = eng.current_device
    if kind == "device":
        if device > 0:
            rest = row.name[7:] if row.name.startswith("device.") else row.name
            return f"device.{device}.{rest}"
        return c_format(row.name, number)
    if kind == "ambient" and eng.daisychain and row.flags & MASTER and device != 1:
        return None
    if eng.daisychain and eng.devices_count > 1 and device > 0:
        return c_format("device.%i." + row.name, device, number)
    return c_format(row.name, number)


def _instance_oid(eng: Engine, kind: str, row: LiveRow, number: int, old: str) -> str:
    assert row.oid is not None
    unit = eng.current_device + eng.device_offset
    if kind == "device":
        return c_format(row.oid, unit) if eng.current_device > 0 else old
    if eng.daisychain and row.flags & DAISY1:
        return c_format(row.oid, unit, number)
    if eng.daisychain and row.flags & DAISY2:
        return c_format(row.oid, number + eng.device_offset, eng.current_device - eng.device_offset)
    return c_format(row.oid, number)


def process_template(eng: Engine, mode: str, kind: str, row: LiveRow) -> Steps[bool]:
    """process_template: each instance of a template row, read or declared."""
    ok = True
    device = eng.current_device
    if kind != "device" and eng.devices_count > 1 and device > 0:
        count_name = f"device.{device}.{kind}.count"
    else:
        count_name = f"{kind}.count"
    published = eng.dstate.get(count_name)
    if published is None:
        count = yield from guess_count(eng, row)
        if count > 0:
            eng.dstate.set(count_name, str(count))
    else:
        count = min(atoi(published), _MAX_INSTANCES)  # an agent's nonsense count: not forever
    if count <= 0:
        return ok
    instance = row.copy()
    instance.oid = "" if row.oid is not None else None
    base = yield from base_index(eng, row)
    nut_index = 0
    for number in range(base, count + base):
        name = _instance_name(eng, kind, row, number)
        if name is None:
            continue
        instance.name = name
        if kind != "device" or device == 0:
            nut_index = number
        if row.default is not None and "%i" in row.default:
            instance.default = c_format(row.default, nut_index)
        if instance.oid is not None:
            instance.oid = _instance_oid(eng, kind, row, number, instance.oid)
            if row.kind == CMD:
                if mode == INIT:
                    eng.dstate.add_command(instance.name)
            else:
                ok = yield from get_and_process(eng, mode, instance)
        else:
            set_info(eng, instance, None)
        row.flags = instance.flags
    return ok


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
    name = row.name.lower()
    if name in ("ups.status", "ups.alarms") or row.name[row.name.rfind("."):] == ".alarm":
        return (yield from _read_status(eng, row))
    if name == "ambient.temperature":
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
    if row.name.lower() == "ups.status" or row.name[row.name.rfind("."):].lower() == ".alarm":
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
