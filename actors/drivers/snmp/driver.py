"""snmp-ups: a UPS, PDU or ATS through its SNMP agent, with every MIB mapping of NUT 2.8.0.

How it works: ``port`` is the agent's ``host[:port]``; the options are snmp-ups'
(``mibs``, ``community``, ``snmp_version`` v1/v2c/v3, ``secLevel``, ``secName``,
``authPassword``, ``privPassword``, ``authProtocol``, ``privProtocol``,
``pollfreq``, ``semistaticfreq``, ``snmp_timeout``, ``snmp_retries``,
``ondelay``, ``offdelay``, flags ``notransferoids`` and
``symmetrathreephase``). What to read and what it means is NUT's walk, kept
pure in protocol/devices/snmp/ (start.py, walk.py, setoid.py); this actor
answers its requests (:mod:`actors.drivers.snmp.answers`) over the
process-wide SNMP transport: no thread and no socket per device.

``open`` is NUT's start-up (pick the mapping, initups, initinfo, the first
update); each ``poll`` is upsdrv_updateinfo, which walks once more than
pollfreq seconds have passed. Instant commands and SET VAR become SETs.
"""

from __future__ import annotations

from typing import ClassVar

import structlog
import trio

from nutrio.actors.drivers.base import DeviceLike, PollResult, Sent
from nutrio.actors.drivers.errors import DriverConfigError, DriverIOError, KillPowerFailed
from nutrio.actors.drivers.snmp.answers import Answers
from nutrio.actors.drivers.snmp.session import SnmpSession, SnmpSettings, settings_from
from nutrio.protocol.common.state import ResultCode
from nutrio.protocol.devices import snmp
from nutrio.protocol.devices.dummy.devfile import DeviceVars
from nutrio.protocol.devices.snmp import setoid, start
from nutrio.protocol.devices.snmp.values import atoi

__all__ = ["SnmpUps", "SnmpSession", "SnmpSettings", "settings_from"]

log = structlog.get_logger()

#: snmp-ups marks these VAR_SENSITIVE: never served as driver.parameter.*
_SENSITIVE = ("community", "secName", "authPassword", "privPassword")
_CODES = {setoid.HANDLED: ResultCode.SUCCESS, setoid.INVALID: ResultCode.INVALID_ARGUMENT,
          setoid.FAILED: ResultCode.FAILED}


def options_from(device: DeviceLike) -> snmp.Options:
    """snmp-ups' walk options (atoi as NUT reads them).

    Raises:
        DriverConfigError: a ``mibs`` value no mapping has.
    """
    opt = device.options
    for name in ("pollfreq", "semistaticfreq"):  # NUT's atoi takes "often" as 0; a typo it is
        if name in opt and not opt[name].strip().lstrip("+-").isdigit():
            raise DriverConfigError(
                f"{device.name}: {name} must be whole seconds, not {opt[name]!r}")
    mibs = opt.get("mibs", "auto")
    if mibs != "auto" and not snmp.by_name(mibs):
        names = ", ".join(dict.fromkeys(m.name for m in snmp.MAPPINGS))
        raise DriverConfigError(f"{device.name}: Unknown 'mibs' value: {mibs} (known: {names})")
    semistatic = atoi(opt.get("semistaticfreq", "10"))

    def flag(name: str) -> bool:
        return name in opt and opt[name].lower() not in ("false", "no", "off", "0")

    return snmp.Options(
        mibs=mibs, pollfreq=atoi(opt.get("pollfreq", "30")),
        semistaticfreq=semistatic if semistatic >= 1 else 10,
        notransferoids=flag("notransferoids"), symmetrathreephase=flag("symmetrathreephase"),
        ondelay=atoi(opt["ondelay"]) if "ondelay" in opt else -1,
        offdelay=atoi(opt["offdelay"]) if "offdelay" in opt else -1,
    )


def _clock() -> int:
    return int(trio.current_time())  # NUT compares time(NULL): whole seconds


class SnmpUps:
    """NUT's snmp-ups (see the module comment)."""

    name = "snmp-ups"
    version_internal = "1.21-nutrio"
    flags: ClassVar[frozenset[str]] = frozenset({"notransferoids", "symmetrathreephase"})

    def __init__(self, device: DeviceLike) -> None:
        self.device = device.name
        self.settings = settings_from(device)  # DriverConfigError on bad options
        self.options = options_from(device)
        self.session = SnmpSession(self.settings)
        self.answers = Answers(self.session)
        self.engine: snmp.Engine | None = None

    # -- the Driver seam ----------------------------------------------------

    async def open(self, state: DeviceVars) -> None:
        for secret in _SENSITIVE:
            state.delete(f"driver.parameter.{secret}")
        await self.session.open()
        engine = snmp.Engine(snmp.Dstate(state), self.options)
        try:
            mapping = await self.answers.run(start.load_mapping(engine, snmp.MAPPINGS))
            await self.answers.prefetch_table(mapping)
            model = await self.answers.run(start.init_ups(engine))
        except snmp.Refused as exc:
            raise DriverIOError(f"{self.device}: {exc} at {self.settings.host}") from exc
        log.info("driver.snmp_detected", model=model, mib=mapping.version_data)
        await self.answers.run(start.init_info(engine), record=True)  # the first update reads
        # what the start-up walk read: fetch that ahead too
        self.engine = engine
        await self._update()

    async def poll(self, state: DeviceVars) -> PollResult:
        if not await self._update():
            raise DriverIOError(f"{self.device}: the last walk of the agent failed (data stale)")
        return PollResult()

    async def instcmd(self, state: DeviceVars, name: str, value: str | None) -> str:
        assert self.engine is not None
        outcome = await self.answers.run(setoid.instcmd(self.engine, name, value))
        return _CODES.get(outcome, ResultCode.CMD_NOT_SUPPORTED)

    async def set_var(self, state: DeviceVars, name: str, value: str) -> str:
        assert self.engine is not None
        outcome = await self.answers.run(setoid.setvar(self.engine, name, value))
        return _CODES.get(outcome, ResultCode.VAR_NOT_SUPPORTED)

    async def close(self) -> None:
        await self.session.close()

    async def killpower(self) -> Sent:
        """snmp-ups -k: start as usual, write ondelay/offdelay to ups.delay.start and
        ups.delay.shutdown when given, then the first of shutdown.return,
        shutdown.reboot, load.off.delay the agent accepts."""
        await self.open(DeviceVars())
        assert self.engine is not None
        sent = await self.answers.run(setoid.shutdown(self.engine))
        if sent is None:
            tried = ", ".join(setoid.SHUTDOWN_ORDER)
            raise KillPowerFailed(f"the agent took none of {tried} (Shutdown failed!)")
        return Sent(sent)

    async def _update(self) -> bool:
        engine = self.engine
        assert engine is not None
        if start.walk_due(engine, _clock()):
            await self.answers.prefetch_walk()
        return await self.answers.run(start.update_info(engine, _clock), record=True)
