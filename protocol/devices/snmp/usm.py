"""SNMPv3 with the User-based Security Model (RFC 3414, AES from RFC 3826), as snmp-ups uses it.

How it works: :class:`UsmUser` holds one user's settings and the keys localized
to the agent's engine (RFC 3414 A.2: a password is stretched to a 1 MB hash,
then mixed with the engine ID). :func:`wrap` builds a v3 message around a PDU:
scoped PDU, encrypted when the level asks for privacy (DES-CBC or AES-CFB),
then signed (HMAC over the whole message with the 12, 16, ... zero bytes of
the signature filled in afterwards). :func:`unwrap` checks and opens a reply.
An agent's engine ID, boots and time are learnt from its REPORT to a first
unauthenticated request (:class:`Engine`). DES and AES come from the
``cryptography`` package; without it only noAuthNoPriv and authNoPriv work.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
from dataclasses import dataclass, field
from typing import Any

from nutrio.protocol.devices.snmp.ber import (
    BerError,
    Pdu,
    Tag,
    decode_int,
    decode_message,
    decode_pdu,
    encode_int,
    encode_octets,
    encode_pdu,
    read_tlv,
    sequence,
)

__all__ = ["AUTH", "PRIV", "LEVELS", "UsmUser", "Engine", "V3Reply", "wrap", "unwrap", "UsmError"]

#: authProtocol -> (hash, signature length)
AUTH = {"MD5": ("md5", 12), "SHA": ("sha1", 12), "SHA224": ("sha224", 16),
        "SHA256": ("sha256", 24), "SHA384": ("sha384", 32), "SHA512": ("sha512", 48)}
#: privProtocol -> key length (AES192/256 extend the key as the Blumenthal draft does)
PRIV = {"DES": 8, "AES": 16, "AES128": 16, "AES192": 24, "AES256": 32}
LEVELS = ("noAuthNoPriv", "authNoPriv", "authPriv")
_FLAG_AUTH, _FLAG_PRIV, _FLAG_REPORTABLE = 1, 2, 4
_MAX_SIZE = 65507


class UsmError(Exception):
    """A v3 reply that fails its checks, or a REPORT naming why the agent refused."""


@functools.lru_cache(maxsize=256)
def _stretch(password: bytes, algo: str) -> bytes:
    """RFC 3414 A.2: hash the password repeated to 1 MB (costly: cached)."""
    digest = hashlib.new(algo)
    block = (password * (64 // len(password) + 1))
    chunk = (block * (1024 * 16 // len(block) + 1))
    whole, rest = divmod(1048576, len(chunk))
    for _ in range(whole):
        digest.update(chunk)
    digest.update(chunk[:rest])
    return digest.digest()


def _localize(password: bytes, algo: str, engine_id: bytes) -> bytes:
    key = _stretch(password, algo)
    return hashlib.new(algo, key + engine_id + key).digest()


@dataclass(frozen=True, slots=True, kw_only=True)
class UsmUser:
    name: bytes
    level: str = "noAuthNoPriv"
    auth_protocol: str = "MD5"
    auth_password: bytes = b""
    priv_protocol: str = "DES"
    priv_password: bytes = b""

    @property
    def flags(self) -> int:
        levels = {"noAuthNoPriv": 0, "authNoPriv": _FLAG_AUTH}
        return levels.get(self.level, _FLAG_AUTH | _FLAG_PRIV)

    def auth_key(self, engine_id: bytes) -> bytes:
        return _localize(self.auth_password, AUTH[self.auth_protocol][0], engine_id)

    def priv_key(self, engine_id: bytes) -> bytes:
        algo = AUTH[self.auth_protocol][0]
        key = _localize(self.priv_password, algo, engine_id)
        while len(key) < PRIV[self.priv_protocol]:
            key += hashlib.new(algo, key).digest()
        return key


@dataclass(slots=True)
class Engine:
    """What the client knows of one agent's SNMP engine."""

    engine_id: bytes = b""
    boots: int = 0
    time: int = 0
    learnt_at: float = 0.0
    keys: dict[str, bytes] = field(default_factory=dict)

    def now(self, clock: float) -> int:
        return self.time + int(clock - self.learnt_at) if self.engine_id else 0

    def key(self, user: UsmUser, kind: str) -> bytes:
        if kind not in self.keys:
            self.keys[kind] = user.auth_key(self.engine_id) if kind == "auth" else user.priv_key(
                self.engine_id)
        return self.keys[kind]


@dataclass(frozen=True, slots=True)
class V3Reply:
    msg_id: int
    pdu: Pdu | None  # None: the reply could not be opened (see error)
    engine_id: bytes
    boots: int
    time: int
    error: str | None = None


def _cipher(protocol: str, key: bytes, iv: bytes) -> Any:
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    if protocol == "DES":
        from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
        return Cipher(TripleDES(key[:8] * 3), modes.CBC(iv))  # one key thrice: plain DES
    try:
        from cryptography.hazmat.decrepit.ciphers.modes import CFB
    except ImportError:  # older cryptography
        CFB = modes.CFB  # type: ignore[misc] # noqa: N806
    return Cipher(algorithms.AES(key[: PRIV[protocol]]), CFB(iv))


def _salt_iv(user: UsmUser, key: bytes, engine: Engine, clock: float, salt: bytes) -> bytes:
    if user.priv_protocol == "DES":
        return bytes(a ^ b for a, b in zip(key[8:16], salt, strict=True))
    return engine.boots.to_bytes(4, "big") + engine.now(clock).to_bytes(4, "big") + salt


