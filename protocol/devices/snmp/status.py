"""ups.status and ups.alarm as snmp-ups builds them: words gathered during a walk, then committed.

NUT's driver core keeps two buffers. Each status row adds its lookup's words
(in table order, repeats kept, "" adds nothing); each alarm row adds its text,
prefixed with the outlet, outlet group or phase it is about. After the walk
the alarms are committed (ups.alarm set, or removed when there are none) and
then ups.status, led by "ALARM" while an alarm is active. In a daisy chain
each device's alarms go to device.N.ups.alarm.
"""

from __future__ import annotations

from nutrio.protocol.devices.snmp.ber import Tag, VarBind
from nutrio.protocol.devices.snmp.engine import Engine, LiveRow
from nutrio.protocol.devices.snmp.model import GROUP, OUTLET
from nutrio.protocol.devices.snmp.reads import find_infoval
from nutrio.protocol.devices.snmp.values import atoi

__all__ = ["status_init", "status_from", "status_commit", "alarm_init", "alarm_from",
           "alarms_from", "alarm_commit", "device_alarm_commit"]


def status_init(eng: Engine) -> None:
    eng.ignorelb = eng.dstate.get("driver.flag.ignorelb") is not None
    eng.status_buf = []


def _status_set(eng: Engine, word: str) -> None:
    if eng.ignorelb and word.lower() == "lb":
        return
    eng.status_buf.append(word)


def status_from(eng: Engine, row: LiveRow, value: int) -> None:
    """su_status_set: the words a status row's value stands for."""
    text = find_infoval(eng, row.lookup, value) if row.lookup else None
    if text:
        _status_set(eng, text)


def _below(eng: Engine, name: str) -> bool:
    value, low = eng.dstate.get(name), eng.dstate.get(f"{name}.low")
    return value is not None and low is not None and atoi(value) < atoi(low)


def status_commit(eng: Engine) -> None:
    if eng.ignorelb and (_below(eng, "battery.charge") or _below(eng, "battery.runtime")):
        eng.status_buf.append("LB")  # ignorelb: the driver decides LB from the levels
    words = " ".join(eng.status_buf)
    eng.dstate.set("ups.status", f"ALARM {words}" if eng.alarm_active else words)


def alarm_init(eng: Engine) -> None:
    eng.alarm_active = 0
    eng.alarm_buf = []


def alarm_from(eng: Engine, row: LiveRow, value: int) -> None:
    """su_alarm_set: an alarm row's text, with its outlet or phase in front."""
    name = row.name
    if name.startswith("device."):
        dot = name.find(".", 7)
        name = name[dot + 1 :] if dot >= 0 else name
    text = find_infoval(eng, row.lookup, value) if row.lookup else None
    if not text:
        return
    if row.flags & (OUTLET | GROUP):
        number = atoi(name[13:] if row.flags & GROUP else name[7:])
        text = f"outlet{' group' if row.flags & GROUP else ''} {number} {text}"
    if name.startswith("L"):
        text = f"phase L{atoi(name[1:])} {text}"
    eng.alarm_buf.append(text)


def alarms_from(eng: Engine, bindings: list[VarBind]) -> None:
    """powerware's ups.alarms: each OID-valued binding that names a known alarm."""
    assert eng.mapping is not None
    for binding in bindings:
        if binding.tag != Tag.OID or not isinstance(binding.value, str):
            continue
        pointed = "." + binding.value
        for alarm in eng.mapping.alarms:
            if alarm.oid == pointed:
                if alarm.status:
                    _status_set(eng, alarm.status)
                if alarm.alarm:
                    eng.alarm_buf.append(alarm.alarm)
                break


def alarm_commit(eng: Engine) -> None:
    if eng.alarm_buf:
        eng.dstate.set("ups.alarm", " ".join(eng.alarm_buf))
        eng.alarm_active = 1
    else:
        eng.dstate.delete("ups.alarm")
        eng.alarm_active = 0


def device_alarm_commit(eng: Engine, device: int) -> None:
    name = f"device.{device}.ups.alarm" if device else "ups.alarm"
    if eng.alarm_buf:
        eng.dstate.set(name, " ".join(eng.alarm_buf))
        eng.alarm_active += 1
    else:
        eng.dstate.delete(name)
