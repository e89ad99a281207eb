"""What a MIB-to-NUT mapping is made of: rows, value lookups, alarms and the mapping itself.

A :class:`Mapping` is one of NUT 2.8.0's ``mib2nut`` entries: a name (served in
driver.version.data), the sysObjectID that selects it and a table of
:class:`Row`. A row is one NUT variable or instant command read from (or
written to) one OID, with NUT's flags; a name holding ``%i`` is a template
(outlets, outlet groups, ambient sensors, daisy-chained devices). The tables
in protocol/devices/snmp/mibs/ are data only; protocol/devices/snmp/walk.py
reads them the way snmp-ups does.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "Flag", "Row", "Lookup", "Mapping", "Alarm", "r", "lk", "NO_FLAGS", "TYPES", "INPHASES", "OUTPHASES",
    "BYPPHASES",
    "OK", "STATIC", "ABSENT", "STALE", "NEG", "UNIQUE", "ZERO", "NA", "CMDOFF", "SEMI", "GROUP",
    "OUTLET", "IN1", "IN3", "OUT1", "OUT3", "BYP1", "BYP3", "INT", "TIME", "CMD", "DAISY1",
    "DAISY2", "DAISY", "MASTER", "AMBIENT", "PWR", "BATT", "CAL", "RB",
]


class Flag:
    """snmp-ups' per-row flags (snmp-ups.h SU_*) under their meaning: bits of a plain int
    (the walk tests them for every row of every walk; enum flags cost microseconds)."""

    OK = 1 << 0  # served (cleared when the agent lacks the OID)
    STATIC = 1 << 1  # read once, at start-up
    ABSENT = 1 << 2  # not on the device: serve the default
    STALE = 1 << 3  # the last read failed
    NEGINVALID = 1 << 4  # a negative value means "not available"
    UNIQUE = 1 << 5  # the first row that reads disables same-named rows
    ZEROINVALID = 1 << 6  # 0 means "not available"
    NAINVALID = 1 << 7  # "N/A" means "not available" (template index probe)
    CMD_OFFSET = 1 << 8  # outlet commands address index + 1
    SEMI_STATIC = 1 << 9  # re-read every semistaticfreq walks only
    OUTLET_GROUP = 1 << 10
    OUTLET = 1 << 11
    INPUT_1 = 1 << 12  # only when input.phases is 1
    INPUT_3 = 1 << 13
    OUTPUT_1 = 1 << 14
    OUTPUT_3 = 1 << 15
    BYPASS_1 = 1 << 16
    BYPASS_3 = 1 << 17
    TYPE_INT = 1 << 18  # written as an integer
    TYPE_TIME = 1 << 19  # written as TimeTicks (seconds * 100)
    TYPE_CMD = 1 << 20  # an instant command, not a variable
    DAISY_1 = 1 << 21  # the device number is the first %i of the OID
    DAISY_2 = 1 << 22  # ... the second
    DAISY = 1 << 23
    DAISY_MASTER_ONLY = 1 << 24  # served for the chain's first device only
    AMBIENT = 1 << 25  # ambient sensor template
    STATUS_PWR = 1 << 26  # ups.status parts (no effect beyond documentation)
    STATUS_BATT = 1 << 27
    STATUS_CAL = 1 << 28
    STATUS_RB = 1 << 29


OK, STATIC, ABSENT, STALE = Flag.OK, Flag.STATIC, Flag.ABSENT, Flag.STALE
NEG, UNIQUE, ZERO, NA = Flag.NEGINVALID, Flag.UNIQUE, Flag.ZEROINVALID, Flag.NAINVALID
CMDOFF, SEMI, GROUP, OUTLET = Flag.CMD_OFFSET, Flag.SEMI_STATIC, Flag.OUTLET_GROUP, Flag.OUTLET
IN1, IN3, OUT1, OUT3 = Flag.INPUT_1, Flag.INPUT_3, Flag.OUTPUT_1, Flag.OUTPUT_3
BYP1, BYP3 = Flag.BYPASS_1, Flag.BYPASS_3
INT, TIME, CMD = Flag.TYPE_INT, Flag.TYPE_TIME, Flag.TYPE_CMD
DAISY1, DAISY2, DAISY, MASTER = Flag.DAISY_1, Flag.DAISY_2, Flag.DAISY, Flag.DAISY_MASTER_ONLY
AMBIENT, PWR, BATT = Flag.AMBIENT, Flag.STATUS_PWR, Flag.STATUS_BATT
CAL, RB = Flag.STATUS_CAL, Flag.STATUS_RB

TYPES = Flag.TYPE_INT | Flag.TYPE_TIME | Flag.TYPE_CMD
INPHASES = Flag.INPUT_1 | Flag.INPUT_3
OUTPHASES = Flag.OUTPUT_1 | Flag.OUTPUT_3
BYPPHASES = Flag.BYPASS_1 | Flag.BYPASS_3


@dataclass(frozen=True, slots=True)
class Lookup:
    """Agent integer <-> NUT text, in table order. ``function`` names a conversion that
    replaces the pairs when reading (usdate_to_isodate, temperature_unit,
    temperature_read); ``parse`` one that turns text into a number (device_count)."""

    pairs: tuple[tuple[int, str], ...] = ()
    function: str | None = None
    parse: str | None = None

    def text(self, value: int) -> str | None:
        """su_find_infoval: the first entry for ``value``; None: not listed. An entry
        whose text is "NULL" ends the search, as in NUT (cyberpower's power status)."""
        for number, text in self.pairs:
            if text == "NULL":
                break
            if number == value:
                return text
        return None

    def number(self, text: str) -> int:
        """su_find_valinfo: the first entry for ``text``; -1 when none (NUT writes that)."""
        for number, known in self.pairs:
            if known == "NULL":
                break
            if known == text:
                return number
        return -1


@dataclass(frozen=True, slots=True)
class Row:
    """One snmp_info_t entry: a variable or command, its OID and NUT's flags.

    ``length`` is a STRING's size (upsd's STRING:n) or a number's multiplier.
    """

    name: str
    oid: str | None
    default: str | None = None
    string: bool = False
    rw: bool = False
    length: float = 1.0
    flags: int = 0
    lookup: Lookup | None = None


@dataclass(frozen=True, slots=True)
class Alarm:
    """An alarm OID powerware's ``ups.alarms`` table can point at, with its status word
    and ups.alarm text."""

    oid: str
    status: str | None = None
    alarm: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Mapping:
    """One mib2nut entry. ``sysoid``: the sysObjectID that selects it (compared whole)."""

    name: str
    version: str
    rows: tuple[Row, ...]
    sysoid: str | None = None
    power_status: str | None = None
    auto_check: str | None = None
    alarms: tuple[Alarm, ...] = ()
    #: False for tables added after 2.8.0: nothing to compare them with
    oracle: bool = True

    @property
    def version_data(self) -> str:
        """driver.version.data as snmp-ups serves it."""
        return f"{self.name} MIB {self.version}"


NO_FLAGS = 0


def r(name: str, kind: str, length: float, oid: str | None, default: str | None,
      flags: int = NO_FLAGS, lookup: Lookup | None = None) -> Row:
    """A row in the tables' short form: ``kind`` is "", "s" (STRING), "w" (RW) or "sw"."""
    return Row(name, oid, default, "s" in kind, "w" in kind, float(length), flags, lookup)


def lk(*pairs: tuple[int, str], function: str | None = None, parse: str | None = None) -> Lookup:
    return Lookup(pairs, function, parse)
