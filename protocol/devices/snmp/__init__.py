"""snmp-ups MIB mappings: pure tables (OID -> NUT variable, command -> SETs).

``MIBS`` holds every mapping by the name snmp-ups' ``mibs`` option uses;
:func:`pick_by_sysoid` and ``probe order`` (:data:`PROBE_ORDER`) reproduce
``mibs = auto``: the sysObjectID decides first, then the first mapping whose
probe OID the agent answers (ietf last, as NUT lists it).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from nutrio.protocol.devices.snmp.apc import APC_PDU, APCC
from nutrio.protocol.devices.snmp.ietf import IETF
from nutrio.protocol.devices.snmp.mge import EATON_EPDU, MGE
from nutrio.protocol.devices.snmp.model import (
    Mib,
    Raw,
    ResolvedVar,
    SnmpCommand,
    SnmpSet,
    SnmpVar,
    encode_set,
    expand_commands,
    expand_vars,
    format_value,
    join_status,
    oid_parts,
    oid_startswith,
    status_tokens,
)

__all__ = [
    "MIBS",
    "PROBE_ORDER",
    "SYS_OBJECT_ID",
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
    "mib_named",
    "oid_parts",
    "oid_startswith",
    "pick_by_sysoid",
    "status_tokens",
]

#: SNMPv2-MIB sysObjectID.0: the agent's product identity.
SYS_OBJECT_ID = "1.3.6.1.2.1.1.2.0"

MIBS: Mapping[str, Mib] = MappingProxyType({
    m.name: m for m in (APCC, APC_PDU, MGE, EATON_EPDU, IETF)
})
#: ``mibs`` option spellings NUT also accepts for these tables.
_ALIASES = MappingProxyType({"apc": "apcc", "eaton": "eaton_epdu", "pw": "mge"})
#: mibs = auto without a sysObjectID match: try these probe OIDs in order.
PROBE_ORDER: tuple[Mib, ...] = (APCC, APC_PDU, MGE, EATON_EPDU, IETF)


def mib_named(name: str) -> Mib | None:
    """The mapping for a ``mibs`` option value (not "auto"), or None."""
    return MIBS.get(_ALIASES.get(name, name))


def pick_by_sysoid(sysoid: str) -> Mib | None:
    """The mapping whose sysObjectID prefix is the longest match, or None."""
    best: tuple[int, Mib] | None = None
    for mib in MIBS.values():
        for prefix in mib.sysoids:
            if oid_startswith(sysoid, prefix):
                length = len(oid_parts(prefix))
                if best is None or length > best[0]:
                    best = (length, mib)
    return best[1] if best else None
