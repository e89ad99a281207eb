"""The Huawei UPS2000 register map as NUT 2.8.0's huawei-ups2000 (0.02) reads it: values,
status registers, alarm bits, commands and delays. Facts only; huawei.py uses them.

Addresses are the datasheet's (register 1000 and up); the unit serves unit 1's at
10000 more, its alarms at 1024 more.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

__all__ = ["ALARMS", "AUTOSTART_REGISTER", "BEEPER_REGISTER", "BYPASS_ALARM_REGISTER",
           "COMMANDS", "DELAYS", "STATUS_REGISTERS", "VALUES", "Alarm", "Clear", "Command",
           "Delay", "Kind", "StatusFlag", "Value"]


class Kind(Enum):
    """How a value is stored, and its "no reading" mark."""

    FLOAT = 0x7FFF  # a fixed-point number in one register
    UINT16 = 0xFFFF
    UINT32 = 0xFFFFFFFF  # two registers, high word first


@dataclass(frozen=True, slots=True)
class Value:
    name: str
    fmt: str  # printf's, minus the %
    register: int
    kind: Kind
    scaling: float  # divide by it


#: in NUT's order (its log names the first bad one)
VALUES = (
    Value("input.voltage", "03.1f", 1000, Kind.FLOAT, 10.0),
    Value("input.frequency", "02.1f", 1003, Kind.FLOAT, 10.0),
    Value("input.bypass.voltage", "03.1f", 1004, Kind.FLOAT, 10.0),
    Value("input.bypass.frequency", "03.1f", 1007, Kind.FLOAT, 10.0),
    Value("output.voltage", "03.1f", 1008, Kind.FLOAT, 10.0),
    Value("output.current", "03.1f", 1011, Kind.FLOAT, 10.0),
    Value("output.frequency", "03.1f", 1014, Kind.FLOAT, 10.0),
    Value("output.realpower", "02.1f", 1015, Kind.FLOAT, 0.01),  # units of 100 W
    Value("output.power", "03.1f", 1018, Kind.FLOAT, 0.01),  # units of 100 VA
    Value("ups.load", "02.1f", 1021, Kind.FLOAT, 10.0),
    Value("ups.temperature", "02.1f", 1027, Kind.FLOAT, 10.0),
    Value("battery.voltage", "02.1f", 2000, Kind.FLOAT, 10.0),
    Value("battery.charge", "02.1f", 2003, Kind.UINT16, 1.0),
    Value("battery.runtime", ".0f", 2004, Kind.UINT32, 1.0),
    Value("battery.packs", ".0f", 2007, Kind.UINT16, 1.0),
    Value("battery.capacity", ".0f", 2033, Kind.UINT16, 1.0),
    Value("ups.power.nominal", ".0f", 9009, Kind.FLOAT, 0.01),  # units of 100 VA
)


@dataclass(frozen=True, slots=True)
class StatusFlag:
    """A status word (maybe "") and a variable to set, when ``value`` or ``bit`` matches."""

    word: str
    value: int | None = None
    bit: int | None = None
    var: tuple[str, str] | None = None


#: register -> (one flag must match, its flags), read one at a time in this order
STATUS_REGISTERS: tuple[tuple[int, bool, tuple[StatusFlag, ...]], ...] = (
    (1024, True, (StatusFlag("OFF", 0), StatusFlag("BYPASS", 1), StatusFlag("OL", 2),
                  StatusFlag("OB", 3), StatusFlag("OL ECO", 5))),
    (1043, False, (StatusFlag("CAL", bit=2), StatusFlag("LB", bit=6))),
    # float (3) and equalization (4) charging are both "charging" (NUT's choice)
    (2002, True, (StatusFlag("", 2, var=("battery.charger.status", "resting")),
                  StatusFlag("CHRG", 3, var=("battery.charger.status", "charging")),
                  StatusFlag("CHRG", 4, var=("battery.charger.status", "charging")),
                  StatusFlag("DISCHRG", 5, var=("battery.charger.status", "discharging")))),
)


class Clear(Enum):
    AUTO = "This alarm can be auto cleared."
    MANUAL = "This alarm can only be cleared manually, on the front panel."
    DEPENDING = "This alarm is cleared automatically or manually, depending on the problem."


@dataclass(frozen=True, slots=True)
class Alarm:
    register: int
    bit: int
    clear: Clear
    serious: bool  # NUT logs it as an alert (else a warning)
    alarm_id: int
    cause: int
    word: str | None  # a status word it adds
    name: str


#: the alarm registers are read in one block from the first one's
ALARMS = (
    Alarm(40156, 3, Clear.AUTO, True, 30, 1, None, "UPS internal overtemperature"),
    Alarm(40161, 1, Clear.AUTO, False, 10, 1, None, "Abnormal bypass voltage"),
    Alarm(40161, 2, Clear.AUTO, False, 10, 2, None, "Abnormal bypass frequency"),
    Alarm(40163, 3, Clear.DEPENDING, False, 25, 1, None, "Battery overvoltage"),
    Alarm(40164, 1, Clear.AUTO, False, 29, 1, "RB", "Battery needs maintenance"),
    Alarm(40164, 3, Clear.AUTO, False, 26, 1, None, "Battery undervoltage"),
    Alarm(40170, 4, Clear.AUTO, True, 22, 1, None, "Battery disconnected"),
    Alarm(40173, 5, Clear.AUTO, True, 66, 1, "OVER", "Output overload (105%-110%)"),
    Alarm(40173, 3, Clear.AUTO, True, 66, 2, "OVER", "Output overload (110%-130%)"),
    Alarm(40174, 0, Clear.DEPENDING, True, 14, 1, None, "UPS startup timeout"),
    Alarm(40179, 14, Clear.MANUAL, True, 42, 15, None, "Rectifier fault (internal fault)"),
    Alarm(40179, 15, Clear.MANUAL, True, 42, 17, None, "Rectifier fault (internal fault)"),
    Alarm(40180, 1, Clear.MANUAL, True, 42, 18, None, "Rectifier fault (internal fault)"),
    Alarm(40180, 5, Clear.AUTO, True, 42, 24, None, "EEPROM fault (internal fault)"),
    Alarm(40180, 6, Clear.MANUAL, True, 42, 27, None, "Inverter fault (internal fault)"),
    Alarm(40180, 7, Clear.DEPENDING, True, 42, 28, None, "Inverter fault (internal fault)"),
    Alarm(40180, 10, Clear.MANUAL, True, 42, 31, None, "Inverter fault (internal fault)"),
    Alarm(40180, 11, Clear.DEPENDING, True, 42, 32, None, "UPS internal overtemperature"),
    Alarm(40180, 13, Clear.MANUAL, True, 42, 36, None, "Charger fault (internal fault)"),
    Alarm(40182, 4, Clear.MANUAL, True, 42, 42, None, "Charger fault (internal fault)"),
    Alarm(40182, 13, Clear.MANUAL, True, 66, 3, "OVER", "Output overload shutdown"),
    Alarm(40182, 14, Clear.MANUAL, True, 66, 4, "OVER", "Bypass output overload shutdown"),
)
#: the bypass input is out of range: bypass.start is refused
BYPASS_ALARM_REGISTER = 40161


@dataclass(frozen=True, slots=True)
class Command:
    """An instant command: plain register writes, or a handler's name with its register.

    ``handler`` with ``register`` None is what NUT 2.8.0's table says for bypass.start
    and the shutdown.return/reboot commands: its instcmd refuses a handled command
    without a register (it answers "unknown" and does nothing).
    """

    name: str
    writes: tuple[tuple[int, int], ...] = ()
    handler: str | None = None
    register: int | None = None


COMMANDS = (
    Command("test.battery.start.quick", ((2028, 1),)),
    Command("test.battery.start.deep", ((2021, 1),)),
    Command("test.battery.stop", ((2023, 1),)),
    Command("beeper.enable", ((1046, 0),)),
    Command("beeper.disable", ((1046, 1),)),
    Command("load.off", ((1045, 0), (1030, 1))),
    Command("bypass.stop", ((1029, 1), (1045, 0))),
    Command("load.on", handler="load_on", register=1029),
    Command("bypass.start", handler="bypass_start"),
    Command("beeper.toggle", handler="beeper_toggle", register=1046),
    Command("shutdown.stayoff", handler="shutdown_stayoff", register=1049),
    Command("shutdown.return", handler="shutdown_return"),
    Command("shutdown.reboot", handler="shutdown_reboot"),
    Command("shutdown.reboot.graceful", handler="shutdown_reboot_graceful"),
)
AUTOSTART_REGISTER = 1044
BEEPER_REGISTER = 1046


@dataclass(frozen=True, slots=True)
class Delay:
    name: str
    option: str
    low: int
    high: int
    step: int
    default: int = 60


DELAYS = (
    Delay("ups.delay.shutdown", "offdelay", 6, 5940, 6),
    Delay("ups.delay.reboot", "rebootdelay", 6, 5940, 6),
    Delay("ups.delay.start", "ondelay", 60, 5940, 60),
)
