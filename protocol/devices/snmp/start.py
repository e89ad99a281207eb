"""snmp-ups from start-up to each update: picking the mapping, initups, initinfo, updateinfo.

How ``mibs = auto`` picks (load_mib2nut in 2.8.0), in order: read sysObjectID
and take the first mapping whose sysObjectID equals it *and* whose model OID
(device.model, else ups.model) the agent answers; three tries. Then, the
"classic" way: the first mapping in NUT's list whose model OID answers. A
``mibs = <name>`` skips the sysObjectID and tries only mappings of that name.
Nothing found: the driver refuses the device (:class:`Refused`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from nutrio.protocol.devices.snmp import reads, setoid, status
from nutrio.protocol.devices.snmp.engine import Engine, Steps
from nutrio.protocol.devices.snmp.model import CMD, GROUP, OK, OUTLET, Mapping
from nutrio.protocol.devices.snmp.rows import INIT, UPDATE, set_info
from nutrio.protocol.devices.snmp.values import c_format, device_count
from nutrio.protocol.devices.snmp.walk import base_index, guess_count, process_template, walk

__all__ = ["SYSOID", "Refused", "model_oid", "same_oid", "load_mapping", "init_ups", "init_info",
           "update_info", "walk_due"]

SYSOID = ".1.3.6.1.2.1.1.2.0"
#: daisy-chained units nutrio walks at most (ePDU chains are a handful)
MAX_DEVICES = 64
_SYSTEM = {"description": ".1.3.6.1.2.1.1.1.0", "contact": ".1.3.6.1.2.1.1.4.0",
           "location": ".1.3.6.1.2.1.1.6.0"}


class Refused(Exception):
    """The driver would exit at start-up (NUT's fatalx): why, in NUT's words."""


def same_oid(a: str, b: str) -> bool:
    """Two OIDs compared whole, arc by arc (a leading dot or not)."""
    left = _arcs(a)
    return left is not None and left == _arcs(b)


def _arcs(oid: str) -> tuple[int, ...] | None:
    try:
        return tuple(int(p) for p in oid.strip(".").split("."))
    except ValueError:
        return None


def model_oid(mapping: Mapping, first: str = "device.model",
              second: str = "ups.model") -> str | None:
    """Where a mapping reads its model (the first name it has a row for)."""
    for wanted in (first, second):
        row = next((r for r in mapping.rows if r.name.lower() == wanted), None)
        if row is not None:
            oid = row.oid or ""
            return c_format(oid, 0) if "%" in oid else oid
    return None


def _match_model(eng: Engine, mapping: Mapping) -> Steps[bool]:
    """match_model_OID: does the agent answer this mapping's device.model/ups.model?"""
    oid = model_oid(mapping, "device.model", "ups.model")
    if oid is None:
        return False
    return (yield from reads.get_str(eng, oid, None, reads.LARGEBUF)) is not None


def _match_sysoid(eng: Engine, mappings: Sequence[Mapping]) -> Steps[Mapping | None]:
    sysoid = yield from reads.get_oid(SYSOID)
    device = _arcs(sysoid) if sysoid is not None else None
    if device is None:
        return None
    for mapping in mappings:
        if mapping.sysoid is None or _arcs(mapping.sysoid) != device:
            continue
        if (yield from _match_model(eng, mapping)):
            return mapping
    return None


def load_mapping(eng: Engine, mappings: Sequence[Mapping]) -> Steps[Mapping]:
    """load_mib2nut: the mapping for the ``mibs`` option; raises :class:`Refused`."""
    wanted = eng.options.mibs
    found = None
    if wanted == "auto":
        for _ in range(3):
            found = yield from _match_sysoid(eng, mappings)
            if found is not None:
                break
    seen = False
    if found is None:
        for mapping in mappings:
            if wanted not in ("auto", mapping.name):
                continue
            seen = seen or wanted != "auto"
            if (yield from _match_model(eng, mapping)):
                found = mapping
                break
    if found is not None:
        eng.use(found)
        return found
    if wanted == "auto":
        raise Refused("No supported device detected")
    if seen:
        raise Refused(f"Requested 'mibs' value '{wanted}' did not match this device")
    raise Refused(f"Unknown 'mibs' value: {wanted}")


def init_ups(eng: Engine) -> Steps[str]:
    """upsdrv_initups after the mapping is chosen; returns the model it detected."""
    eng.semistatic_countdown = eng.options.semistaticfreq
    assert eng.mapping is not None
    oid = model_oid(eng.mapping, "ups.model", "device.model")
    model = yield from reads.get_str(eng, oid, None, reads.SU_INFOSIZE) if oid else _none()
    if model is None:
        raise Refused(f"{eng.options.mibs} MIB wasn't found")
    yield from _daisychain_init(eng)
    eng.phases = {n: [-1, -1, -1] for n in range(eng.devices_count + 1)}
    if eng.find("load.off.delay"):
        eng.dstate.add_command("load.off")
    if eng.find("load.on.delay"):
        eng.dstate.add_command("load.on")
    if eng.find("load.off.delay") and eng.find("load.on.delay"):
        eng.dstate.add_command("shutdown.return")
        eng.dstate.add_command("shutdown.stayoff")
    for part, sys_oid in _SYSTEM.items():
        if eng.dstate.get(f"device.{part}") is None and eng.dstate.get(f"device.1.{part}") is None:
            text = yield from reads.get_str(eng, sys_oid, None, reads.SU_INFOSIZE)
            if text is not None:
                eng.dstate.set(f"device.{part}", text)
    yield from setoid.set_delays(eng)
    return model


def _none() -> Steps[None]:
    return None
    yield  # a generator that asks nothing


def _daisychain_init(eng: Engine) -> Steps[None]:
    row = eng.find("device.count")
    if row is not None:
        eng.daisychain = True
        if row.oid is not None and "%i" not in row.oid:
            count = -1
            if row.lookup is not None and row.lookup.parse == "device_count":
                text = yield from reads.get_str(eng, row.oid, row.lookup, 1024)
                if text is not None:
                    count = device_count(text)
            if count == -1:
                number = yield from reads.get_int(eng, row.oid)
                count = 1 if number is None else number
        else:
            count = yield from guess_count(eng, row)
        count = min(count, MAX_DEVICES)  # NUT would walk billions of units an agent claims
        eng.devices_count = count
        if count < 1:
            eng.devices_count, eng.daisychain = 1, False
        else:
            eng.dstate.set("device.count", str(count))
            mfr = eng.find("ups.mfr") if eng.find("device.mfr") else None
            if mfr is not None:
                set_info(eng, mfr, None)
            kind = eng.find("device.type")
            if kind is not None and kind.default is not None:
                eng.dstate.set("device.model", f"daisychain {kind.default} (1+{count - 1})")
                eng.dstate.set("device.type", kind.default)
            else:
                eng.dstate.set("device.model", f"daisychain (1+{count - 1})")
    model = eng.find("device.model")
    if model is not None:
        base = yield from base_index(eng, model)
        eng.bases["device"] = base
        eng.device_offset = base - 1


def _add_command(eng: Engine, row_index: int) -> Steps[None]:
    """su_addcmd: a chain declares it per device; otherwise only when its OID answers."""
    row = eng.rows[row_index]
    if eng.daisychain:
        for device in range(1, eng.devices_count + 1):
            eng.current_device = device
            yield from process_template(eng, INIT, "device", row)
        eng.current_device = eng.devices_count + 1
    elif (yield from reads.get(row.oid)) is not None:
        eng.dstate.add_command(row.name)


def init_info(eng: Engine) -> Steps[bool]:
    """upsdrv_initinfo: commands, quirks, then the first (INIT) walk."""
    assert eng.mapping is not None
    eng.dstate.set("driver.version.data", eng.mapping.version_data)
    for index, row in enumerate(eng.rows):
        row.flags |= OK
        if row.kind == CMD and not row.flags & (OUTLET | GROUP):
            yield from _add_command(eng, index)
    if eng.options.notransferoids:
        for row in eng.rows:
            if row.name.lower() in ("input.transfer.low", "input.transfer.high"):
                row.flags &= ~OK
    eng.comm_ok = yield from walk(eng, INIT)
    return eng.comm_ok


def walk_due(eng: Engine, now: int) -> bool:
    """Whether upsdrv_updateinfo walks at ``now`` (whole seconds, as time(NULL))."""
    return eng.lastpoll is None or now > eng.lastpoll + eng.options.pollfreq


def update_info(eng: Engine, clock: Callable[[], int]) -> Steps[bool]:
    """upsdrv_updateinfo: a walk once more than pollfreq seconds have passed since the
    last one ended; True when the data is good (NUT's dataok)."""
    if not walk_due(eng, clock()):
        return eng.comm_ok
    status.alarm_init(eng)
    status.status_init(eng)
    eng.comm_ok = yield from walk(eng, UPDATE)
    if not eng.daisychain:
        status.alarm_commit(eng)
    status.status_commit(eng)
    if eng.daisychain:
        status.alarm_commit(eng)
    eng.lastpoll = clock()
    return eng.comm_ok
