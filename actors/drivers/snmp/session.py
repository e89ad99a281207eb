"""snmp-ups' connection settings and one agent's session: GET, GETNEXT, GETBULK and SET.

How it works: a session turns PDUs into v1/v2c or v3 messages (protocol/devices/snmp
ber.py and usm.py) and exchanges them over the process's shared transport
(transport.py). A v3 session first learns the agent's engine ID, boots and
time from the REPORT to an empty probe, and learns them again when the agent
says its clock moved (notInTimeWindows). Replies keep their ASN.1 tags: what a
missing object looks like (v1 noSuchName error, v2c noSuchObject value) is the
reader's business, as it is snmp-ups'.
"""

from __future__ import annotations

import socket as stdsocket
from collections.abc import Sequence
from dataclasses import dataclass

import trio

from nutrio.actors.drivers.base import DeviceLike
from nutrio.actors.drivers.errors import (
    DriverConfigError,
    DriverError,
    DriverIOError,
    DriverTimeout,
)
from nutrio.actors.drivers.snmp.transport import Transport, shared_transport
from nutrio.protocol.devices.snmp import ber, usm
from nutrio.protocol.devices.snmp.ber import Pdu, PduType, VarBind

__all__ = ["SnmpSettings", "SnmpSession", "settings_from", "float_option", "SnmpError"]

#: OIDs per GET at most (NUT asks for one at a time; a PDU of many is one round trip);
#: a walk's OIDs are split evenly into as few GETs as that allows
GET_BATCH = 32
#: GETs of one session in flight at once
IN_FLIGHT = 4
_NO_SUCH_NAME, _TOO_BIG = 2, 1
_NOT_IN_TIME = "1.3.6.1.6.3.15.1.1.2.0"
_REPORTS = {
    "1.3.6.1.6.3.15.1.1.1.0": "unsupported security level",
    _NOT_IN_TIME: "not in time window",
    "1.3.6.1.6.3.15.1.1.3.0": "unknown user name",
    "1.3.6.1.6.3.15.1.1.4.0": "unknown engine ID",
    "1.3.6.1.6.3.15.1.1.5.0": "wrong digest (bad authPassword?)",
    "1.3.6.1.6.3.15.1.1.6.0": "decryption error (bad privPassword?)",
}


class SnmpError(DriverIOError):
    """The agent answered with an error (``status``: the PDU's error-status)."""

    def __init__(self, text: str, status: int = 0, index: int = 0) -> None:
        super().__init__(text)
        self.status, self.index = status, index


@dataclass(frozen=True, slots=True, kw_only=True)
class SnmpSettings:
    """Where the agent is and how to talk to it (snmp-ups options)."""

    host: str
    port: int = 161
    version: str = "v1"
    community: str = "public"
    sec_level: str = "noAuthNoPriv"
    sec_name: str | None = None
    auth_password: str | None = None
    priv_password: str | None = None
    auth_protocol: str = "MD5"
    priv_protocol: str = "DES"
    timeout: float = 1.0
    retries: int = 5

    def user(self) -> usm.UsmUser:
        return usm.UsmUser(
            name=(self.sec_name or "").encode(), level=self.sec_level,
            auth_protocol=self.auth_protocol, auth_password=(self.auth_password or "").encode(),
            priv_protocol=self.priv_protocol, priv_password=(self.priv_password or "").encode())


def _split_host(port: str) -> tuple[str, int]:
    host, sep, number = port.rpartition(":")
    if not sep or ":" in host or not number.isdigit():
        return port.strip("[]"), 161  # no port, or a bare IPv6 address
    return host.strip("[]"), int(number)


def float_option(device: DeviceLike, name: str, default: float) -> float:
    text = device.options.get(name)
    if text is None:
        return default
    try:
        return float(text)
    except ValueError as exc:
        raise DriverConfigError(f"{device.name}: {name} must be a number, not {text!r}") from exc


