"""What netxml-ups 2.8.0 does with an object's value before it becomes a NUT variable.

Each conversion gets the card's text and the reading's :class:`Context` and
returns the variable's value, or None to set nothing. The status objects only
move bits of ``Context.bits``; NUT keeps those bits from one update to the
next, so a bit the card stops sending keeps its last state.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field

import structlog

from nutrio.protocol.common.cnum import c_atoi
from nutrio.protocol.devices.dummy.devfile import DeviceVars

__all__ = ["CONVERT", "Bit", "Context"]

log = structlog.get_logger()


class Bit(enum.Enum):
    """netxml-ups' status bits (its status_bit_t)."""

    ONLINE = enum.auto()
    DISCHRG = enum.auto()
    CHRG = enum.auto()
    LOWBATT = enum.auto()
    OVERLOAD = enum.auto()
    REPLACEBATT = enum.auto()
    SHUTDOWNIMM = enum.auto()
    TRIM = enum.auto()
    BOOST = enum.auto()
    BYPASSAUTO = enum.auto()
    BYPASSMAN = enum.auto()
    OFF = enum.auto()
    OVERHEAT = enum.auto()
    COMMFAULT = enum.auto()
    INTERNALFAULT = enum.auto()
    FANFAIL = enum.auto()
    NOBATTERY = enum.auto()
    BATTVOLTLO = enum.auto()
    BATTVOLTHI = enum.auto()
    CHARGERFAIL = enum.auto()
    VRANGE = enum.auto()
    FRANGE = enum.auto()
    FUSEFAULT = enum.auto()
    CAL = enum.auto()


@dataclass
class Context:
    """The subdriver's memory between objects and updates."""

    deci: bool = False  # the do_convert_deci flag
    shutdown_duration: int = 120
    bits: set[Bit] = field(default_factory=set)
    ambient: bool = False  # a Transverse card serves the ambient extremes
    shutdown_pending: bool = False
    deci_noted: bool = False

    def flag(self, bit: Bit, on: bool) -> None:
        if on:
            self.bits.add(bit)
        else:
            self.bits.discard(bit)


Convert = Callable[[Context, DeviceVars, str], "str | None"]


def _bit(bit: Bit, when: str = "1", *, yes: bool = False) -> Convert:
    """A status object: the bit is set when the text starts with ``when`` (or "Yes")."""
    def convert(ctx: Context, state: DeviceVars, text: str) -> None:
        on = text[:1] == when or (yes and text[:3].lower() == "yes")
        ctx.flag(bit, on)
        if bit is Bit.DISCHRG and on:
            ctx.bits.discard(Bit.CHRG)  # some cards say charging and discharging at once
    return convert


def _choice(table: dict[str, str], default: str | None) -> Convert:
    """The first character picks the word (yes/no, on/off)."""
    def convert(ctx: Context, state: DeviceVars, text: str) -> str | None:
        return table.get(text[:1], default)
    return convert


def _number_choice(table: dict[int, str]) -> Convert:
    def convert(ctx: Context, state: DeviceVars, text: str) -> str | None:
        return table.get(c_atoi(text))
    return convert


def _deci(ctx: Context, state: DeviceVars, text: str) -> str:
    """Values of old MGE firmwares were 10x too large; only ``do_convert_deci`` divides."""
    if not ctx.deci_noted:
        ctx.deci_noted = True
        if ctx.deci:
            log.info("netxml.convert_deci", dividing=True)
        else:
            log.info("netxml.convert_deci", dividing=False,
                     hint="set do_convert_deci if the card's values are 10x too large")
    if ctx.deci:
        return f"{0.1 * c_atoi(text):.1f}"
    return text


def _deci_nonzero(ctx: Context, state: DeviceVars, text: str) -> str | None:
    return None if c_atoi(text) == 0 else _deci(ctx, state, text)


def _date_time(ctx: Context, state: DeviceVars, text: str) -> str | None:
    """"2008/03/01 15:23:26": ups.date gets the date, the time is the value (C strtok)."""
    date, rest = _token(text, " -")
    if date is not None:
        state.set("ups.date", date)
    return _token(rest, " ")[0]


