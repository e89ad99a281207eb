"""U-Talk: two-letter requests (``Ss``, ``Bv``, ``Bl ?``), one reply line each.

A request ends in CR LF; a reply ends in CR (an LF is skipped). ``?`` means the unit
does not know the request, ``OK`` that it did what it was told. Status replies are
bit strings of eight characters, written, as MGE counts, from bit 7 down to bit 0
(``Ls`` has two, blank-separated). Numbers are scaled by the multiplier table the
unit names in its ``Ai`` reply (volts, amperes, hertz...).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from nutrio.protocol.common.cnum import c_atoi, c_strtod

__all__ = ["ITEMS", "Item", "Unit", "extract", "identify", "identify_legacy",
           "multiplier_table", "status_words"]


class Unit(IntEnum):
    VOLT = 0
    AMPERE = 1
    HERTZ = 2
    VOLTAMP = 3
    WATT = 4
    DEGCELS = 5
    MIN2SEC = 6
    NONE = 7


#: the four multiplier tables by number (0: raw readings), one factor per unit
MULTIPLIERS = ((1, 1, 1, 1, 1, 1, 60, 1),
               (1, 1, 0.1, 1000, 1000, 1, 60, 1),
               (0.01, 0.01, 1, 1, 1, 1, 60, 1),
               (1, 0.01, 0.1, 1, 1, 1, 60, 1))


@dataclass(frozen=True, slots=True)
class Item:
    """A variable read with one request; ``width`` > 0: writable, a string that long."""

    var: str
    request: str
    fmt: str  # a C printf format: "%05.1f", "%05d", "%03d"...
    unit: Unit = Unit.NONE
    width: int = 0


ITEMS = (
    Item("battery.charge", "Bl", "%05.1f"),
    Item("battery.runtime", "Bn", "%05d"),
    Item("battery.voltage", "Bv", "%05.1f", Unit.VOLT),
    Item("battery.charge.low", "Bl ?", "%02d", width=2),
    Item("battery.voltage.nominal", "Bv ?", "%05.1f", Unit.VOLT),
    Item("ups.temperature", "St", "%05.1f", Unit.DEGCELS),
    Item("ups.load", "Ll", "%05.1f"),
    Item("ups.delay.start", "Sm ?", "%03d", width=5),
    Item("ups.delay.shutdown", "Sn ?", "%03d", width=5),
    Item("ups.test.interval", "Bp ?", "%03d", width=5),
    Item("output.voltage", "Lv", "%05.1f", Unit.VOLT),
    Item("output.current", "Lc", "%05.1f", Unit.AMPERE),
    Item("input.voltage", "Uv", "%05.1f", Unit.VOLT),
    Item("input.frequency", "Uf", "%05.2f", Unit.HERTZ),
    Item("input.transfer.low", "Ee ?", "%05.1f", Unit.VOLT, width=5),
    Item("input.transfer.boost.low", "Ee ?", "%05.1f", Unit.VOLT, width=5),
    Item("input.transfer.boost.high", "Eo ?", "%05.1f", Unit.VOLT, width=5),
    Item("input.transfer.trim.low", "Ea ?", "%05.1f", Unit.VOLT, width=5),
    Item("input.transfer.high", "Eu ?", "%05.1f", Unit.VOLT, width=5),
    Item("input.transfer.trim.high", "Eu ?", "%05.1f", Unit.VOLT, width=5),
)

#: "Si 1" model names NUT spells out (compared without case)
_SI1_NAMES = {
    **{f"pulsar ex{n}": f"Pulsar EX {n}" for n in (7, 10, 15, 20, 30, 40)},
    **{f"pulsar es{n}+": f"Pulsar ES {n}+" for n in (2, 5)},
    **{f"pulsar esv{n}+": f"Pulsar ESV {n}+" for n in (5, 8, 11, 14, 22)},
    **{f"extreme {n}": f"Pulsar EXtreme {n}" for n in (1500, 2000, 2500, 3000)},
    **{f"extreme {n}": f"Comet EXtreme {n}" for n in ("4.5", "6", "9", "12")},
    **{f"comet {n}": f"Comet {n}" for n in (5, 10, 15, 20, 30, 12, 18, 24, 36)},
    "comet 7": "Comet 7.5",
}
#: older units without "Si 1": "Si" gives a family and a type
_LEGACY = {(3000, 5): "Pulsar SV3", (3000, 6): "Pulsar SV5/8/11", (3000, 7): "Pulsar SV3",
           (3000, 8): "Pulsar SV5/8", (3000, 10): "Pulsar SV11/ESV13",
           (3000, 11): "Pulsar ESV17", (3000, 12): "Pulsar ESV20", (3000, 13): "Pulsar ESV13",
           (3000, 14): "Pulsar ESV17", (3000, 15): "Pulsar ESV20", (3000, 17): "Pulsar ESV8",
           (3000, 51): "Pulsar ESV 11+"}


def _model_name(model: str) -> str:
    """ups.model: truncated "Evolutio" names get their "n" back, as NUT does."""
    if model.startswith("Evolutio"):
        blank = model.find(" ")
        return f"Evolution {c_atoi(model[blank:]) if blank >= 0 else 0}"
    return model


def identify(reply: str) -> tuple[str, str]:
    """An "Si 1" reply (family, model, firmware): ups.model and ups.firmware."""
    model, blank, firmware = reply.rpartition(" ")
    if not blank:
        model, firmware = reply, ""
    model = _SI1_NAMES.get(model.lower(), model)
    return _model_name(model), firmware or "unknown"


def identify_legacy(reply: str) -> str | None:
    """An "Si" reply (family number, type number, firmware): the model, if NUT knows it."""
    words = reply.split(" ", 2)
    family = c_atoi(words[0]) if len(words) > 1 else 0
    kind = c_atoi(words[1]) if len(words) > 2 else 0
    model = _LEGACY.get((family, kind))
    return _model_name(model) if model else None


def multiplier_table(reply: str) -> int | None:
    """An "Ai" reply (protocol level, table number): the table, when 1 to 3."""
    blank = reply.find(" ")
    table = c_atoi(reply[blank + 1:]) if blank >= 0 else 0
    return table if 0 < table < 4 else None


def extract(reply: str, item: Item, table: int) -> str:
    """A reply as NUT formats it: the number times the table's factor, in ``item.fmt``."""
    value = MULTIPLIERS[table][item.unit] * c_strtod(reply)
    if item.fmt.endswith("f"):
        return (item.fmt % value)[:31]
    return (item.fmt % int(value))[:31]


