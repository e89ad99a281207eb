"""How nutdrv_qx's voltronic protocol builds its commands and settings (preprocess of CMD/SETVAR items).

Settings whose value equals what the UPS already reports are refused (NUT
logs "already set"); the server-side delays are truncated like Megatec's,
but the shutdown delay may go up to 99 minutes. Enum settings of P31 units
and the phase angle send the index of the chosen value.
"""

from __future__ import annotations

import math

from nutrio.protocol.common.cnum import c_atoi, c_strtod
from nutrio.protocol.devices.megatec import blazer_common as bc
from nutrio.protocol.devices.megatec.mecer import test_battery_text
from nutrio.protocol.devices.megatec.qx_item import Item
from nutrio.protocol.devices.megatec.qx_session import Session, c_format

__all__ = [
    "capability_reset",
    "capability_set",
    "capability_set_nonut",
    "enum_index_set",
    "outlet_delay_set",
    "process_command",
    "process_setvar",
]

#: settings refused when the value equals the one last read (their global's name)
_ALREADY = ("max_bypass_freq", "min_bypass_freq", "max_bypass_volt", "min_bypass_volt",
            "battery_number")  # fmt: skip


def process_setvar(s: Session, entry: Item, value: str) -> str | None:
    """voltronic_process_setvar: delays truncated, limits compared, the value into the command."""
    if not value:
        return None
    number = c_strtod(value)
    name = entry.name.lower()
    if name == "ups.delay.start":
        return f"{number - math.fmod(int(number), 60):.0f}"
    if name == "ups.delay.shutdown":
        return f"{number - math.fmod(int(number), 6 if number < 60 else 60):.0f}"
    if name in _ALREADY and s.globals.get(name, 0.0) == number:  # NUT's globals start at 0
        s.note("driver.qx_already_set", name=entry.name, value=value)
        return None
    return c_format(entry.command or "", number)


def _shutdown_delay(s: Session) -> int:
    return c_atoi(s.state.get("ups.delay.shutdown") or "")


def process_command(s: Session, entry: Item, value: str) -> str | None:
    """voltronic_process_command: shutdowns, battery test, beeper toggle."""
    name = entry.name.lower()
    if name == "shutdown.return":
        offdelay = _shutdown_delay(s)
        ondelay = int(c_atoi(s.state.get("ups.delay.start") or "") / 60)
        text = bc.offdelay_text(offdelay) + (f"R{ondelay:04d}" if ondelay else "")
    elif name == "shutdown.stayoff":
        text = bc.offdelay_text(_shutdown_delay(s))
    elif name == "test.battery.start":
        found = test_battery_text(value, 12)
        if found is None:
            s.note("driver.qx_test_time_refused", value=value)
            return None
        text = found
    elif name == "beeper.toggle":
        found = _beeper_toggle(s)
        if found is None:
            return None
        text = found
    else:
        return None
    return c_format(entry.command or "", text)


def _beeper_toggle(s: Session) -> str | None:
    beeper = s.state.get("ups.beeper.status") or ""
    if beeper == "enabled":
        return "OFF"
    if s.globals.get("alarm_control") is not None:
        if beeper == "muted":
            return "ON"
        s.note("driver.qx_beeper_disabled")
        return None
    return "ON" if beeper == "disabled" else ""


def capability_set(s: Session, entry: Item, value: str) -> str | None:
    """yes/no of a capability with a NUT variable: Pxy with E (enable) or D (disable)."""
    letter = {"yes": "E", "no": "D"}.get(value.lower())
    return None if letter is None else c_format(entry.command or "", letter)


def capability_set_nonut(s: Session, entry: Item, value: str) -> str | None:
    """A capability set from ups.conf (enabled/disabled), when it differs from the UPS's."""
    current = s.globals.get(entry.name.lower())
    if current is None:
        return None  # the UPS lacks it
    if value.lower() == current.lower():
        s.note("driver.qx_already_set", name=entry.name, value=value)
        return None
    letter = {"disabled": "D", "enabled": "E"}.get(value.lower())
    return None if letter is None else c_format(entry.command or "", letter)


def capability_reset(s: Session, entry: Item, value: str) -> str | None:
    """reset_to_default (PF): only in Standby Mode (status OFF)."""
    if not s.testvar("reset_to_default"):
        return None
    if "OFF" not in s.ups_status:
        s.note("driver.qx_reset_refused", reason="the UPS is not in Standby Mode (OFF)")
        return None
    return entry.command


def outlet_delay_set(s: Session, entry: Item, value: str) -> str | None:
    """PSKnmmm: the outlet delay in whole minutes."""
    return c_format(entry.command or "", int(c_atoi(value) / 60))


def enum_index_set(s: Session, entry: Item, value: str) -> str | None:
    """Battery type, grid range, phase angle: the index of the value in the enum is sent."""
    choices = [rw.value for rw in entry.info_rw or []]
    lowered = [choice.lower() for choice in choices]
    if value.lower() not in lowered:
        return None
    index = lowered.index(value.lower())
    name = entry.name.lower()
    if name == "work_range_type" and index == s.globals.get("work_range_type", 0):
        return None
    if name == "output_phase_angle" and c_atoi(choices[index]) == s.globals.get(
        "output_phase_angle", 0
    ):
        return None
    return process_setvar(s, entry, str(index))
