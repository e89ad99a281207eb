"""snmp-ups, pure: MIB tables (mibs/), SNMP messages (ber, usm) and NUT's walk over them.

The driver actor (actors/drivers/snmp/) answers the walk's requests over the
network; everything here is data and step generators, no I/O.
"""

from __future__ import annotations

from nutrio.protocol.devices.snmp.engine import Dstate, Engine, Get, Options, Set, Steps, Walk
from nutrio.protocol.devices.snmp.mibs import MAPPINGS, SUPPORTED, Supported, by_name
from nutrio.protocol.devices.snmp.model import Alarm, Flag, Lookup, Mapping, Row
from nutrio.protocol.devices.snmp.setoid import FAILED, HANDLED, INVALID, UNKNOWN
from nutrio.protocol.devices.snmp.start import SYSOID, Refused, model_oid, same_oid

__all__ = [
    "MAPPINGS", "SUPPORTED", "Supported", "by_name", "Alarm", "Flag", "Lookup", "Mapping", "Row",
    "Dstate", "Engine", "Get", "Options", "Set", "Steps", "Walk", "SYSOID", "Refused",
    "model_oid", "same_oid",
    "HANDLED", "UNKNOWN", "INVALID", "FAILED",
]
