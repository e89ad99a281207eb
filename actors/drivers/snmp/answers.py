"""Answering the walk's requests from the agent: a few big GETs first, single ones when needed.

NUT's snmp-ups sends one GET per row, one after the other: a walk of a PDU
with 40 outlets is hundreds of round trips. The walk here asks the same
questions in the same order, but :class:`Answers` fetches most answers
beforehand: at start-up every plain OID of the chosen table, and before each
update every OID the previous update asked for, in GETs of many OIDs (a few
in flight at once). A question the cache cannot answer (a new outlet, an OID
an agent's value points at) costs one GET. ups.alarms' walk uses GETBULK
where the SNMP version has it.
"""

from __future__ import annotations

from typing import TypeVar

from nutrio.actors.drivers.snmp.session import SnmpSession
from nutrio.protocol.devices.snmp.ber import Tag, VarBind, is_oid
from nutrio.protocol.devices.snmp.engine import Get, Set, Steps, Walk
from nutrio.protocol.devices.snmp.model import Mapping

__all__ = ["Answers"]

T = TypeVar("T")
#: bindings a ups.alarms walk may return before nutrio stops it (NUT: INT_MAX)
_WALK_LIMIT = 10000
_BULK = 24


class Answers:
    """The values of one walk, fetched ahead; and the list of OIDs to fetch next time."""

    def __init__(self, session: SnmpSession) -> None:
        self.session = session
        self._cache: dict[str, VarBind | None] = {}
        self._asked: list[str] = []
        self._next: list[str] = []

    async def prefetch(self, oids: list[str]) -> None:
        """Fetch these OIDs into a fresh cache (raises DriverError when the agent fails)."""
        self._cache = {}
        wanted = [oid for oid in dict.fromkeys(oids) if is_oid(oid)]
        if wanted:
            self._cache = await self.session.get(wanted)

    async def prefetch_table(self, mapping: Mapping) -> None:
        await self.prefetch([row.oid for row in mapping.rows if row.oid and "%" not in row.oid])

    async def prefetch_walk(self) -> None:
        await self.prefetch(self._next)

    async def run(self, steps: Steps[T], *, record: bool = False) -> T:
        """Drive ``steps`` to its end; ``record``: remember its GETs for the next prefetch."""
        self._asked = []
        cache = self._cache
        try:
            request = next(steps)
            while True:
                if type(request) is Get and request.oid in cache:  # most answers: no await
                    self._asked.append(request.oid)
                    reply: object = cache[request.oid]
                else:
                    reply = await self._answer(request)
                request = steps.send(reply)
        except StopIteration as done:
            if record and self._asked:
                self._next = self._asked
            return done.value  # type: ignore[no-any-return]

    async def _answer(self, request: object) -> object:
        match request:
            case Get(oid):
                self._asked.append(oid)
                if oid not in self._cache:
                    self._cache[oid] = (await self.session.get([oid]))[oid] if is_oid(oid) else None
                return self._cache[oid]
            case Walk(oid):
                return await self._walk(oid)
            case Set(binding):
                self._cache.pop(binding.oid, None)
                if not is_oid(binding.oid):  # a template OID: Net-SNMP cannot parse it either
                    return False
                return (await self.session.set(binding)) is None
        raise TypeError(f"not a request: {request!r}")

    async def _walk(self, oid: str) -> list[VarBind]:
        """nut_snmp_walk: GET ``oid``, then its successors up to (and with) the first
        shorter OID; stops where NUT would spin (an OID that does not advance)."""
        first = (await self.session.get([oid]))[oid]
        if first is None:
            return []
        out, floor = [first], len(oid.strip(".").split("."))
        current = first
        while len(current.oid.split(".")) >= floor and len(out) < _WALK_LIMIT:
            batch = await self.session.bulk(current.oid, _BULK)
            for binding in batch:
                if binding.tag == Tag.END_OF_MIB_VIEW or _arcs(binding.oid) <= _arcs(current.oid):
                    return out
                out.append(binding)
                current = binding
                if len(current.oid.split(".")) < floor:
                    return out
            if not batch:
                return out
        return out


def _arcs(oid: str) -> tuple[int, ...]:
    return tuple(int(p) for p in oid.strip(".").split("."))