def _bit(reply: str, index: int) -> bool:
    return len(reply) > index and reply[index] == "1"


def status_words(system: str, battery: str, load: str, bypass: str) -> tuple[list[str], bool]:
    """ups.status words from the ``Ss``, ``Bs``, ``Ls`` and ``Ps`` replies, in NUT's order
    (NUT repeats a word two replies both raise); and whether ``Ss`` was a status."""
    words: list[str] = []
    ok = len(system) > 7
    if ok:
        words += ["OVER"] if _bit(system, 6) else []
        words.append("OB" if _bit(system, 5) else "OL")
        words += ["LB"] if _bit(system, 4) else []
        words += ["RB"] if _bit(system, 3) else []
        words += ["COMMFAULT"] if _bit(system, 1) else []
        words += ["ALARM"] if _bit(system, 0) else []
    if len(battery) > 7:
        replace = (_bit(battery, 7) or _bit(battery, 3)) and not (ok and _bit(system, 3))
        words += ["RB"] if replace else []
        words += ["CHRG"] if _bit(battery, 1) else []
        words += ["DISCHRG"] if _bit(battery, 0) else []
    if len(load) > 7:
        words += ["BOOST"] if _bit(load, 4) else []
        words += ["OVER"] if _bit(load, 3) and not (ok and _bit(system, 6)) else []
        words += ["TRIM"] if _bit(load, 2) else []
    if len(load) > 15 and _bit(load, 16):
        words += ["OB", "LB"]
    if len(bypass) > 7:
        words += ["BYPASS"] if _bit(bypass, 7) else []
        words += ["BYPASS"] if _bit(bypass, 6) else []
    return words, ok
