"""The SEC variables of NUT 2.8.0's gamatronic (0.03), by their SEC number.

A SEC unit lists the numbers of the variables it has (answers to AP1 and
AP2); each number names the status command that reads it, its field in
that command's comma-separated answer, and how NUT shows it. Only the rows
with a NUT name are published; the others still count for ups.status
(output source, battery status and condition, the output-off and overload
alarms) and for ups.alarm.

``kind``: "string" and "rw" are shown as the unit sends them, as is every
row with ``unit`` 1; "multi" multiplies (minutes to seconds); the rest are
divided by ``unit`` and shown with one decimal. "wonly" rows are never
read. "alarm" rows put their label in ups.alarm when they read "1"; NUT
tests that flag as a bit mask that "multi" also matches, so "Estimated
Minutes" reading "1" is an alarm too (:data:`ALARM_KINDS`).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ALARM_KINDS", "SEC_VARS", "SecVar"]

ST1, ST2, ST3, ST4, ST5 = "ST1", "ST2", "ST3", "ST4", "ST5"
NOM = "NOM"
ALARM_KINDS = frozenset({"alarm", "multi"})


@dataclass(frozen=True, slots=True)
class SecVar:
    """One SEC variable: NUT's name ("" for none), label, divisor or factor, the command
    that reads it, its field (from 1), read once at start or each update, and kind."""

    nut: str
    label: str
    unit: int
    command: str
    field: int
    once: bool
    kind: str


def _alarm(label: str, field: int) -> SecVar:
    return SecVar("", label, 1, ST5, field, False, "alarm")


def _row(nut: str, label: str, unit: int, command: str, field: int, once: bool = False,
         kind: str = "") -> SecVar:
    return SecVar(nut, label, unit, command, field, once, kind)


_ONCE = True
#: index = SEC number (0 is no variable)
SEC_VARS: tuple[SecVar, ...] = (
    _row("", "", 0, "", 0),
    _alarm("Awaiting Power ", 13), _alarm("Bypass Bad ", 5), _alarm("Charger Failure ", 8),
    _alarm("Fan Failure ", 10), _alarm("Fuse Failure ", 11), _alarm("General Fault ", 12),
    _alarm("Input Bad ", 2), _alarm("Output Bad ", 3), _alarm("Output Off ", 6),
    _alarm("Overload ", 4), _alarm("Shutdown Imminent ", 15), _alarm("Shutdown Pending ", 14),
    _alarm("System Off ", 9), _alarm("Temperature ", 1), _alarm("UPS Shutdown ", 7),
    _row("", "Audible Alarm", 1, NOM, 8, _ONCE, "rw"),
    _row("", "Auto Restart", 1, "ATR", 1, _ONCE, "rw"),
    _row("", "Battery Charge", 1, ST1, 3),
    _row("", "Battery Condition", 1, ST1, 1),
    _row("battery.current", "Battery Current", 10, ST1, 8),
    _row("battery.date", "Battery Installed", 1, NOM, 11, _ONCE, "string"),
    _row("", "Battery Status", 1, ST1, 2),
    _row("battery.temperature", "Battery Temperature", 1, ST1, 9),
    _row("battery.voltage", "Battery Voltage", 10, ST1, 7),
    _row("", "Bypass Current 1", 10, ST4, 4), _row("", "Bypass Current 2", 10, ST4, 7),
    _row("", "Bypass Current 3", 10, ST4, 10), _row("", "Bypass Frequency", 10, ST4, 1),
    _row("", "Bypass Num Lines", 1, ST4, 2), _row("", "Bypass Power 1", 1, ST4, 5),
    _row("", "Bypass Power 2", 1, ST4, 8), _row("", "Bypass Power 3", 1, ST4, 11),
    _row("", "Bypass Voltage 1", 10, ST4, 3), _row("", "Bypass Voltage 2", 10, ST4, 6),
    _row("", "Bypass Voltage 3", 10, ST4, 9),
    _row("battery.charge", "Estimated Charge", 1, ST1, 6),
    _row("battery.runtime.low", "Estimated Minutes", 60, ST1, 5, kind="multi"),
    _row("input.transfer.high", "High Volt Xfer Pt", 1, NOM, 10, _ONCE, "string"),
    _row("ups.id", "Identification", 1, "UID", 1, _ONCE, "string"),
    _row("", "Input Current 1", 10, ST2, 5), _row("", "Input Current 2", 10, ST2, 9),
    _row("", "Input Current 3", 10, ST2, 13),
    _row("input.frequency", "Input Frequency 1", 10, ST2, 3),
    _row("", "Input Frequency 2", 10, ST2, 7), _row("", "Input Frequency 3", 10, ST2, 11),
    _row("", "Input Line Bads", 1, ST2, 1), _row("", "Input Num Lines", 1, ST2, 2),
    _row("", "Input Power 1", 1, ST2, 6), _row("", "Input Power 2", 1, ST2, 10),
    _row("", "Input Power 3", 1, ST2, 14),
    _row("input.voltage", "Input Voltage 1", 10, ST2, 4),
    _row("", "Input Voltage 2", 10, ST2, 8), _row("", "Input Voltage 3", 10, ST2, 12),
    _row("input.transfer.low", "Low Volt Xfer Pt", 1, NOM, 9, _ONCE, "string"),
    _row("ups.mfr", "Manufacturer", 1, "MAN", 1, _ONCE, "string"),
    _row("ups.model", "Model", 1, "MOD", 1, _ONCE, "string"),
    _row("", "Nominal Battery Life", 1, NOM, 12, _ONCE, "string"),
    _row("", "Nominal Input Frequency", 10, NOM, 2, _ONCE, "rw"),
    _row("input.voltage.nominal", "Nominal Input Voltage", 1, NOM, 1, _ONCE, "string"),
    _row("", "Nominal Low Battery Time", 1, NOM, 7, _ONCE, "string"),
    _row("", "Nominal Output Frequency", 10, NOM, 4, _ONCE, "rw"),
    _row("", "Nominal Output Power", 1, NOM, 6, _ONCE, "string"),
    _row("", "Nominal Output Voltage", 1, NOM, 3, _ONCE, "string"),
    _row("ups.power.nominal", "Nominal VA Rating", 1, NOM, 5, _ONCE, "string"),
    _row("output.current", "Output Current 1", 10, ST3, 5),
    _row("", "Output Current 2", 10, ST3, 9), _row("", "Output Current 3", 10, ST3, 13),
    _row("output.frequency", "Output Frequency", 10, ST3, 2),
    _row("ups.load", "Output Load 1", 1, ST3, 7),
    _row("", "Output Load 2", 1, ST3, 11), _row("", "Output Load 3", 1, ST3, 15),
    _row("", "Output Num Lines", 1, ST3, 3), _row("", "Output Power 1", 1, ST3, 6),
    _row("", "Output Power 2", 1, ST3, 10), _row("", "Output Power 3", 1, ST3, 14),
    _row("", "Output Source", 1, ST3, 1),
    _row("output.voltage", "Output Voltage 1", 10, ST3, 4),
    _row("", "Output Voltage 2", 10, ST3, 8), _row("", "Output Voltage 3", 10, ST3, 12),
    _row("", "Reboot With Duration", 1, "RWD", 1, _ONCE, "wonly"),
    _row("battery.runtime", "Seconds on Battery", 1, ST1, 4),
    _row("", "Shutdown Type", 1, "SDA", 1, _ONCE, "rw"),
    _row("ups.delay.shutdown", "Shutdown After Delay", 1, "STD", 1, _ONCE, "wonly"),
    _row("ups.firmware", "Software Version", 1, "VER", 1, _ONCE, "string"),
    _row("", "Startup After Delay", 1, "STD", 1, _ONCE, "wonly"),
    _row("", "Test Results Detail", 1, "STR", 2, _ONCE, "string"),
    _row("", "Test Results Summary", 1, "STR", 1, _ONCE),
    _row("", "Test Type", 1, "TST", 1, _ONCE, "wonly"),
    _row("", "Baud Rate", 1, "UBR", 1, _ONCE, "rw"),
)
