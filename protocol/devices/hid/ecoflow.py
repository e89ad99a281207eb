"""EcoFlow power stations over USB (NUT 2.8.3 ecoflow-hid.c, "EcoFlow HID 0.01").

Not in NUT 2.8.0: there is no 2.8.0 usbhid-ups to compare it with; it is NUT 2.8.3's
table, asked after delta_ups as 2.8.3 asks it (no 2.8.0 subdriver knows its vendor).
"""

from __future__ import annotations

from nutrio.protocol.devices.hid.hid2nut import (
    BEEPER,
    CHARGING,
    COMMFAULT,
    DATE,
    DEPLETED,
    DISCHARGING,
    FULLYCHARGED,
    LOWBATT,
    NOBATTERY,
    NONE,
    ONLINE,
    OVERLOAD,
    Q,
    REPLACEBATT,
    SEMI,
    SHUTDOWNIMM,
    STATIC,
    STRING_ID,
    TIMELIMITEXPIRED,
    Conversion,
    Hid2Nut,
    func_lookup,
)
from nutrio.protocol.devices.hid.subdriver import Subdriver, UsbId, vendor_format
from nutrio.protocol.devices.hid.usages import BATTERY_SYSTEM, POWER_DEVICE, UsageTable

__all__ = ["ECOFLOW"]

ECOFLOW_VENDOR = 0x3746


def _runtime(value: float, conv: Conversion) -> str | None:
    """The unit reports minutes; negative means unknown (not served)."""
    return f"{value * 60.0:.0f}" if value >= 0 else None


_ECOFLOW_RUNTIME_CONVERSION_LKP = func_lookup(_runtime)

_TABLE: tuple[Hid2Nut, ...] = (
    Hid2Nut("ups.beeper.status", "UPS.PowerSummary.AudibleAlarmControl", "%s", Q, BEEPER),
    Hid2Nut("ups.power.nominal", "UPS.Flow.[4].ConfigActivePower", "%.0f", STATIC),
    Hid2Nut("battery.voltage.nominal", "UPS.PowerSummary.ConfigVoltage", "%.1f", SEMI),
    Hid2Nut("ups.timer.reboot", "UPS.OutletSystem.Outlet.DelayBeforeReboot", "%.0f", Q),
    Hid2Nut("ups.timer.shutdown", "UPS.OutletSystem.Outlet.DelayBeforeShutdown", "%.0f", Q),
    Hid2Nut("battery.capacity.nominal", "UPS.PowerSummary.DesignCapacity", "%.0f", SEMI),
    Hid2Nut("battery.capacity", "UPS.PowerSummary.FullChargeCapacity", "%.0f", SEMI),
    Hid2Nut("battery.type", "UPS.PowerSummary.iDeviceChemistry", "%s", STATIC, STRING_ID),
    Hid2Nut("experimental.ups.powersummary.ioeminformation", "UPS.PowerSummary.iOEMInformation", "%s", STATIC, STRING_ID),
    Hid2Nut("ups.mfr.date", "UPS.PowerSummary.ManufacturerDate", "%s", NONE, DATE),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.ACPresent", None, Q, ONLINE),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.BatteryPresent", None, Q, NOBATTERY),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.BelowRemainingCapacityLimit", None, Q, LOWBATT),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.CommunicationLost", None, Q, COMMFAULT),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.Charging", None, Q, CHARGING),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.Discharging", None, Q, DISCHARGING),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.FullyCharged", None, Q, FULLYCHARGED),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.FullyDischarged", None, Q, DEPLETED),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.NeedReplacement", None, Q, REPLACEBATT),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.Overload", None, Q, OVERLOAD),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.RemainingTimeLimitExpired", None, Q, TIMELIMITEXPIRED),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.ShutdownImminent", None, Q, SHUTDOWNIMM),
    Hid2Nut("experimental.ups.powersummary.presentstatus.shutdownrequested", "UPS.PowerSummary.PresentStatus.ShutdownRequested", "%.0f"),
    Hid2Nut("experimental.ups.powersummary.presentstatus.voltagenotregulated", "UPS.PowerSummary.PresentStatus.VoltageNotRegulated", "%.0f"),
    Hid2Nut("experimental.ups.powersummary.rechargeable", "UPS.PowerSummary.Rechargeable", "%.0f"),
    Hid2Nut("battery.charge", "UPS.PowerSummary.RemainingCapacity", "%.0f", Q),
    Hid2Nut("battery.charge.low", "UPS.PowerSummary.RemainingCapacityLimit", "%.0f", SEMI, rw=True, string_len=5),
    Hid2Nut("battery.runtime.low", "UPS.PowerSummary.RemainingTimeLimit", "%.0f", SEMI),
    Hid2Nut("battery.runtime", "UPS.PowerSummary.RunTimeToEmpty", "%.0f", Q, _ECOFLOW_RUNTIME_CONVERSION_LKP),
    Hid2Nut("battery.voltage", "UPS.PowerSummary.Voltage", "%.1f", Q),
    Hid2Nut("battery.charge.warning", "UPS.PowerSummary.WarningCapacityLimit", "%.0f", SEMI),
)

ECOFLOW = Subdriver(
    name="EcoFlow HID 0.01",
    short="ecoflow",
    ids=(UsbId(ECOFLOW_VENDOR, 0xFFFF),),
    usages=UsageTable(POWER_DEVICE, BATTERY_SYSTEM),
    table=_TABLE,
    format_mfr=vendor_format("EcoFlow"),
    later="2.8.3",
)
