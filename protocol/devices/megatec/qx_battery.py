"""nutdrv_qx's battery.charge and battery.runtime guesses (qx_initbattery, qx_battery, qx_load).

How it works: with no charge from the UPS, nutdrv_qx guesses it from the
battery voltage, linear between battery.voltage.low and .high (guessed from
the nominal voltage when neither the UPS nor ups.conf gives them). With
``runtimecal`` it instead keeps a runtime estimate: on line it refills over
``chargetime`` seconds, on battery it drains at the load's effective rate
(never below ``idleload``), and NUT 2.8.0 pulls it down to what the voltage
says when the battery looks emptier than the estimate (an aging battery).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from nutrio.protocol.common.cnum import c_atoi, c_strtod
from nutrio.protocol.devices.dummy.devfile import DeviceVars
from nutrio.protocol.devices.megatec.battery import RuntimeCal, default_voltage_limits, detect_packs
from nutrio.protocol.devices.megatec.qx_errors import QxConfigError

__all__ = ["Battery", "BatteryConfigError"]

GetVal = Callable[[str], "str | None"]
Note = Callable[..., None]


class BatteryConfigError(QxConfigError):
    """A ups.conf battery setting NUT refuses at start-up (its fatalx message)."""


def _number(state: DeviceVars, name: str) -> float | None:
    text = state.get(name)
    return None if text is None else c_strtod(text)


@dataclass(slots=True)
class Battery:
    """nutdrv_qx's batt and load globals; -1 means "not known"."""

    packs: float = 1.0
    runtime_act: float = -1.0
    runtime_nom: float = -1.0
    runtime_est: float = 0.0
    runtime_exp: float = 0.0
    volt_act: float = -1.0
    volt_high: float = -1.0
    volt_nom: float = -1.0
    volt_low: float = -1.0
    charge_act: float = -1.0
    charge_time: int = 43200
    load_low: float = 0.1
    load_eff: float = 1.0
    lastpoll: float = 0.0
    runtimecal: bool = False

    def guess_charge(self, state: DeviceVars) -> bool:
        """qx_battery: the actual voltage, and battery.charge from it when not known yet."""
        volts = _number(state, "battery.voltage")
        if volts is None:
            return False
        self.volt_act = self.packs * volts
        if self.charge_act == -1 and self.volt_low > 0 and self.volt_high > self.volt_low:
            charge = 100 * (self.volt_act - self.volt_low) / (self.volt_high - self.volt_low)
            self.charge_act = min(100.0, max(0.0, charge))
            state.set("battery.charge", f"{self.charge_act:.0f}")
        return True

    def effective_load(self, state: DeviceVars) -> bool:
        """qx_load: how fast the battery drains at ups.load, never below the idle load."""
        load = _number(state, "ups.load")
        if load is None:
            return False
        self.load_eff = max(float((load / 100) ** self.runtime_exp), self.load_low)
        return True

    def init(self, state: DeviceVars, getval: GetVal, note: Note, now: float) -> None:
        """qx_initbattery, once after the first walk. Raises BatteryConfigError."""
        if state.get("battery.charge") is not None and state.get("battery.runtime") is not None:
            return
        for name, attr in (("high", "volt_high"), ("low", "volt_low"), ("nominal", "volt_nom")):
            value = _number(state, f"battery.voltage.{name}")
            if value is not None:
                setattr(self, attr, value)
        if self.volt_nom != -1 and (self.volt_low == -1 or self.volt_high == -1):
            note("driver.battery_guesstimation", nominal=self.volt_nom)
            self.volt_low, self.volt_high = default_voltage_limits(self.volt_nom)
            state.set("battery.voltage.low", f"{self.volt_low:.2f}")
            state.set("battery.voltage.high", f"{self.volt_high:.2f}")
        self._init_packs(state, note)
        self.guess_charge(state)
        text = getval("runtimecal")
        if text is None:
            return
        self._init_runtime(state, getval, text, now)

    def _init_packs(self, state: DeviceVars, note: Note) -> None:
        packs = state.get("battery.packs")
        if packs is not None and all(ch in "0123456789 ." for ch in packs):
            self.packs = c_strtod(packs)
            return
        # this first reading guesses the charge with one pack, as NUT does
        if self.guess_charge(state) and self.volt_nom != -1:
            found = detect_packs(self.volt_act, self.volt_nom)
            if found is not None:
                self.packs = found
                return
        note("driver.battery_packs_unknown", nominal=self.volt_nom, actual=self.volt_act)

    def _init_runtime(self, state: DeviceVars, getval: GetVal, text: str, now: float) -> None:
        self.lastpoll = now
        try:
            cal = RuntimeCal.parse(text)
        except ValueError as exc:
            raise BatteryConfigError(str(exc)) from None
        self.runtimecal = True
        self.runtime_exp, self.runtime_nom = cal.exponent, cal.nominal
        charge = state.get("battery.charge")
        if charge is None and self.volt_nom != -1:
            # no charge from the voltage yet: assume it floats between nominal and +15 %
            self.volt_low, self.volt_high = self.volt_nom, 1.15 * self.volt_nom
            if not self.guess_charge(state):
                raise BatteryConfigError("Initial battery charge undetermined")
            charge = state.get("battery.charge")
        if charge is None:
            raise BatteryConfigError("Initial battery charge undetermined")
        self.runtime_est = self.runtime_nom * c_strtod(charge) / 100
        chargetime = getval("chargetime")
        if chargetime is not None:
            self.charge_time = c_atoi(chargetime)
            if self.charge_time <= 0:
                raise BatteryConfigError("Charge time out of range [1..s]")
        idleload = getval("idleload")
        if idleload is not None:
            self.load_low = c_strtod(idleload) / 100
            if not 0 < self.load_low <= 1:
                raise BatteryConfigError("Idle load out of range [0..100]")

    def after_full_update(self, state: DeviceVars, on_line: bool, now: float) -> None:
        """The end of a full walk: battery.charge/runtime when the UPS gave neither."""
        if self.runtime_act != -1 and self.charge_act != -1:
            return
        if not self.runtimecal:
            self.guess_charge(state)
            return
        elapsed = now - self.lastpoll
        if on_line:
            refill = self.runtime_nom * elapsed / self.charge_time
            self.runtime_est = min(self.runtime_nom, self.runtime_est + refill)
        else:
            self.runtime_est = max(0.0, self.runtime_est - self.load_eff * elapsed)
        self._age_correction(state)
        if self.charge_act == -1:
            state.set("battery.charge", f"{100 * self.runtime_est / self.runtime_nom:.0f}")
        if self.runtime_act == -1 and self.effective_load(state):
            state.set("battery.runtime", f"{self.runtime_est / self.load_eff:.0f}")
        self.lastpoll = now

    def _age_correction(self, state: DeviceVars) -> None:
        """NUT 2.8.0: an estimate above what the voltage says drops to the voltage's value."""
        volts = _number(state, "battery.voltage")
        if volts is None:
            return
        self.volt_act = self.packs * volts
        if self.volt_act > 0 and self.volt_low > 0 and self.volt_high > self.volt_low:
            level = (self.volt_act - self.volt_low) / (self.volt_high - self.volt_low)
            level = min(1.0, max(0.0, level))
            if level < self.runtime_est / self.runtime_nom:
                self.runtime_est = level * self.runtime_nom
