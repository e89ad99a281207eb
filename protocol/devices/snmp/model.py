"""What a MIB mapping is made of, and the pure conversions snmp-ups applies.

How it works: a :class:`Mib` is a table of :class:`SnmpVar` rows (a NUT
variable read from one OID, NUT's ``snmp_info_t``) and :class:`SnmpCommand`
rows (an instant command carried out by one or more SETs). Rows whose name
holds ``%i`` are outlet templates, expanded for outlets 1..outlet.count.
The driver reads raw values (int, float seconds for TimeTicks, str) and
this module turns them into what NUT serves:

* numbers are scaled and printed with two decimals (snmp-ups prints
  ``%.2f``), except rows flagged ``as_int`` (NUT's string rows read as
  integers: ``input.transfer.high: 253``);
* a row with a ``lookup`` serves the text of the integer; a ``status`` row
  gives ups.status tokens, joined over all status rows in table order;
* where several rows name the same variable, the first present OID wins
  (NUT's SU_FLAG_UNIQUE: APC's high-precision OIDs before the plain ones).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

__all__ = [
    "Mib",
    "Raw",
    "ResolvedVar",
    "SnmpCommand",
    "SnmpSet",
    "SnmpVar",
    "encode_set",
    "expand_commands",
    "expand_vars",
    "format_value",
    "join_status",
    "oid_parts",
    "oid_startswith",
    "status_tokens",
    "var",
]

#: A value as read from the agent: an integer, seconds (TimeTicks / 100), or text.
Raw = int | float | str

_EMPTY: Mapping[int, str] = MappingProxyType({})


def oid_parts(oid: str) -> tuple[int, ...]:
    """``".1.3.6"`` or ``"1.3.6"`` -> (1, 3, 6)."""
    return tuple(int(p) for p in oid.strip(".").split(".") if p)


def oid_startswith(oid: str, prefix: str) -> bool:
    """True when ``prefix`` is a whole-arc prefix of ``oid`` (1.3.6.1.2 is not a prefix of 1.3.6.1.21)."""
    whole, head = oid_parts(oid), oid_parts(prefix)
    return whole[: len(head)] == head


@dataclass(frozen=True, slots=True, kw_only=True)
class SnmpVar:
    """One NUT variable read from one OID (a row of NUT's snmp_info_t).

    ``oid`` None: the variable only has its ``default`` (NUT's SU_FLAG_ABSENT).
    ``string_len`` set: a STRING:n variable for upsd; ``rw``: writable with
    SET VAR. ``as_int``: printed (and written) as a plain integer.
    """

    name: str
    oid: str | None
    scale: float = 1.0
    lookup: Mapping[int, str] = field(default_factory=lambda: _EMPTY)
    default: str | None = None
    static: bool = False
    rw: bool = False
    string_len: int | None = None
    as_int: bool = False
    status: bool = False
    neg_invalid: bool = False
    #: TimeTicks on the agent (NUT's SU_TYPE_TIME): read as seconds, written as 1/100 s.
    timeticks: bool = False

    @property
    def outlet(self) -> bool:
        return "%i" in self.name


def var(name: str, oid: str | None, scale: float = 1.0, **kw: object) -> SnmpVar:
    """A table row; ``lookup`` may be given as a plain dict."""
    lookup = kw.pop("lookup", None)
    if lookup is not None:
        kw["lookup"] = MappingProxyType(dict(lookup))  # type: ignore[call-overload]
    return SnmpVar(name=name, oid=oid, scale=scale, **kw)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class SnmpSet:
    """One SET: ``kind`` is "int", "str", "oid" (an OBJECT IDENTIFIER value) or
    "timeticks" (``value`` in hundredths of a second)."""

    oid: str
    value: int | str
    kind: str = "int"


@dataclass(frozen=True, slots=True, kw_only=True)
class SnmpCommand:
    """An instant command: the SETs that carry it out, in order."""

    name: str
    sets: tuple[SnmpSet, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Mib:
    """One mapping (NUT's mib2nut_info_t): how to detect it and what it reads.

    ``sysoids``: sysObjectID prefixes that select it; ``probe_oid``: an OID
    whose presence selects it when no sysObjectID matched.
    """

    name: str
    version: str
    vars: tuple[SnmpVar, ...]
    commands: tuple[SnmpCommand, ...] = ()
    sysoids: tuple[str, ...] = ()
    probe_oid: str | None = None
    outlet_count_oid: str | None = None
    device_type: str = "ups"

    @property
    def version_data(self) -> str:
        """driver.version.data as snmp-ups serves it."""
        return f"{self.name} MIB {self.version}"


@dataclass(frozen=True, slots=True)
class ResolvedVar:
    """A row with its outlet index filled in."""

    name: str
    oid: str | None
    row: SnmpVar


def _fill(template: str, index: int) -> str:
    return template.replace("%i", str(index))


def expand_vars(mib: Mib, outlets: int) -> tuple[ResolvedVar, ...]:
    """All rows, outlet templates repeated for outlets 1..``outlets``."""
    out: list[ResolvedVar] = []
    for row in mib.vars:
        if not row.outlet:
            out.append(ResolvedVar(row.name, row.oid, row))
            continue
        for n in range(1, outlets + 1):
            oid = _fill(row.oid, n) if row.oid else None
            out.append(ResolvedVar(_fill(row.name, n), oid, row))
    return tuple(out)


def expand_commands(mib: Mib, outlets: int) -> dict[str, tuple[SnmpSet, ...]]:
    """Command name -> SETs, outlet commands repeated per outlet."""
    out: dict[str, tuple[SnmpSet, ...]] = {}
    for cmd in mib.commands:
        if "%i" not in cmd.name:
            out[cmd.name] = cmd.sets
            continue
        for n in range(1, outlets + 1):
            sets = tuple(SnmpSet(_fill(s.oid, n), s.value, s.kind) for s in cmd.sets)
            out[_fill(cmd.name, n)] = sets
    return out


def _number(value: float) -> str:
    return f"{value:.2f}"


def format_value(row: SnmpVar, raw: Raw) -> str | None:
    """What NUT serves for ``raw`` read from ``row``'s OID; None: serve nothing."""
    if isinstance(raw, str):
        if row.string_len is None and not row.lookup:
            try:
                return _number(float(raw) * row.scale)  # a number sent as text
            except ValueError:
                return raw
        return raw
    if row.lookup:
        return row.lookup.get(int(raw)) if isinstance(raw, int) else None
    if row.neg_invalid and raw < 0:
        return None
    if row.as_int:
        return str(int(raw))
    return _number(raw * row.scale)


def status_tokens(row: SnmpVar, raw: Raw) -> tuple[str, ...]:
    """The ups.status words a status row adds for ``raw`` (may be none)."""
    if not isinstance(raw, int):
        return ()
    return tuple(row.lookup.get(raw, "").split())


def join_status(tokens: Iterable[str]) -> str:
    """ups.status from all status rows: table order, each word once (status_set)."""
    seen: list[str] = []
    for word in tokens:
        if word and word not in seen:
            seen.append(word)
    return " ".join(seen)


def encode_set(row: SnmpVar, value: str, oid: str | None = None) -> SnmpSet:
    """SET VAR ``value`` for ``row`` as the SET snmp-ups sends.

    ``oid``: the row's OID with its outlet number filled in (default: the row's).

    Raises:
        ValueError: the value is not one the row can take.
    """
    target = oid or row.oid
    if target is None or "%i" in target:
        raise ValueError(f"{row.name} has no OID to write")
    if row.lookup:
        for number, text in row.lookup.items():
            if text == value:
                return SnmpSet(target, number)
        raise ValueError(f"{value!r} is not one of {sorted(set(row.lookup.values()))}")
    if row.string_len is not None and not row.as_int:
        if len(value) > row.string_len:
            raise ValueError(f"longer than {row.string_len} characters")
        return SnmpSet(target, value, "str")
    amount = float(value)  # ValueError for text
    if row.timeticks:
        return SnmpSet(target, round(amount * 100), "timeticks")
    return SnmpSet(target, round(amount / row.scale))
