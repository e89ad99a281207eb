"""What NUT 2.8.0's upscode2 keeps between a unit's answers, and what it makes of them.

How it works: an update clears the status bits, then each (code, value) pair of the
``UPDS`` answer (and, each full update, of ``UPDV`` and ``UPBS``) goes through
:meth:`UpsCodeReading.take`: a variable is set, a number kept, a status bit raised.
:meth:`UpsCodeReading.finish` then works out what the unit does not say itself: the
phases (once), ups.load, battery.charge, battery.runtime and ups.status. NUT computes
in single-precision floats; so does this module (:func:`f32`), so the printed digits
agree.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Iterable

import structlog

from nutrio.protocol.common.cnum import c_scan_float
from nutrio.protocol.devices.dummy.devfile import DeviceVars, status_join
from nutrio.protocol.devices.upscode2.tables import (
    SIMPLE,
    STATUS_WORDS,
    SUBLISTS,
    Code,
    Kind,
    Status,
)

__all__ = ["UpsCodeReading", "f32", "scan_float"]

log = structlog.get_logger()

#: battery current readings averaged for the charge estimate
HISTORY = 60
#: Fiskars UPS9000 models: three phases out, but NUT keeps the single-phase power factor
_FISKARS_9000 = ("UPS9075", "UPS9100", "UPS9150", "UPS9200", "UPS9250", "UPS9300", "UPS9400",
                 "UPS9500", "UPS9600")


def f32(value: float) -> float:
    """``value`` as a C float holds it."""
    try:
        return float(struct.unpack("f", struct.pack("f", value))[0])
    except OverflowError:
        return math.copysign(math.inf, value)


def scan_float(text: str) -> float | None:
    """``sscanf(text, "%f")``: the leading number as a C float, None when there is none."""
    number = c_scan_float(text)
    return None if number is None else f32(number)


def _number(state: DeviceVars, name: str) -> float | None:
    text = state.get(name)
    return None if text is None else scan_float(text)


class UpsCodeReading:
    """One unit's kept numbers (NUT's static variables) and the status of an update."""

    def __init__(self) -> None:
        self.status = Status(0)
        self.batt_volt_low = self.batt_volt_nom = self.batt_volt_high = self.batt_volt = 0.0
        self.batt_cap_nom = self.batt_charge = self.batt_current = -1.0
        self.batt_disch_curr_max = 0.0
        self.batt_runtime = self.batt_runtime_max = -1.0
        self.nom_out_current = self.max_out_current = -1.0
        self.outpwr_factor = 1000.0
        self.history: list[float] = []
        self.next_slot = 0
        self.phases_known = False
        self.out_phases = 1
        self.renamed: dict[str, str] = {}

    # -- one answer ---------------------------------------------------------------

    def take(self, state: DeviceVars, table: Iterable[Code], code: str, value: str) -> bool | None:
        """One (code, value) pair: True when it ends the answer, False when not,
        None when the table has no such code."""
        entry = next((c for c in table if c.code == code), None)
        if entry is None:
            return None
        var = self.renamed.get(entry.var, entry.var) if entry.var else None
        match entry.kind:
            case Kind.KEEP:
                number = scan_float(value)
                if number is None:
                    log.error("upscode2.bad_float", code=code, value=value)
                    number = 0.0
                if var:
                    state.set(var, f"{number:.2f}")
                setattr(self, entry.keep or "", number)
            case Kind.VALUE | Kind.FINAL if var:
                self._value(state, entry, var, value)
            case Kind.STRING | Kind.FINAL_STRING if var:
                state.set(var, value)
            case Kind.STATUS | Kind.ALARM:
                if value == "11":
                    self.status |= entry.status
                elif value != "00":
                    log.error("upscode2.unknown_status", code=code, value=value)
            case Kind.LIST:
                if self.take(state, SUBLISTS[entry.sublist or ""], value, "11") is None:
                    log.error("upscode2.unknown_value", code=code, value=value)
        return entry.kind in (Kind.FINAL, Kind.FINAL_STRING)

    def _value(self, state: DeviceVars, entry: Code, var: str, value: str) -> None:
        number = scan_float(value)
        if number is None:
            log.error("upscode2.bad_float", code=entry.code, value=value)
            state.set(var, value)
            return
        if entry.scale == "kilo":
            number = f32(number * 1000.0)
        elif entry.scale == "outpwr":
            number = f32(number * self.outpwr_factor)
        state.set(var, f"{number:.2f}")

    # -- the end of an update -----------------------------------------------------

    def finish(self, state: DeviceVars) -> None:
        """Phases (once), load, charge, runtime and ups.status, as NUT's update ends."""
        if not self.phases_known:
            self._phases(state)
        load = self.load(state)
        if load >= 0:
            state.set("ups.load", f"{f32(load * 100):.1f}")
        if self.batt_charge < 0:
            if self.batt_current < 0:  # discharging: the charging history starts over
                self.history.clear()
                self.next_slot = 0
            self.batt_charge = self.charge_estimate()
        if self.batt_charge >= 0:
            state.set("battery.charge", f"{self.batt_charge:.1f}")
        else:
            state.delete("battery.charge")
        self._runtime(state, load)
        self.batt_charge = self.batt_runtime = -1.0  # some units say these on battery only
        if not self.status & Status.ONBATT:
            self.status |= Status.ONLINE
        state.set("ups.status", status_join(w for bit, w in STATUS_WORDS if self.status & bit))

    def _phases(self, state: DeviceVars) -> None:
        if any(state.get(f"input.L3-{x}.voltage") is not None for x in ("L1", "N")):
            inputs = 3
            for old in ("input.current", "input.realpower", "input.power"):
                self._rename(state, old, old.replace(".", ".L1.", 1))
            self._rename(state, "input.voltage", "input.L1-N.voltage")
        else:
            inputs = 1
        if any(state.get(f"output.L3-{x}.voltage") is not None for x in ("L1", "N")):
            self.out_phases = 3
            if (state.get("ups.model") or "").startswith(_FISKARS_9000):
                log.info("upscode2.fiskars_9000")
                self.batt_volt_nom = 384.0
                state.set("battery.voltage.nominal", "384")
            else:
                self.outpwr_factor = f32(self.outpwr_factor * 3)
            for old in ("output.current", "output.current.peak", "output.realpower",
                        "output.power"):
                self._rename(state, old, old.replace(".", ".L1.", 1))
            self._rename(state, "output.voltage", "output.L1-N.voltage")
        state.set("input.phases", str(inputs))
        state.set("output.phases", str(self.out_phases))
        self.phases_known = True

    def _rename(self, state: DeviceVars, old: str, new: str) -> None:
        """NUT's change_name: later UPDS values go to ``new``; the current one moves."""
        if not any(c.var == old for c in SIMPLE):
            return
        self.renamed[old] = new
        value = state.get(old)
        if value is not None:
            state.set(new, value)
        state.delete(old)

    def load(self, state: DeviceVars) -> float:
        """calc_upsload: the highest share of a nominal, or -1 when none is known."""
        load = -1.0
        most = self.nom_out_current if self.nom_out_current > 0 else self.max_out_current
        if most > 0:
            first = "output.L1.current" if state.get("output.L1.current") is not None \
                else "output.current"
            for n, name in enumerate((first, "output.L2.current", "output.L3.current")):
                current = _number(state, name)
                if current is not None and (n == 0 or f32(current / most) > load):
                    load = f32(current / most)
        power = _number(state, "ups.power.nominal")
        if power is not None and power > 0:
            load = self._shares(state, "power", power, load)
        realpower = _number(state, "output.realpower.nominal")
        if realpower is not None and realpower >= 0:
            load = self._shares(state, "realpower", realpower, load)
        return load

    def _shares(self, state: DeviceVars, kind: str, nominal: float, load: float) -> float:
        """Each phase's share of the nominal (all phases together): published, and the
        highest share kept as the load."""
        for n in (1, 2, 3):
            value = _number(state, f"output.L{n}.{kind}")
            if value is not None:
                part = f32(value / f32(nominal / self.out_phases))
                load = max(load, part)
                state.set(f"output.L{n}.{kind}.percent", f"{f32(part * 100):.1f}")
        return load

    def charge_estimate(self) -> float:
        """batt_charge_pct: from the charging current's average, else from the voltage
        between the unit's limits; -1 when neither is known."""
        if self.batt_current >= 0:
            if len(self.history) < HISTORY:
                self.history.append(self.batt_current)
            else:
                self.history[self.next_slot] = self.batt_current
            self.next_slot = (self.next_slot + 1) % HISTORY
            average = 0.0
            for current in self.history:
                average = f32(average + current)
            average = f32(average / len(self.history))
            most = f32(self.batt_cap_nom * 0.3) if self.batt_cap_nom > 0 else 10.0
            charge = f32(f32(most - average) * f32(100 / most))
        elif self.batt_volt_low > 0 and self.batt_volt_high > 0 and self.batt_volt > 0:
            if self.batt_volt > self.batt_volt_high:
                charge = 100.0
            elif self.batt_volt < self.batt_volt_low:
                charge = 0.0
            else:
                charge = f32(f32(self.batt_volt - self.batt_volt_low)
                             / f32(self.batt_volt_high - self.batt_volt_low))
                charge = f32(charge * 100)
        else:
            return -1.0
        return min(max(charge, 0.0), 100.0)

    def _runtime(self, state: DeviceVars, load: float) -> None:
        if 0 <= self.batt_runtime < 9999:  # 9999: the unit does not know
            state.set("battery.runtime", f"{f32(self.batt_runtime * 60):.0f}")
        elif load > 0 and self.batt_disch_curr_max != 0:
            current = f32(load * abs(self.batt_disch_curr_max))
            # Peukert's law, as NUT estimates it
            runtime = f32(f32(self.batt_cap_nom * 3600) / math.pow(current, 1.35))
            if self.batt_runtime_max > 0 and runtime > f32(self.batt_runtime_max * 60):
                runtime = f32(self.batt_runtime_max * 60)
            state.set("battery.runtime", f"{runtime:.0f}")
        elif self.batt_runtime_max > 0:
            state.set("battery.runtime", f"{f32(self.batt_runtime_max * 60):.0f}")
        else:
            state.delete("battery.runtime")
