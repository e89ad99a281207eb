"""dummy-ups' table of known variables (NUT 2.8.0, drivers/dummy-ups.h).

dummy-ups marks every variable it sets from a file writable. Variables in its
table get the table's type; any other name is served as ``RW STRING:32``.
The types below were read back from the real 2.8.0 binary with upsd's
``GET TYPE`` (a table entry without the string flag prints as ``NUMBER``).
Names are compared case-insensitively, as dummy-ups' find_info does.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from nutrio.protocol.common.state import VarInfo

__all__ = [
    "COMMANDS",
    "DEMO_COMMANDS",
    "DEMO_INITIAL",
    "INITIAL_VARS",
    "KNOWN_VARS",
    "UNKNOWN_VAR_INFO",
    "demo_command_effect",
    "known_info",
]

#: Flags dummy-ups gives a name missing from its table (ST_FLAG_STRING | ST_FLAG_RW, aux 32).
UNKNOWN_VAR_INFO = VarInfo(rw=True, string_len=32)

_NUMBER = VarInfo(rw=True)


def _string(length: int) -> VarInfo:
    return VarInfo(rw=True, string_len=length)


_STRINGS = {
    "ups.mfr": 32,
    "ups.model": 32,
    "ups.status": 32,
    "ups.serial": 32,
    "ups.alarm": 32,
    "ups.time": 16,
    "ups.date": 16,
    "ups.mfr.date": 16,
    "ups.firmware": 16,
    "ups.firmware.aux": 16,
    "ups.id": 16,
    "ups.test.result": 16,
    "input.transfer.reason": 1,
    "input.sensitivity": 1,
    "input.quality": 6,
}

_NUMBERS = (
    "ups.load ups.temperature ups.delay.start ups.delay.reboot ups.delay.shutdown"
    " ups.test.interval"
    " input.voltage input.voltage.maximum input.voltage.minimum input.voltage.nominal"
    " input.transfer.low input.transfer.high input.frequency"
    " input.transfer.boost.low input.transfer.boost.high"
    " input.transfer.trim.low input.transfer.trim.high"
    " output.voltage output.frequency output.current"
    " battery.charge battery.charge.low battery.voltage battery.current battery.runtime"
    " battery.runtime.low battery.charge.restart battery.temperature battery.voltage.nominal"
    " ambient.temperature ambient.temperature.alarm ambient.temperature.high"
    " ambient.temperature.low ambient.humidity ambient.humidity.alarm ambient.humidity.high"
    " ambient.humidity.low"
).split()

#: Lower-case name -> the flags dummy-ups gives it.
KNOWN_VARS: Mapping[str, VarInfo] = MappingProxyType(
    {**{n: _string(n_len) for n, n_len in _STRINGS.items()}, **{n: _NUMBER for n in _NUMBERS}}
)

#: Set before the file is read (the table's DU_FLAG_INIT entries), in table order.
INITIAL_VARS: tuple[tuple[str, str], ...] = (
    ("ups.mfr", "Dummy Manufacturer"),
    ("ups.model", "Dummy UPS"),
    ("ups.status", "OL"),
)

#: dummy-ups 2.8.0 registers this one command and answers it with "unknown".
COMMANDS: tuple[str, ...] = ("load.off",)


def known_info(name: str) -> VarInfo:
    """The flags dummy-ups sets for *name* after writing it."""
    return KNOWN_VARS.get(name.lower(), UNKNOWN_VAR_INFO)


#: nutrio's own option ``commands`` (not NUT's: off unless set) lets a simulated UPS
#: take these instant commands, so a demo can show a command that succeeds. Each sets
#: what a real UPS would report afterwards; the NUT 2.8.0 dummy-ups has none of them.
DEMO_COMMANDS: Mapping[str, tuple[tuple[str, str | None], ...]] = MappingProxyType({
    "beeper.enable": (("ups.beeper.status", "enabled"),),
    "beeper.disable": (("ups.beeper.status", "disabled"),),
    "beeper.mute": (("ups.beeper.status", "muted"),),
    "beeper.toggle": (("ups.beeper.status", None),),  # None: enabled <-> disabled
    "test.battery.start": (("ups.test.result", "Done and passed"),),
    "test.battery.start.quick": (("ups.test.result", "Done and passed"),),
    "test.battery.stop": (("ups.test.result", "Aborted"),),
})


#: what the demo commands' variables say before the first command
DEMO_INITIAL: Mapping[str, str] = MappingProxyType({
    "ups.beeper.status": "enabled",
    "ups.test.result": "No test initiated",
})


def demo_command_effect(name: str, current: str | None) -> tuple[str, str]:
    """The variable a demo command sets and its new value (*current*: that variable now).

    Raises:
        KeyError: *name* is not a demo command.
    """
    (var, value), = DEMO_COMMANDS[name]
    if value is None:
        value = "disabled" if current == "enabled" else "enabled"
    return var, value
