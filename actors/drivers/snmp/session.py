"""snmp-ups' connection settings and one agent's GET/SET session over pysnmp."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pyasn1.type import univ  # type: ignore[import-untyped]
from pysnmp.hlapi.v3arch import asyncio as hl  # type: ignore[import-untyped]
from pysnmp.proto import rfc1902  # type: ignore[import-untyped]

from nutrio.actors.drivers.base import DeviceLike
from nutrio.actors.drivers.errors import DriverConfigError, DriverIOError, DriverTimeout
from nutrio.protocol.devices import snmp as mibs


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


_AUTH = {
    "MD5": hl.USM_AUTH_HMAC96_MD5, "SHA": hl.USM_AUTH_HMAC96_SHA,
    "SHA224": hl.USM_AUTH_HMAC128_SHA224, "SHA256": hl.USM_AUTH_HMAC192_SHA256,
    "SHA384": hl.USM_AUTH_HMAC256_SHA384, "SHA512": hl.USM_AUTH_HMAC384_SHA512,
}
_PRIV = {
    "DES": hl.USM_PRIV_CBC56_DES, "AES": hl.USM_PRIV_CFB128_AES, "AES128": hl.USM_PRIV_CFB128_AES,
    "AES192": hl.USM_PRIV_CFB192_AES, "AES256": hl.USM_PRIV_CFB256_AES,
}
_LEVELS = ("noAuthNoPriv", "authNoPriv", "authPriv")
#: OIDs per GET request (NUT asks one at a time; a few per PDU is kinder to slow agents
#: than dozens, and far quicker than one).
_GET_BATCH = 16
_NO_SUCH_NAME = 2  # SNMPv1 error-status: one OID of the request does not exist


def _split_host(port: str) -> tuple[str, int]:
    host, sep, number = port.rpartition(":")
    if not sep or ":" in host or not number.isdigit():
        return port.strip("[]"), 161  # no port, or a bare IPv6 address
    return host.strip("[]"), int(number)


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
    problem = None
    if version not in ("v1", "v2c", "v3"):
        problem = f"snmp_version {version!r} (v1, v2c or v3)"
    elif version == "v3" and level not in _LEVELS:
        problem = f"secLevel {level!r} ({', '.join(_LEVELS)})"
    elif version == "v3" and not opt.get("secName"):
        problem = "SNMPv3 needs secName"
    elif version == "v3" and level != "noAuthNoPriv" and (not opt.get("authPassword") or auth not in _AUTH):
        problem = f"secLevel {level} needs authPassword and an authProtocol of {', '.join(_AUTH)}"
    elif version == "v3" and level == "authPriv" and (not opt.get("privPassword") or priv not in _PRIV):
        problem = f"secLevel authPriv needs privPassword and a privProtocol of {', '.join(_PRIV)}"
    if problem:
        raise DriverConfigError(f"{device.name}: {problem}")
    return SnmpSettings(
        host=host, port=port, version=version, community=opt.get("community", "public"),
        sec_level=level, sec_name=opt.get("secName"), auth_password=opt.get("authPassword"),
        priv_password=opt.get("privPassword"), auth_protocol=auth, priv_protocol=priv,
        timeout=float_option(device, "snmp_timeout", 1.0),
        retries=int(float_option(device, "snmp_retries", 5)),
    )


def _raw(value: Any) -> mibs.Raw | None:
    """A pysnmp value as the plain value the mappings read; None when absent."""
    if value is None or isinstance(value, (hl.NoSuchObject, hl.NoSuchInstance, hl.EndOfMibView)):
        return None
    if isinstance(value, hl.ObjectIdentity):  # an OID value, resolved by pysnmp
        return str(value.get_oid())
    if isinstance(value, univ.Null):
        return None
    if isinstance(value, hl.TimeTicks):
        return int(value) / 100  # hundredths of a second -> seconds
    if isinstance(value, univ.ObjectIdentifier):
        return str(value)
    if isinstance(value, hl.IpAddress):
        return value.prettyPrint()
    if isinstance(value, univ.OctetString):
        return bytes(value.asOctets()).rstrip(b"\x00").decode("utf-8", "replace")
    if isinstance(value, univ.Integer):
        return int(value)
    return value.prettyPrint()  # type: ignore[no-any-return]


class SnmpSession:
    """One agent, seen from the asyncio thread: all its methods run on that loop."""

    def __init__(self, settings: SnmpSettings) -> None:
        self.settings = settings
        self._engine: hl.SnmpEngine | None = None
        self._target: hl.UdpTransportTarget | None = None

    def _auth(self) -> Any:
        s = self.settings
        if s.version != "v3":
            return hl.CommunityData(s.community, mpModel=0 if s.version == "v1" else 1)
        if s.sec_level == "noAuthNoPriv":
            return hl.UsmUserData(s.sec_name)
        if s.sec_level == "authNoPriv":
            return hl.UsmUserData(s.sec_name, s.auth_password, authProtocol=_AUTH[s.auth_protocol])
        return hl.UsmUserData(
            s.sec_name, s.auth_password, s.priv_password,
            authProtocol=_AUTH[s.auth_protocol], privProtocol=_PRIV[s.priv_protocol],
        )

    async def _ready(self) -> tuple[hl.SnmpEngine, hl.UdpTransportTarget]:
        if self._engine is None or self._target is None:
            s = self.settings
            self._engine = hl.SnmpEngine()
            self._target = await hl.UdpTransportTarget.create(
                (s.host, s.port), timeout=s.timeout, retries=s.retries
            )
        return self._engine, self._target

    async def get(self, oids: list[str]) -> dict[str, mibs.Raw | None]:
        """GET in batches; an OID the agent lacks maps to None."""
        engine, target = await self._ready()
        result: dict[str, mibs.Raw | None] = {}
        for start in range(0, len(oids), _GET_BATCH):
            pending = oids[start : start + _GET_BATCH]
            while pending:
                binds = [hl.ObjectType(hl.ObjectIdentity(o)) for o in pending]
                indication, status, index, answer = await hl.get_cmd(
                    engine, self._auth(), target, hl.ContextData(), *binds
                )
                if indication:
                    _raise_indication(indication)
                if int(status) == _NO_SUCH_NAME and 0 < int(index) <= len(pending):
                    result[pending.pop(int(index) - 1)] = None  # v1: retry without it
                    continue
                if int(status):
                    raise DriverIOError(f"agent error: {status.prettyPrint()}")
                for oid, (_, value) in zip(pending, answer, strict=True):
                    result[oid] = _raw(value)
                pending = []
        return result

    async def set(self, snmp_set: mibs.SnmpSet) -> str | None:
        """One SET; None when the agent took it, else why not."""
        engine, target = await self._ready()
        value: Any
        if snmp_set.kind == "str":
            value = rfc1902.OctetString(str(snmp_set.value))
        elif snmp_set.kind == "oid":
            value = rfc1902.ObjectName(str(snmp_set.value))
        elif snmp_set.kind == "timeticks":
            value = rfc1902.TimeTicks(int(snmp_set.value))
        else:
            value = rfc1902.Integer32(int(snmp_set.value))
        indication, status, _, _ = await hl.set_cmd(
            engine, self._auth(), target, hl.ContextData(),
            hl.ObjectType(hl.ObjectIdentity(snmp_set.oid), value),
        )
        if indication:
            return str(indication)
        if int(status):
            return status.prettyPrint()
        return None

    async def close(self) -> None:
        if self._engine is not None:
            self._engine.close_dispatcher()
            self._engine = None


def _raise_indication(indication: object) -> None:
    text = str(indication)
    if "timed out" in text.lower() or "timeout" in text.lower():
        raise DriverTimeout(f"SNMP agent did not answer: {text}")
    raise DriverIOError(f"SNMP request failed: {text}")


def float_option(device: DeviceLike, name: str, default: float) -> float:
    text = device.options.get(name)
    if text is None:
        return default
    try:
        return float(text)
    except ValueError as exc:
        raise DriverConfigError(f"{device.name}: {name} must be a number, not {text!r}") from exc
