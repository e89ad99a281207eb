"""huawei-ups2000: Huawei UPS2000 (1-3 kVA) over Modbus RTU, as NUT 2.8.0's huawei-ups2000
(0.02).

How it works (the register map is protocol/devices/modbus/huawei_tables.py, the line
link.py; checked against the real binary on tests/drivers/sim/huawei_sim.py):

* ``open`` (initups, initinfo): the port, the identification (three tries; a unit
  count other than one, a missing description field or a model other than UPS2000 or
  UPS2000A ends the start), the identity variables and the commands; then one update.
* ``poll``: the countdown timers, the 27 alarm registers (ups.alarm, RB and OVER, and
  whether the bypass may be used), the value blocks 11000+28, 12000+34 and 19009, the
  three status registers one by one, the beeper register and the delays. A failure in
  any part makes the data stale; the parts before it keep what they set.
* Delays: ``offdelay``, ``rebootdelay`` and ``ondelay`` are software settings (checked,
  rounded up to their step) that only shutdown commands write to the unit.
* Commands as NUT 2.8.0's table has them: its ``bypass.start``, ``shutdown.return``,
  ``shutdown.reboot`` and ``shutdown.reboot.graceful`` rows name no register, and its
  instcmd refuses such a row, so they are listed but do nothing (and ``-k``, which runs
  ``shutdown.reboot``, fails). ``shutdown.stayoff`` works: auto start off, then the
  shutdown delay in tenths of a minute.

Not as NUT 2.8.0: SET of a delay sets that delay (NUT's setvar calls the setter of
the simple variable at the same table row: the autostart or beeper register, or none
for ups.delay.start, which crashes it); ``load.on`` whose status read fails answers
FAILED without making the data stale.
"""

from __future__ import annotations

from typing import ClassVar

import structlog

from nutrio.actors.drivers.base import DeviceLike, PollResult, Sent
from nutrio.actors.drivers.errors import DriverIOError, KillPowerFailed
from nutrio.actors.drivers.huawei_ups2000.link import HwTiming, UpsLine
from nutrio.protocol.common.state import ResultCode, VarInfo
from nutrio.protocol.devices.dummy.devfile import DeviceVars
from nutrio.protocol.devices.modbus import huawei as hw
from nutrio.protocol.devices.modbus.huawei_tables import (
    AUTOSTART_REGISTER,
    BEEPER_REGISTER,
    COMMANDS,
    DELAYS,
    STATUS_REGISTERS,
    Alarm,
    Command,
)

__all__ = ["HuaweiUps2000"]

log = structlog.get_logger()
OFFSET = hw.STATUS_OFFSET
_TIMERS = ("ups.timer.reboot", "ups.timer.shutdown", "ups.timer.start")
_BEEPER = VarInfo(rw=True, enums=("enabled", "disabled"))


