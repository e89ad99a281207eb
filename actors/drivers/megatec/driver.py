"""nutdrv_qx (protocol "megatec") and blazer_ser: Megatec/Q1 UPSes on a serial port.

How it works, as NUT 2.8.0's nutdrv_qx does it (checked against the real
binary pointed at tests/drivers/sim/megatec_sim.py):

* ``open`` (NUT's initups + initinfo): 2400 8N1; the device is "claimed"
  when ``Q1`` gives input.voltage and (unless ``novendor``) ``I`` gives
  ups.firmware, three tries. Then one walk reads ``Q1``, ``F`` (ratings,
  unless ``norating``) and ``I`` (vendor); ups.delay.start/shutdown are
  server-side variables; battery.charge is guessed from the voltage.
* ``poll``: a *full update* (every ``pollfreq`` seconds, default 30, and
  after a command) re-reads every Q1 value, ups.alarm and battery.charge;
  the polls in between are *quick updates* that only read the status bits.
* A failed poll (no reply, short reply, wrong lead byte, bad status bit)
  leaves the data as it was; only the fifth failure in a row makes the poll
  fail (NUT's MAXTRIES retries, then dstate_datastale), and the framework
  marks the data stale. The next good reply makes it fresh again.
* Commands are sent without waiting for a reply beyond the read timeout: no
  reply or "ACK" is success, anything else (an echo) is failure.
"""

from __future__ import annotations

from collections.abc import Mapping

import structlog
import trio

from nutrio.actors.drivers.base import DeviceLike, PollResult, Sent
from nutrio.actors.drivers.errors import (
    DriverConfigError,
    DriverError,
    DriverIOError,
    KillPowerFailed,
)
from nutrio.actors.drivers.megatec.blazer_ser import BlazerSer
from nutrio.actors.drivers.megatec.link import (
    BAUDRATE,
    MAXTRIES,
    SER_WAIT_SEC,
    Link,
    command_tries,
    float_var,
    put_defaults,
    put_overrides,
    require_megatec,
)
from nutrio.actors.drivers.megatec.runtime import RuntimeEstimate
from nutrio.actors.drivers.serialport import SerialPort
from nutrio.protocol.common.state import ResultCode, VarInfo
from nutrio.protocol.devices import megatec as mt
from nutrio.protocol.devices.dummy.devfile import DeviceVars

__all__ = ["DEFAULT_POLLFREQ", "MAXTRIES", "SER_WAIT_SEC", "BlazerSer", "NutdrvQx"]

log = structlog.get_logger()

#: seconds between full updates (nutdrv_qx DEFAULT_POLLFREQ).
DEFAULT_POLLFREQ = 30

_DELAYS: Mapping[str, tuple[str, tuple[int, int], str]] = {
    # variable: (ups.conf option, range, default)
    "ups.delay.start": ("ondelay", mt.ONDELAY_RANGE, mt.DEFAULT_ONDELAY),
    "ups.delay.shutdown": ("offdelay", mt.OFFDELAY_RANGE, mt.DEFAULT_OFFDELAY),
}


