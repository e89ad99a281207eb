"""Immutable UPS state as drivers publish it and upsd serves it.

A driver builds a new :class:`UpsData` only when something changed and
wraps it in a fresh :class:`UpsSnapshot` on every poll, so readers can
cache work (formatted replies) on the ``UpsData`` object itself
(:attr:`UpsData.memo`) and still see the heartbeat (``taken_at``) move on.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

__all__ = [
    "VarInfo",
    "UpsData",
    "UpsSnapshot",
    "CommandRequest",
    "CommandResult",
    "ResultCode",
    "freeze_vars",
]


@dataclass(frozen=True, slots=True)
class VarInfo:
    """What NUT's dstate keeps beside a variable's value (flags, aux, enum, range).

    ``string_len`` is None for a NUMBER variable, else the STRING:n length.
    """

    rw: bool = False
    string_len: int | None = None
    number: bool = False
    enums: tuple[str, ...] = ()
    ranges: tuple[tuple[int, int], ...] = ()
    immutable: bool = False


_PLAIN = VarInfo()


def _ci(name: str) -> str:
    return name.lower()


@dataclass(frozen=True, eq=False)
class UpsData:
    """Variables, their metadata and the instant commands of one device.

    ``vars`` keeps NUT's order for listings: case-insensitive by name, as
    upsd's state tree compares with strcasecmp.
    """

    vars: Mapping[str, str]
    info: Mapping[str, VarInfo] = field(default_factory=lambda: MappingProxyType({}))
    commands: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.vars, MappingProxyType):
            raise TypeError("UpsData.vars must be a read-only mapping (use freeze_vars)")

    def get(self, name: str) -> str | None:
        """Value of *name*, matched case-insensitively as upsd does."""
        value = self.vars.get(name)
        if value is None:
            real = self._by_lower.get(_ci(name))
            value = self.vars.get(real) if real else None
        return value

    def canonical(self, name: str) -> str | None:
        """The stored spelling of *name* (case-insensitive), or None."""
        if name in self.vars:
            return name
        return self._by_lower.get(_ci(name))

    def var_info(self, name: str) -> VarInfo:
        real = self.canonical(name)
        return self.info.get(real, _PLAIN) if real else _PLAIN

    def has_command(self, name: str) -> bool:
        return _ci(name) in self._commands_lower

    @functools.cached_property
    def _by_lower(self) -> Mapping[str, str]:
        return {_ci(k): k for k in self.vars}

    @functools.cached_property
    def _commands_lower(self) -> frozenset[str]:
        return frozenset(_ci(c) for c in self.commands)

    @functools.cached_property
    def status(self) -> frozenset[str]:
        return frozenset((self.vars.get("ups.status") or "").split())

    @functools.cached_property
    def memo(self) -> dict[tuple[object, ...], bytes | None]:
        """Replies derived from this data (protocol.upsd.replies), kept as long as it lives.

        Only pure functions of the data and their key may be stored here, so
        a hit answers exactly as a miss; the data itself never changes.
        """
        return {}


def freeze_vars(values: Mapping[str, str]) -> MappingProxyType[str, str]:
    """A read-only copy of *values*, ordered as upsd lists them."""
    ordered = dict(sorted(values.items(), key=lambda kv: (_ci(kv[0]), kv[0])))
    return MappingProxyType(ordered)


@dataclass(frozen=True, slots=True, kw_only=True)
class UpsSnapshot:
    """One published state of one UPS.

    ``connected`` is False while the driver is down or restarting (upsd:
    DRIVER-NOT-CONNECTED); ``stale`` is the driver's own verdict that its
    data is old (upsd: DATA-STALE). upsd also treats a snapshot not heard of
    (:meth:`heard_at`) for longer than its ``maxage`` as stale.
    """

    ups: str
    seq: int
    taken_at: float
    data: UpsData
    connected: bool = True
    stale: bool = False
    #: the driver sleeps until then before it reads the device again, and vouches for its
    #: data until then (NUT: a live driver answers upsd's PING between its polls)
    alive_until: float = 0.0

    def heard_at(self, now: float) -> float:
        """When the driver last read the device or, between polls, vouched for it: what
        MAXAGE is measured from (``taken_at`` stays the last read)."""
        return max(self.taken_at, min(now, self.alive_until))

    def next(self, *, taken_at: float, **changes: object) -> UpsSnapshot:
        """The following snapshot: seq + 1, new time, given fields changed."""
        return replace(self, seq=self.seq + 1, taken_at=taken_at, **changes)  # type: ignore[arg-type]


EMPTY_DATA = UpsData(vars=MappingProxyType({}))


class ResultCode:
    """Outcomes of a SET VAR / INSTCMD as TRACKING reports them (NUT's ERR names)."""

    SUCCESS = "SUCCESS"
    PENDING = "PENDING"
    INVALID_ARGUMENT = "INVALID-ARGUMENT"
    CMD_NOT_SUPPORTED = "CMD-NOT-SUPPORTED"
    VAR_NOT_SUPPORTED = "VAR-NOT-SUPPORTED"
    FAILED = "FAILED"
    UNKNOWN = "UNKNOWN"


@dataclass(frozen=True, slots=True, kw_only=True)
class CommandRequest:
    """upsd → driver: run an instant command (``var`` None) or set a variable.

    ``kind`` is "INSTCMD" or "SET"; ``name`` the command or variable;
    ``value`` the optional INSTCMD argument or the new variable value;
    ``tracking`` the TRACKING id, or None when the client did not ask for it;
    ``user`` and ``peer`` (its address) who asked: upsd logs "user@host" for each command.
    """

    kind: str
    ups: str
    name: str
    value: str | None = None
    tracking: str | None = None
    user: str | None = None
    peer: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CommandResult:
    """driver → upsd: how a :class:`CommandRequest` ended."""

    tracking: str | None
    code: str