def _problem(opt: object, version: str, level: str, auth: str, priv: str) -> str | None:
    get = opt.get  # type: ignore[attr-defined]
    if version not in ("v1", "v2c", "v3"):
        return f"snmp_version {version!r} (v1, v2c or v3)"
    if version != "v3":
        return None
    if level not in usm.LEVELS:
        return f"secLevel {level!r} ({', '.join(usm.LEVELS)})"
    if not get("secName"):
        return "SNMPv3 needs secName"
    if level != "noAuthNoPriv" and (not get("authPassword") or auth not in usm.AUTH):
        return f"secLevel {level} needs authPassword and an authProtocol of {', '.join(usm.AUTH)}"
    if level == "authPriv" and (not get("privPassword") or priv not in usm.PRIV):
        return f"secLevel authPriv needs privPassword and a privProtocol of {', '.join(usm.PRIV)}"
    return None


def settings_from(device: DeviceLike) -> SnmpSettings:
    """snmp-ups' options of one ups.conf section.

    Raises:
        DriverConfigError: an unknown version, level or protocol, or a v3 setup
        that lacks the name or passwords its security level needs.
    """
    opt = device.options
    host, port = _split_host(device.port)
    version = opt.get("snmp_version", "v1")
    level = opt.get("secLevel", "noAuthNoPriv")
    auth = opt.get("authProtocol", "MD5").upper()
    priv = opt.get("privProtocol", "DES").upper()
    problem = _problem(opt, version, level, auth, priv)
    if problem:
        raise DriverConfigError(f"{device.name}: {problem}")
    return SnmpSettings(
        host=host, port=port, version=version, community=opt.get("community", "public"),
        sec_level=level, sec_name=opt.get("secName"), auth_password=opt.get("authPassword"),
        priv_password=opt.get("privPassword"), auth_protocol=auth, priv_protocol=priv,
        timeout=float_option(device, "snmp_timeout", 1.0),
        retries=int(float_option(device, "snmp_retries", 5)),
    )


def _check(reply: Pdu) -> None:
    if reply.error_status:
        raise SnmpError(f"agent error {reply.error_status} at {reply.error_index}",
                        reply.error_status, reply.error_index)


def _by_oid(asked: Sequence[str], binds: Sequence[VarBind]) -> dict[str, VarBind | None]:
    """Each asked OID's binding (None: not in the reply). An agent answers in the order
    asked, and NUT takes it so; one that reorders the OIDs or leaves some out is read by
    name instead, so that no OID gets another's value."""
    if not _in_order(asked, binds):
        named = {vb.oid.strip("."): vb for vb in binds}
        wanted = {oid: oid.strip(".") for oid in asked}
        if named.keys() <= set(wanted.values()):  # only OIDs asked for
            return {oid: named.get(key) for oid, key in wanted.items()}
    found: dict[str, VarBind | None] = dict.fromkeys(asked)
    found.update(zip(asked, binds))  # names the agent made up: by position, as NUT reads
    return found


def _in_order(asked: Sequence[str], binds: Sequence[VarBind]) -> bool:
    return all(vb.oid == oid or vb.oid.strip(".") == oid.strip(".")
               for oid, vb in zip(asked, binds))


def _decode(data: bytes, asked: Sequence[str]) -> Pdu:
    try:
        return ber.decode_community(data, asked).pdu
    except ber.BerError as exc:
        raise DriverIOError(f"garbled reply: {exc}") from exc


