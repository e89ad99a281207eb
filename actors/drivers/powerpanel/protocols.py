"""powerpanel's two protocols on the line: detection, first read, status, commands, settings.

Each class follows one of NUT 2.8.0's subdrivers (text "Powerpanel-Text
0.5", binary "Powerpanel-Binary 0.5"); the byte layouts and tables are in
protocol/devices/powerpanel/. ``update`` returns True on battery, False on
line, and None when the status could not be read.
"""

from __future__ import annotations

import structlog

from nutrio.actors.drivers.errors import DriverConfigError
from nutrio.actors.drivers.nutserial import get_line, send_paced
from nutrio.actors.drivers.powerpanel.line import PpLine
from nutrio.protocol.common.cnum import c_atoi
from nutrio.protocol.common.state import ResultCode, VarInfo
from nutrio.protocol.devices.dummy.devfile import DeviceVars
from nutrio.protocol.devices.powerpanel import binary as pb
from nutrio.protocol.devices.powerpanel import text as pt

__all__ = ["BinaryProtocol", "TextProtocol"]

log = structlog.get_logger()
SHUTDOWNS = ("shutdown.return", "shutdown.stayoff", "shutdown.reboot")


class TextProtocol:
    name, baud = "text", 2400

    def __init__(self, line: PpLine, options: dict[str, str]) -> None:
        self.line, self.options = line, options
        self.ident = b""
        self.delays = pt.Delays()

    async def detect(self) -> bool:
        await self.line.line(b"\r\r")  # fails on many units, as NUT expects
        for _ in range(3):
            answer = await self.line.line(b"P4\r")
            if answer is None or len(answer) < 46 or answer[:1] != b"#":
                continue
            try:
                self.delays = pt.delays(self.options.get("ondelay"), self.options.get("offdelay"))
            except ValueError as exc:
                raise DriverConfigError(str(exc)) from None
            self.ident = answer
            return True
        return False

    async def initinfo(self, state: DeviceVars) -> None:
        state.set("ups.delay.start", str(60 * self.delays.on))
        state.set("ups.delay.shutdown", str(self.delays.off))
        for name, value in pt.ident(self.ident).items():
            state.set(name, value)
        for request, _ in pt.RATINGS:
            answer = await self.line.line(request)
            if answer is not None:
                for name, value in pt.ratings(request, answer).items():
                    state.set(name, value)
        for command in pt.COMMANDS:
            state.add_command(command)
        for name, (request, _) in pt.SETTINGS.items():
            if state.get(name) is None:
                continue
            answer = await self.line.line(request)
            choices = pt.fields(answer) if answer is not None else []
            if choices:
                state.set_info(name, VarInfo(rw=True, enums=tuple(str(c_atoi(c)) for c in choices)))
        for request in (b"P5\r", b"P9\r", b"C\r"):  # the last cancels a pending shutdown
            await self.line.line(request)
        for command in SHUTDOWNS:
            state.add_command(command)

    async def update(self, state: DeviceVars) -> bool | None:
        answer = await self.line.exactly(b"D\r", pt.SHORT, pause=self.line.t.status)
        if answer is None:
            return None
        found = pt.status(answer)
        if found is None:
            rest = await self.line.more(pt.LONG_EXTRA)
            if rest is None:
                return None
            state.set("battery.voltage.nominal", "72")  # NUT's constants for these units
            state.set("output.voltage.nominal", "120")
            found = pt.long_status(answer + rest)
        if found is None:
            return None
        for name, value in pt.status_vars(found).items():
            state.set(name, value)
        state.set("ups.status", " ".join(pt.status_words(found)))
        return bool(found.flags & 0x40)

    async def instcmd(self, state: DeviceVars, name: str) -> str:
        if name in ("beeper.on", "beeper.off"):
            log.warning("driver.command_renamed", command=name,
                        use=name.replace("on", "enable").replace("off", "disable"))
        request = pt.COMMANDS.get(name) or pt.shutdown_command(name, self.delays)
        if request is None:
            return ResultCode.CMD_NOT_SUPPORTED
        return ResultCode.SUCCESS if await self._done(request) else ResultCode.FAILED

    async def set_var(self, state: DeviceVars, name: str, value: str) -> str:
        if name not in pt.SETTINGS:
            return ResultCode.VAR_NOT_SUPPORTED
        if value.lower() == (state.get(name) or "").lower():
            return ResultCode.SUCCESS  # no change: nothing sent
        if not await self._done(pt.setting_command(name, value)):
            return ResultCode.UNKNOWN
        state.set(name, value)
        return ResultCode.SUCCESS

    async def _done(self, request: bytes) -> bool:
        answer = await self.line.line(request)
        return answer is not None and answer.lower() == b"#0"


