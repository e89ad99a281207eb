"""apcsmart: APC Smart-UPS units on a serial port, as NUT 2.8.0's apcsmart (3.2) drives them.

How it works (checked against the real binary pointed at
tests/drivers/sim/apcsmart_sim.py):

* ``open`` (initinfo): 2400 8N1; 'Y' must answer "SM" (five tries, ESC in
  between). The firmware ('V', then 'b') is looked up in NUT's table of
  old units; otherwise the command set ('a') lists what the unit has: each
  variable is read once and kept if it answers, each command character
  adds its instant commands; with ^Z in the set, the capability list makes
  settings writable enums (SET steps them with '-'). ups.id and
  battery.date are writable 8-character strings. Then one update, as
  main.c does.
* ``poll`` (updateinfo): 'Q' gives the status byte, then every present
  polled variable is read (all of them once an hour). Any failed read makes
  the data stale at once; while stale, nine polls are skipped and the tenth
  nudges the unit with 'Y' before trying again.
* Alert characters (! $ % + # ? =) met while reading flip the status at
  once; '|' and '&' are ignored.
* Dangerous commands (shutdown.return, shutdown.stayoff, load.off) must be
  asked twice, 3 to 15 seconds apart; K, Z and ^N go out twice, 1.3 s apart.
"""

from __future__ import annotations

import re
from typing import ClassVar

import structlog
import trio

from nutrio.actors.drivers.apcsmart.commands import kill_power, run_command
from nutrio.actors.drivers.apcsmart.link import ApcLink, ApcTiming
from nutrio.actors.drivers.base import DeviceLike, PollResult, Sent
from nutrio.actors.drivers.errors import (
    DriverConfigError,
    DriverError,
    DriverIOError,
    KillPowerFailed,
)
from nutrio.actors.drivers.serialport import SerialPort
from nutrio.protocol.common.state import ResultCode, VarInfo
from nutrio.protocol.devices.apcsmart import protocol as ap
from nutrio.protocol.devices.dummy.devfile import DeviceVars

__all__ = ["ApcSmart", "ApcTiming"]

log = structlog.get_logger()

BAUDRATE = 2400
_HOUR = 3600.0
#: firmware of old units that do not answer 'a' (apc_compattab): their command characters
_COMPAT: dict[str, str] = {
    **dict.fromkeys(("0XI", "0XM"), "@789ABCDEFGKLMNOPQRSTUVWXYZcefgjklmnopqrsuwxz/<>\\^\x0c\x16"),
    **dict.fromkeys(("0ZI", "5UI", "5ZM"), "@79ABCDEFGKLMNOPQRSUVWXYZcefgjklmnopqrsuxz/<>"),
    **dict.fromkeys(
        ("6QD", "6QI", "6TD", "6TI", "7QD", "7QI", "7TD", "7TI", "8QD", "8QI", "8TD", "8TI"),
        "@79ABCDEFGKLMNOPQRSUVWXYZcefgjklmnopqrsuxz",
    ),
    "6JI": "@789ABCFGKLMNOPQSTUVWXYZfg",
    **dict.fromkeys(("7II", "9II", "9GI", "8II"), "@79ABCEFGKLMNOPQRSUVWXYZcfg"),
    "8GI": "@79ABCEFGKLMNOPQRSUVWXYZfg",
    "5.4.D": "@\x01ABPQRSUYbdfgjmnx9",
    "set\x01": "@789ABCFGKLMNOPQRSUVWXYZ",
}


