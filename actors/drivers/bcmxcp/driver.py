"""bcmxcp and bcmxcp_usb: Powerware/Eaton UPSes speaking BCM/XCP, as NUT 2.8.0's bcmxcp (0.32).

One driver loop, two transports (actors/drivers/bcmxcp/serial.py, usb.py).
How it works (checked against the real binaries pointed at
tests/drivers/sim/bcmxcp_sim.py, on a pty and on the USB lab):

* ``open`` (initups, initinfo, then one update): the ID block gives the
  firmware, rating, phases, model and the meter and alarm maps; then the
  outlet block (when its length is over 8, a PW5115 firmware bug NUT works
  around), the config and limit blocks, the command list (or the default
  commands), the topology, the system tests (when the list has 0xB2) and
  the settings the UPS lets clients change (each shown as "0" until the
  next read). A missing ID, outlet, config, limit or topology block, or no
  answer to the settings request, fails the start.
* ``poll`` (updateinfo): meters, outlets, alarms and status must answer
  (the poll fails otherwise and the data goes stale); the battery, limit
  and config blocks are read when they answer. ups.status: the status
  byte, the topology's low battery bit, then the on battery, battery low
  and replace battery alarms (RB, once seen, stays until restart, as in
  NUT); ALARM in front while any alarm is active, listed in ups.alarm.
* Commands and settings send the authorization block, wait 2 s, then the
  request; the acknowledgement's first byte is the result.
"""

from __future__ import annotations

from typing import ClassVar

import structlog
import trio

from nutrio.actors.drivers.base import DeviceLike, PollResult, Sent
from nutrio.actors.drivers.bcmxcp.link import XcpTiming, XcpTransport
from nutrio.actors.drivers.bcmxcp.serial import SerialXcp, baud_option
from nutrio.actors.drivers.errors import DriverConfigError, DriverIOError, KillPowerFailed
from nutrio.protocol.common.cnum import c_atoi
from nutrio.protocol.common.state import ResultCode, VarInfo
from nutrio.protocol.devices import bcmxcp as xcp
from nutrio.protocol.devices.dummy.devfile import DeviceVars

__all__ = ["BcmXcp", "BcmXcpUsb", "XcpTiming"]

log = structlog.get_logger()

DEFAULT_SHUTDOWN_DELAY = 120
#: an outlet block this long or shorter is not read (NUT's PW5115 work-around)
_OUTLET_BLOCK_MIN = 8
#: the RW STRING length NUT gives the outlet delays
_OUTLET_DELAY_LEN = 5


def shutdown_delay(device: DeviceLike) -> int:
    """The ``shutdown_delay`` option (default 120 s); NUT refuses a negative one."""
    text = device.options.get("shutdown_delay")
    if text is None:
        return DEFAULT_SHUTDOWN_DELAY
    value = c_atoi(text)
    if value < 0:
        raise DriverConfigError(f"{device.name}: Invalid setting for shutdown_delay: {text}")
    return value