def _token(text: str, delims: str) -> tuple[str | None, str]:
    """C strtok: the next token and the text after the delimiter that ended it."""
    start = 0
    while start < len(text) and text[start] in delims:
        start += 1
    if start == len(text):
        return None, ""
    end = start
    while end < len(text) and text[end] not in delims:
        end += 1
    return text[start:end], text[end + 1:]


def _capacity(ctx: Context, state: DeviceVars, text: str) -> str:
    return f"{c_atoi(text) / 3600.0:.2f}"  # ampere-seconds to ampere-hours


def _powerfactor(ctx: Context, state: DeviceVars, text: str) -> str:
    return f"{c_atoi(text) / 100.0:.2f}"


def _test_result(ctx: Context, state: DeviceVars, text: str) -> str | None:
    ctx.flag(Bit.CAL, c_atoi(text) == 5)
    return _TEST_RESULTS.get(c_atoi(text))


def _ambient(ctx: Context, state: DeviceVars, text: str) -> str | None:
    return text if ctx.ambient else None


def _timer_shutdown(ctx: Context, state: DeviceVars, text: str) -> str:
    """A shutdown counting down within shutdown_duration is imminent (FSD)."""
    delay = c_atoi(text)
    ctx.shutdown_pending = -1 < delay <= ctx.shutdown_duration
    ctx.flag(Bit.SHUTDOWNIMM, ctx.shutdown_pending)
    return text  # the card's text as it is


def _shutdown_imminent(ctx: Context, state: DeviceVars, text: str) -> None:
    if not ctx.shutdown_pending:  # the shutdown timer decides while it runs
        ctx.flag(Bit.SHUTDOWNIMM, text[:1] == "0" and c_atoi(text) == 0)


_TEST_RESULTS = {1: "done and passed", 2: "done and warning", 3: "done and error",
                 4: "aborted", 5: "in progress", 6: "no test initiated", 7: "test scheduled"}
_UPS_TYPES = {1: "offline / line interactive", 2: "online", 3: "online - unitary/parallel",
              4: "online - parallel with hot standy", 5: "online - hot standby redundancy"}

#: conversion name (table.py's last column) -> conversion
CONVERT: dict[str, Convert] = {
    "online": _bit(Bit.ONLINE),
    "charging": _bit(Bit.CHRG),
    "discharging": _bit(Bit.DISCHRG),
    "lowbatt": _bit(Bit.LOWBATT),
    "overload": _bit(Bit.OVERLOAD),
    "replacebatt": _bit(Bit.REPLACEBATT),
    "trim": _bit(Bit.TRIM),
    "boost": _bit(Bit.BOOST),
    "vrange": _bit(Bit.VRANGE, yes=True),
    "frange": _bit(Bit.FRANGE, yes=True),
    "fusefault": _bit(Bit.FUSEFAULT),
    "internalfault": _bit(Bit.INTERNALFAULT),
    "off": _bit(Bit.OFF, "0"),
    "bypassauto": _bit(Bit.BYPASSAUTO),
    "bypassman": _bit(Bit.BYPASSMAN),
    "fanfail": _bit(Bit.FANFAIL),
    "nobattery": _bit(Bit.NOBATTERY, "0"),  # the card says "present"; NUT keeps "missing"
    "chargerfail": _bit(Bit.CHARGERFAIL, yes=True),
    "battvolthi": _bit(Bit.BATTVOLTHI),
    "battvoltlo": _bit(Bit.BATTVOLTLO),
    "commfault": _bit(Bit.COMMFAULT),
    "overheat": _bit(Bit.OVERHEAT),
    "yes_no": _choice({"1": "yes", "0": "no"}, "<unknown>"),
    "on_off": _choice({"1": "on", "0": "off"}, "<unknown>"),
    "deci": _deci,
    "deci_nonzero": _deci_nonzero,
    "date_time": _date_time,
    "capacity": _capacity,
    "powerfactor": _powerfactor,
    "beeper": _number_choice({1: "disabled", 2: "enabled", 3: "muted"}),
    "ups_type": _number_choice(_UPS_TYPES),
    "sensitivity": _number_choice({0: "normal", 1: "high", 2: "low"}),
    "test_result": _test_result,
    "ambient": _ambient,
    "drycontact": _number_choice({0: "opened", 1: "closed"}),
    "timer_shutdown": _timer_shutdown,
    "shutdown_imminent": _shutdown_imminent,
}
