"""genericups' ups.conf options and its reading of the lines (NUT 2.8.0 genericups 1.38).

``upstype`` picks a row of :data:`~.cables.TYPES` (read with C's ``atoi``, as NUT does:
"abc" is type 0). ``CP`` and ``SD`` replace the cable power and shutdown outputs,
``OL``, ``LB``, ``RB`` and ``BYPASS`` the status inputs. Override words are found
anywhere in the value, as NUT's ``strstr`` finds them: "DTR" raises DTR unless "-DTR"
is there too; an input "CTS" holds with CTS raised, "-CTS" with it dropped; "NULL" or
"none" turns the signal off (OL then always holds, the others never do). ``sdtime``
holds the shutdown lines that many seconds before the driver lets go.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Literal

from nutrio.protocol.common.cnum import c_atoi
from nutrio.protocol.devices.contact.cables import (
    CAR,
    CTS,
    DSR,
    DTR,
    RNG,
    RTS,
    ST,
    TYPES,
    CableType,
    Signal,
)

__all__ = ["OPTIONS", "Setup", "ShutdownKind", "configure", "input_override", "output_override",
           "shutdown_kind", "status_words", "type_listing"]

#: genericups' own ups.conf options (NUT's upsdrv_makevartable)
OPTIONS = ("upstype", "mfr", "model", "serial", "CP", "OL", "LB", "RB", "BYPASS", "SD", "sdtime")

_INPUTS = (("CTS", CTS), ("DCD", CAR), ("RNG", RNG), ("DSR", DSR))
_NOT_INPUTS = ("DTR", "RTS", "ST")
_NOT_OUTPUTS = ("CTS", "DCD", "RNG", "DSR")


def _disabled(value: str) -> bool:
    return "NULL" in value or "none" in value


def output_override(value: str) -> int:
    """The output lines an ``CP``/``SD`` value names.

    Raises:
        ValueError: it names an input line (NUT exits with this message).
    """
    line = 0
    for name, bit in (("DTR", DTR), ("RTS", RTS)):
        if name in value and f"-{name}" not in value:
            line |= bit
    if "ST" in value:
        line |= ST
    for name in _NOT_OUTPUTS:
        if name in value:
            raise ValueError(f"Can't override output with {name} (not an output)")
    return 0 if _disabled(value) else line


def input_override(value: str) -> Signal:
    """The status signal an ``OL``/``LB``/``RB``/``BYPASS`` value describes.

    Raises:
        ValueError: it names an output line (NUT exits with this message).
    """
    line = wanted = 0
    for name, bit in _INPUTS:
        if name in value:
            line |= bit
            if f"-{name}" not in value:
                wanted |= bit
    for name in _NOT_INPUTS:
        if name in value:
            raise ValueError(f"Can't override input with {name} (not an input)")
    return Signal(0, 0) if _disabled(value) else Signal(line, wanted)


@dataclass(frozen=True, slots=True)
class Setup:
    """One configured genericups: its type number, the row with the overrides applied,
    the names it serves, the shutdown hold time, and the overrides that changed nothing
    (NUT logs a notice for each: a misspelled line name goes unnoticed otherwise)."""

    upstype: int
    cable: CableType
    mfr: str
    model: str
    serial: str | None
    sdtime: int
    unchanged: tuple[str, ...] = ()


def type_listing() -> str:
    """NUT's "Valid UPS types" list (genericups -h, and an unknown upstype)."""
    return "Valid UPS types:\n\n" + "".join(f"{i}: {t.desc}\n" for i, t in enumerate(TYPES))


def configure(options: Mapping[str, str]) -> Setup:
    """The setup for one ups.conf section.

    Raises:
        ValueError: no or an unknown upstype, or an override naming the wrong kind of line.
    """
    text = options.get("upstype")
    if text is None:
        raise ValueError("No upstype set - see help text / man page!")
    upstype = c_atoi(text)
    if not 0 <= upstype < len(TYPES):
        raise ValueError(f"unknown UPS type number {text!r}; {type_listing()}")
    cable, unchanged = _overridden(TYPES[upstype], options)
    return Setup(upstype=upstype, cable=cable, mfr=options.get("mfr", cable.mfr),
                 model=options.get("model", cable.model), serial=options.get("serial"),
                 sdtime=c_atoi(options.get("sdtime", "0")), unchanged=tuple(unchanged))


_OUTPUT_FIELDS = (("CP", "power"), ("SD", "shutdown"))
_INPUT_FIELDS = (("OL", "online"), ("LB", "lowbatt"), ("RB", "replace"), ("BYPASS", "bypass"))


def _overridden(cable: CableType, options: Mapping[str, str]) -> tuple[CableType, list[str]]:
    changes: dict[str, object] = {}
    unchanged = []
    for option, name in _OUTPUT_FIELDS + _INPUT_FIELDS:
        if (value := options.get(option)) is None:
            continue
        new = output_override(value) if (option, name) in _OUTPUT_FIELDS else input_override(value)
        if new == getattr(cable, name):
            unchanged.append(option)
        changes[name] = new
    return dataclasses.replace(cable, **changes), unchanged  # type: ignore[arg-type]


def status_words(cable: CableType, flags: int) -> Iterator[str]:
    """ups.status for the input lines ``flags``, in NUT's order (LB first)."""
    if cable.lowbatt.line and cable.lowbatt.holds(flags):
        yield "LB"
    yield "OL" if cable.online.holds(flags) else "OB"
    if cable.replace.line and cable.replace.holds(flags):
        yield "RB"
    if cable.bypass.line and cable.bypass.holds(flags):
        yield "BYPASS"


ShutdownKind = Literal["none", "break", "lines"]


def shutdown_kind(cable: CableType) -> ShutdownKind:
    """How the type cuts the load: it cannot, a TX break, or setting the output lines."""
    if cable.shutdown is None:
        return "none"
    return "break" if cable.shutdown == ST else "lines"