class HuaweiUps2000:
    """One UPS2000 (see the module comment)."""

    name = "huawei-ups2000"
    version_internal = "0.02"
    flags: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, device: DeviceLike, *, timing: HwTiming | None = None) -> None:
        self.options = device.options
        self.line = UpsLine(device.port, timing or HwTiming())
        self.delays: dict[str, int] = {}
        self.alarms: frozenset[Alarm] = frozenset()
        self.alarm_text = ""
        self.bypass_ok = True

    # -- the Driver protocol -------------------------------------------------

    async def open(self, state: DeviceVars) -> None:
        await self.line.open()
        try:
            who = await self.line.identify()
        except hw.HuaweiError as exc:
            raise DriverIOError(f"{self.line.port.path}: {exc}") from None
        for name, value in (("device.mfr", "Huawei"), ("device.type", "ups"),
                            ("device.model", who.model), ("device.serial", who.serial),
                            ("ups.mfr", "Huawei"), ("ups.model", who.model),
                            ("ups.firmware", who.firmware), ("ups.firmware.aux", who.protocol),
                            ("ups.serial", who.serial), ("ups.type", "online")):
            state.set(name, value)
        for command in COMMANDS:
            state.add_command(command.name)
        await self.poll(state)  # main.c updates once right after initinfo

    async def poll(self, state: DeviceVars) -> PollResult:
        for name in _TIMERS:  # NUT 2.8.0 never reaches the commands that start them
            state.set(name, "-1")
        # every part runs even when one before it failed, as in NUT
        alarms = await self._read_alarms(state)
        values_ok = await self._read_values(state)
        words = await self._read_status(state)
        settings_ok = await self._read_settings(state)
        if alarms is None or not values_ok or words is None or not settings_ok:
            raise DriverIOError("update failed: data stale")
        self._commit_alarms(state, alarms)
        self._commit_status(state, [*alarms.words, *words])
        return PollResult()

    async def instcmd(self, state: DeviceVars, name: str, value: str | None) -> str:
        command = next((c for c in COMMANDS if c.name == name.lower()), None)
        if command is None:
            return ResultCode.CMD_NOT_SUPPORTED
        if command.handler is not None and command.register is None:
            log.warning("driver.command_unreachable", command=name,
                        hint="NUT 2.8.0's huawei-ups2000 names no register for it")
            return ResultCode.CMD_NOT_SUPPORTED
        done = await self._run(state, command)
        (log.info if done == ResultCode.SUCCESS else log.error)(
            "driver.command", command=name, result=done)
        return done

    async def set_var(self, state: DeviceVars, name: str, value: str) -> str:
        lowered = name.lower()
        if lowered == "ups.start.auto":
            return await self._set_autostart(value)
        if lowered == "ups.beeper.status":
            return await self._set_beeper(value)
        delay = hw.delay_named(lowered)
        if delay is None:
            return ResultCode.VAR_NOT_SUPPORTED
        seconds = hw.parse_delay(delay, value)
        if seconds is None:
            log.warning("driver.set_invalid", variable=name, value=value)
            return ResultCode.INVALID_ARGUMENT
        self.delays[delay.name] = seconds
        state.set(delay.name, str(seconds))
        return ResultCode.SUCCESS

    async def close(self) -> None:
        await self.line.close()

    async def killpower(self) -> Sent:
        """huawei-ups2000 -k: the port, then shutdown.reboot, which NUT 2.8.0 refuses."""
        await self.line.open()
        raise KillPowerFailed("upsdrv_shutdown failed: NUT 2.8.0's huawei-ups2000 names no "
                              "register for shutdown.reboot, so -k sends nothing")

    # -- one update ---------------------------------------------------------------

    async def _read_alarms(self, state: DeviceVars) -> hw.AlarmState | None:
        registers = await self.line.read(*hw.ALARM_BLOCK)
        if registers is None:
            return None
        found = hw.alarm_state(registers)
        self.bypass_ok = found.bypass_ok
        self._log_alarms(frozenset(found.active))
        return found

    def _log_alarms(self, active: frozenset[Alarm]) -> None:
        for alarm in active - self.alarms:
            (log.error if alarm.serious else log.warning)(
                "driver.alarm", alarm=alarm.alarm_id, cause=alarm.cause, name=alarm.name,
                clear=alarm.clear.value)
        for alarm in self.alarms - active:
            log.warning("driver.alarm_cleared", alarm=alarm.alarm_id, cause=alarm.cause,
                        name=alarm.name)
        self.alarms = active

    async def _read_values(self, state: DeviceVars) -> bool:
        blocks = []
        for address, count in hw.VALUE_BLOCKS:
            registers = await self.line.read(address, count)
            if registers is None:
                return False
            blocks.append(registers)
        found, error = hw.read_values(tuple(blocks))
        for name, text in found.items():
            state.set(name, text)
        if error is not None:
            log.warning("driver.invalid_value", reason=error)
        return error is None

    async def _read_status(self, state: DeviceVars) -> list[str] | None:
        words: list[str] = []
        for register, _, _ in STATUS_REGISTERS:
            registers = await self.line.read(register + OFFSET, 1)
            if registers is None:
                return None
            flags = hw.status_flags(register, registers[0])
            if flags is None:
                log.warning("driver.invalid_value",
                            reason=f"register {register:04d} has invalid value {registers[0]:04x}")
                return None
            words += flags[0]
            for name, text in flags[1].items():
                state.set(name, text)
        return words

    async def _read_settings(self, state: DeviceVars) -> bool:
        if await self._read_beeper(state) is None:
            return False
        for delay in DELAYS:
            if delay.name not in self.delays:
                self.delays[delay.name] = self._delay_option(delay)
            state.set(delay.name, str(self.delays[delay.name]))
            state.set_info(delay.name, VarInfo(rw=True, ranges=((delay.low, delay.high),)))
        return True

    def _delay_option(self, delay: hw.Delay) -> int:
        text = self.options.get(delay.option)
        seconds = None if text is None else hw.parse_delay(delay, text)
        if text is not None and seconds is None:
            log.error("driver.bad_option", option=delay.option, value=text, use=delay.default)
        return delay.default if seconds is None else seconds

    async def _read_beeper(self, state: DeviceVars) -> str | None:
        registers = await self.line.read(BEEPER_REGISTER + OFFSET, 1)
        if registers is None or registers[0] not in (0, 1):
            return None
        text = "disabled" if registers[0] else "enabled"  # the register says "disable"
        state.set("ups.beeper.status", text)
        state.set_info("ups.beeper.status", _BEEPER)
        return text

    def _commit_alarms(self, state: DeviceVars, alarms: hw.AlarmState) -> None:
        self.alarm_text = alarms.text
        if alarms.text:
            state.set("ups.alarm", alarms.text)
        else:
            state.delete("ups.alarm")

    def _commit_status(self, state: DeviceVars, words: list[str]) -> None:
        status = " ".join(words)
        state.set("ups.status", f"ALARM {status}" if self.alarm_text else status)

    # -- commands and settings ---------------------------------------------------------

    async def _run(self, state: DeviceVars, command: Command) -> str:
        match command.handler:
            case None:
                for register, value in command.writes:
                    if not await self.line.write(register + OFFSET, (value,)):
                        return ResultCode.FAILED
                return ResultCode.SUCCESS
            case "load_on":
                return await self._load_on(state)
            case "beeper_toggle":
                now = await self._read_beeper(state)
                if now is None:
                    return ResultCode.FAILED
                return await self._set_beeper("enabled" if now == "disabled" else "disabled")
            case "shutdown_stayoff":
                if await self._set_autostart("no") != ResultCode.SUCCESS:
                    return ResultCode.FAILED
                minutes = (self.delays.get("ups.delay.shutdown", 60) * 10) % 0x10000 // 60
                return await self._write(1049, minutes)
        return ResultCode.CMD_NOT_SUPPORTED

    async def _load_on(self, state: DeviceVars) -> str:
        """load.on: the status read again first; refused in bypass, a warning when on."""
        words = await self._read_status(state)
        if words is None:
            return ResultCode.FAILED
        self._commit_status(state, words)
        status = state.get("ups.status") or ""
        if "OFF" not in status and ("OL" in status or "OB" in status):
            log.warning("driver.load_on", hint="the UPS is already on; sending it anyway")
        elif "OFF" not in status:
            log.error("driver.load_on", hint="the UPS is in bypass mode: use bypass.stop")
            return ResultCode.FAILED
        return await self._write(1029, 1)

    async def _set_autostart(self, value: str) -> str:
        words = {"yes": 1, "no": 0}
        if value.lower() not in words:
            return ResultCode.INVALID_ARGUMENT
        return await self._write(AUTOSTART_REGISTER, words[value.lower()])

    async def _set_beeper(self, value: str) -> str:
        words = {"disabled": 1, "muted": 1, "enabled": 0}  # no temporary mute: disabled
        if value.lower() not in words:
            return ResultCode.INVALID_ARGUMENT
        return await self._write(BEEPER_REGISTER, words[value.lower()])

    async def _write(self, register: int, value: int) -> str:
        done = await self.line.write(register + OFFSET, (value,))
        return ResultCode.SUCCESS if done else ResultCode.FAILED
