"""The register tables of NUT 2.8.5's apc_modbus: which register block holds which NUT
variable, how wide and how coded it is, and the command registers and bits.

Facts from drivers/apc_modbus.c and apc_modbus.h (NUT v2.8.5), after APC's
application note MPAO-98KJ7F. A :class:`Register` row's conversion turns the raw
number into the served text; rows without one serve the number as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass
from enum import Enum
from types import MappingProxyType

from nutrio.protocol.devices.modbus import apc_values as av

__all__ = [
    "COMMANDS", "DYNAMIC_MAP", "GROUPS", "INVENTORY_MAP", "OUTLET_COMMAND", "OUTLET_SUFFIXES",
    "STATIC_MAP", "STATUS_MAP", "Group", "Kind", "Register",
]


class Kind(Enum):
    INT = "int"
    UINT = "uint"
    STRING = "string"


#: converts a raw number to text: (raw, row, nominal powers read so far) -> text or None
Convert = Callable[[int, "Register", MutableMapping[str, float]], "str | None"]
#: encodes a SET VAR value into ``length`` registers, None if it does not convert
Encode = Callable[[str, int], "tuple[int, ...] | None"]


@dataclass(frozen=True, slots=True)
class Register:
    var: str
    address: int
    length: int
    kind: Kind
    rw: bool = False
    convert: Convert | None = None
    fmt: str = ""
    scale: int = 0
    #: the nominal power a row keeps (ups.power.nominal) or scales by (ups.power)
    nominal: str | None = None
    encode: Encode | None = None


def _double(raw: int, reg: Register, nominal: MutableMapping[str, float]) -> str:
    value = raw / (1 << reg.scale)
    if reg.nominal is not None:
        nominal[reg.nominal] = value
    return reg.fmt % value


def _power(raw: int, reg: Register, nominal: MutableMapping[str, float]) -> str:
    """A load percentage times the nominal power."""
    percent = raw / (1 << reg.scale)
    return reg.fmt % (percent / 100.0 * nominal.get(reg.nominal or "", 0.0))


def _voltage(raw: int, reg: Register, nominal: MutableMapping[str, float]) -> str:
    return "NA" if raw == 0xFFFF else _double(raw, reg, nominal)


def _date(raw: int, reg: Register, nominal: MutableMapping[str, float]) -> str:
    return av.days_to_date(raw)


def _encode_date(text: str, length: int) -> tuple[int, ...] | None:
    days = av.date_to_days(text)
    return None if days is None else av.from_uint(days, length)


def _efficiency(raw: int, reg: Register, nominal: MutableMapping[str, float]) -> str:
    return av.efficiency(raw, reg.scale, reg.fmt)


def _timer(raw: int, reg: Register, nominal: MutableMapping[str, float]) -> str:
    return av.timer(raw)


def _cause(raw: int, reg: Register, nominal: MutableMapping[str, float]) -> str:
    return av.transfer_reason(raw)


def _test(raw: int, reg: Register, nominal: MutableMapping[str, float]) -> str:
    return av.battery_test_result(raw)


I, U, S = Kind.INT, Kind.UINT, Kind.STRING


def _string(var: str, address: int, length: int, *, rw: bool = False) -> Register:
    return Register(var, address, length, S, rw)


INVENTORY_MAP = (
    _string("ups.firmware", 516, 8),
    _string("ups.model", 532, 16),
    _string("ups.serial", 564, 8),
    Register("ups.power.nominal", 588, 1, U, convert=_double, fmt="%.0f", nominal="power"),
    Register("ups.realpower.nominal", 589, 1, U, convert=_double, fmt="%.0f",
             nominal="realpower"),
    Register("ups.mfr.date", 591, 1, U, convert=_date),
    Register("battery.date", 595, 1, U, rw=True, convert=_date, encode=_encode_date),
    _string("ups.id", 596, 8, rw=True),
    *(_string(f"outlet.group.{n}.name", 604 + 8 * n, 8, rw=True) for n in range(4)),
)

STATUS_MAP = (
    Register("input.transfer.reason", 2, 1, U, convert=_cause),
    Register("ups.test.result", 23, 1, U, convert=_test),
)


def _scaled(var: str, address: int, kind: Kind, scale: int, fmt: str = "%.2f") -> Register:
    return Register(var, address, 1, kind, convert=_double, fmt=fmt, scale=scale)


def _timers(prefix: str, address: int) -> tuple[Register, ...]:
    return (Register(f"{prefix}.timer.shutdown", address, 1, I, convert=_timer),
            Register(f"{prefix}.timer.start", address + 1, 1, I, convert=_timer),
            Register(f"{prefix}.timer.reboot", address + 2, 2, I, convert=_timer))


DYNAMIC_MAP = (
    Register("battery.runtime", 128, 2, U),
    _scaled("battery.charge", 130, U, 9),
    _scaled("battery.voltage", 131, I, 5),
    Register("battery.date.maintenance", 133, 1, U, convert=_date),
    _scaled("battery.temperature", 135, I, 7),
    _scaled("ups.load", 136, U, 8),
    Register("ups.realpower", 136, 1, U, convert=_power, fmt="%.2f", scale=8,
             nominal="realpower"),
    Register("ups.power", 138, 1, U, convert=_power, fmt="%.2f", scale=8, nominal="power"),
    _scaled("output.current", 140, U, 5),
    _scaled("output.voltage", 142, U, 6),
    _scaled("output.frequency", 144, U, 7),
    Register("experimental.output.energy", 145, 2, U),
    Register("input.voltage", 151, 1, U, convert=_voltage, fmt="%.2f", scale=6),
    Register("ups.efficiency", 154, 1, I, convert=_efficiency, fmt="%.1f", scale=7),
    *_timers("ups", 155),
    *_timers("outlet.group.1", 159),
    *_timers("outlet.group.2", 163),
    *_timers("outlet.group.3", 167),
)


def _delays(prefix: str, address: int) -> tuple[Register, ...]:
    return (Register(f"{prefix}.delay.shutdown", address, 1, I, rw=True),
            Register(f"{prefix}.delay.start", address + 1, 1, I, rw=True),
            Register(f"{prefix}.delay.reboot", address + 2, 2, I, rw=True))


STATIC_MAP = (
    Register("input.transfer.high", 1026, 1, U, rw=True),
    Register("input.transfer.low", 1027, 1, U, rw=True),
    *_delays("ups", 1029),
    *_delays("outlet.group.0", 1029),
    *_delays("outlet.group.1", 1034),
    *_delays("outlet.group.2", 1039),
    *_delays("outlet.group.3", 1044),
)


@dataclass(frozen=True, slots=True)
class Group:
    """One outlet group: its SOGRelayConfigSetting bit and its OutletCommand target bit."""

    id: str
    designator: str
    present_bit: int
    target_bit: int


GROUPS = (Group("MOG", "Main", 1 << 0, 1 << 8), Group("SOG0", "Group 1", 1 << 1, 1 << 9),
          Group("SOG1", "Group 2", 1 << 2, 1 << 10), Group("SOG2", "Group 3", 1 << 3, 1 << 11))

#: OutletCommand_BF (2 registers); the value is the command's bits plus its targets
OUTLET_COMMAND = 1538
_ON, _OFF, _SHUTDOWN, _REBOOT = 1 << 1, 1 << 2, 1 << 3, 1 << 4
_USE_ON_DELAY, _USE_OFF_DELAY = 1 << 6, 1 << 7
OUTLET_SUFFIXES: Mapping[str, int] = MappingProxyType({
    "load.off": _OFF,
    "load.on": _ON,
    "load.cycle": _REBOOT,
    "load.off.delay": _OFF | _USE_OFF_DELAY,
    "load.on.delay": _ON | _USE_ON_DELAY,
    "shutdown.return": _SHUTDOWN | _USE_OFF_DELAY,
    "shutdown.stayoff": _OFF | _USE_OFF_DELAY,
    "shutdown.reboot": _REBOOT,
    "shutdown.reboot.graceful": _REBOOT | _USE_OFF_DELAY,
})

#: the other commands: name -> (register, width, value)
COMMANDS: Mapping[str, tuple[int, int, int]] = MappingProxyType({
    "test.battery.start": (1541, 1, 1 << 0),
    "test.battery.stop": (1541, 1, 1 << 1),
    "test.panel.start": (1543, 1, 1 << 0),
    "calibrate.start": (1542, 1, 1 << 0),
    "calibrate.stop": (1542, 1, 1 << 1),
    "bypass.start": (1536, 2, 1 << 4),
    "bypass.stop": (1536, 2, 1 << 5),
    "beeper.mute": (1543, 1, 1 << 2),
})