class BinaryProtocol:
    name, baud = "binary", 1200

    def __init__(self, line: PpLine, options: dict[str, str]) -> None:
        self.line, self.options = line, options
        self.ident = b""
        self.op = False

    async def detect(self) -> bool:
        await send_paced(self.line.port, b"\r\r", self.line.t.pace)
        for _ in range(3):
            await self.line.send(b"F\r", pause=self.line.t.status)
            answer, whole = await get_line(self.line.port, b"\r", self.line.t.read)
            if not whole or len(answer) < 20 or answer[:1] != b".":
                continue
            self.op = pb.is_op(answer)
            for option in ("ondelay", "offdelay"):
                if option in self.options:
                    raise DriverConfigError(f"Setting '{option}' not supported by binary driver")
            self.ident = answer
            return True
        return False

    async def initinfo(self, state: DeviceVars) -> None:
        state.set("ups.delay.start", "45")
        state.set("ups.delay.shutdown", "0")  # almost at once
        for name, value in pb.ident(self.ident).items():
            state.set(name, value)
        for command in pb.COMMANDS:
            state.add_command(command)
        for setting in pb.SETTINGS:
            answer = await self.line.exactly(b"R" + bytes([setting.code]) + b"\r", 2)
            if answer is None:
                continue
            named = pb.setting_value(setting, self.op, answer[1])
            if named is not None:
                state.set(setting.name, named)
            if state.get(setting.name) is None:
                log.warning("driver.unknown_setting", variable=setting.name, step=answer[1])
                continue
            state.set_info(setting.name, VarInfo(rw=True, enums=tuple(
                v for v, _ in setting.table(self.op))))

    async def update(self, state: DeviceVars) -> bool | None:
        answer = await self.line.exactly(b"D\r", pb.STATUS_LEN, pause=self.line.t.status)
        found = None if answer is None else pb.parse_status(answer)
        if found is None:
            return None
        for name, value in pb.meters(found, self.op, state.get("output.voltage.nominal")).items():
            state.set(name, value)
        words = pt.status_words(found, on_battery=0x80, low=0x40, test=0x04)
        state.set("ups.status", " ".join(words))
        return bool(found.flags & 0x80)

    async def instcmd(self, state: DeviceVars, name: str) -> str:
        request = pb.COMMANDS.get(name)
        if request is None:
            return ResultCode.CMD_NOT_SUPPORTED
        answer = await self.line.exactly(request, len(request) - 1)
        return ResultCode.SUCCESS if answer == request[:-1] else ResultCode.FAILED

    async def set_var(self, state: DeviceVars, name: str, value: str) -> str:
        setting = next((s for s in pb.SETTINGS if s.name == name), None)
        if setting is None:
            return ResultCode.VAR_NOT_SUPPORTED
        if value.lower() == (state.get(name) or "").lower():
            return ResultCode.SUCCESS
        step = next((s for v, s in setting.table(self.op) if v.lower() == value.lower()), None)
        if step is None:
            return ResultCode.UNKNOWN
        request = b"Q" + bytes([setting.code, step & 0xFF]) + b"\r"
        if await self.line.exactly(request, 3) != request[:3]:
            return ResultCode.UNKNOWN
        state.set(name, value)
        return ResultCode.SUCCESS
