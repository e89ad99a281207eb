"""SET VAR and instant commands as snmp-ups 2.8.0 turns them into SNMP SETs (su_setOID).

How it works: the name picks a row (outlet and outlet group names pick their
template, with the number filled into the OID; ``device.N.`` names address a
daisy-chained unit). A STRING row is written as an OCTET STRING; a number as
an INTEGER (a lookup's number for an enum value; the value divided by the
row's multiplier otherwise), or as TimeTicks (seconds * 100) for TYPE_TIME
rows. A command writes its default value. A row the walk retired (no OK flag)
is unknown; a non-integer number is invalid. Results are NUT's
STAT_SET_* outcomes.
"""

from __future__ import annotations

import re

from nutrio.protocol.devices.snmp.ber import Tag, VarBind
from nutrio.protocol.devices.snmp.engine import Engine, LiveRow, Set, Steps
from nutrio.protocol.devices.snmp.model import DAISY1, OK, TIME
from nutrio.protocol.devices.snmp.values import atoi, c_format
from nutrio.protocol.devices.snmp.walk import template_kind

__all__ = ["HANDLED", "UNKNOWN", "INVALID", "FAILED", "instcmd", "setvar", "set_delays",
           "shutdown", "SHUTDOWN_ORDER"]

HANDLED, UNKNOWN, INVALID, FAILED = "handled", "unknown", "invalid", "failed"
#: upsdrv_shutdown tries these in turn
SHUTDOWN_ORDER = ("shutdown.return", "shutdown.reboot", "load.off.delay")
_INSTCMD, _SETVAR = "instcmd", "setvar"


def _str_to_long(text: str | None) -> int | None:
    """NUT's str_to_long(text, base 10): the whole (trimmed) text must be an integer."""
    if text is None or not re.fullmatch(r"[+-]?\d+", text.strip()):
        return None
    return int(text.strip())


def _outlet_row(eng: Engine, name: str, prefix: str, device: int, cmd: bool) -> LiveRow | str:
    """The template instance an outlet (group) name stands for, or a result code."""
    group = template_kind(name) == "outlet.group"
    total = atoi(eng.dstate.get(prefix + ("outlet.group.count" if group else "outlet.count")))
    rest = name[13:] if group else name[7:]
    item = atoi(rest)
    if item > total:
        return INVALID
    dot = rest.find(".")
    kind = "outlet.group" if group else "outlet"
    template = eng.find(f"{kind}.%i{rest[dot:]}") if dot >= 0 else None
    if template is None:
        return UNKNOWN  # NUT 2.8.0 follows a missing template here and crashes (outlet.desc)
    row = template.copy()
    if template.default is not None and "%i" in template.default:
        row.default = c_format(template.default, item)
    if template.oid is None:
        if cmd:
            return UNKNOWN
        row.name = name
        return row
    if eng.daisychain:
        unit = device - (1 if eng.devices_count > 1 else 0)
        pair = (unit, item) if template.flags & DAISY1 else (item, unit)
        row.oid = c_format(template.oid, *pair)
    else:
        row.oid = c_format(template.oid, item)
    return row


def _pick(eng: Engine, name: str, cmd: bool) -> LiveRow | str:
    device, plain, prefix = 0, name, ""
    if name.startswith("device"):
        if name[7:8].isdigit():
            device, plain, prefix = atoi(name[7:]), name[9:], name[:9]
        elif eng.daisychain:
            row = eng.find(name)
            device = 0 if row is not None and (row.oid is None or ".%i" in row.oid) else 1
    if eng.daisychain and eng.devices_count > 1 and device == 0:
        return INVALID  # 2.8.0 does not address the whole chain
    if plain.startswith("outlet"):
        return _outlet_row(eng, plain, prefix, device, cmd)
    row = eng.find(plain)
    if row is None and plain != name:
        row = eng.find(name)
        if (row is None and eng.daisychain and eng.devices_count > 1 and device == 1
                and name.startswith("device.1.")):
            row = eng.find("device." + name[9:])
    return row if row is not None else UNKNOWN


def _set_oid(eng: Engine, mode: str, name: str, value: str | None) -> Steps[str]:
    row = _pick(eng, name, mode == _INSTCMD)
    if isinstance(row, str):
        return row
    if not row.flags & OK or row.oid is None:
        return UNKNOWN
    text = value if value is not None else row.default
    if mode == _INSTCMD and text is None:
        return INVALID
    if row.string:
        binding = VarBind(row.oid, Tag.OCTET_STRING, (text or "").encode("latin-1", "replace"))
    else:
        if mode == _INSTCMD or row.lookup is None:
            number = _str_to_long(text)
            if number is None:
                return INVALID
            if mode == _SETVAR:
                number = int(number / row.length)
        else:
            number = row.lookup.number(text or "")
        if row.kind == TIME:
            binding = VarBind(row.oid, Tag.TIMETICKS, number * 100)
        else:
            binding = VarBind(row.oid, Tag.INTEGER, number)
    took = yield Set(binding)
    if not took:
        return FAILED
    if mode == _SETVAR and value is not None:
        eng.dstate.set(name, value)
    return HANDLED


def instcmd(eng: Engine, name: str, value: str | None = None) -> Steps[str]:
    return (yield from _set_oid(eng, _INSTCMD, name, value))


def setvar(eng: Engine, name: str, value: str) -> Steps[str]:
    return (yield from _set_oid(eng, _SETVAR, name, value))


def set_delays(eng: Engine) -> Steps[None]:
    """ondelay/offdelay into ups.delay.start/ups.delay.shutdown (at start-up and -k)."""
    for seconds, name in ((eng.options.ondelay, "ups.delay.start"),
                          (eng.options.offdelay, "ups.delay.shutdown")):
        if seconds >= 0:
            yield from setvar(eng, name, str(seconds))


def shutdown(eng: Engine) -> Steps[str | None]:
    """upsdrv_shutdown: delays, then the first of SHUTDOWN_ORDER the agent takes."""
    yield from set_delays(eng)
    for name in SHUTDOWN_ORDER:
        if (yield from instcmd(eng, name)) == HANDLED:
            return name
    return None
