"""The state one snmp-ups keeps for its device, and how it asks the agent for things.

How it works: snmp-ups is written as a walk over its table with a blocking GET
per row. Here the same steps are generators (:data:`Steps`): each yields a
request (:class:`Get`, :class:`Walk`, :class:`Set`) and is sent the answer, so
the logic stays pure and in NUT's order while the driver actor decides how to
answer: from values it fetched beforehand in a few big GETs, or with one more
request. :class:`Engine` holds what NUT keeps in globals (the live copy of the
table with its flags, daisy-chain and template indexes, phases, the
ups.status/ups.alarm buffers); :class:`Dstate` is NUT's driver state on top of
nutrio's :class:`DeviceVars` (flags, string length and enum values per variable).
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field, replace
from typing import TypeVar

from nutrio.protocol.common.state import VarInfo
from nutrio.protocol.devices.dummy.devfile import DeviceVars
from nutrio.protocol.devices.snmp.ber import VarBind
from nutrio.protocol.devices.snmp.model import TYPES, Lookup, Mapping, Row
from nutrio.protocol.devices.snmp.values import TemperatureUnit

__all__ = ["Get", "Walk", "Set", "Request", "Steps", "Engine", "LiveRow", "Dstate", "Options",
           "drive_sync"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Get:
    """One GET; answered with the binding, or None when no PDU came back (timeout,
    error status: NUT's ``nut_snmp_get`` returning NULL)."""

    oid: str


@dataclass(frozen=True, slots=True)
class Walk:
    """GET ``oid``, then GETNEXT until an OID shorter than ``oid`` or an error;
    answered with the bindings in order."""

    oid: str


@dataclass(frozen=True, slots=True)
class Set:
    """One SET; answered True when the agent took it."""

    binding: VarBind


Request = Get | Walk | Set
Steps = Generator[Request, object, T]


@dataclass(slots=True)
class LiveRow:
    """A table row with the flags it has now (snmp-ups changes them as it goes)."""

    name: str
    oid: str | None
    default: str | None
    string: bool
    rw: bool
    length: float
    flags: int
    lookup: Lookup | None

    @classmethod
    def of(cls, row: Row) -> LiveRow:
        return cls(row.name, row.oid, row.default, row.string, row.rw, row.length, row.flags,
                   row.lookup)

    def copy(self) -> LiveRow:
        return replace(self)

    @property
    def kind(self) -> int:
        """SU_TYPE: the write type bits (a command is exactly TYPE_CMD)."""
        return self.flags & TYPES


@dataclass(frozen=True, slots=True, kw_only=True)
class Options:
    """The snmp-ups options the walk reads (ups.conf, NUT's names)."""

    mibs: str = "auto"
    pollfreq: int = 30
    semistaticfreq: int = 10
    notransferoids: bool = False
    symmetrathreephase: bool = False
    ondelay: int = -1
    offdelay: int = -1


class Dstate:
    """NUT's dstate calls over :class:`DeviceVars`: values, flags, aux, enums, commands."""

    def __init__(self, vars: DeviceVars) -> None:
        self.vars = vars
        self._meta: dict[str, tuple[bool, bool, int, tuple[str, ...]]] = {}

    def get(self, name: str) -> str | None:
        return self.vars.get(name)

    def set(self, name: str, value: str) -> None:
        self.vars.set(name, value)

    def delete(self, name: str) -> None:
        self.vars.delete(name)
        self._meta.pop(name.lower(), None)

    def add_command(self, name: str) -> None:
        self.vars.add_command(name)

    def set_flags(self, name: str, string: bool, rw: bool, aux: int) -> None:
        """dstate_setflags + dstate_setaux."""
        key = name.lower()
        old = self._meta.get(key)
        if old is None or old[0] != string or old[1] != rw or old[2] != aux:  # every walk
            self._meta[key] = (string, rw, aux, old[3] if old else ())  # sets them again
            self._push(name)

    def add_enum(self, name: str, value: str) -> None:
        string, rw, aux, enums = self._meta.get(name.lower(), (False, False, 0, ()))
        if value not in enums:
            self._meta[name.lower()] = (string, rw, aux, (*enums, value))
            self._push(name)

    def _push(self, name: str) -> None:
        string, rw, aux, enums = self._meta[name.lower()]
        self.vars.set_info(name, VarInfo(rw=rw, string_len=aux if string else None, enums=enums))


@dataclass(slots=True)
class Engine:
    """What one snmp-ups knows about its device (NUT's globals), mapping chosen or not."""

    dstate: Dstate
    options: Options = field(default_factory=Options)
    mapping: Mapping | None = None
    rows: list[LiveRow] = field(default_factory=list)
    devices_count: int = 1
    daisychain: bool = False
    current_device: int = 0
    #: first SNMP index of each template kind (-1: not probed yet)
    bases: dict[str, int] = field(default_factory=lambda: dict.fromkeys(
        ("outlet", "outlet.group", "device", "ambient", "last"), -1))
    device_offset: int = -1
    #: per device (0 = the whole chain): input, output, bypass phases (-1: not read yet)
    phases: dict[int, list[int]] = field(default_factory=dict)
    semistatic_countdown: int = 0
    temperature_unit: int = TemperatureUnit.UNKNOWN
    lastpoll: int | None = None
    comm_ok: bool = False
    status_buf: list[str] = field(default_factory=list)
    alarm_buf: list[str] = field(default_factory=list)
    alarm_active: int = 0
    ignorelb: bool = False

    def use(self, mapping: Mapping) -> None:
        self.mapping = mapping
        self.rows = [LiveRow.of(row) for row in mapping.rows]

    def find(self, name: str) -> LiveRow | None:
        """su_find_info: the first row with this name (case-insensitive)."""
        wanted = name.lower()
        return next((row for row in self.rows if row.name.lower() == wanted), None)


def drive_sync(steps: Steps[T], answer: object) -> T:
    """Run ``steps`` answering every request with ``answer(request)`` (tests, tools)."""
    try:
        request = next(steps)
        while True:
            request = steps.send(answer(request))  # type: ignore[operator]
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