def _security(engine_id: bytes, boots: int, time: int, user: bytes, auth: bytes,
              priv: bytes) -> bytes:
    return encode_octets(sequence(encode_octets(engine_id), encode_int(boots), encode_int(time),
                                  encode_octets(user), encode_octets(auth), encode_octets(priv)))


def wrap(pdu: Pdu, user: UsmUser, engine: Engine, clock: float, *, discover: bool = False) -> bytes:
    """A v3 message carrying ``pdu``; ``discover``: the unauthenticated probe that
    makes the agent REPORT its engine ID, boots and time."""
    flags = _FLAG_REPORTABLE | (0 if discover else user.flags)
    scoped = sequence(encode_octets(engine.engine_id), encode_octets(b""), encode_pdu(pdu))
    priv = b""
    if flags & _FLAG_PRIV:
        key = engine.key(user, "priv")
        if user.priv_protocol == "DES":
            priv = engine.boots.to_bytes(4, "big") + os.urandom(4)
            scoped += bytes(-len(scoped) % 8)
        else:
            priv = os.urandom(8)
        enc = _cipher(user.priv_protocol, key, _salt_iv(user, key, engine, clock, priv)).encryptor()
        scoped = encode_octets(enc.update(scoped) + enc.finalize())
    size = AUTH[user.auth_protocol][1] if flags & _FLAG_AUTH else 0
    header = sequence(encode_int(pdu.request_id), encode_int(_MAX_SIZE),
                      encode_octets(bytes((flags,))), encode_int(3))
    name = b"" if discover else user.name
    security = _security(engine.engine_id, engine.boots, engine.now(clock), name, bytes(size), priv)
    message = sequence(encode_int(3), header, security, scoped)
    if not size:
        return message
    digest = hmac.new(engine.key(user, "auth"), message, AUTH[user.auth_protocol][0]).digest()
    at = len(message) - len(scoped) - len(encode_octets(priv)) - size  # the blank signature
    return message[:at] + digest[:size] + message[at + size :]


def _fields(data: bytes, start: int, end: int) -> list[tuple[int, int, int, int]]:
    """(tag, TLV start, value start, value end) of each TLV in data[start:end]."""
    out = []
    while start < end:
        tag, s, e = read_tlv(data, start, end)
        out.append((tag, start, s, e))
        start = e
    return out


def unwrap(data: bytes, user: UsmUser, engine: Engine, clock: float) -> V3Reply:
    """Open a v3 reply; a reply that fails a check comes back with ``error`` set.

    Raises:
        BerError: the bytes are not a v3 message at all.
    """
    version, pos, end = decode_message(data)
    if version != 3:
        raise BerError("not SNMPv3")
    parts = _fields(data, pos, end)
    if len(parts) != 3 or parts[0][0] != Tag.SEQUENCE or parts[1][0] != Tag.OCTET_STRING:
        raise BerError("bad v3 message")
    head = _fields(data, parts[0][2], parts[0][3])
    if len(head) != 4:
        raise BerError("bad v3 header")
    msg_id = decode_int(data, head[0][2], head[0][3])
    flags = data[head[2][2]] if head[2][3] > head[2][2] else 0
    _, ss, se = read_tlv(data, parts[1][2], parts[1][3])
    sec = _fields(data, ss, se)
    if len(sec) != 6:
        raise BerError("bad security parameters")
    engine_id = bytes(data[sec[0][2] : sec[0][3]])
    boots, time = decode_int(data, sec[1][2], sec[1][3]), decode_int(data, sec[2][2], sec[2][3])
    known = V3Reply(msg_id, None, engine_id, boots, time)
    if flags & _FLAG_AUTH:
        if not engine.engine_id or not _signed_by(user, engine, data, sec[4][2], sec[4][3]):
            return _failed(known, "wrong digest")
    body_tag, _, bs, be = parts[2]
    scoped = data
    if flags & _FLAG_PRIV:
        if body_tag != Tag.OCTET_STRING or not engine.engine_id:
            return _failed(known, "cannot decrypt")
        salt = bytes(data[sec[5][2] : sec[5][3]])
        key = engine.key(user, "priv")
        sender = Engine(engine.engine_id, boots, time, clock)
        try:
            iv = _salt_iv(user, key, sender, clock, salt)
            dec = _cipher(user.priv_protocol, key, iv).decryptor()
            scoped = dec.update(bytes(data[bs:be])) + dec.finalize()
        except ValueError:
            return _failed(known, "decryption error")
        body_tag, bs, be = read_tlv(scoped, 0, len(scoped))
    if body_tag != Tag.SEQUENCE:
        raise BerError("scoped PDU expected")
    inner = _fields(scoped, bs, be)
    if len(inner) != 3:
        raise BerError("bad scoped PDU")
    return V3Reply(msg_id, decode_pdu(scoped, inner[2][1], be), engine_id, boots, time)


def _signed_by(user: UsmUser, engine: Engine, data: bytes, start: int, end: int) -> bool:
    size = AUTH[user.auth_protocol][1]
    blank = data[:start] + bytes(end - start) + data[end:]
    digest = hmac.new(engine.key(user, "auth"), blank, AUTH[user.auth_protocol][0]).digest()
    return end - start == size and hmac.compare_digest(digest[:size], data[start:end])


def _failed(reply: V3Reply, why: str) -> V3Reply:
    return V3Reply(reply.msg_id, None, reply.engine_id, reply.boots, reply.time, why)
