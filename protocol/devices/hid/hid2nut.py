"""The HID path -> NUT variable tables: entries, flags and value lookups (usbhid-ups.h).

A subdriver is mostly a table of :class:`Hid2Nut` rows. A row names a NUT
variable (or ``BOOL`` for a status bit, ``ups.alarm`` for an alarm text, or
an instant command), the HID path that feeds it, a printf format (or a
default value for ``ABSENT`` rows, or the value to write for commands), and
an optional :class:`Lookup` that maps HID numbers to NUT strings. Rows for
the same variable are alternatives: the first whose path the device has wins.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import IntFlag
from typing import Protocol

__all__ = [
    "ABSENT",
    "CMD",
    "ENUM",
    "NONE",
    "Q",
    "SEMI",
    "STATIC",
    "AWAITINGPOWER",
    "BATTVOLTHI",
    "BATTVOLTLO",
    "BEEPER",
    "BOOST",
    "BYPASS_AUTO",
    "BYPASS_MANUAL",
    "CALIBRATION",
    "CHARGERFAIL",
    "CHARGING",
    "COMMFAULT",
    "DATE",
    "DEFAULT_LOWBATT",
    "DEFAULT_OFFDELAY",
    "DEFAULT_ONDELAY",
    "DEFAULT_POLLFREQ",
    "DEPLETED",
    "DISCHARGING",
    "DIVIDE_BY_10",
    "FANFAIL",
    "FRANGE",
    "FULLYCHARGED",
    "HEX",
    "KELVIN_CELSIUS",
    "LOWBATT",
    "NOBATTERY",
    "OFF",
    "ONLINE",
    "ON_OFF",
    "OVERHEAT",
    "OVERLOAD",
    "REPLACEBATT",
    "SHUTDOWNIMM",
    "STRING_ID",
    "TEST_READ",
    "TEST_WRITE",
    "TIMELIMITEXPIRED",
    "TRIM",
    "VRANGE",
    "YES_NO",
    "Conversion",
    "Fun",
    "Nuf",
    "Hid2Nut",
    "HuFlag",
    "Lookup",
    "atol",
    "bit",
    "c_format",
    "enum_lookup",
    "func_lookup",
    "truthy",
]

#: usbhid-ups 2.8.0 defaults (usbhid-ups -h)
DEFAULT_ONDELAY = "30"
DEFAULT_OFFDELAY = "20"
DEFAULT_POLLFREQ = 30
DEFAULT_LOWBATT = "30"


class HuFlag(IntFlag):
    """How a row is polled (HU_FLAG_* / HU_TYPE_CMD)."""

    NONE = 0
    STATIC = 2  # read once, at start
    SEMI_STATIC = 4  # read again after a SET or a command
    ABSENT = 8  # the device only has the path; the value is the driver's default
    QUICK_POLL = 16  # read on every poll, not only every pollfreq
    CMD = 64  # an instant command
    ENUM = 128  # a writable variable whose lookup lists its values


#: short names for the tables (NUT's HU_FLAG_* / HU_TYPE_CMD)
NONE, STATIC, SEMI, ABSENT = HuFlag.NONE, HuFlag.STATIC, HuFlag.SEMI_STATIC, HuFlag.ABSENT
Q, CMD, ENUM = HuFlag.QUICK_POLL, HuFlag.CMD, HuFlag.ENUM


class Conversion(Protocol):
    """What value conversions may consult (NUT's lookup functions reach for globals)."""

    def string(self, index: int, size: int = 20) -> str:
        """HIDGetIndexString into a ``size``-byte buffer ("" when absent)."""

    def get(self, name: str) -> str | None:
        """dstate_getinfo."""

    def delete(self, name: str) -> None:
        """dstate_delinfo."""

    def report(self, report_id: int) -> bytes:
        """The buffered bytes of a report, its id first (reportbuf->data[id])."""

    @property
    def status(self) -> frozenset[str]:
        """The remembered status bits (ups_status_get)."""

    @property
    def scratch(self) -> dict[str, object]:
        """Per-device state of the subdriver's conversions (NUT's static variables)."""


Fun = Callable[[float, Conversion], "str | None"]
Nuf = Callable[["str | None", Conversion], float]


@dataclass(frozen=True, slots=True)
class Lookup:
    """HID value <-> NUT string: a table of pairs, or a function pair (info_lkp_t)."""

    pairs: tuple[tuple[int, str], ...] = ()
    fun: Fun | None = None
    nuf: Nuf | None = None

    def to_nut(self, value: float, conv: Conversion) -> str | None:
        if self.fun is not None:
            return self.fun(value, conv)
        for hid, nut in self.pairs:
            if hid == int(value):
                return nut
        return None

    def to_hid(self, text: str | None, conv: Conversion) -> float:
        """The HID value for ``text``; -1 when unknown (hu_find_valinfo). ``text`` is None
        for a command without a default value: only a function may make one up."""
        if self.nuf is not None:
            return self.nuf(text, conv)
        for hid, nut in self.pairs:
            if nut == text:
                return hid
        return -1

    def values(self) -> tuple[str, ...]:
        return tuple(nut for _, nut in self.pairs)


def atol(text: str | None) -> int:
    """C atol/strtol(.., 10): the leading integer of ``text``, 0 if none."""
    body = (text or "").lstrip(" \t\n\r\f\v")
    digits = ""
    for i, ch in enumerate(body):
        if ch.isdigit() or (i == 0 and ch in "+-"):
            digits += ch
        else:
            break
    try:
        return int(digits)
    except ValueError:
        return 0


def c_format(fmt: str, value: float) -> str:
    """printf(fmt, value) for the formats tables use ("%.0f", "%05.1f"); a format without
    a conversion is printed as is (an ABSENT row's default read back after a reconnect)."""
    if "%" not in fmt:
        return fmt
    try:
        return fmt % value
    except (TypeError, ValueError):
        return fmt


def truthy(word: str) -> Lookup:
    """``value ? word : !word`` (the C functions some vendors use instead of a table:
    unlike a table, any non-zero value sets the bit)."""
    return func_lookup(lambda value, conv: word if value else f"!{word}")


def bit(mask: int, word: str) -> Lookup:
    """``(long)value & mask ? word : !word`` (Belkin and PowerCOM status words)."""
    return func_lookup(lambda value, conv: word if int(value) & mask else f"!{word}")


def enum_lookup(*pairs: tuple[int, str]) -> Lookup:
    return Lookup(pairs=tuple(pairs))


def func_lookup(fun: Fun, nuf: Nuf | None = None) -> Lookup:
    return Lookup(fun=fun, nuf=nuf)


@dataclass(frozen=True, slots=True)
class Hid2Nut:
    """One row of a subdriver table (hid_info_t)."""

    var: str
    path: str
    fmt: str | None = None  # printf format; default value (ABSENT); value to write (CMD)
    flags: HuFlag = HuFlag.NONE
    lookup: Lookup | None = None
    rw: bool = False
    string_len: int | None = None

    @property
    def is_command(self) -> bool:
        return bool(self.flags & HuFlag.CMD)


def _bool(word: str, *, inverted: bool = False) -> Lookup:
    on, off = (word, f"!{word}") if not inverted else (f"!{word}", word)
    return enum_lookup((1, on), (0, off))


# Status bits, collected and interpreted later (usbhid-ups.c status_info).
ONLINE = _bool("online")
DISCHARGING = _bool("dischrg")
CHARGING = _bool("chrg")
LOWBATT = _bool("lowbatt")
OVERLOAD = _bool("overload")
REPLACEBATT = _bool("replacebatt")
SHUTDOWNIMM = _bool("shutdownimm")
TRIM = _bool("trim")
BOOST = _bool("boost")
BYPASS_AUTO = _bool("bypassauto")
BYPASS_MANUAL = _bool("bypassman")
#: reversed: devices without the usage are "on"
OFF = _bool("off", inverted=True)
CALIBRATION = _bool("cal")
#: reversed: devices without the usage have a battery
NOBATTERY = _bool("nobattery", inverted=True)
FANFAIL = _bool("fanfail")
OVERHEAT = _bool("overheat")
AWAITINGPOWER = _bool("awaitingpower")
COMMFAULT = _bool("commfault")
TIMELIMITEXPIRED = _bool("timelimitexp")
BATTVOLTLO = _bool("battvoltlo")
BATTVOLTHI = _bool("battvolthi")
CHARGERFAIL = _bool("chargerfail")
FULLYCHARGED = _bool("fullycharged")
DEPLETED = _bool("depleted")
VRANGE = enum_lookup((0, "!vrange"), (1, "vrange"))
FRANGE = enum_lookup((0, "!frange"), (1, "frange"))

TEST_WRITE = enum_lookup((0, "No test"), (1, "Quick test"), (2, "Deep test"), (3, "Abort test"))
TEST_READ = enum_lookup(
    (1, "Done and passed"), (2, "Done and warning"), (3, "Done and error"), (4, "Aborted"),
    (5, "In progress"), (6, "No test initiated"), (7, "Test scheduled"),
)
BEEPER = enum_lookup((1, "disabled"), (2, "enabled"), (3, "muted"))
YES_NO = enum_lookup((0, "no"), (1, "yes"))
ON_OFF = enum_lookup((0, "off"), (1, "on"))


def _date_fun(value: float, conv: Conversion) -> str | None:
    """PDC ManufacturerDate: (year - 1980) * 512 + month * 32 + day."""
    v = int(value)
    if v == 0:
        return "not set"
    return f"{1980 + (v >> 9):04d}/{(v >> 5) & 0x0F:02d}/{v & 0x1F:02d}"


def _date_nuf(text: str | None, conv: Conversion) -> float:
    if text is None:
        return 0
    try:
        year, month, day = (int(p) for p in text.split("/"))
    except ValueError:
        return 0
    if year - 1980 > 127 or month > 12 or day > 31:
        return 0
    return float(((year - 1980) << 9) + (month << 5) + day)


def _hex_fun(value: float, conv: Conversion) -> str | None:
    return f"{int(value) & 0xFFFFFFFFFFFFFFFF:08x}"


def _string_fun(value: float, conv: Conversion) -> str | None:
    return conv.string(int(value))  # a 20-byte buffer: 19 characters at most


def _divide_by_10(value: float, conv: Conversion) -> str | None:
    return f"{value * 0.1:0.1f}"


def _kelvin_celsius(value: float, conv: Conversion) -> str | None:
    # some HP units report Celsius where Kelvin is due: only 273..373 is Kelvin
    if 273 <= value <= 373:
        return f"{value - 273.15:.1f}"
    return f"{value:.1f}"


DATE = func_lookup(_date_fun, _date_nuf)
HEX = func_lookup(_hex_fun)
STRING_ID = func_lookup(_string_fun)
DIVIDE_BY_10 = func_lookup(_divide_by_10)
KELVIN_CELSIUS = func_lookup(_kelvin_celsius)

