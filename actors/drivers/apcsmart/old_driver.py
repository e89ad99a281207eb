"""apcsmart-old: APC Smart-UPS units on a serial port, as NUT 2.8.0's apcsmart-old (2.2).

How it works (the tables are protocol/devices/apcsmart/old.py, the wire is
apcsmart's link; checked against the real binary on tests/drivers/sim/apcsmart_sim.py):

* ``open`` (initups, initinfo): 2400 8N1 (the 940-0095B ``cable``: DTR up, RTS
  down); 'Y' must answer "SM" (five tries, a second and ESC in between). The
  firmware ('V', else 'b') is looked up in the old driver's table of units
  without 'a'; otherwise 'a' lists the command characters (no list: the few
  variables every smart unit had). Each variable character is read once and
  kept (an "NA" only leaves it unset), each command character adds its
  commands; with ^Z the capability list makes settings writable enums.
  ups.id and battery.date are writable 8-character strings.
* ``poll``: while the data is stale, 'Y' first (five tries); then 'Q' (input
  dropped first) for the status byte, then every present polled variable in
  table order, all of them once an hour (the first update too). The first
  failed read makes the data stale and ends the update. Alerts met on the
  way (! $ % + # ? =) flip the status at once.
* Commands: load.off, shutdown.return, shutdown.return.grace and
  shutdown.stayoff must be asked twice, 3 to 15 s apart; Z, K and ^N go out
  twice, 1.5 s apart. No command takes a value. calibrate.* read the status
  first. killpower: 'Y', 'Q', then ``sdtype`` or ``advorder``.
"""

from __future__ import annotations

import contextlib
from typing import ClassVar, NoReturn

import structlog
import trio

from nutrio.actors.drivers.apcsmart import old_commands as oc
from nutrio.actors.drivers.apcsmart.link import ApcLink, ApcTiming
from nutrio.actors.drivers.base import DeviceLike, PollResult, Sent
from nutrio.actors.drivers.errors import DriverError, DriverIOError
from nutrio.actors.drivers.nutserial import CommWatch
from nutrio.actors.drivers.serialport import SerialPort
from nutrio.protocol.common.state import ResultCode, VarInfo
from nutrio.protocol.devices.apcsmart import old
from nutrio.protocol.devices.apcsmart import protocol as ap
from nutrio.protocol.devices.dummy.devfile import DeviceVars

__all__ = ["ApcSmartOld"]

log = structlog.get_logger()
BAUDRATE = 2400
_HOUR = 3600.0
_CABLE = "940-0095b"


