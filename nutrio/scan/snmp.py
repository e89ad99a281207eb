"""`nutrio scan --snmp CIDR`: SNMP agents in an address range, with the MIB snmp-ups picks.

Bounded on purpose: more than MAX_ADDRESSES addresses need ``force``. Each
address is asked for sysObjectID.0 and sysDescr.0 with each set of
credentials in turn (v1/v2c communities, or one SNMPv3 user); the first that
answers wins. The MIB is chosen the way snmp-ups 2.8.0's ``mibs = auto`` does
(protocol/devices/snmp/start.py): the first mapping whose sysObjectID equals
the agent's and whose model OID it answers, else the first mapping in NUT's
order whose model OID it answers. ``desc`` is the model name as that mapping
reads it (nut-scanner also writes a model there), else sysDescr.0. pysnmp is
asyncio: the whole range runs in one event loop in a worker thread, one engine
for all requests, a bounded number in flight.
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pysnmp.hlapi.v3arch import asyncio as hl  # type: ignore[import-untyped]

from nutrio.protocol.devices.snmp import MAPPINGS, SYSOID, Mapping, model_oid, same_oid
from nutrio.scan.found import Found

__all__ = ["MAX_ADDRESSES", "SnmpCredentials", "addresses", "scan_snmp"]

MAX_ADDRESSES = 4096
SYS_DESCR = "1.3.6.1.2.1.1.1.0"
_IN_FLIGHT = 64
_AUTH = {"MD5": hl.USM_AUTH_HMAC96_MD5, "SHA": hl.USM_AUTH_HMAC96_SHA,
         "SHA256": hl.USM_AUTH_HMAC192_SHA256, "SHA384": hl.USM_AUTH_HMAC256_SHA384,
         "SHA512": hl.USM_AUTH_HMAC384_SHA512}
_PRIV = {"DES": hl.USM_PRIV_CBC56_DES, "AES": hl.USM_PRIV_CFB128_AES,
         "AES192": hl.USM_PRIV_CFB192_AES, "AES256": hl.USM_PRIV_CFB256_AES}


@dataclass(frozen=True, slots=True, kw_only=True)
class SnmpCredentials:
    """One way to ask: a v1/v2c community, or an SNMPv3 user (snmp-ups' option names)."""

    version: str = "v1"
    community: str = "public"
    sec_name: str | None = None
    sec_level: str = "noAuthNoPriv"
    auth_password: str | None = None
    auth_protocol: str = "MD5"
    priv_password: str | None = None
    priv_protocol: str = "DES"

    def auth_data(self) -> Any:
        if self.version != "v3":
            return hl.CommunityData(self.community, mpModel=0 if self.version == "v1" else 1)
        if self.sec_level == "noAuthNoPriv":
            return hl.UsmUserData(self.sec_name)
        auth = _AUTH[self.auth_protocol.upper()]
        if self.sec_level == "authNoPriv":
            return hl.UsmUserData(self.sec_name, self.auth_password, authProtocol=auth)
        return hl.UsmUserData(self.sec_name, self.auth_password, self.priv_password,
                              authProtocol=auth, privProtocol=_PRIV[self.priv_protocol.upper()])

    def options(self) -> tuple[tuple[str, str], ...]:
        """What the device table needs to ask the same way."""
        if self.version != "v3":
            version = () if self.version == "v1" else (("snmp_version", self.version),)
            return (*version, ("community", self.community))
        out = [("snmp_version", "v3"), ("secLevel", self.sec_level),
               ("secName", self.sec_name or "")]
        if self.sec_level != "noAuthNoPriv":
            out += [("authPassword", self.auth_password or ""),
                    ("authProtocol", self.auth_protocol.upper())]
        if self.sec_level == "authPriv":
            out += [("privPassword", self.priv_password or ""),
                    ("privProtocol", self.priv_protocol.upper())]
        return tuple(out)


def addresses(cidrs: Sequence[str], *, force: bool = False) -> list[str]:
    """The host addresses of *cidrs*, in order, each once.

    Raises:
        ValueError: a range that does not parse, or more than MAX_ADDRESSES
        addresses without *force*.
    """
    networks = []
    for text in cidrs:
        try:
            networks.append(ipaddress.ip_network(text, strict=False))
        except ValueError as exc:
            raise ValueError(f"--snmp {text}: {exc}") from None
    total = sum(n.num_addresses for n in networks)
    if total > MAX_ADDRESSES and not force:
        raise ValueError(f"--snmp: {total} addresses is more than {MAX_ADDRESSES}; "
                         "narrow the range or add --force")
    out = dict.fromkeys(str(a) for n in networks
                        for a in (n.hosts() if n.num_addresses > 2 else n))
    return list(out)


def scan_snmp(hosts: Sequence[str], credentials: Sequence[SnmpCredentials], *, port: int = 161,
              timeout: float = 1.0, done: Callable[[], None] = lambda: None) -> list[Found]:
    """Every agent that answers, in address order (blocking: run it in a thread)."""
    return asyncio.run(_scan(hosts, credentials, port, timeout, done))


async def _scan(hosts: Sequence[str], credentials: Sequence[SnmpCredentials], port: int,
                timeout: float, done: Callable[[], None]) -> list[Found]:
    # one engine for every address: its first request costs half a second of CPU
    engine = hl.SnmpEngine()
    limit = asyncio.Semaphore(_IN_FLIGHT)

    async def one(host: str) -> Found | None:
        async with limit:
            try:
                return await _probe(engine, host, port, credentials, timeout)
            finally:
                done()

    try:
        results = await asyncio.gather(*(one(h) for h in hosts))
    finally:
        engine.close_dispatcher()
    return [r for r in results if r is not None]


async def _probe(engine: Any, host: str, port: int, credentials: Sequence[SnmpCredentials],
                 timeout: float) -> Found | None:
    family = hl.Udp6TransportTarget if ":" in host else hl.UdpTransportTarget
    target = await family.create((host, port), timeout=timeout, retries=0)
    for cred in credentials:
        got = await _get(engine, cred, target, [SYSOID, SYS_DESCR])
        if got is None:
            continue
        sysoid, descr = (str(v) if v is not None else "" for v in got)
        mib, how = await _detect(engine, cred, target, sysoid)
        model_at = model_oid(mib, "ups.model", "device.model") if mib else None
        if model_at is not None:
            model = await _get(engine, cred, target, [model_at])
            descr = str(model[0]) if model and model[0] is not None else descr
        return _found(host, port, cred, sysoid, descr, mib, how)
    return None


async def _get(engine: Any, cred: SnmpCredentials, target: Any,
               oids: list[str]) -> list[Any] | None:
    """The values (None where the agent has none), or None when nothing answered."""
    binds = [hl.ObjectType(hl.ObjectIdentity(o)) for o in oids]
    try:
        indication, status, _, answer = await hl.get_cmd(engine, cred.auth_data(), target,
                                                         hl.ContextData(), *binds,
                                                         lookupMib=False)
    except Exception:  # noqa: BLE001  # pysnmp raises many kinds; any is "no agent here"
        return None
    if indication or int(status):
        return None if indication else [None] * len(oids)
    return [_plain(value) for _, value in answer]


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, (hl.NoSuchObject, hl.NoSuchInstance, hl.EndOfMibView)):
        return None
    if isinstance(value, hl.OctetString):
        return bytes(value.asOctets()).rstrip(b"\0").decode("utf-8", "replace")
    return str(value)  # an OID in dotted numbers (no MIB lookup)