class ApcSmart:
    """The apcsmart driver (see the module comment)."""

    name = "apcsmart"
    version_internal = "3.2"
    flags: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, device: DeviceLike, *, timing: ApcTiming | None = None) -> None:
        for option, pattern in ap.OPTION_FORMATS.items():
            value = device.options.get(option)
            if value is not None and not re.search(pattern, value):
                raise DriverConfigError(f"{device.name}: invalid value ({value}) for option '{option}'")
        self.device = device
        self.t = timing or ApcTiming()
        self.port = SerialPort(device.port, baudrate=BAUDRATE)
        self.link = ApcLink(self.port, self.t)
        self._present: set[ap.Var] = set()
        self._enums: set[ap.Var] = set()  # writable by rotating through ^Z values
        self._quirky = False
        self._commands: set[ap.Cmd] = set()
        self._stale = False
        self._stale_polls = 0
        self._last_full = -_HOUR * 2
        self._last_nasty = -1e9

    # -- the Driver protocol -------------------------------------------------

    async def open(self, state: DeviceVars) -> None:
        self.link.state = state
        await self.port.open()
        if not await self.link.smartmode(5):
            raise DriverIOError(
                f"unable to detect an APC Smart protocol UPS on port {self.device.port}"
            )
        await self._base_info(state)
        state.set("ups.mfr", "APC")
        await self._update(state)  # main.c's first updateinfo

    async def poll(self, state: DeviceVars) -> PollResult:
        if self._stale:
            self._stale_polls += 1
            if self._stale_polls < self.t.stale_skip:
                raise DriverIOError("communication lost; waiting before nudging the UPS")
            log.info("driver.nudge", iteration=self._stale_polls)
            if not await self.link.smartmode(1):
                raise DriverIOError("the UPS does not answer 'Y'")
            self._stale_polls = 0
        try:
            await self._update(state)
        except DriverError:
            self._stale, self._last_full = True, -_HOUR * 2  # a full scan when it is back
            raise
        self._stale = False
        return PollResult()

    async def instcmd(self, state: DeviceVars, name: str, value: str | None) -> str:
        cmd = ap.find_command(name, value)
        if cmd is None or cmd not in self._commands:
            log.warning("driver.instcmd_invalid", name=name, value=value)
            return ResultCode.INVALID_ARGUMENT
        if cmd.nasty and not self._confirmed():
            log.info("driver.instcmd_needs_confirmation", name=name)
            return ResultCode.SUCCESS  # NUT answers "handled" and waits for the repeat
        return await run_command(self.link, cmd, value, self.device.options)

    async def set_var(self, state: DeviceVars, name: str, value: str) -> str:
        var = next((v for v in self._present if v.name == name.lower()), None)
        if var is not None and var in self._enums:
            return await self._set_enum(state, var, value)
        if var is not None and var.string:
            return await self._set_string(state, var, value)
        return ResultCode.UNKNOWN

    async def close(self) -> None:
        if self.port.is_open:
            try:
                with trio.move_on_after(self.t.short):
                    await self.link.flush()
                    await self.port.write(ap.GO_DUMB)  # leave smart mode
                    await self.port.read_until(b"\n", self.t.peek)
            except DriverError:
                pass
        await self.port.close()

    async def killpower(self) -> Sent:
        """apcsmart -k: smart mode (one try), the status byte, then the sdtype or
        advorder methods (see ``shutdown_methods``); closing sends 'R' as NUT's exit does.

        A status byte that does not read counts as on battery with a low battery,
        as in NUT. NUT 2.8.0 also takes every status reply longer than one
        character as unreadable, so it always behaves as on battery and sends
        S to a unit on line, which ignores it; nutrio reads the byte and sends
        @ there, the command meant for a unit on line.
        """
        await self.port.open()
        if not await self.link.smartmode(1):
            log.warning("driver.smartmode_failed")
        await self.port.write(b"Q")
        reply = await self.link.read(self.t.short, allow_timeout=True)
        if reply:
            self.link.set_status(ap.parse_status(reply))
        else:
            log.warning("driver.status_unread", assumed="OB LB")
            self.link.set_status(ap.STAT_LB | ap.STAT_OB)
        sent = await kill_power(self.link, self.device.options)
        if sent is None:
            raise KillPowerFailed("the UPS confirmed no shutdown command")
        return Sent(*sent)

    # -- start-up ------------------------------------------------------------------

    async def _base_info(self, state: DeviceVars) -> None:
        """getbaseinfo: the old-firmware table, else the command set, else the legacy probe."""
        chars = await self._firmware_lookup()
        if chars is not None:
            for char in chars:
                await self._verify_char(state, char)
            await self._deprecate(state)
            return
        await self.link.flush()
        reply = await self.link.ask("a", self.t.long, allow_timeout=True, ignore="")
        cmds = ap.parse_cmdset(reply) if reply and reply != "NA" else None
        if cmds is None:
            log.info("driver.old_model", reply=reply)
            await self._legacy(state)
            return
        for char in cmds:
            await self._verify_char(state, char)
        await self._deprecate(state)
        if "\x1a" in cmds:
            await self._capabilities(state)

    async def _capabilities(self, state: DeviceVars) -> None:
        """apc_getcaps: ^Z lists the values each setting can take; those become writable enums."""
        firmware = state.get("ups.firmware") or ""
        locale = firmware[-1:]  # the firmware's last character names the unit's locale
        await self.link.flush()
        await self.port.write(ap.CAPS)
        reply = await self.link.read(self.t.long, allow_timeout=True, ignore=ap.IGNORE_CAPS)
        if not reply or reply == "NA":
            log.warning("driver.capabilities_missing")
            return
        try:
            entries = ap.parse_caps(reply)
        except ValueError as exc:
            if self._quirky:
                return  # a firmware known to overflow; NUT ignores it there
            raise DriverIOError(str(exc)) from exc
        for char, loc, values in entries:
            var = next((v for v in self._present if v.char == char), None)
            if var is None or var.pack or loc not in (locale, "4"):
                continue
            self._enums.add(var)
            known = state.info(var.name).enums
            state.set_info(var.name, VarInfo(rw=True, enums=known + tuple(ap.convert(var, v) for v in values)))

    async def _firmware_lookup(self) -> str | None:
        await self.link.flush()
        firmware = await self.link.ask("V", allow_timeout=True)
        if not firmware or firmware == "NA":
            firmware = await self.link.ask("b", allow_timeout=True)
        self._quirky = firmware == "451.2.I"  # its capability string overflows
        if re.fullmatch(r"[a-fA-F0-9]{2}", firmware):
            firmware = "set\x01"  # old units answering a voltage through 'b'
        chars = _COMPAT.get(firmware)
        if chars is not None:
            model = "Matrix-UPS" if firmware[:1] in "05" else "Smart-UPS"
            assert self.link.state is not None
            self.link.state.set("ups.model", model)
        return chars

    async def _verify_char(self, state: DeviceVars, char: str) -> None:
        """protocol_verify: a variable character is read once, a command character adds commands."""
        if char in ap.UNREPORTED:
            return
        found = [var for var in ap.VARS if var.char == char]
        for var in found:
            if var.multi:
                self._present.add(var)  # settled by _deprecate
            else:
                await self._verify_var(state, var)
        if found:
            return
        for cmd in ap.COMMANDS:
            if cmd.char == char:
                self._commands.add(cmd)
                state.add_command(cmd.name)

    async def _preread(self, var: ap.Var) -> str | None:
        await self.link.flush()
        reply = await self.link.ask(var.char, allow_timeout=True)
        if not reply or reply == "NA" or not ap.matches(var.regex, reply):
            log.info("driver.variable_absent", name=var.name, char=var.char)
            return None
        return reply

    async def _verify_var(self, state: DeviceVars, var: ap.Var) -> None:
        reply = await self._preread(var)
        if reply is None:
            return
        self._present.add(var)
        self._store(state, var, reply)

    async def _deprecate(self, state: DeviceVars) -> None:
        """deprecate_vars: of the MULTI rows, the first that answers wins its name and char."""
        for index, var in enumerate(ap.VARS):
            if not var.multi or var not in self._present:
                continue
            reply = await self._preread(var)
            if reply is None:
                self._present.discard(var)
                continue
            for other in ap.VARS[index + 1 :]:
                if other.name == var.name or other.char == var.char:
                    self._present.discard(other)
            self._store(state, var, reply)

    async def _legacy(self, state: DeviceVars) -> None:
        """oldapcsetup: probe the few variables every smart unit had."""
        for name in ("ups.temperature", "ups.load", "input.voltage", "output.voltage",
                     "battery.charge", "battery.voltage", "ups.model", "ups.serial",
                     "ups.firmware", "output.current"):
            for var in ap.VARS:
                if var.name == name:
                    await self._verify_var(state, var)
        await self._deprecate(state)
        if any(v.name == "output.current" for v in self._present):
            state.set("ups.model", "Matrix-UPS")
        elif not any(v.name == "ups.model" for v in self._present):
            state.set("ups.model", "Smart-UPS")

    def _store(self, state: DeviceVars, var: ap.Var, raw: str) -> None:
        if var.pack:
            for name, value in ap.pack_values(var, raw).items():
                state.set(name, value)
            return
        state.set(var.name, ap.convert(var, raw))
        if var.string:
            state.set_info(var.name, VarInfo(rw=True, string_len=ap.STRING_LEN))

    # -- updates -----------------------------------------------------------------------

    async def _update(self, state: DeviceVars) -> None:
        await self.link.flush(alerts=True)
        reply = await self.link.ask("Q", alerts=True)
        if not reply or reply == "NA":
            raise DriverIOError(f"status query answered {reply!r}")
        self.link.set_status(ap.parse_status(reply))
        now = trio.current_time()
        full = now - self._last_full > _HOUR
        if full:
            self._last_full = now
        for var in ap.VARS:
            if var in self._present and (full or var.poll):
                await self._poll_var(state, var)

    async def _poll_var(self, state: DeviceVars, var: ap.Var) -> None:
        await self.link.flush(alerts=True)
        reply = await self.link.ask(var.char, alerts=True)
        if reply == "":
            raise DriverIOError(f"empty reply for {var.name}")
        if reply == "NA":
            log.warning("driver.variable_removed", name=var.name)
            self._present.discard(var)
            state.delete(var.name)
            return
        self._store(state, var, reply)

    # -- commands -----------------------------------------------------------------------

    def _confirmed(self) -> bool:
        """instcmd_chktime: the repeat must come 3 to 15 s after the previous dangerous call."""
        now = trio.current_time()
        elapsed, self._last_nasty = now - self._last_nasty, now
        return self.t.confirm_min <= elapsed <= self.t.confirm_max

    async def _set_enum(self, state: DeviceVars, var: ap.Var, value: str) -> str:
        """setvar_enum: '-' steps the setting to its next value until it reads as wanted."""
        await self.link.flush(alerts=True)
        original = await self.link.ask(var.char, alerts=True, allow_timeout=True)
        if not original or original == "NA":
            return ResultCode.FAILED
        if ap.convert(var, original) == value:
            return ResultCode.SUCCESS  # spare the EEPROM, as NUT does
        for _ in range(32):
            if await self.link.ask("-", alerts=True, allow_timeout=True) != "OK":
                return ResultCode.FAILED
            current = await self.link.ask(var.char, alerts=True, allow_timeout=True)
            if not current or current == "NA":
                return ResultCode.FAILED
            if ap.convert(var, current) == value:
                await self._poll_var(state, var)
                return ResultCode.SUCCESS
            if ap.convert(var, current) == original:
                log.warning("driver.setvar_wrapped", name=var.name, value=value)
                return ResultCode.FAILED
        await self._poll_var(state, var)
        return ResultCode.FAILED

    async def _set_string(self, state: DeviceVars, var: ap.Var, value: str) -> str:
        if len(value) > ap.STRING_LEN:
            return ResultCode.FAILED
        await self.link.flush(alerts=True)
        current = await self.link.ask(var.char, alerts=True, allow_timeout=True)
        if not current or current == "NA":
            return ResultCode.FAILED
        if current == value:
            return ResultCode.SUCCESS  # spare the EEPROM, as NUT does
        if not await self.link.write_long(ap.string_set_bytes(value)):
            return ResultCode.FAILED
        reply = await self.link.read(self.t.default, alerts=True, allow_timeout=True)
        if not reply or reply == "NO":
            return ResultCode.FAILED
        await self._poll_var(state, var)
        return ResultCode.SUCCESS
