"""nutdrv_qx's protocols in NUT 2.8.0's probing order, and the probing itself.

Without ``protocol =`` nutdrv_qx tries each protocol of its subdriver_list
in turn, three times each, and keeps the first whose claim succeeds
(subdriver_matcher); with it, only the protocol of that name is tried. The
order matters: a UPS that answers both QS and Q1 becomes "mustek", one that
answers Q1 and I "megatec" (never ablerex, which asks the same), and q1,
asking the least, comes last.
"""

from __future__ import annotations

from collections.abc import Mapping

from nutrio.protocol.devices.dummy.devfile import DeviceVars
from nutrio.protocol.devices.megatec import megatec_family as mf
from nutrio.protocol.devices.megatec.ablerex import ABLEREX
from nutrio.protocol.devices.megatec.bestups import BESTUPS
from nutrio.protocol.devices.megatec.later import LATER
from nutrio.protocol.devices.megatec.masterguard import MASTERGUARD
from nutrio.protocol.devices.megatec.mecer import MECER
from nutrio.protocol.devices.megatec.qx_commands import MAXTRIES
from nutrio.protocol.devices.megatec.qx_item import Exchange, Subdriver
from nutrio.protocol.devices.megatec.qx_session import Session
from nutrio.protocol.devices.megatec.voltronic import VOLTRONIC
from nutrio.protocol.devices.megatec.voltronic_qs import VOLTRONIC_QS, VOLTRONIC_QS_HEX

__all__ = [
    "FLAGS",
    "LATER_PROTOCOLS",
    "PROTOCOLS",
    "SUBDRIVERS",
    "VALUES",
    "by_protocol",
    "match",
]

#: subdriver_list of drivers/nutdrv_qx.c 2.8.0 (the serial and USB one), probing order
SUBDRIVERS: tuple[Subdriver, ...] = (
    VOLTRONIC,
    VOLTRONIC_QS,
    VOLTRONIC_QS_HEX,
    mf.MUSTEK,
    mf.MEGATEC_OLD,
    BESTUPS,
    MECER,
    mf.MEGATEC,
    mf.ZINTO,
    MASTERGUARD,
    mf.HUNNOX,
    ABLEREX,
    mf.Q1,  # the fallback: it asks the least
)

#: protocol names (``protocol =``), lower case, in probing order
PROTOCOLS = tuple(sub.protocol.lower() for sub in SUBDRIVERS)
#: protocols of later NUT releases (protocol/devices/megatec/later.py): never probed, so an
#: unnamed UPS gets NUT 2.8.0's pick; ``protocol =`` may name them
LATER_PROTOCOLS = tuple(sub.protocol.lower() for sub in LATER)

#: ups.conf flags nutdrv_qx knows (its own and every protocol's: NUT adds them all)
FLAGS = frozenset({"stayoff", "noscanlangid"}).union(*(sub.flags for sub in (*SUBDRIVERS, *LATER)))
#: ups.conf settings with a value nutdrv_qx knows
VALUES = frozenset({
    "ondelay", "offdelay", "pollfreq", "protocol", "runtimecal", "chargetime", "idleload",
    "cablepower", "subdriver", "vendorid", "productid", "vendor", "product", "serial", "bus",
    "device", "usb_set_altinterface", "langid_fix",
}).union(*(sub.values for sub in (*SUBDRIVERS, *LATER)))  # fmt: skip


def by_protocol(name: str) -> Subdriver | None:
    """The subdriver ``protocol = name`` selects (case-insensitive), if any."""
    for sub in (*SUBDRIVERS, *LATER):
        if sub.protocol.lower() == name.lower():
            return sub
    return None


def match(
    state: DeviceVars, options: Mapping[str, str], subdrivers: tuple[Subdriver, ...] = SUBDRIVERS
) -> Exchange[Session | None]:
    """subdriver_matcher: the session of the first protocol whose claim succeeds, or None.

    A claim leaves what it read (input.voltage, ups.firmware...) in ``state``.
    """
    wanted = options.get("protocol")
    if wanted is not None:
        subdrivers = (*subdrivers, *LATER)
    for sub in subdrivers:
        if wanted is not None and sub.protocol.lower() != wanted.lower():
            continue
        session = Session(sub, state, options, FLAGS)
        for _ in range(MAXTRIES):
            if (yield from sub.claim(session)):
                return session
    return None
