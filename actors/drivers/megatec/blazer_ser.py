"""blazer_ser: NUT's older megatec driver, on a serial port (blazer_usb.py: over USB)."""

from __future__ import annotations

import structlog

from nutrio.actors.drivers.base import DeviceLike, PollResult, Sent
from nutrio.actors.drivers.errors import (
    DriverConfigError,
    DriverError,
    DriverIOError,
    KillPowerFailed,
)
from nutrio.actors.drivers.megatec.link import (
    MAXTRIES,
    SER_WAIT_SEC,
    BlazerSerial,
    Link,
    command_tries,
    float_var,
    put_defaults,
    put_overrides,
    require_megatec,
)
from nutrio.actors.drivers.megatec.transport import QxTransport
from nutrio.protocol.common.state import ResultCode
from nutrio.protocol.devices import megatec as mt
from nutrio.protocol.devices.dummy.devfile import DeviceVars

log = structlog.get_logger()


class BlazerSer:
    """blazer_ser, NUT's older megatec driver (drivers/blazer.c, blazer_ser.c).

    Differences from nutdrv_qx, as the real 2.8.0 binaries show them: every
    poll is a full one (values, status, alarms); the I reply gives
    ups.mfr/ups.model; ondelay is in minutes and the delays are read-only;
    test.battery.start takes minutes (1-99, default 10); a command succeeds
    on no reply, "ACK" or "(ACK".
    """

    name = "blazer_ser"
    version_internal = "1.58"
    flags = frozenset({"norating", "novendor"})

    def __init__(
        self,
        device: DeviceLike,
        *,
        reply_timeout: float = SER_WAIT_SEC,
        tolerated_failures: int = MAXTRIES + 1,
        transport: QxTransport | None = None,
    ) -> None:
        require_megatec(device, self.name)
        self.ondelay = mt.c_strtol(device.options.get("ondelay", "3"))
        if not 0 <= self.ondelay <= 9999:
            raise DriverConfigError(f"{device.name}: start delay '{self.ondelay}' out of range [0..9999]")
        offdelay = mt.c_strtol(device.options.get("offdelay", "30"))
        if not 12 <= offdelay <= 600:
            raise DriverConfigError(f"{device.name}: shutdown delay '{offdelay}' out of range [12..600]")
        self.offdelay = mt.truncate_offdelay(offdelay)
        self.device = device
        self.transport = transport or self.default_transport(device, reply_timeout)
        self.link = Link(self.transport)
        self.tolerated_failures = tolerated_failures
        self._opt = {k for k, v in device.options.items() if k in self.flags and v.lower() not in ("false", "no", "off", "0")}
        self._failures = 0
        self._packs = 1.0
        self._volt_act = -1.0
        self._volt_nom = -1.0
        self._volt_low = -1.0
        self._volt_high = -1.0

    @staticmethod
    def default_transport(device: DeviceLike, reply_timeout: float) -> QxTransport:
        """The serial line of ``port`` (blazer_usb: its USB bridge)."""
        return BlazerSerial(device.port, reply_timeout)

    async def open(self, state: DeviceVars) -> None:
        await self.transport.open()
        for name, value in self.transport.variables().items():
            state.set(name, value)
        put_defaults(state, self.device.options)
        if state.get("battery.voltage.high"):
            self._volt_high = float_var(state, "battery.voltage.high")
        if state.get("battery.voltage.low"):
            self._volt_low = float_var(state, "battery.voltage.low")
        if not await self._tries(self._status, state):
            raise DriverIOError(f"{self.device.name}: no supported UPS detected")
        if "norating" not in self._opt:
            await self._tries(self._rating, state)
        if "novendor" not in self._opt:
            await self._tries(self._vendor, state)
        # blazer_initbattery; the nominal voltage starts at -1, not 1, so this always runs
        if self._volt_nom != 1 and (self._volt_high == -1 or self._volt_low == -1):
            self._volt_low, self._volt_high = mt.default_voltage_limits(self._volt_nom)
            state.set("battery.voltage.low", f"{self._volt_low:.2f}")
            state.set("battery.voltage.high", f"{self._volt_high:.2f}")
        if "runtimecal" in self.device.options:
            log.warning("driver.runtimecal_unsupported")
        state.set("ups.delay.start", str(60 * self.ondelay))
        state.set("ups.delay.shutdown", str(self.offdelay))
        for command in mt.COMMANDS:
            state.add_command(command)
        await self._status(state)  # main.c's first updateinfo
        put_overrides(state, self.device.options)
        await self.poll(state)  # and the one its loop starts with

    async def poll(self, state: DeviceVars) -> PollResult:
        try:
            await self._status(state)
        except DriverError as exc:
            self._failures += 1
            if self._failures > self.tolerated_failures:
                raise
            log.info("driver.poll_retry", failures=self._failures, error=str(exc))
            return PollResult()
        self._failures = 0
        put_overrides(state, self.device.options)
        return PollResult()

    async def instcmd(self, state: DeviceVars, name: str, value: str | None) -> str:
        try:
            wire = mt.blazer_command_bytes(
                name.lower(), value, offdelay=self.offdelay, ondelay_minutes=self.ondelay
            )
        except KeyError:
            return ResultCode.CMD_NOT_SUPPORTED
        except ValueError as exc:
            log.warning("driver.instcmd_refused", name=name, value=value, error=str(exc))
            return ResultCode.FAILED
        if not mt.blazer_command_succeeded(await self.link.exchange(wire)):
            return ResultCode.FAILED
        return ResultCode.SUCCESS

    async def set_var(self, state: DeviceVars, name: str, value: str) -> str:
        return ResultCode.UNKNOWN  # blazer has no writable variables

    async def close(self) -> None:
        await self.transport.close()

    async def killpower(self) -> Sent:
        """blazer_ser -k: no claim; cancel a pending shutdown (C), then shutdown.return
        with ondelay (minutes) and offdelay, each tried MAXTRIES times."""
        state = DeviceVars()
        await self.transport.open()
        if not await command_tries(lambda: self.instcmd(state, "shutdown.stop", None)):
            log.info("driver.killpower_nothing_pending")  # NUT: "No shutdown pending"
        if not await command_tries(lambda: self.instcmd(state, "shutdown.return", None)):
            raise KillPowerFailed(
                f"the UPS refused shutdown.return {MAXTRIES} times (Shutdown failed!)"
            )
        return Sent("shutdown.return", f"Shutting down in {self.offdelay} seconds")

    async def _tries(self, read, state: DeviceVars) -> bool:  # type: ignore[no-untyped-def]
        for attempt in range(MAXTRIES):
            try:
                await read(state)
                return True
            except DriverError as exc:
                log.info("driver.read_failed", attempt=attempt + 1, error=str(exc))
        return False

    async def _status(self, state: DeviceVars) -> None:
        text = await self.link.query(mt.Q1, min_len=mt.BLAZER_Q1_MIN)
        try:
            words, end = mt.blazer_words(text, len(mt.BLAZER_Q1_VARS))
            for (name, fmt), word in zip(mt.BLAZER_Q1_VARS, words, strict=True):
                if word is None:
                    continue
                value = mt.c_strtod(word)
                if name == "battery.voltage":
                    value = self._battery(state, value)
                state.set(name, fmt % value)
            bits = mt.blazer_status_word(text, end)
        except mt.ReplyError as exc:
            raise DriverIOError(str(exc)) from exc
        state.set("ups.beeper.status", mt.beeper_status(bits) or "disabled")
        state.set("ups.type", mt.ups_type(bits) or "online")
        flags = mt.blazer_flags(
            bits, input_voltage=float_var(state, "input.voltage"),
            output_voltage=float_var(state, "output.voltage"),
        )
        found = mt.alarms(bits, flags)
        if found:
            state.set("ups.alarm", " ".join(found))
        else:
            state.delete("ups.alarm")
        words_ = " ".join(mt.status_words(flags))
        state.set("ups.status", f"ALARM {words_}" if found else words_)

    def _battery(self, state: DeviceVars, volts: float) -> float:
        """blazer_battery: the pack-scaled voltage, and the charge guessed from it."""
        self._volt_act = self._packs * volts
        charge = mt.guess_charge(self._volt_act, self._volt_low, self._volt_high)
        if charge is not None:
            state.set("battery.charge", charge)
        return self._volt_act

    async def _rating(self, state: DeviceVars) -> None:
        text = await self.link.query(mt.F)
        try:
            words, _ = mt.blazer_words(text, len(mt.BLAZER_F_VARS))
        except mt.ReplyError as exc:
            raise DriverIOError(str(exc)) from exc
        for (name, fmt), word in zip(mt.BLAZER_F_VARS, words, strict=True):
            if word is None:
                continue
            value = mt.c_strtod(word)
            if name == "battery.voltage.nominal":  # blazer_packs
                known = state.get(name)
                value = self._volt_nom = mt.c_strtod(known) if known else value
                self._packs = mt.detect_packs(self._volt_act, self._volt_nom) or self._packs
            state.set(name, fmt % value)

    async def _vendor(self, state: DeviceVars) -> None:
        text = await self.link.query(mt.I)
        for name, value in mt.blazer_vendor(text).items():
            state.set(name, value)