class SnmpSession:
    """One agent. ``open`` resolves its address; every request goes through the transport."""

    def __init__(self, settings: SnmpSettings, transport: Transport | None = None) -> None:
        self.settings = settings
        self._transport = transport
        self._address: tuple[object, ...] | None = None
        self._family = stdsocket.AF_INET
        self._user = settings.user()
        self._engine = usm.Engine()
        self._limit = trio.Semaphore(IN_FLIGHT)
        self._version = 0 if settings.version == "v1" else 1  # v1/v2c's number on the wire
        self._community_bytes = settings.community.encode()

    async def open(self) -> None:
        if self._address is not None:
            return
        s = self.settings
        try:
            found = await trio.socket.getaddrinfo(s.host, s.port, type=stdsocket.SOCK_DGRAM)
        except OSError as exc:
            raise DriverIOError(f"cannot resolve {s.host}: {exc}") from exc
        self._family, *_, self._address = found[0]
        if self._transport is None:
            self._transport = shared_transport()
        self._transport.enter()

    async def close(self) -> None:
        if self._address is not None and self._transport is not None:
            self._transport.leave()
        self._address = None

    # -- requests -------------------------------------------------------------

    async def get(self, oids: list[str]) -> dict[str, VarBind | None]:
        """GET every OID (in parts of up to GET_BATCH, a few sent at once); None: no
        reply for that OID (v1 noSuchName, or an error the agent pinned on it)."""
        wanted = list(dict.fromkeys(oids))
        size = -(-len(wanted) // max(1, -(-len(wanted) // GET_BATCH)))  # even parts
        parts = [tuple(wanted[start : start + size]) for start in range(0, len(wanted), size or 1)]
        result: dict[str, VarBind | None] = {}
        if self.settings.version == "v3":
            await self._get_each(parts, result)
            return result
        for start in range(0, len(parts), IN_FLIGHT):
            wave = parts[start : start + IN_FLIGHT]
            for part, reply in zip(wave, await self._get_many(wave), strict=True):
                await self._get_batch(part, result, reply)
        return result

    async def _get_each(self, parts: list[tuple[str, ...]],
                        result: dict[str, VarBind | None]) -> None:
        """v3: each part its own USM exchange, a few at once."""
        failed: list[DriverError] = []  # one agent: its first failure speaks for all

        async def batch(part: tuple[str, ...]) -> None:
            try:
                await self._get_batch(part, result)
            except DriverError as exc:
                failed.append(exc)

        async with trio.open_nursery() as nursery:
            for part in parts:
                nursery.start_soon(batch, part)
        if failed:
            raise failed[0]

    async def get_next(self, oid: str) -> VarBind | None:
        try:
            reply = await self._request(PduType.GETNEXT, (VarBind(oid),))
        except SnmpError:
            return None
        return reply.varbinds[0] if reply.varbinds else None

    async def bulk(self, oid: str, count: int) -> list[VarBind]:
        """Up to ``count`` successors of ``oid`` (GETNEXT one by one on v1)."""
        if self.settings.version == "v1":
            found = await self.get_next(oid)
            return [found] if found is not None else []
        try:
            reply = await self._request(PduType.GETBULK, (VarBind(oid),), 0, count)
        except SnmpError:
            return []
        return list(reply.varbinds)

    async def set(self, binding: VarBind) -> str | None:
        """One SET; None when the agent took it, else why not."""
        try:
            await self._request(PduType.SET, (binding,))
        except SnmpError as exc:
            return str(exc)
        except DriverTimeout as exc:
            return str(exc)
        return None

    async def _get_batch(self, oids: tuple[str, ...], result: dict[str, VarBind | None],
                         reply: Pdu | None = None) -> None:
        """Fill ``result`` from a GET of ``oids`` (``reply``: its answer, when in already),
        asking again without an OID the agent refuses, in halves when too big."""
        pending = list(oids)
        while pending:
            try:
                if reply is None:
                    reply = await self._request(PduType.GET, tuple(VarBind(o) for o in pending))
                _check(reply)
            except SnmpError as exc:
                reply = None
                if exc.status == _TOO_BIG and len(pending) > 1:
                    half = len(pending) // 2
                    await self._get_batch(tuple(pending[:half]), result)
                    pending = pending[half:]
                    continue
                if 0 < exc.index <= len(pending):
                    # this OID fails alone: retry the rest
                    result[pending.pop(exc.index - 1)] = None
                    continue
                for oid in pending:
                    result[oid] = None
                return
            result.update(_by_oid(pending, reply.varbinds))
            return

    async def _get_many(self, parts: list[tuple[str, ...]]) -> list[Pdu]:
        """v1/v2c: one GET per part, all sent at once through one exchange."""
        assert self._transport is not None and self._address is not None, "session not open"
        s = self.settings
        requests = [(self._transport.next_id(), part) for part in parts]
        payloads = [(rid, ber.encode_get(self._version, self._community_bytes, rid, part))
                    for rid, part in requests]
        replies = await self._transport.exchange_many(self._address, self._family, payloads,
                                                      s.timeout, s.retries)
        return [_decode(data, part) for data, (_, part) in zip(replies, requests, strict=True)]

    async def _request(self, kind: int, binds: tuple[VarBind, ...], status: int = 0,
                       index: int = 0) -> Pdu:
        async with self._limit:
            if self.settings.version == "v3":
                reply = await self._v3(kind, binds, status, index)
            else:
                reply = await self._community(kind, binds, status, index)
        _check(reply)
        return reply

    async def _exchange(self, rid: int, payload: bytes) -> bytes:
        assert self._transport is not None and self._address is not None, "session not open"
        s = self.settings
        return await self._transport.exchange(self._address, self._family, rid, payload,
                                              s.timeout, s.retries)

    async def _community(self, kind: int, binds: tuple[VarBind, ...], status: int,
                         index: int) -> Pdu:
        assert self._transport is not None
        rid = self._transport.next_id()
        message = ber.encode_community(self._version, self._community_bytes,
                                       Pdu(kind, rid, binds, status, index))
        data = await self._exchange(rid, message)
        return _decode(data, [b.oid for b in binds])

    async def _v3(self, kind: int, binds: tuple[VarBind, ...], status: int, index: int) -> Pdu:
        if not self._engine.engine_id:
            await self._discover()
        for _ in range(2):
            reply = await self._v3_once(Pdu(kind, 0, binds, status, index))
            if reply.pdu is not None and reply.pdu.kind == PduType.REPORT:
                oid = reply.pdu.varbinds[0].oid if reply.pdu.varbinds else ""
                if oid == _NOT_IN_TIME:
                    self._learn(reply)
                    continue
                raise DriverIOError(f"SNMPv3: {_REPORTS.get(oid, 'report ' + oid)}")
            if reply.pdu is None:
                raise DriverIOError(f"SNMPv3 reply refused: {reply.error}")
            return reply.pdu
        raise DriverIOError("SNMPv3: the agent's clock keeps moving (not in time window)")

    async def _v3_once(self, pdu: Pdu, *, discover: bool = False) -> usm.V3Reply:
        assert self._transport is not None
        rid = self._transport.next_id()
        pdu = Pdu(pdu.kind, rid, pdu.varbinds, pdu.error_status, pdu.error_index)
        try:
            message = usm.wrap(pdu, self._user, self._engine, trio.current_time(),
                               discover=discover)
        except ImportError as exc:
            raise DriverConfigError(
                f"SNMPv3 privacy needs the cryptography package: {exc}") from exc
        data = await self._exchange(rid, message)
        try:
            return usm.unwrap(data, self._user, self._engine, trio.current_time())
        except ber.BerError as exc:
            raise DriverIOError(f"garbled reply: {exc}") from exc

    async def _discover(self) -> None:
        reply = await self._v3_once(Pdu(PduType.GET, 0, ()), discover=True)
        if not reply.engine_id:
            raise DriverIOError("SNMPv3: the agent did not tell its engine ID")
        self._learn(reply)

    def _learn(self, reply: usm.V3Reply) -> None:
        if reply.engine_id != self._engine.engine_id:
            self._engine = usm.Engine(reply.engine_id)
        self._engine.boots, self._engine.time = reply.boots, reply.time
        self._engine.learnt_at = trio.current_time()