async def _detect(engine: Any, cred: SnmpCredentials, target: Any,
                  sysoid: str) -> tuple[Mapping | None, str]:
    async def answers(mapping: Mapping) -> bool:
        oid = model_oid(mapping)
        got = await _get(engine, cred, target, [oid]) if oid else None
        return got is not None and bool(got) and got[0] is not None

    for mapping in MAPPINGS:
        if sysoid and mapping.sysoid and same_oid(mapping.sysoid, sysoid):
            if await answers(mapping):
                return mapping, f"sysObjectID {sysoid}"
    for mapping in MAPPINGS:
        if await answers(mapping):
            return mapping, f"the agent has {model_oid(mapping)}"
    return None, ""


def _found(host: str, port: int, cred: SnmpCredentials, sysoid: str, descr: str,
           mib: Mapping | None, how: str) -> Found:
    where = host if port == 161 else (f"[{host}]:{port}" if ":" in host else f"{host}:{port}")
    notes = [f"SNMP {cred.version} agent at {where}: sysObjectID {sysoid or '(none)'}"]
    if mib is None:
        notes.append("no snmp-ups MIB of nutrio matches this agent (written with mibs = auto)")
    else:
        notes.append(f"MIB {mib.name} ({mib.version_data}), picked by {how}")
    options = (("mibs", mib.name if mib else "auto"), *cred.options())
    return Found(source="snmp", driver="snmp-ups", port=where, desc=descr.strip()[:100],
                 options=options, notes=tuple(notes), name_hint="")
