"""Every MIB-to-NUT mapping of snmp-ups, one module per vendor family, in NUT 2.8.0's order.

``MAPPINGS`` is the order ``mibs = auto`` tries them in (NUT's mib2nut list:
vendor tables first, tripplite and ietf last, since many agents also serve
RFC 1628). ``SUPPORTED`` is the public list: each mapping's name (the
``mibs`` option value) and the driver.version.data string it serves.
"""

from __future__ import annotations

from collections.abc import Mapping as ReadOnly
from dataclasses import dataclass
from types import MappingProxyType

from nutrio.protocol.devices.snmp.mibs.apc import APC
from nutrio.protocol.devices.snmp.mibs.apc_ats import APC_ATS
from nutrio.protocol.devices.snmp.mibs.apc_pdu import APC_PDU_MSP, APC_PDU_RPDU, APC_PDU_RPDU2
from nutrio.protocol.devices.snmp.mibs.baytech import BAYTECH
from nutrio.protocol.devices.snmp.mibs.bestpower import BESTPOWER
from nutrio.protocol.devices.snmp.mibs.compaq import COMPAQ
from nutrio.protocol.devices.snmp.mibs.cyberpower import CYBERPOWER
from nutrio.protocol.devices.snmp.mibs.delta import DELTA_UPS
from nutrio.protocol.devices.snmp.mibs.eaton_ats import (
    EATON_ATS16_NM2,
    EATON_ATS16_NMC,
    EATON_ATS30,
)
from nutrio.protocol.devices.snmp.mibs.eaton_epdu import EATON_MARLIN
from nutrio.protocol.devices.snmp.mibs.eaton_pdu_legacy import (
    APHEL_GENESISII,
    APHEL_REVELATION,
    PULIZZI_SWITCHED1,
    PULIZZI_SWITCHED2,
)
from nutrio.protocol.devices.snmp.mibs.emerson_avocent import EMERSON_AVOCENT_PDU
from nutrio.protocol.devices.snmp.mibs.hpe_epdu import HPE_PDU
from nutrio.protocol.devices.snmp.mibs.huawei import HUAWEI
from nutrio.protocol.devices.snmp.mibs.ietf import IETF, TRIPPLITE_IETF
from nutrio.protocol.devices.snmp.mibs.mge import MGE
from nutrio.protocol.devices.snmp.mibs.netvision import NETVISION
from nutrio.protocol.devices.snmp.mibs.powerware import POWERWARE, PXGX_UPS
from nutrio.protocol.devices.snmp.mibs.raritan import RARITAN, RARITAN_PX2
from nutrio.protocol.devices.snmp.mibs.xppc import XPPC
from nutrio.protocol.devices.snmp.model import Mapping

__all__ = ["MAPPINGS", "SUPPORTED", "Supported", "by_name"]

MAPPINGS: tuple[Mapping, ...] = (
    APC_ATS, APC_PDU_RPDU, APC_PDU_RPDU2, APC_PDU_MSP, APC, BAYTECH, BESTPOWER, COMPAQ,
    CYBERPOWER, DELTA_UPS, EATON_ATS16_NMC, EATON_ATS16_NM2, EATON_ATS30, EATON_MARLIN,
    EMERSON_AVOCENT_PDU, APHEL_REVELATION, APHEL_GENESISII, PULIZZI_SWITCHED1, PULIZZI_SWITCHED2,
    HPE_PDU, HUAWEI, MGE, NETVISION, POWERWARE, PXGX_UPS, RARITAN, RARITAN_PX2, XPPC,
    TRIPPLITE_IETF, IETF,
)


@dataclass(frozen=True, slots=True)
class Supported:
    """One line of `nutrio drivers supported` for snmp-ups."""

    name: str
    version_data: str
    sysoid: str | None
    oracle: bool


def _supported() -> tuple[Supported, ...]:
    seen: dict[tuple[str, str | None], Supported] = {}
    for m in MAPPINGS:
        seen.setdefault((m.name, m.sysoid), Supported(m.name, m.version_data, m.sysoid, m.oracle))
    return tuple(seen.values())


#: each mapping once, in NUT's order (apc_pdu three times: one per sysObjectID)
SUPPORTED: tuple[Supported, ...] = _supported()
_BY_NAME: ReadOnly[str, tuple[Mapping, ...]] = MappingProxyType(
    {name: tuple(m for m in MAPPINGS if m.name == name) for name in dict.fromkeys(
        m.name for m in MAPPINGS)})


def by_name(name: str) -> tuple[Mapping, ...]:
    """The mappings a ``mibs`` value names (empty when none)."""
    return _BY_NAME.get(name, ())