class NutdrvQx:
    """The megatec protocol of nutdrv_qx (see the module comment)."""

    name = "nutdrv_qx"
    version_internal = "0.32"
    data_version = "Megatec 0.06"
    flags = frozenset({"norating", "novendor", "ignoresab", "stayoff"})

    def __init__(
        self,
        device: DeviceLike,
        *,
        reply_timeout: float = SER_WAIT_SEC,
        tolerated_failures: int = MAXTRIES + 1,
    ) -> None:
        require_megatec(device, self.name)
        self.device = device
        self.port = SerialPort(device.port, baudrate=BAUDRATE)
        self.link = Link(self.port, reply_timeout)
        self.tolerated_failures = tolerated_failures
        self.pollfreq = mt.c_strtol(device.options.get("pollfreq", str(DEFAULT_POLLFREQ)))
        self._opt = {k: v for k, v in device.options.items() if self._flag_on(k, v)}
        self._skip: set[bytes] = set()
        self._flags: frozenset[str] = frozenset()
        self._alarm_active = False
        self._failures = 0
        self._last_full = 0.0
        self._data_changed = False
        self._packs = 1.0
        self._volt_low = -1.0
        self._volt_high = -1.0
        self._runtime: RuntimeEstimate | None = None

    def _flag_on(self, key: str, value: str) -> bool:
        return key not in self.flags or value.lower() not in ("false", "no", "off", "0")

    # -- the Driver protocol -------------------------------------------------

    async def open(self, state: DeviceVars) -> None:
        await self.port.open()
        state.set("driver.version.data", self.data_version)
        put_defaults(state, self.device.options)
        self._skip_queries()
        await self._claim(state)
        await self._init_walk(state)
        for command in mt.COMMANDS:
            state.add_command(command)
        self._init_delays(state)
        self._init_battery(state)
        state.set("driver.parameter.pollfreq", str(self.pollfreq))
        self._last_full = trio.current_time()
        # main.c runs one update right after initinfo
        await self._update(state, full=False)
        put_overrides(state, self.device.options)

    async def poll(self, state: DeviceVars) -> PollResult:
        now = trio.current_time()
        full = now > self._last_full + self.pollfreq or self._data_changed
        try:
            await self._update(state, full=full)
        except DriverError as exc:
            self._failures += 1
            if self._failures > self.tolerated_failures:
                raise
            log.info("driver.poll_retry", failures=self._failures, error=str(exc))
            return PollResult()
        if self._failures > self.tolerated_failures:
            log.info("driver.communication_restored")
        self._failures = 0
        if full:
            self._last_full = now
            self._data_changed = False
        put_overrides(state, self.device.options)
        return PollResult()

    async def instcmd(self, state: DeviceVars, name: str, value: str | None) -> str:
        try:
            wire = mt.command_bytes(
                name.lower(), value,
                offdelay=mt.c_strtol(state.get("ups.delay.shutdown") or "0"),
                ondelay=mt.c_strtol(state.get("ups.delay.start") or "0"),
            )
        except KeyError:
            return ResultCode.CMD_NOT_SUPPORTED
        except ValueError as exc:
            log.warning("driver.instcmd_refused", name=name, value=value, error=str(exc))
            return ResultCode.FAILED
        reply = await self._exchange(wire)
        if not mt.command_succeeded(reply):
            log.warning("driver.instcmd_failed", name=name, reply=reply.decode("latin-1"))
            return ResultCode.FAILED
        self._data_changed = True  # nutdrv_qx then runs a full update
        return ResultCode.SUCCESS

    async def set_var(self, state: DeviceVars, name: str, value: str) -> str:
        return self._set_delay(state, name, value)

    async def close(self) -> None:
        await self.port.close()

    async def killpower(self) -> Sent:
        """nutdrv_qx -k: claim the UPS (Q1, I), take ondelay/offdelay, cancel a pending
        shutdown (C), then shutdown.return, or shutdown.stayoff with the ``stayoff``
        flag; each command is tried MAXTRIES times."""
        state = DeviceVars()
        await self.port.open()
        self._skip_queries()
        await self._claim(state)
        self._init_delays(state)
        if not await command_tries(lambda: self.instcmd(state, "shutdown.stop", None)):
            log.info("driver.killpower_nothing_pending")  # NUT: "No shutdown pending"
        name = "shutdown.stayoff" if "stayoff" in self._opt else "shutdown.return"
        if not await command_tries(lambda: self.instcmd(state, name, None)):
            raise KillPowerFailed(f"the UPS refused {name} {MAXTRIES} times (Shutdown failed!)")
        return Sent(name, f"Shutting down in {state.get('ups.delay.shutdown')} seconds")

    async def _exchange(self, request: bytes) -> bytes:
        return await self.link.exchange(request)

    async def _query(self, query: bytes) -> str:
        return await self.link.query(query)

    # -- start-up ----------------------------------------------------------------

    def _skip_queries(self) -> None:
        if "norating" in self._opt:
            self._skip.add(mt.F)
        if "novendor" in self._opt:
            self._skip.add(mt.I)

    async def _claim(self, state: DeviceVars) -> None:
        """blazer_claim: Q1 must give input.voltage and I ups.firmware (3 tries)."""
        for attempt in range(MAXTRIES):
            try:
                if await self._claim_once(state):
                    return
            except DriverError as exc:
                log.info("driver.claim_failed", attempt=attempt + 1, error=str(exc))
        raise DriverIOError(f"{self.device.name}: device not supported (no megatec reply)")

    async def _claim_once(self, state: DeviceVars) -> bool:
        text = await self._query(mt.Q1)
        voltage = mt.field_value(text, mt.Q1_FIELDS[0])
        if voltage is None:
            return False
        state.set("input.voltage", voltage)
        if mt.I in self._skip:
            return True
        firmware = mt.field_value(await self._query(mt.I), mt.I_FIELDS[2])
        if firmware is None:
            state.delete("input.voltage")
            return False
        state.set("ups.firmware", firmware)
        return True

    async def _init_walk(self, state: DeviceVars) -> None:
        """QX_WALKMODE_INIT: every variable not there yet; a query that fails is skipped for good."""
        text = await self._query(mt.Q1)  # the status bits must read, as in NUT
        self._put_fields(state, text, mt.Q1_FIELDS, only_new=True)
        bits = mt.status_bits(text)
        self._flags = self._apply_bits(state, bits, frozenset())
        for name, value in (("ups.type", mt.ups_type(bits)), ("ups.beeper.status", mt.beeper_status(bits))):
            if value is not None and state.get(name) is None:
                state.set(name, value)
        for query, fields in ((mt.F, mt.F_FIELDS), (mt.I, mt.I_FIELDS)):
            if query in self._skip:
                continue
            try:
                self._put_fields(state, await self._query(query), fields, only_new=True)
            except DriverError as exc:
                log.info("driver.query_skipped", query=query, error=str(exc))
                self._skip.add(query)

    def _init_delays(self, state: DeviceVars) -> None:
        for name, (option, (low, high), default) in _DELAYS.items():
            state.set(name, default)
            state.set_info(name, VarInfo(rw=True, ranges=((low, high),)))
            wanted = self.device.options.get(option)
            if wanted is not None and self._set_delay(state, name, wanted) != ResultCode.SUCCESS:
                raise DriverConfigError(f"{self.device.name}: {option} {wanted!r} out of range")

    def _init_battery(self, state: DeviceVars) -> None:
        """qx_initbattery: voltage limits, pack count, first charge, runtime estimate."""
        self._volt_high = float_var(state, "battery.voltage.high") if state.get("battery.voltage.high") else -1.0
        self._volt_low = float_var(state, "battery.voltage.low") if state.get("battery.voltage.low") else -1.0
        nominal = float_var(state, "battery.voltage.nominal") if state.get("battery.voltage.nominal") else -1.0
        if nominal != -1 and (self._volt_low == -1 or self._volt_high == -1):
            log.info("driver.battery_guesstimation", nominal=nominal)
            self._volt_low, self._volt_high = mt.default_voltage_limits(nominal)
            state.set("battery.voltage.low", f"{self._volt_low:.2f}")
            state.set("battery.voltage.high", f"{self._volt_high:.2f}")
        packs = state.get("battery.packs")
        if packs is not None and mt.is_number(packs):
            self._packs = mt.c_strtod(packs)
        elif nominal != -1 and state.get("battery.voltage") is not None:
            self._packs = mt.detect_packs(float_var(state, "battery.voltage"), nominal) or self._packs
        self._guess_charge(state)
        calibration = self.device.options.get("runtimecal")
        if calibration is not None:
            if state.get("battery.charge") is None and nominal != -1:
                # no charge from the voltage yet: assume it floats between nominal and +15 %
                self._volt_low, self._volt_high = nominal, 1.15 * nominal
                self._guess_charge(state)
            self._runtime = RuntimeEstimate.start(self.device, state, calibration)

    # -- updates -------------------------------------------------------------------

    async def _update(self, state: DeviceVars, *, full: bool) -> None:
        """One full or quick update; raises DriverError when NUT's walk fails."""
        text = await self._query(mt.Q1)
        flags = frozenset() if full else self._flags  # a full update clears ups_status
        if full:
            self._put_fields(state, text, mt.Q1_FIELDS)
        bits = mt.status_bits(text)
        flags = self._apply_bits(state, bits, flags)
        self._flags = flags
        if full:
            beeper = mt.beeper_status(bits)
            if beeper is not None:
                state.set("ups.beeper.status", beeper)
            found = mt.alarms(bits, flags)
            self._alarm_active = bool(found)
            if found:
                state.set("ups.alarm", " ".join(found))
            else:
                state.delete("ups.alarm")
            if self._runtime is not None:
                self._runtime.update(state, on_line="OL" in flags)
            else:
                self._guess_charge(state)
        words = " ".join(mt.status_words(flags))
        state.set("ups.status", f"ALARM {words}" if self._alarm_active else words)

    def _apply_bits(
        self, state: DeviceVars, bits: Mapping[str, bool | None], flags: frozenset[str]
    ) -> frozenset[str]:
        try:
            return mt.apply_status_bits(
                flags, bits,
                input_voltage=float_var(state, "input.voltage"),
                output_voltage=float_var(state, "output.voltage"),
                ignore_shutdown_bit="ignoresab" in self._opt,
            )
        except mt.ReplyError as exc:
            raise DriverIOError(str(exc)) from exc

    def _put_fields(
        self, state: DeviceVars, text: str, fields: tuple[mt.Field, ...], *, only_new: bool = False
    ) -> None:
        for field in fields:
            if only_new and state.get(field.name) is not None:
                continue
            value = mt.field_value(text, field)
            if value is None:
                continue
            if field.name == "battery.voltage":  # qx_multiply_battvolt
                value = f"{mt.c_strtod(value) * self._packs:.2f}"
            state.set(field.name, value)

    def _guess_charge(self, state: DeviceVars) -> None:
        """qx_battery: battery.charge from battery.voltage when limits are known."""
        if state.get("battery.voltage") is None:
            return
        actual = self._packs * float_var(state, "battery.voltage")
        charge = mt.guess_charge(actual, self._volt_low, self._volt_high)
        if charge is not None:
            state.set("battery.charge", charge)

    # -- variables -------------------------------------------------------------------

    def _set_delay(self, state: DeviceVars, name: str, value: str) -> str:
        """nutdrv_qx setvar for its server-side delays (NUT answers UNKNOWN on refusal)."""
        entry = _DELAYS.get(name.lower())
        if entry is None or not value:
            return ResultCode.UNKNOWN
        if value.lower() == (state.get(name) or "").lower():
            return ResultCode.SUCCESS
        _, (low, high), _ = entry
        if not mt.is_number(value) or not low <= mt.c_strtol(value) <= high:
            log.warning("driver.setvar_refused", name=name, value=value)
            return ResultCode.UNKNOWN
        seconds = mt.c_strtol(value)
        truncated = mt.truncate_ondelay(seconds) if name.lower() == "ups.delay.start" else mt.truncate_offdelay(seconds)
        state.set(name.lower(), str(truncated))
        return ResultCode.SUCCESS