class ApcSmartOld:
    """The apcsmart-old driver (see the module comment)."""

    name = "apcsmart-old"
    version_internal = "2.2"
    flags: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, device: DeviceLike, *, timing: ApcTiming | None = None) -> None:
        self.device = device
        self.t = timing or oc.OLD_TIMING
        self.port = SerialPort(device.port, baudrate=BAUDRATE)
        self.link = ApcLink(self.port, self.t)
        self.watch = CommWatch()
        self.present: list[ap.Var] = []
        self.commands: set[ap.Cmd] = set()
        self.quirky = False
        self.stale = False
        self.last_full = -_HOUR * 2
        self.last_nasty = -1e9

    # -- the Driver protocol -------------------------------------------------

    async def open(self, state: DeviceVars) -> None:
        self.link.state = state
        await self._initups()
        if not await oc.smartmode(self.link):
            raise DriverIOError(
                f"Unable to detect an APC Smart protocol UPS on port {self.device.port}")
        state.set("ups.mfr", "APC")
        await self._base_info(state)
        await self.poll(state)  # main.c's first updateinfo

    async def poll(self, state: DeviceVars) -> PollResult:
        if self.stale and not await oc.smartmode(self.link):
            self.last_full = -_HOUR * 2  # a full update when the UPS is back
            raise DriverIOError("Communications with UPS lost - check cabling")
        await self._status()
        now = trio.current_time()
        full = now - self.last_full > _HOUR
        if full:
            self.last_full = now
        for var in [v for v in old.VARS if v in self.present and (full or v.poll)]:
            await self._poll_var(state, var)
        self.watch.good()
        return PollResult()

    async def instcmd(self, state: DeviceVars, name: str, value: str | None) -> str:
        cmd = old.find_command(name)
        if cmd is None or cmd not in self.commands:
            log.warning("driver.instcmd_unsupported", name=name, value=value)
            return ResultCode.CMD_NOT_SUPPORTED
        if cmd.name.startswith("calibrate."):
            await oc.calibrate(self.link, start=cmd.name.endswith("start"))
        elif not cmd.nasty or self._confirmed():
            await oc.do_cmd(self.link, cmd)
        else:
            log.info("driver.instcmd_needs_confirmation", name=name)
        return ResultCode.SUCCESS  # NUT 2.8.0's apcsmart-old says "handled" whatever came

    async def set_var(self, state: DeviceVars, name: str, value: str) -> str:
        var = old.find_var(name)
        if var is None or not state.info(var.name).rw:
            return ResultCode.UNKNOWN
        if state.info(var.name).enums:
            changed = await oc.set_enum(self.link, var, value)
        else:
            changed = await oc.set_string(self.link, var, value)
        if changed:
            await self._query(state, var)
        return ResultCode.SUCCESS

    async def close(self) -> None:
        if self.port.is_open:
            try:
                with trio.move_on_after(self.t.short):
                    await self.port.write(ap.GO_DUMB)  # upsdrv_cleanup: leave smart mode
            except DriverError:
                pass
        await self.port.close()

    async def killpower(self) -> Sent:
        """apcsmart-old -k: smart mode, the status byte, then ``sdtype``/``advorder``."""
        await self._initups()
        return await oc.kill_power(self.link, self.device.options)

    # -- start-up ------------------------------------------------------------------

    async def _initups(self) -> None:
        await self.port.open()
        if self.device.options.get("cable", "").lower() == _CABLE:
            self.port.set_modem_lines(dtr=True, rts=False)

    async def _base_info(self, state: DeviceVars) -> None:
        """getbaseinfo: the firmware table, else the command set, else the old probe."""
        chars = await self._firmware_lookup(state)
        if chars is not None:
            for char in chars:
                await self._verify(state, char)
            return
        reply = await self.link.ask("a", self.t.default, allow_timeout=True, ignore=old.IGNORE)
        if not reply or reply == "NA":
            await self._old_setup(state)
            return
        cmds = old.split_cmdset(reply)
        if cmds is None:
            raise DriverError("Unable to split APC version string")
        for char in cmds:
            await self._verify(state, char)
        if "\x1a" in cmds:
            await oc.capabilities(self.link, state, self.present, self.quirky)

    async def _firmware_lookup(self, state: DeviceVars) -> str | None:
        firmware = await self.link.ask("V", allow_timeout=True, ignore=old.IGNORE)
        if not firmware or firmware == "NA":
            firmware = await self.link.ask("b", allow_timeout=True, ignore=old.IGNORE)
            if not firmware:
                return None
        if firmware == "451.2.I":
            self.quirky = True  # its capability list overflows; NUT lets it
            return None
        chars = old.COMPAT.get(firmware)
        if chars is not None:
            matrix = firmware[:1] in old.MATRIX
            state.set("ups.model", "Matrix-UPS" if matrix else "Smart-UPS")
        return chars

    async def _verify(self, state: DeviceVars, char: str) -> None:
        """protocol_verify: a variable character is read once, a command one adds commands."""
        var = next((v for v in old.VARS if v.char == char), None)
        if var is not None:
            self.present.append(var)
            await self._poll_var(state, var, quiet=True)
            if var.string:
                state.set_info(var.name, VarInfo(rw=True, string_len=ap.STRING_LEN))
            return
        for cmd in old.COMMANDS:
            if cmd.char == char:
                self.commands.add(cmd)
                state.add_command(cmd.name)

    async def _old_setup(self, state: DeviceVars) -> None:
        """oldapcsetup: the model, a Matrix-UPS by its output current, the serial, the
        input voltage, then the status."""
        if not await self._query(state, old.find_var("ups.model"), first=True):
            state.set("ups.model", "Smart-UPS")
        if await self._query(state, old.find_var("output.current"), first=True):
            state.set("ups.model", "Matrix-UPS")
        for name in ("ups.serial", "input.voltage"):
            await self._query(state, old.find_var(name), first=True)
        with contextlib.suppress(DriverIOError):
            await self._status()

    async def _query(self, state: DeviceVars, var: ap.Var | None, *, first: bool = False) -> bool:
        """query_ups: pending alerts acted on, one read; "NA" or silence is no support."""
        if var is None or (not first and var not in self.present):
            return False
        await self.link.flush(alerts=True)
        reply = await self.link.ask(var.char, alerts=True, allow_timeout=True,
                                    ignore=old.POLL_IGNORE)
        if not reply or reply == "NA":
            return False
        if var not in self.present:
            self.present.append(var)
        state.set(var.name, ap.convert(var, reply))
        return True

    # -- updates -----------------------------------------------------------------------

    async def _status(self) -> None:
        await self.link.flush()
        reply = await self.link.ask("Q", alerts=True, allow_timeout=True, ignore=old.POLL_IGNORE)
        if not reply or reply == "NA":
            self._failed(f"status query answered {reply!r}")
        self.link.set_status(ap.parse_status(reply))
        self.stale = False

    async def _poll_var(self, state: DeviceVars, var: ap.Var, *, quiet: bool = False) -> None:
        """poll_data: one read; "NA" removes the value (the variable stays asked)."""
        reply = await self.link.ask(var.char, alerts=True, allow_timeout=True,
                                    ignore=old.POLL_IGNORE)
        if not reply:
            if quiet:  # the start goes on; the next update nudges the unit first, as NUT's
                self.stale = True
                return
            self._failed(f"no reply for {var.name}")
        if reply == "NA":
            state.delete(var.name)
            return
        state.set(var.name, ap.convert(var, reply))
        self.stale = False

    def _failed(self, reason: str) -> NoReturn:
        """poll_data/update_status failing: the data goes stale (logged once a spell)."""
        self.stale = True
        self.watch.failed(reason)
        raise DriverIOError(reason)

    def _confirmed(self) -> bool:
        """instcmd_chktime: the repeat must come 3 to 15 s after the last such call
        (NUT counts whole seconds)."""
        now = trio.current_time()
        elapsed, self.last_nasty = now - self.last_nasty, now
        return self.t.confirm_min <= elapsed <= self.t.confirm_max
