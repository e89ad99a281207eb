"""SNMP messages in BER, both ways: the PDUs snmp-ups sends and the replies it reads.

How it works: a message is nested TLVs (tag, length, value). :func:`encode_pdu`
and :func:`decode_pdu` handle the PDU every SNMP version shares (RFC 3416:
request-id, error-status, error-index, variable bindings); :func:`encode_community`
and :func:`decode_message` wrap it for v1/v2c (RFC 1157, 1901), and
protocol/devices/snmp/usm.py wraps it for v3. Values keep their ASN.1 tag,
because snmp-ups reads an OCTET STRING, an INTEGER or a TimeTicks differently,
and v2c's noSuchObject/noSuchInstance are replies, not errors. Anything
malformed raises :class:`BerError`, never another exception.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

__all__ = [
    "BerError", "Pdu", "VarBind", "Tag", "PduType", "read_tlv", "encode_tlv", "encode_int",
    "encode_octets", "encode_pdu", "encode_get", "decode_pdu", "encode_community", "decode_message",
    "CommunityMessage", "decode_int", "sequence", "decode_community", "is_oid",
]


class BerError(ValueError):
    """Bytes that are not a well-formed SNMP message."""


class Tag:
    """ASN.1 tags of SNMP values (RFC 2578 application types, RFC 3416 exceptions)."""

    INTEGER = 0x02
    OCTET_STRING = 0x04
    NULL = 0x05
    OID = 0x06
    SEQUENCE = 0x30
    IP_ADDRESS = 0x40
    COUNTER32 = 0x41
    GAUGE32 = 0x42
    TIMETICKS = 0x43
    OPAQUE = 0x44
    COUNTER64 = 0x46
    NO_SUCH_OBJECT = 0x80
    NO_SUCH_INSTANCE = 0x81
    END_OF_MIB_VIEW = 0x82


class PduType:
    GET = 0xA0
    GETNEXT = 0xA1
    RESPONSE = 0xA2
    SET = 0xA3
    GETBULK = 0xA5
    REPORT = 0xA8


_UNSIGNED = frozenset({Tag.COUNTER32, Tag.GAUGE32, Tag.TIMETICKS, Tag.COUNTER64})
_INTEGERS = frozenset({Tag.INTEGER}) | _UNSIGNED
_EXCEPTIONS = frozenset({Tag.NULL, Tag.NO_SUCH_OBJECT, Tag.NO_SUCH_INSTANCE, Tag.END_OF_MIB_VIEW})


class VarBind(NamedTuple):
    """One variable binding. ``value``: int for the integer types, str ("1.3.6...")
    for an OID, bytes for OCTET STRING/Opaque/IpAddress, None for NULL and the
    v2c exceptions. A named tuple: every poll makes dozens, and it costs half a
    frozen dataclass to make."""

    oid: str
    tag: int = Tag.NULL
    value: int | bytes | str | None = None


@dataclass(frozen=True, slots=True)
class Pdu:
    """A PDU; for GETBULK ``error_status`` is non-repeaters, ``error_index`` max-repetitions."""

    kind: int
    request_id: int
    varbinds: tuple[VarBind, ...]
    error_status: int = 0
    error_index: int = 0


@dataclass(frozen=True, slots=True)
class CommunityMessage:
    version: int  # 0: v1, 1: v2c
    community: bytes
    pdu: Pdu


# -- writing -----------------------------------------------------------------


def _length(n: int) -> bytes:
    if n < 0x80:
        return bytes((n,))
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes((0x80 | len(body),)) + body


def encode_tlv(tag: int, body: bytes) -> bytes:
    return bytes((tag,)) + _length(len(body)) + body


def sequence(*parts: bytes, tag: int = Tag.SEQUENCE) -> bytes:
    return encode_tlv(tag, b"".join(parts))


def encode_int(value: int, tag: int = Tag.INTEGER) -> bytes:
    if tag in _UNSIGNED:
        size = value.bit_length() // 8 + 1  # room for a leading 0: never read as negative
        return encode_tlv(tag, value.to_bytes(size, "big"))
    size = (value + (value < 0)).bit_length() // 8 + 1
    return encode_tlv(tag, value.to_bytes(size, "big", signed=True))


def encode_octets(value: bytes) -> bytes:
    return encode_tlv(Tag.OCTET_STRING, value)


@functools.lru_cache(maxsize=65536)
def _oid(text: str) -> bytes:
    """An OID string (a leading dot is allowed) as a BER OBJECT IDENTIFIER."""
    try:
        arcs = [int(p) for p in text.strip(".").split(".")]
    except ValueError:
        raise BerError(f"not an OID: {text!r}") from None
    if len(arcs) < 2 or arcs[0] > 2 or min(arcs) < 0:
        raise BerError(f"not an OID: {text!r}")
    body = bytearray((arcs[0] * 40 + arcs[1],))
    for arc in arcs[2:]:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        body.extend(reversed(chunk))
    return encode_tlv(Tag.OID, bytes(body))


def is_oid(text: str) -> bool:
    """Whether ``text`` is an OID a message can carry (Net-SNMP would parse it)."""
    try:
        _oid(text)
    except BerError:
        return False
    return True


def _value(vb: VarBind) -> bytes:
    if vb.tag in _INTEGERS and isinstance(vb.value, int):
        return encode_int(vb.value, vb.tag)
    if vb.tag == Tag.OID and isinstance(vb.value, str):
        return _oid(vb.value)
    if isinstance(vb.value, bytes):
        return encode_tlv(vb.tag, vb.value)
    return encode_tlv(vb.tag if vb.tag in _EXCEPTIONS else Tag.NULL, b"")


@functools.lru_cache(maxsize=4096)
def _asking(oids: tuple[str, ...]) -> bytes:
    """The bindings of a GET of these OIDs (a walk asks for the same list every time)."""
    return b"".join(sequence(oid, encode_tlv(Tag.NULL, b"")) for oid in _encoded(oids))


_NO_ERROR = encode_int(0) + encode_int(0)  # error-status and error-index of a request


def encode_pdu(pdu: Pdu) -> bytes:
    if all(vb.tag == Tag.NULL for vb in pdu.varbinds):
        binds = _asking(tuple(vb.oid for vb in pdu.varbinds))
    else:
        binds = b"".join(sequence(_oid(vb.oid), _value(vb)) for vb in pdu.varbinds)
    return sequence(encode_int(pdu.request_id), encode_int(pdu.error_status),
                    encode_int(pdu.error_index), sequence(binds), tag=pdu.kind)


def encode_community(version: int, community: bytes, pdu: Pdu) -> bytes:
    """A v1 (0) or v2c (1) message."""
    return sequence(encode_int(version), encode_octets(community), encode_pdu(pdu))


def encode_get(version: int, community: bytes, request_id: int, oids: tuple[str, ...]) -> bytes:
    """A v1/v2c GET of ``oids``: what :func:`encode_community` makes of one, without
    a VarBind per OID (a walk's GETs ask for the same lists every poll)."""
    pdu = sequence(encode_int(request_id), _NO_ERROR, sequence(_asking(oids)), tag=PduType.GET)
    return sequence(encode_int(version), encode_octets(community), pdu)


# -- reading -----------------------------------------------------------------


def read_tlv(data: bytes, pos: int, end: int | None = None) -> tuple[int, int, int]:
    """(tag, start of value, end of value) of the TLV at ``pos``."""
    limit = len(data) if end is None else end
    if pos + 2 > limit:
        raise BerError("truncated")
    tag, first = data[pos], data[pos + 1]
    pos += 2
    if first & 0x80:
        count = first & 0x7F
        if count == 0 or count > 4 or pos + count > limit:
            raise BerError("bad length")
        size = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    else:
        size = first
    if pos + size > limit:
        raise BerError("truncated")
    return tag, pos, pos + size


def decode_int(data: bytes, start: int, end: int, unsigned: bool = False) -> int:
    if start == end or end - start > 9:
        raise BerError("bad integer")
    return int.from_bytes(data[start:end], "big", signed=not unsigned)


def _expect(data: bytes, pos: int, tag: int, end: int) -> tuple[int, int]:
    got, start, stop = read_tlv(data, pos, end)
    if got != tag:
        raise BerError(f"expected tag {tag:#x}, got {got:#x}")
    return start, stop


def _read_oid(data: bytes, start: int, end: int) -> str:
    if start == end:
        raise BerError("empty OID")
    first = data[start]
    arcs = [min(first // 40, 2), first - 40 * min(first // 40, 2)]
    arc = 0
    for byte in data[start + 1 : end]:
        arc = (arc << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(arc)
            arc = 0
    return ".".join(map(str, arcs))


def _read_value(tag: int, data: bytes, start: int, stop: int) -> int | bytes | str | None:
    if tag in _INTEGERS:
        value = decode_int(data, start, stop, tag in _UNSIGNED)
        if tag in _UNSIGNED and value < 0:
            raise BerError("negative counter")
        return value
    if tag == Tag.OID:
        return _read_oid(data, start, stop)
    if tag in _EXCEPTIONS:
        return None
    return bytes(data[start:stop])


@functools.lru_cache(maxsize=1024)
def _encoded(oids: tuple[str, ...]) -> tuple[bytes, ...]:
    """The OIDs of a request as BER, once per list: what a GET sends (_asking) and
    what its reply's bindings are matched against (_bindings)."""
    return tuple(_oid(oid) for oid in oids)


def decode_pdu(data: bytes, pos: int = 0, end: int | None = None,
               expect: Sequence[str] = ()) -> Pdu:
    """A PDU; ``expect``: the OIDs asked for, in order. A binding naming the OID asked
    for keeps that string (no decoding: a GET of many OIDs costs less)."""
    kind, start, stop = read_tlv(data, pos, end)
    s, e = _expect(data, start, Tag.INTEGER, stop)
    request_id = decode_int(data, s, e)
    s2, e2 = _expect(data, e, Tag.INTEGER, stop)
    s3, e3 = _expect(data, e2, Tag.INTEGER, stop)
    s4, e4 = _expect(data, e3, Tag.SEQUENCE, stop)
    return Pdu(kind, request_id, _bindings(data, s4, e4, expect),
               decode_int(data, s2, e2), decode_int(data, s3, e3))


def _bindings(data: bytes, pos: int, end: int, expect: Sequence[str]) -> tuple[VarBind, ...]:
    # every poll's hot loop: short lengths are read in place, long ones by read_tlv
    asked = _encoded(tuple(expect)) if expect else ()
    binds: list[VarBind] = []
    try:
        while pos < end:
            if data[pos] != Tag.SEQUENCE:
                raise BerError(f"expected a binding, got tag {data[pos]:#x}")
            bs, be = _span(data, pos, end)
            if data[bs] != Tag.OID:
                raise BerError(f"expected an OID, got tag {data[bs]:#x}")
            os_, oe = _span(data, bs, be)
            tag = data[oe]
            vs, ve = _span(data, oe, be)
            index = len(binds)
            if index < len(asked) and data[bs:oe] == asked[index]:
                name = expect[index]
            else:
                name = _read_oid(data, os_, oe)
            if tag == Tag.INTEGER and 0 < ve - vs <= 9:
                value: int | bytes | str | None = int.from_bytes(data[vs:ve], "big", signed=True)
            elif tag == Tag.OCTET_STRING:
                value = bytes(data[vs:ve])
            else:
                value = _read_value(tag, data, vs, ve)
            binds.append(VarBind(name, tag, value))
            pos = be
    except IndexError:
        raise BerError("truncated") from None
    return tuple(binds)


def _span(data: bytes, pos: int, limit: int) -> tuple[int, int]:
    """Where the value of the TLV at ``pos`` starts and ends (read_tlv without the tag)."""
    size = data[pos + 1]
    if size & 0x80:
        _, start, stop = read_tlv(data, pos, limit)
        return start, stop
    stop = pos + 2 + size
    if stop > limit:
        raise BerError("truncated")
    return pos + 2, stop


def decode_message(data: bytes) -> tuple[int, int, int]:
    """Version of a message and where its body starts and ends (after the version)."""
    start, stop = _expect(data, 0, Tag.SEQUENCE, len(data))
    vs, ve = _expect(data, start, Tag.INTEGER, stop)
    return decode_int(data, vs, ve), ve, stop


def decode_community(data: bytes, expect: Sequence[str] = ()) -> CommunityMessage:
    """A whole v1/v2c message (``expect``: see :func:`decode_pdu`)."""
    version, pos, stop = decode_message(data)
    cs, ce = _expect(data, pos, Tag.OCTET_STRING, stop)
    return CommunityMessage(version, bytes(data[cs:ce]), decode_pdu(data, ce, stop, expect))
