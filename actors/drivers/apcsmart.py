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
from dataclasses import dataclass

import structlog
import trio

from actors.drivers.base import DeviceLike, PollResult
from actors.drivers.errors import DriverConfigError, DriverError, DriverIOError, DriverTimeout
from actors.drivers.serialport import SerialPort
from protocol import apcsmart as ap
from protocol.devfile import DeviceVars
from protocol.state import ResultCode, VarInfo

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


@dataclass(frozen=True, slots=True)
class ApcTiming:
    """apcsmart's waits, in seconds (tests shrink them)."""

    default: float = 3.0  # SER_D3
    short: float = 1.5  # SER_D1
    peek: float = 0.2  # SER_DX
    long: float = 6.0  # capability / command set reads
    repeat_pause: float = 1.3
    pace: float = 0.05
    confirm_min: float = 3.0  # MINCMDTIME
    confirm_max: float = 15.0  # MAXCMDTIME
    retry_sleep: float = 1.0
    drain: float = 0.01  # how long a flush waits for pending alerts
    stale_skip: int = 10


class ApcSmart:
    """The apcsmart driver (see the module comment)."""

    name = "apcsmart"
    version_internal = "3.2"
    flags: frozenset[str] = frozenset()

    def __init__(self, device: DeviceLike, *, timing: ApcTiming | None = None) -> None:
        for option, pattern in ap.OPTION_FORMATS.items():
            value = device.options.get(option)
            if value is not None and not re.search(pattern, value):
                raise DriverConfigError(f"{device.name}: invalid value ({value}) for option '{option}'")
        self.device = device
        self.t = timing or ApcTiming()
        self.port = SerialPort(device.port, baudrate=BAUDRATE)
        self._present: set[ap.Var] = set()
        self._enums: set[ap.Var] = set()  # writable by rotating through ^Z values
        self._quirky = False
        self._commands: set[ap.Cmd] = set()
        self._status = 0
        self._state: DeviceVars | None = None
        self._stale = False
        self._stale_polls = 0
        self._last_full = -_HOUR * 2
        self._last_nasty = -1e9

    # -- the Driver protocol -------------------------------------------------

    async def open(self, state: DeviceVars) -> None:
        self._state = state
        await self.port.open()
        if not await self._smartmode(5):
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
            if not await self._smartmode(1):
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
        return await self._run_command(cmd, value)

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
                    await self._flush()
                    await self.port.write(ap.GO_DUMB)  # leave smart mode
                    await self.port.read_until(b"\n", self.t.peek)
            except DriverError:
                pass
        await self.port.close()

    # -- reading and writing -------------------------------------------------------

    def _set_status(self, status: int) -> None:
        self._status = status
        if self._state is not None:
            self._state.set("ups.status", " ".join(ap.status_words(status)))

    async def _read(
        self, timeout: float, *, alerts: bool = False, allow_timeout: bool = False,
        ignore: str | None = None, asterisk: bool = False,
    ) -> str:
        """One reply line (apc_read): alerts handled, ignored characters dropped.

        A line that does not end in time is no reply: "" when the timeout
        is allowed, else :class:`DriverTimeout`.
        """
        raw = await self.port.read_until(b"\n*" if asterisk else b"\n", timeout)
        if asterisk and raw.endswith(b"*"):
            await self.port.read_until(b"\n", self.t.peek)  # eat an "OK" sent as well
            return "OK"
        if not raw.endswith(b"\n"):
            if allow_timeout:
                return ""
            raise DriverTimeout("the UPS did not answer in time")
        reply = ap.filter_reply(raw, alert_aware=alerts, ignore=ignore)
        for alert in reply.alerts:
            log.info("driver.alert", alert=alert)
            self._set_status(ap.apply_alert(self._status, alert))
        return reply.text

    async def _flush(self, *, alerts: bool = False) -> None:
        """apc_flush: drop pending input; alert aware, act on the alerts in it first."""
        if not alerts:
            await self.port.discard_input()
            return
        while True:
            raw = await self.port.read_until(b"\n", self.t.drain)
            for alert in ap.filter_reply(raw, alert_aware=True).alerts:
                log.info("driver.alert", alert=alert)
                self._set_status(ap.apply_alert(self._status, alert))
            if not raw.endswith(b"\n"):
                return

    async def _ask(self, char: str, timeout: float | None = None, **kw: bool | str | None) -> str:
        await self.port.write(char.encode("latin-1"))
        return await self._read(self.t.default if timeout is None else timeout, **kw)  # type: ignore[arg-type]

    async def _write_repeated(self, char: str) -> bool:
        """apc_write_rep: the character, a short look for any answer, a pause, again."""
        await self.port.write(char.encode("latin-1"))
        if await self._read(self.t.peek, allow_timeout=True):
            return False  # anything at this point means the UPS refused
        await trio.sleep(self.t.repeat_pause)
        await self.port.write(char.encode("latin-1"))
        return True

    async def _write_long(self, data: bytes) -> bool:
        """apc_write_long: the first byte, a short look for a refusal, the rest paced."""
        await self.port.write(data[:1])
        if await self._read(self.t.peek, allow_timeout=True):
            return False
        for byte in data[1:]:
            await trio.sleep(self.t.pace)
            await self.port.write(bytes([byte]))
        return True

    # -- start-up ------------------------------------------------------------------

    async def _smartmode(self, tries: int) -> bool:
        for _ in range(tries):
            await self._flush()
            try:
                reply = await self._ask("Y", self.t.short, allow_timeout=True)
            except DriverError:
                reply = ""
                await trio.sleep(self.t.retry_sleep)
            if reply == ap.SMART_OK:
                return True
            await self.port.write(ap.ESC)
            await self._read(self.t.short, allow_timeout=True)
        return False

    async def _base_info(self, state: DeviceVars) -> None:
        """getbaseinfo: the old-firmware table, else the command set, else the legacy probe."""
        chars = await self._firmware_lookup()
        if chars is not None:
            for char in chars:
                await self._verify_char(state, char)
            await self._deprecate(state)
            return
        await self._flush()
        reply = await self._ask("a", self.t.long, allow_timeout=True, ignore="")
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
        await self._flush()
        await self.port.write(ap.CAPS)
        reply = await self._read(self.t.long, allow_timeout=True, ignore=ap.IGNORE_CAPS)
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
        await self._flush()
        firmware = await self._ask("V", allow_timeout=True)
        if not firmware or firmware == "NA":
            firmware = await self._ask("b", allow_timeout=True)
        self._quirky = firmware == "451.2.I"  # its capability string overflows
        if re.fullmatch(r"[a-fA-F0-9]{2}", firmware):
            firmware = "set\x01"  # old units answering a voltage through 'b'
        chars = _COMPAT.get(firmware)
        if chars is not None:
            model = "Matrix-UPS" if firmware[:1] in "05" else "Smart-UPS"
            assert self._state is not None
            self._state.set("ups.model", model)
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
        await self._flush()
        reply = await self._ask(var.char, allow_timeout=True)
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
        await self._flush(alerts=True)
        reply = await self._ask("Q", alerts=True)
        if not reply or reply == "NA":
            raise DriverIOError(f"status query answered {reply!r}")
        self._set_status(ap.parse_status(reply))
        now = trio.current_time()
        full = now - self._last_full > _HOUR
        if full:
            self._last_full = now
        for var in ap.VARS:
            if var in self._present and (full or var.poll):
                await self._poll_var(state, var)

    async def _poll_var(self, state: DeviceVars, var: ap.Var) -> None:
        await self._flush(alerts=True)
        reply = await self._ask(var.char, alerts=True)
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

    async def _run_command(self, cmd: ap.Cmd, value: str | None) -> str:
        match cmd.name:
            case "calibrate.start" | "calibrate.stop":
                return await self._calibrate(cmd.name == "calibrate.start")
            case "load.on":
                await self._flush()
                ok = await self._write_repeated(cmd.char)
                return ResultCode.SUCCESS if ok else ResultCode.FAILED
            case "load.off" | "shutdown.stayoff":
                await self._flush()
                if not await self._write_repeated(cmd.char):
                    return ResultCode.FAILED
                return await self._shutdown_ok(allow_silence=cmd.char == "Z")
            case "shutdown.return" if cmd.char == "@":
                return await self._grace_down((value or "")[3:])
            case "shutdown.return":
                if value and value[:1].lower() == "c":
                    return await self._cs_hack()
                return await self._soft_down()
        return await self._plain_command(cmd)

    async def _shutdown_ok(self, *, allow_silence: bool) -> str:
        """sdok: "OK" (or '*') confirms a shutdown command; Z may stay silent."""
        reply = await self._read(self.t.short, allow_timeout=True, asterisk=True)
        if reply == "OK" or (allow_silence and reply == ""):
            return ResultCode.SUCCESS
        log.warning("driver.shutdown_refused", reply=reply)
        return ResultCode.FAILED

    async def _soft_down(self) -> str:
        await self._flush()
        await self.port.write(b"S")
        return await self._shutdown_ok(allow_silence=False)

    async def _cs_hack(self) -> str:
        """CS 350 workaround: simulate a power failure first when on line."""
        if self._status & ap.STAT_OL:
            await self._flush()
            await self.port.write(b"U")
            await self._read(self.t.short, allow_timeout=True)
            delay = self.device.options.get("cshdelay")
            await trio.sleep(float(delay) if delay else 3.5)
        return await self._soft_down()

    async def _grace_down(self, awd: str) -> str:
        wire = ap.grace_down_bytes(awd or self.device.options.get("awd"))
        await self._flush()
        if not await self._write_long(wire):
            return ResultCode.FAILED
        result = await self._shutdown_ok(allow_silence=False)
        if result != ResultCode.SUCCESS and len(wire) == 3:
            await self.port.write(b"Y")  # abort the two-digit attempt cleanly
            await self._read(self.t.short, allow_timeout=True)
        return result

    async def _calibrate(self, start: bool) -> str:
        """do_cal: toggle 'D' only when the CAL bit says it is needed; NUT always says handled."""
        await self._flush(alerts=True)
        reply = await self._ask("Q", alerts=True, allow_timeout=True)
        if not reply or reply == "NA":
            return ResultCode.SUCCESS
        running = bool(ap.parse_status(reply) & ap.STAT_CAL)
        if running != start:
            await self._ask("D", alerts=True, allow_timeout=True)
        return ResultCode.SUCCESS

    async def _plain_command(self, cmd: ap.Cmd) -> str:
        await self._flush(alerts=True)
        if cmd.repeat:
            if not await self._write_repeated(cmd.char):
                return ResultCode.FAILED
            reply = await self._read(self.t.default, alerts=True, allow_timeout=True)
        else:
            reply = await self._ask(cmd.char, alerts=True, allow_timeout=True)
        if reply != "OK":
            log.warning("driver.instcmd_failed", name=cmd.name, reply=reply)
            return ResultCode.FAILED
        return ResultCode.SUCCESS

    async def _set_enum(self, state: DeviceVars, var: ap.Var, value: str) -> str:
        """setvar_enum: '-' steps the setting to its next value until it reads as wanted."""
        await self._flush(alerts=True)
        original = await self._ask(var.char, alerts=True, allow_timeout=True)
        if not original or original == "NA":
            return ResultCode.FAILED
        if ap.convert(var, original) == value:
            return ResultCode.SUCCESS  # spare the EEPROM, as NUT does
        for _ in range(32):
            if await self._ask("-", alerts=True, allow_timeout=True) != "OK":
                return ResultCode.FAILED
            current = await self._ask(var.char, alerts=True, allow_timeout=True)
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
        await self._flush(alerts=True)
        current = await self._ask(var.char, alerts=True, allow_timeout=True)
        if not current or current == "NA":
            return ResultCode.FAILED
        if current == value:
            return ResultCode.SUCCESS  # spare the EEPROM, as NUT does
        if not await self._write_long(ap.string_set_bytes(value)):
            return ResultCode.FAILED
        reply = await self._read(self.t.default, alerts=True, allow_timeout=True)
        if not reply or reply == "NO":
            return ResultCode.FAILED
        await self._poll_var(state, var)
        return ResultCode.SUCCESS
