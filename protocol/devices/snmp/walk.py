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

from nutrio.protocol.devices.snmp import reads, status
from nutrio.protocol.devices.snmp.ber import Tag
from nutrio.protocol.devices.snmp.engine import Engine, LiveRow, Steps
from nutrio.protocol.devices.snmp.model import (
    AMBIENT,
    CMD,
    DAISY1,
    DAISY2,
    GROUP,
    INPHASES,
    MASTER,
    NA,
    OK,
    OUTLET,
    OUTPHASES,
    ZERO,
    Flag,
)
from nutrio.protocol.devices.snmp.rows import INIT, UPDATE, get_and_process, set_info
from nutrio.protocol.devices.snmp.values import atoi, c_format

__all__ = ["INIT", "UPDATE", "walk", "process_template", "guess_count", "base_index",
           "template_kind"]

#: NUT counts template instances until a GET fails; a v2c agent answers every GET (with
#: noSuchInstance), so NUT counts forever and never starts. nutrio stops at the first
#: instance without a value, and at this many in any case.
_MAX_INSTANCES = 1024
_MISSING = frozenset({Tag.NO_SUCH_OBJECT, Tag.NO_SUCH_INSTANCE, Tag.END_OF_MIB_VIEW})
_PHASE_KINDS = ((0, "input", INPHASES), (1, "output", OUTPHASES),
                (2, "input.bypass", Flag.BYPASS_1 | Flag.BYPASS_3))
_PHASED = INPHASES | OUTPHASES | Flag.BYPASS_1 | Flag.BYPASS_3
_TEMPLATE_KINDS = ((OUTLET, "outlet"), (GROUP, "outlet.group"), (AMBIENT, "ambient"))
_TEMPLATED = OUTLET | GROUP | AMBIENT


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
    if row.flags & _PHASED:  # most rows have none of these flags: skip both loops
        phases = eng.phases.setdefault(device, [-1, -1, -1])
        for slot, kind, mask in _PHASE_KINDS:
            if row.flags & mask:
                keep = yield from _phase_filter(eng, kind, phases, slot, row)
                if not keep:
                    return ok
    if row.flags & _TEMPLATED:
        for flag, kind in _TEMPLATE_KINDS:
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
