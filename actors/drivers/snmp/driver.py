"""snmp-ups: read a UPS or PDU through its SNMP agent, with NUT's MIB mappings.

How it works: ``port`` is the agent's ``host[:port]``; options follow
snmp-ups (``mibs``, ``community``, ``snmp_version`` v1/v2c/v3, ``secLevel``,
``secName``, ``authPassword``, ``privPassword``, ``authProtocol``,
``privProtocol``, ``pollfreq``, ``snmp_timeout``, ``snmp_retries``). At open
the mapping is picked (``mibs = auto``: sysObjectID, then probe OIDs, see
:mod:`protocol.devices.snmp`), outlets are counted, and every row is read once;
rows the agent lacks are dropped, as snmp-ups disables them. Each poll then
reads the status rows, and all the others every ``pollfreq`` seconds.
Instant commands and SET VAR become SNMP SETs.

pysnmp 7 is asyncio only: each driver owns one asyncio loop in its own
daemon thread (:mod:`actors.drivers.snmp.asyncio_thread`), and every pysnmp call
runs there; the session itself is in :mod:`actors.drivers.snmp.session`.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable
from typing import ClassVar, TypeVar

import structlog
import trio

from nutrio.actors.drivers.base import HID_SNMP_ORDER, DeviceLike, PollResult, Sent
from nutrio.actors.drivers.errors import DriverConfigError, DriverIOError, KillPowerFailed
from nutrio.actors.drivers.snmp.asyncio_thread import AsyncioThread
from nutrio.actors.drivers.snmp.session import (
    SnmpSession,
    SnmpSettings,
    float_option,
    settings_from,
)
from nutrio.protocol.common.state import ResultCode, VarInfo
from nutrio.protocol.devices import snmp as mibs
from nutrio.protocol.devices.dummy.devfile import DeviceVars

__all__ = ["AsyncioThread", "SnmpSession", "SnmpSettings", "SnmpUps", "settings_from"]

log = structlog.get_logger()
T = TypeVar("T")

_SENSITIVE = ("community", "authPassword", "privPassword")
#: snmp-ups' default full-update period (pollfreq), seconds.
DEFAULT_POLLFREQ = 30.0


class SnmpUps:
    """NUT's snmp-ups over pysnmp (see the module comment)."""

    name = "snmp-ups"
    version_internal = "1.21-nutrio"
    flags: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, device: DeviceLike) -> None:
        self.settings = settings_from(device)  # DriverConfigError on bad options
        self.mibs_option = device.options.get("mibs", "auto")
        if self.mibs_option != "auto" and mibs.mib_named(self.mibs_option) is None:
            raise DriverConfigError(
                f"{device.name}: unknown mibs {self.mibs_option!r} "
                f"(nutrio has auto, {', '.join(mibs.MIBS)})"
            )
        self.pollfreq = float_option(device, "pollfreq", DEFAULT_POLLFREQ)
        # killpower writes these first (snmp-ups set_delays); atoi as NUT, negative: not set
        self.delays = {
            var: _atoi(device.options[option])
            for option, var in (("ondelay", "ups.delay.start"), ("offdelay", "ups.delay.shutdown"))
            if option in device.options
        }
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

    async def killpower(self) -> Sent:
        """snmp-ups -k: open as at start, write ondelay/offdelay to ups.delay.start and
        ups.delay.shutdown when given, then the first of shutdown.return,
        shutdown.reboot, load.off.delay the agent accepts."""
        state = DeviceVars()
        await self.open(state)
        for var, seconds in self.delays.items():
            if seconds >= 0:
                code = await self.set_var(state, var, str(seconds))
                log.info("driver.killpower_delay", name=var, value=seconds, code=code)
        for name in HID_SNMP_ORDER:
            sets = self._commands.get(name)
            if sets is not None and await self._set(sets, what=name) == ResultCode.SUCCESS:
                return Sent(name)
        tried = ", ".join(HID_SNMP_ORDER)
        raise KillPowerFailed(f"the agent took none of {tried} (Shutdown failed!)")

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


def _atoi(text: str) -> int:
    """C atoi: the leading integer, 0 when there is none."""
    match = re.match(r"\s*([+-]?\d+)", text)
    return int(match.group(1)) if match else 0


def _quick(row: mibs.ResolvedVar) -> bool:
    """Rows read at every poll (NUT: the status rows at pollinterval)."""
    return row.row.status or row.name.endswith(".status")

