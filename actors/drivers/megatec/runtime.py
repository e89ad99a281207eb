"""nutdrv_qx's runtimecal estimate of battery charge and runtime."""

from __future__ import annotations

import trio

from nutrio.actors.drivers.base import DeviceLike
from nutrio.actors.drivers.errors import DriverConfigError
from nutrio.protocol.devices import megatec as mt
from nutrio.protocol.devices.dummy.devfile import DeviceVars


class RuntimeEstimate:
    """nutdrv_qx's runtimecal guesstimation: charge and runtime from time on battery.

    On line the estimate refills over ``chargetime`` seconds (default 43200);
    on battery it drains at the effective load, never below ``idleload``.
    """

    def __init__(self, cal: mt.RuntimeCal, estimate: float, charge_time: float, idle: float) -> None:
        self.cal, self.estimate = cal, estimate
        self.charge_time, self.idle = charge_time, idle
        self.load_eff = 1.0
        self.last = trio.current_time()

    @classmethod
    def start(cls, device: DeviceLike, state: DeviceVars, text: str) -> RuntimeEstimate:
        try:
            cal = mt.RuntimeCal.parse(text)
        except ValueError as exc:
            raise DriverConfigError(f"{device.name}: {exc}") from exc
        charge = state.get("battery.charge")
        if charge is None:
            raise DriverConfigError(f"{device.name}: initial battery charge undetermined")
        charge_time = mt.c_strtol(device.options.get("chargetime", "43200"))
        if charge_time <= 0:
            raise DriverConfigError(f"{device.name}: charge time out of range [1..s]")
        idle = mt.c_strtod(device.options.get("idleload", "10")) / 100
        if not 0 < idle <= 1:
            raise DriverConfigError(f"{device.name}: idle load out of range [0..100]")
        return cls(cal, cal.nominal * mt.c_strtod(charge) / 100, charge_time, idle)

    def update(self, state: DeviceVars, *, on_line: bool) -> None:
        now = trio.current_time()
        elapsed, self.last = now - self.last, now
        if on_line:
            self.estimate = min(self.cal.nominal, self.estimate + self.cal.nominal * elapsed / self.charge_time)
        else:
            self.estimate = max(0.0, self.estimate - self.load_eff * elapsed)
        state.set("battery.charge", f"{100 * self.estimate / self.cal.nominal:.0f}")
        load = state.get("ups.load")
        if load is not None:
            self.load_eff = self.cal.effective_load(mt.c_strtod(load), self.idle)
            state.set("battery.runtime", f"{self.estimate / self.load_eff:.0f}")
