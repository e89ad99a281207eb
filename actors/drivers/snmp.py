"""snmp-ups: read a UPS or PDU through its SNMP agent, with NUT's MIB mappings.

How it works: ``port`` is the agent's ``host[:port]``; options follow
snmp-ups (``mibs``, ``community``, ``snmp_version`` v1/v2c/v3, ``secLevel``,
``secName``, ``authPassword``, ``privPassword``, ``authProtocol``,
``privProtocol``, ``pollfreq``, ``snmp_timeout``, ``snmp_retries``). At open
the mapping is picked (``mibs = auto``: sysObjectID, then probe OIDs, see
:mod:`protocol.snmp_mibs`), outlets are counted, and every row is read once;
rows the agent lacks are dropped, as snmp-ups disables them. Each poll then
reads the status rows, and all the others every ``pollfreq`` seconds.
Instant commands and SET VAR become SNMP SETs.

pysnmp 7 is asyncio only. Each driver owns one asyncio loop in its own
daemon thread, and every pysnmp call runs there (its engine is not thread
safe, and it stays bound to the loop it was made on). Trio awaits each call
through a done-callback that wakes it with the Trio token, so no Trio worker
thread blocks, and a cancelled Trio wait cancels the asyncio task.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

import structlog
import trio
from pyasn1.type import univ  # type: ignore[import-untyped]
from pysnmp.hlapi.v3arch import asyncio as hl  # type: ignore[import-untyped]
from pysnmp.proto import rfc1902  # type: ignore[import-untyped]

from actors.drivers.base import DeviceLike, PollResult
from actors.drivers.errors import DriverConfigError, DriverIOError, DriverTimeout
from protocol import snmp_mibs as mibs
from protocol.devfile import DeviceVars
from protocol.state import ResultCode, VarInfo

__all__ = ["AsyncioThread", "SnmpSession", "SnmpSettings", "SnmpUps", "settings_from"]

log = structlog.get_logger()
T = TypeVar("T")

_SENSITIVE = ("community", "authPassword", "privPassword")
#: snmp-ups' default full-update period (pollfreq), seconds.
DEFAULT_POLLFREQ = 30.0


class AsyncioThread:
    """An asyncio loop in a daemon thread; Trio tasks run coroutines on it."""

    def __init__(self, name: str) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name=name, daemon=True)
        self._thread.start()

    async def run(self, make: Callable[[], Awaitable[T]]) -> T:
        """Run ``make()`` on the loop and wait for it here; cancelling cancels it there."""
        token = trio.lowlevel.current_trio_token()
        done = trio.Event()

        def wake(_: object) -> None:
            try:
                token.run_sync_soon(done.set)
            except trio.RunFinishedError:
                pass  # the Trio side is gone: nobody waits any more

        async def call() -> T:
            return await make()

        future = asyncio.run_coroutine_threadsafe(call(), self._loop)
        future.add_done_callback(wake)
        try:
            await done.wait()
        except BaseException:
            future.cancel()
            raise
        return future.result()

    async def stop(self, cleanup: Callable[[], Awaitable[None]] | None = None) -> None:
        if cleanup is not None and self._loop.is_running():
            try:
                await self.run(cleanup)
            except Exception as exc:  # noqa: BLE001 - closing must not fail the driver's exit
                log.debug("driver.snmp_cleanup_failed", error=str(exc))
        self._loop.call_soon_threadsafe(self._loop.stop)
        await trio.to_thread.run_sync(self._thread.join, 2.0)
        if not self._thread.is_alive():
            self._loop.close()


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
        timeout=_float_option(device, "snmp_timeout", 1.0),
        retries=int(_float_option(device, "snmp_retries", 5)),
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


def _float_option(device: DeviceLike, name: str, default: float) -> float:
    text = device.options.get(name)
    if text is None:
        return default
    try:
        return float(text)
    except ValueError as exc:
        raise DriverConfigError(f"{device.name}: {name} must be a number, not {text!r}") from exc


class SnmpUps:
    """NUT's snmp-ups over pysnmp (see the module comment)."""

    name = "snmp-ups"
    version_internal = "1.21-nutrio"
    flags: frozenset[str] = frozenset()

    def __init__(self, device: DeviceLike) -> None:
        self.settings = settings_from(device)  # DriverConfigError on bad options
        self.mibs_option = device.options.get("mibs", "auto")
        if self.mibs_option != "auto" and mibs.mib_named(self.mibs_option) is None:
            raise DriverConfigError(
                f"{device.name}: unknown mibs {self.mibs_option!r} "
                f"(nutrio has auto, {', '.join(mibs.MIBS)})"
            )
        self.pollfreq = _float_option(device, "pollfreq", DEFAULT_POLLFREQ)
        self.mib: mibs.Mib | None = None
        self._rows: dict[str, list[mibs.ResolvedVar]] = {}  # NUT name -> candidate rows
        self._commands: dict[str, tuple[mibs.SnmpSet, ...]] = {}
        self._next_full = 0.0
        self._thread: AsyncioThread | None = None
        self._session: SnmpSession | None = None

    # -- the Driver seam ----------------------------------------------------

    async def open(self, state: DeviceVars) -> None:
        for secret in _SENSITIVE:  # snmp-ups marks these VAR_SENSITIVE: never served
            state.delete(f"driver.parameter.{secret}")
        self._thread = AsyncioThread(f"snmp-{self.settings.host}")
        self._session = SnmpSession(self.settings)
        mib = await self._pick_mib()
        self.mib = mib
        state.set("device.type", mib.device_type)
        state.set("driver.version.data", mib.version_data)
        outlets = await self._count_outlets(mib)
        for row in mibs.expand_vars(mib, outlets):
            self._rows.setdefault(row.name, []).append(row)
        values = await self._get(r.oid for rows in self._rows.values() for r in rows if r.oid)
        self._keep_present(values)
        self._apply(state, values, full=True)
        self._declare(state, mib, outlets)
        self._next_full = trio.current_time() + self.pollfreq

    async def poll(self, state: DeviceVars) -> PollResult:
        full = trio.current_time() >= self._next_full
        rows = [r for rs in self._rows.values() for r in rs if r.oid and (full or _quick(r))]
        values = await self._get(r.oid for r in rows if r.oid and not (r.row.static))
        self._apply(state, values, full=full)
        if full:
            self._next_full = trio.current_time() + self.pollfreq
        return PollResult()

    async def instcmd(self, state: DeviceVars, name: str, value: str | None) -> str:
        sets = self._commands.get(name.lower())
        if sets is None:
            return ResultCode.CMD_NOT_SUPPORTED
        return await self._set(sets, what=name)

    async def set_var(self, state: DeviceVars, name: str, value: str) -> str:
        rows = self._rows.get(name.lower())
        if not rows or not rows[0].row.rw or rows[0].oid is None:
            return ResultCode.VAR_NOT_SUPPORTED
        row = rows[0]
        try:
            snmp_set = mibs.encode_set(row.row, value, row.oid)
        except ValueError as exc:
            log.info("driver.set_refused", name=name, error=str(exc))
            return ResultCode.INVALID_ARGUMENT
        code = await self._set((snmp_set,), what=name)
        if code == ResultCode.SUCCESS:
            state.set(name, value)  # snmp-ups shows a written value at once
        return code

    async def close(self) -> None:
        if self._thread is not None:
            session = self._session
            await self._thread.stop(session.close if session is not None else None)
            self._thread = None

    # -- reading --------------------------------------------------------------

    async def _call(self, make: Callable[[], Awaitable[T]]) -> T:
        assert self._thread is not None
        return await self._thread.run(make)

    async def _get(self, oids: Iterable[str]) -> dict[str, mibs.Raw | None]:
        wanted = list(dict.fromkeys(oids))
        session = self._session
        assert session is not None
        return await self._call(lambda: session.get(wanted))

    async def _pick_mib(self) -> mibs.Mib:
        if self.mibs_option != "auto":
            mib = mibs.mib_named(self.mibs_option)
            assert mib is not None
            return mib
        sysoid = (await self._get([mibs.SYS_OBJECT_ID])).get(mibs.SYS_OBJECT_ID)
        mib = mibs.pick_by_sysoid(sysoid) if isinstance(sysoid, str) else None
        if mib is None:
            probes = await self._get(m.probe_oid for m in mibs.PROBE_ORDER if m.probe_oid)
            mib = next((m for m in mibs.PROBE_ORDER if probes.get(m.probe_oid or "") is not None), None)
        if mib is None:
            raise DriverIOError(f"no supported SNMP device at {self.settings.host} (sysObjectID {sysoid})")
        log.info("driver.snmp_mib", mib=mib.name, sysoid=sysoid)
        return mib

    async def _count_outlets(self, mib: mibs.Mib) -> int:
        if mib.outlet_count_oid is None:
            return 0
        count = (await self._get([mib.outlet_count_oid])).get(mib.outlet_count_oid)
        return int(count) if isinstance(count, int) and 0 < count <= 1024 else 0

    def _keep_present(self, values: dict[str, mibs.Raw | None]) -> None:
        """Drop rows the agent lacks; of a variable's rows the first present one stays."""
        for name, rows in list(self._rows.items()):
            present = [r for r in rows if r.oid is None or values.get(r.oid) is not None]
            if name.lower() != "ups.status":
                present = present[:1]
            if present:
                self._rows[name] = present
            else:
                del self._rows[name]

    def _apply(self, state: DeviceVars, values: dict[str, mibs.Raw | None], *, full: bool) -> None:
        words: list[str] = []
        status_read = False
        for rows in self._rows.values():
            for r in rows:
                raw = values.get(r.oid) if r.oid else None
                if r.row.status:
                    if raw is not None:
                        status_read = True
                        words.extend(mibs.status_tokens(r.row, raw))
                    continue
                if r.oid is None:
                    if full and r.row.default is not None:
                        state.set(r.name, r.row.default)
                    continue
                if raw is None:
                    continue
                text = mibs.format_value(r.row, raw)
                if text:
                    state.set(r.name, text)
                elif text == "":
                    state.delete(r.name)  # a lookup value that means "nothing to report"
        if status_read:
            state.set("ups.status", mibs.join_status(words))

    def _declare(self, state: DeviceVars, mib: mibs.Mib, outlets: int) -> None:
        """Flags of writable rows and the commands this agent can carry out."""
        for name, rows in self._rows.items():
            row = rows[0].row
            if state.get(name) is None:
                continue
            if row.rw:
                enums = tuple(dict.fromkeys(row.lookup.values())) if row.lookup else ()
                state.set_info(name, VarInfo(rw=True, string_len=row.string_len, enums=enums,
                                             number=row.string_len is None))
            elif row.string_len is not None:
                state.set_info(name, VarInfo(string_len=row.string_len))
        for name, sets in mibs.expand_commands(mib, outlets).items():
            self._commands[name.lower()] = sets
            state.add_command(name)

    # -- writing --------------------------------------------------------------

    async def _set(self, sets: tuple[mibs.SnmpSet, ...], *, what: str) -> str:
        session = self._session
        assert session is not None
        for snmp_set in sets:
            error = await self._call(lambda s=snmp_set: session.set(s))  # type: ignore[misc]
            if error is not None:
                log.warning("driver.snmp_set_failed", name=what, oid=snmp_set.oid, error=error)
                return ResultCode.FAILED
        self._next_full = 0.0  # read everything back at the next poll
        return ResultCode.SUCCESS


def _quick(row: mibs.ResolvedVar) -> bool:
    """Rows read at every poll (NUT: the status rows at pollinterval)."""
    return row.row.status or row.name.endswith(".status")

