"""APC Smart-UPS over Modbus as NUT's apc_modbus 0.19 (NUT 2.8.5) reads and drives it.

How it works: the driver reads four register blocks (:data:`INVENTORY` once at
start and after a reconnect; :data:`STATUS`, :data:`DYNAMIC` and :data:`STATIC`
every poll) and hands them here. :class:`ApcModbus` turns them into NUT
variables through the register tables below (one row per variable: address,
width, signedness or string, writability, conversion, format, binary scale),
builds ``ups.status``, ``ups.alarm`` and the high-efficiency buzzword from the
status bits, and says which register write an instant command or a SET VAR
becomes. The inventory's outlet-group bits decide which ``outlet.group.N``
variables and commands exist. Pure: registers in, variables and writes out.

Kept from NUT 2.8.5 as it is: LB and RB both come from register 18 (NUT reads
the battery error bits from the signalling register), so a UPS that says its
shutdown is imminent is also served as "replace battery". Not kept: 2.8.5
refuses every SET VAR on a variable the unit has (its availability test is
inverted); nutrio writes those and refuses the unavailable ones, as meant.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import Enum

from nutrio.protocol.common.state import ResultCode, VarInfo
from nutrio.protocol.devices.dummy.devfile import DeviceVars
from nutrio.protocol.devices.modbus import apc_values as av
from nutrio.protocol.devices.modbus.apc_tables import (
    COMMANDS,
    DYNAMIC_MAP,
    GROUPS,
    INVENTORY_MAP,
    OUTLET_COMMAND,
    OUTLET_SUFFIXES,
    STATIC_MAP,
    STATUS_MAP,
    Kind,
    Register,
)
from nutrio.protocol.devices.modbus.frames import ReadRequest, WriteRequest

__all__ = ["DYNAMIC", "INVENTORY", "STATIC", "STATUS", "ApcModbus", "Refused"]

INVENTORY = ReadRequest(516, 120)
STATUS = ReadRequest(0, 27)
DYNAMIC = ReadRequest(128, 44)
STATIC = ReadRequest(1026, 22)
_SOG_RELAY_CONFIG = 590

_MAPS = (INVENTORY_MAP, STATUS_MAP, DYNAMIC_MAP, STATIC_MAP)
_GLOBAL_COMMANDS = ("load.off", "load.on", "load.cycle", "load.off.delay", "load.on.delay",
                    "shutdown.default", "shutdown.return", "shutdown.stayoff",
                    "shutdown.reboot", "shutdown.reboot.graceful")
#: UPSStatus_BF bits that are ups.status words, in NUT's order
_STATUS_WORDS = ((1, "OL"), (2, "OB"), (3, "BYPASS"), (4, "OFF"), (7, "TEST"), (21, "OVER"))
_ALARMS = ((5, "General fault"), (6, "Input not acceptable"))
_HIGH_EFFICIENCY = 13


class Refused(Enum):
    """Why a command or a setting is not sent (NUT's STAT_*_UNKNOWN, _INVALID and
    _CONVERSION_FAILED); ``code`` is what the client is told."""

    UNKNOWN = "unknown"
    INVALID = "invalid"
    CONVERSION = "conversion failed"

    @property
    def code(self) -> str:
        return ResultCode.UNKNOWN if self is Refused.UNKNOWN else ResultCode.INVALID_ARGUMENT


@dataclass
class ApcModbus:
    """What NUT's apc_modbus keeps between reads: nominal powers and outlet groups."""

    nominal: dict[str, float] = field(default_factory=dict)
    groups: list[bool] = field(default_factory=lambda: [False] * len(GROUPS))

    # -- reading -------------------------------------------------------------

    def apply_inventory(self, state: DeviceVars, regs: Sequence[int]) -> list[str]:
        """The inventory block (initinfo, and again after a reconnect); warnings to log."""
        config = regs[_SOG_RELAY_CONFIG - INVENTORY.address]
        count = 0
        for index, group in enumerate(GROUPS):
            self.groups[index] = bool(config & group.present_bit)
            if self.groups[index]:
                count += 1
                state.set(f"outlet.group.{index}.id", group.id)
                state.set(f"outlet.group.{index}.designator", group.designator)
                for suffix in OUTLET_SUFFIXES:
                    state.add_command(f"outlet.group.{index}.{suffix}")
        if count:
            for name in _GLOBAL_COMMANDS:
                state.add_command(name)
        state.set("outlet.group.count", str(count))
        self.apply(state, INVENTORY.address, regs)
        for name in COMMANDS:
            state.add_command(name)
        state.set("ups.mfr", "American Power Conversion")
        state.set("device.type", "ups")
        return ["SOG3 present, but we don't know how to use it"] if config & 0x10 else []

    def available(self, reg: Register) -> bool:
        """Whether an ``outlet.group.N.`` register belongs to a group the unit has."""
        if not reg.var.startswith("outlet.group."):
            return True
        index = int(reg.var.split(".")[2])
        return index < len(self.groups) and self.groups[index]

    def apply(self, state: DeviceVars, address: int, regs: Sequence[int]) -> None:
        """Every variable whose registers lie inside the block read at ``address``."""
        for table in _MAPS:
            for reg in table:
                start = reg.address - address
                if start < 0 or start + reg.length > len(regs) or not self.available(reg):
                    continue
                text = self._text(reg, regs[start:start + reg.length])
                if text is None:
                    continue  # NUT logs "Failed to convert register" and leaves it
                state.set(reg.var, text)
                if reg.kind == Kind.STRING or reg.rw:
                    length = 2 * reg.length if reg.kind == Kind.STRING else None
                    state.set_info(reg.var, VarInfo(rw=reg.rw, string_len=length))

    def _text(self, reg: Register, regs: Sequence[int]) -> str | None:
        if reg.kind == Kind.STRING:
            return av.to_string(regs)
        raw = av.to_int(regs) if reg.kind == Kind.INT else av.to_uint(regs)
        if reg.convert is None:
            return str(raw)
        return reg.convert(raw, reg, self.nominal)

    def apply_poll(self, state: DeviceVars, status: Sequence[int], dynamic: Sequence[int],
                   static: Sequence[int]) -> None:
        """One update: the three blocks read, then ups.status, ups.alarm and buzzwords."""
        ups = av.to_uint(status[0:2])
        words = [word for bit, word in _STATUS_WORDS if ups & (1 << bit)]
        alarms = [text for bit, text in _ALARMS if ups & (1 << bit)]
        for index, present in enumerate(self.groups):
            if present:
                on = av.to_uint(status[3 + 3 * index:5 + 3 * index]) & 1
                state.set(f"outlet.group.{index}.status", "on" if on else "off")
        if status[18] & 0b10:
            words.append("LB")
        if status[18] & 0b10:  # NUT 2.8.5 reads BatterySystemError_BF at the same register
            words.append("RB")
        if status[24] & 0b10:
            words.append("CAL")
        self.apply(state, STATUS.address, status)
        inputs = dynamic[150 - DYNAMIC.address]
        words += [word for bit, word in ((5, "BOOST"), (6, "TRIM")) if inputs & (1 << bit)]
        self.apply(state, DYNAMIC.address, dynamic)
        self.apply(state, STATIC.address, static)
        _commit(state, words, alarms, ["vendor:apc:HE"] if ups & (1 << _HIGH_EFFICIENCY) else [])

    # -- commands and settings ------------------------------------------------

    def command(self, name: str) -> WriteRequest | Refused:
        """The write an instant command is (outlet and load commands first, as NUT)."""
        outlet = self._outlet_command(name)
        if outlet is not None:
            return outlet
        for cmd, (address, length, value) in COMMANDS.items():
            if cmd.lower() == name.lower():
                regs = av.from_uint(value, length)
                return Refused.CONVERSION if regs is None else WriteRequest(address, regs)
        return Refused.UNKNOWN

    def _outlet_command(self, name: str) -> WriteRequest | Refused | None:
        if name.startswith(("load.", "shutdown.")):
            index, suffix = 0, "shutdown.return" if name == "shutdown.default" else name
        elif name.startswith("outlet.group."):
            number, dot, suffix = name.removeprefix("outlet.group.").partition(".")
            if not number.isdigit() or not dot:
                return None
            index = int(number)
        else:
            return None
        if index >= len(GROUPS) or (index > 0 and not self.groups[index]):
            return Refused.INVALID
        if suffix not in OUTLET_SUFFIXES:
            return None
        targets = 0
        for i, group in enumerate(GROUPS):
            if self.groups[i] and (index == 0 or i == index):
                targets |= group.target_bit
        regs = av.from_uint(targets | OUTLET_SUFFIXES[suffix], 2)
        assert regs is not None
        return WriteRequest(OUTLET_COMMAND, regs)

    def setting(self, name: str, value: str) -> WriteRequest | Refused:
        """The write a SET VAR is (the driver reads the registers back and applies them;
        the tables' address ranges do not overlap, so that is NUT's read-back)."""
        for table in _MAPS:
            for reg in table:
                if reg.var.lower() == name.lower():
                    return self._setting(reg, value)
        return Refused.UNKNOWN

    def _setting(self, reg: Register, value: str) -> WriteRequest | Refused:
        if not self.available(reg) or not reg.rw:
            return Refused.INVALID
        regs: tuple[int, ...] | None
        if reg.encode is not None:
            regs = reg.encode(value, reg.length)
        elif reg.kind == Kind.STRING:
            regs = av.from_string(value, reg.length)
        else:
            number = av.parse_c_integer(value)
            encode: Callable[[int, int], tuple[int, ...] | None] = (
                av.from_int if reg.kind == Kind.INT else av.from_uint)
            regs = None if number is None else encode(number, reg.length)
        if regs is None:
            return Refused.CONVERSION
        return WriteRequest(reg.address, regs)


def _commit(state: DeviceVars, words: list[str], alarms: list[str], buzz: list[str]) -> None:
    """alarm_commit, status_commit and buzzmode_commit of NUT 2.8.5's driver core."""
    if alarms:
        state.set("ups.alarm", " ".join(alarms))
        words = ["ALARM", *words]
    else:
        state.delete("ups.alarm")
    state.set("ups.status", " ".join(dict.fromkeys(words)))
    if buzz:
        state.set("experimental.ups.mode.buzzwords", " ".join(buzz))
    else:
        state.delete("experimental.ups.mode.buzzwords")
