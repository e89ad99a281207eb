"""snmp-ups' three ways of reading one OID: as text, as a number, as an OID.

Each is a step generator (protocol/devices/snmp/engine.py) because an agent
may answer with an OBJECT IDENTIFIER, which snmp-ups follows with a second GET
(falling back to the OID's last arc). What counts as "no value" differs per
way, as in NUT: an IpAddress or a v2c noSuchObject is no text and no number,
a TimeTicks is whole seconds, an unlisted lookup value hides the variable.
"""

from __future__ import annotations

from nutrio.protocol.devices.snmp.ber import Tag, VarBind
from nutrio.protocol.devices.snmp.engine import Engine, Get, Steps
from nutrio.protocol.devices.snmp.model import Lookup
from nutrio.protocol.devices.snmp.values import (
    INTEGER_TAGS,
    TEXT_TAGS,
    TemperatureUnit,
    cdiv,
    octets_text,
    strtol,
    temperature_read,
    usdate_to_isodate,
)

__all__ = ["get", "get_str", "get_int", "get_oid", "find_infoval", "find_strval", "SU_INFOSIZE",
           "LARGEBUF", "SU_BUFSIZE"]

SU_INFOSIZE, LARGEBUF, SU_BUFSIZE = 128, 4096, 32
#: OIDs pointing at OIDs are followed this deep (NUT: without end; an agent pointing at
#: itself would never let it go)
_DEPTH = 8
_UNITS = {0: TemperatureUnit.KELVIN, 1: TemperatureUnit.CELSIUS, 2: TemperatureUnit.FAHRENHEIT}


def get(oid: str | None) -> Steps[VarBind | None]:
    """nut_snmp_get: the binding, or None (no OID, or no PDU back)."""
    if oid is None:
        return None
    reply = yield Get(oid)
    assert reply is None or isinstance(reply, VarBind)
    return reply


def find_infoval(eng: Engine, lookup: Lookup, value: int) -> str | None:
    """su_find_infoval: the lookup's function if it has one, else the first listed text."""
    if lookup.function == "temperature_unit":
        eng.temperature_unit = _UNITS.get(value, TemperatureUnit.UNKNOWN)
        return "celsius"
    if lookup.function == "temperature_read":
        return temperature_read(value, eng.temperature_unit)
    if lookup.function == "usdate_to_isodate":
        return None  # a date function handed a number: NUT would read garbage
    return lookup.text(value)


def find_strval(lookup: Lookup | None, text: str) -> str | None:
    """su_find_strval: only a text-reformatting function applies to a text value."""
    if lookup is not None and lookup.function == "usdate_to_isodate":
        return usdate_to_isodate(text)
    return None


def _pointed(binding: VarBind) -> str:
    return "." + str(binding.value)


def get_str(eng: Engine, oid: str | None, lookup: Lookup | None, size: int,
            depth: int = 0) -> Steps[str | None]:
    """nut_snmp_get_str into a buffer of ``size`` bytes; None: not usable."""
    vb = yield from get(oid)
    if vb is None:
        return None
    if vb.tag in TEXT_TAGS and isinstance(vb.value, bytes):
        return octets_text(vb.value, size)
    if vb.tag in INTEGER_TAGS and isinstance(vb.value, int):
        if lookup is not None:
            found = find_infoval(eng, lookup, vb.value)
            return None if found is None else found[: size - 1]
        return str(vb.value)
    if vb.tag == Tag.TIMETICKS and isinstance(vb.value, int):
        return str(cdiv(vb.value, 100))
    if vb.tag == Tag.OID and isinstance(vb.value, str):
        target = None
        if depth < _DEPTH:
            target = yield from get_str(eng, _pointed(vb), lookup, size, depth + 1)
        return target if target is not None else vb.value.rsplit(".", 1)[-1][: size - 1]
    return None


def get_int(eng: Engine, oid: str | None, depth: int = 0) -> Steps[int | None]:
    """nut_snmp_get_int; None: not usable as a number."""
    vb = yield from get(oid)
    if vb is None:
        return None
    if vb.tag in TEXT_TAGS and isinstance(vb.value, bytes):
        return strtol(vb.value.split(b"\0", 1)[0].decode("latin-1"))
    if vb.tag in INTEGER_TAGS and isinstance(vb.value, int):
        return vb.value
    if vb.tag == Tag.TIMETICKS and isinstance(vb.value, int):
        return cdiv(vb.value, 100)
    if vb.tag == Tag.OID and isinstance(vb.value, str):
        target = None
        if depth < _DEPTH:
            target = yield from get_int(eng, _pointed(vb), depth + 1)
        return target if target is not None else strtol(vb.value.rsplit(".", 1)[-1])
    return None


def get_oid(oid: str) -> Steps[str | None]:
    """nut_snmp_get_oid: the OID value itself, as Net-SNMP prints it (".1.3.6...")."""
    vb = yield from get(oid)
    if vb is None or vb.tag != Tag.OID or not isinstance(vb.value, str):
        return None
    return _pointed(vb)