class BcmXcp:
    """The serial bcmxcp driver; :class:`BcmXcpUsb` differs only in its transport."""

    name = "bcmxcp"
    version_internal = "0.32"
    flags: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, device: DeviceLike, *, timing: XcpTiming | None = None) -> None:
        self.device = device
        self.t = timing or XcpTiming()
        self.delay = shutdown_delay(device)
        self.link: XcpTransport = self._transport(device)
        self.meters = xcp.MeterMap(())
        self.alarms = xcp.AlarmMap(())
        self.id_block: xcp.IdBlock | None = None
        self.mask = 0
        self.replace_battery = False  # NUT never clears it once an alarm set it

    def _transport(self, device: DeviceLike) -> XcpTransport:
        return SerialXcp(device.port, baud_option(device.options.get("baud_rate"), device.name),
                         self.t)

    @property
    def has_outlets(self) -> bool:
        return self.id_block is not None and self.id_block.outlet_block_length > _OUTLET_BLOCK_MIN

    # -- the Driver protocol -------------------------------------------------

    async def open(self, state: DeviceVars) -> None:
        await self.link.open()
        await self._initinfo(state)
        await self._update(state)  # main.c updates once right after initinfo
        self.link.watch.good()

    async def poll(self, state: DeviceVars) -> PollResult:
        await self._update(state)
        self.link.watch.good()
        return PollResult()

    async def instcmd(self, state: DeviceVars, name: str, value: str | None) -> str:
        step = xcp.instcmd_step(name, self.delay, state.get)
        return await self._run(step, name)

    async def set_var(self, state: DeviceVars, name: str, value: str) -> str:
        step = xcp.setvar_step(name, value, has_outlets=self.has_outlets)
        return await self._run(step, name)

    async def close(self) -> None:
        await self.link.close()

    async def killpower(self) -> Sent:
        """bcmxcp -k: open the line as at start (not the blocks), then shutdown.return,
        else shutdown.stayoff.

        NUT 2.8.0 reads ``shutdown_delay`` only in initinfo, which -k skips, so
        it asks the UPS for a delay of 0 s; nutrio sends the configured delay
        (default 120 s), as the manual page promises.
        """
        await self.link.open()
        for name in ("shutdown.return", "shutdown.stayoff"):
            step = xcp.instcmd_step(name, self.delay, lambda _: None)
            answer = await self._send(step)
            code, note = xcp.ack_result(answer)
            if code == ResultCode.SUCCESS:
                detail = f"Going down in {xcp.shutdown_seconds(answer)} sec"
                return Sent(name, detail if name == "shutdown.return" else "Going down NOW")
            log.info("driver.killpower_refused", command=name, reason=note)
        raise KillPowerFailed("Shutdown failed!")

    # -- commands ---------------------------------------------------------------

    async def _send(self, step: xcp.Step) -> bytes:
        """Authorize (and pause) when the step says so; the acknowledgement, or b""."""
        if step.authorize:
            await self.link.send(xcp.AUTHORIZATION)
            await trio.sleep(self.t.authorize)
        if step.payload is None:
            return b""
        return await self.link.exchange(step.payload, write=step.write)

    async def _run(self, step: xcp.Step, name: str) -> str:
        answer = await self._send(step)
        if step.payload is None:
            log.info("driver.command_refused", name=name, code=step.refusal)
            return step.refusal
        code, note = xcp.ack_result(answer)
        log.info("driver.command_answered", name=name, code=code, answer=note)
        return code

    # -- start-up -----------------------------------------------------------------

    async def _required(self, command: int) -> bytes:
        answer = await self.link.exchange(bytes([command]))
        if not answer:
            raise DriverIOError("Could not communicate with the ups")
        return answer

    async def _initinfo(self, state: DeviceVars) -> None:
        block = xcp.IdBlock.parse(await self._required(xcp.Cmd.ID_BLOCK))
        self.id_block = block
        if block.firmware is not None:
            state.set("ups.firmware", block.firmware)
        state.set("ups.power.nominal", str(block.rating))
        state.set("output.phases", str(block.phases))
        state.set("ups.mfr", "Eaton")
        state.set("ups.model", block.model)
        self.meters = xcp.MeterMap.from_formats(block.meter_formats, block.phases)
        self.alarms = xcp.AlarmMap.from_bits(block.alarm_bits)
        if self.has_outlets:
            count = await self._outlets(state, block)
            for number in range(1, count + 1):
                for command in ("shutdown.return", "load.on", "load.off"):
                    state.add_command(f"outlet.{number}.{command}")
        config = await self._required(xcp.Cmd.CONFIG_BLOCK)
        self.mask = xcp.topology_mask(config)
        self._put(state, xcp.config_vars(config, at_start=True))
        limits = await self._required(xcp.Cmd.LIMIT_BLOCK)
        warning = xcp.low_battery_warning(limits)
        if self.delay > warning:
            log.warning("driver.shutdown_delay_too_long", shutdown_delay=self.delay, max=warning)
        self._put(state, xcp.limit_vars(limits, at_start=True))
        listed = await self._commands(state, block)
        if block.topology_length:
            name = xcp.topology_name(await self._required(xcp.Cmd.TOPOLOGY))
            if name is not None:
                state.set("ups.description", name)
        if xcp.Cmd.SYSTEM_TEST in listed:
            await self._system_tests(state)
        await self._settings(state)

    async def _commands(self, state: DeviceVars, block: xcp.IdBlock) -> frozenset[int]:
        """The command list's instant commands, or NUT's defaults without one."""
        listed = None
        if block.command_list_length:
            answer = await self.link.exchange(bytes([xcp.Cmd.COMMAND_LIST]))
            listed = xcp.command_list(answer, block.command_list_length)
        if listed is None:
            log.info("driver.no_command_list", using=xcp.DEFAULT_COMMANDS)
        commands = xcp.DEFAULT_COMMANDS if listed is None else xcp.listed_commands(listed)
        for command in commands:
            state.add_command(command)
        return listed or frozenset()

    async def _system_tests(self, state: DeviceVars) -> None:
        answer = await self._send(xcp.Step(payload=xcp.SYSTEM_TEST_REQUEST))
        if not answer:
            log.error("driver.short_read", block="system test capabilities")
        for command in xcp.system_tests(answer):
            state.add_command(command)

    async def _settings(self, state: DeviceVars) -> None:
        answer = await self._send(xcp.Step(payload=xcp.CONFIG_REQUEST))
        if not answer:
            raise DriverIOError("Could not communicate with the ups")
        variables, beeper = xcp.settable(answer)
        for name, length in variables:
            state.set(name, "0")
            state.set_info(name, VarInfo(rw=True, string_len=length))
        for command in beeper:
            state.add_command(command)

    async def _outlets(self, state: DeviceVars, block: xcp.IdBlock) -> int:
        if block.outlet_block_length > 255:
            raise DriverIOError(f"outlet_block_len overflow: {block.outlet_block_length}")
        found = xcp.outlets(await self._required(xcp.Cmd.OUTLET_BLOCK))
        for number, outlet in enumerate(found, 1):
            state.set(f"outlet.{number}.id", str(outlet.number))
            if outlet.status is not None:
                state.set(f"outlet.{number}.status", outlet.status)
            for which, delay in (("shutdown", outlet.delay_off), ("start", outlet.delay_on)):
                name = f"outlet.{number}.delay.{which}"
                state.set(name, str(delay))
                state.set_info(name, VarInfo(rw=True, string_len=_OUTLET_DELAY_LEN))
        return len(found)

    @staticmethod
    def _put(state: DeviceVars, found: dict[str, str]) -> None:
        for name, value in found.items():
            state.set(name, value)

    # -- updates ------------------------------------------------------------------

    async def _must(self, command: int, what: str) -> bytes:
        answer = await self.link.exchange(bytes([command]))
        if not answer:
            raise DriverIOError(f"Short read from UPS ({what})")
        return answer

    async def _update(self, state: DeviceVars) -> None:
        self._put(state, self.meters.values(await self._must(xcp.Cmd.METER_BLOCK, "meters")))
        block = self.id_block
        if block is not None and self.has_outlets:
            await self._outlets(state, block)
        active = self.alarms.read(await self._must(xcp.Cmd.ALARMS, "alarms"))
        self.replace_battery = self.replace_battery or active.replace_battery
        if active.names:
            state.set("ups.alarm", xcp.alarm_text(active.names))
        else:
            state.delete("ups.alarm")
        status = await self._must(xcp.Cmd.STATUS, "status")
        words = " ".join(xcp.status_words(status, self.mask, active, self.replace_battery))
        state.set("ups.status", f"ALARM {words}" if active.names else words)
        for command, read in ((xcp.Cmd.BATTERY, xcp.battery_vars),
                              (xcp.Cmd.LIMIT_BLOCK, lambda a: xcp.limit_vars(a, at_start=False)),
                              (xcp.Cmd.CONFIG_BLOCK, lambda a: xcp.config_vars(a, at_start=False))):
            answer = await self.link.exchange(bytes([command]))
            if answer:
                self._put(state, read(answer))


class BcmXcpUsb(BcmXcp):
    """bcmxcp_usb: the same driver over USB (``port`` is ignored, as NUT's "auto")."""

    name = "bcmxcp_usb"

    def _transport(self, device: DeviceLike) -> XcpTransport:
        from nutrio.actors.drivers.bcmxcp.usb import UsbXcp  # pyusb only when USB is used

        return UsbXcp(self.t)
