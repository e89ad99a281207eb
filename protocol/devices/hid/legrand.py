"""Legrand Keor units over USB (NUT 2.8.0 legrand-hid.c, "Legrand HID 0.2")."""

from __future__ import annotations

from nutrio.protocol.devices.hid.hid2nut import (
    ABSENT,
    CHARGING,
    CMD,
    DEFAULT_OFFDELAY,
    DEFAULT_ONDELAY,
    DISCHARGING,
    DIVIDE_BY_10,
    LOWBATT,
    NONE,
    ONLINE,
    OVERLOAD,
    Q,
    STATIC,
    Hid2Nut,
    Lookup,
    func_lookup,
)
from nutrio.protocol.devices.hid.subdriver import (
    Subdriver,
    UsbId,
    polled_only,
    vendor_format,
)
from nutrio.protocol.devices.hid.usages import BATTERY_SYSTEM, POWER_DEVICE, UsageTable

__all__ = ["LEGRAND"]

LEGRAND_VENDOR = 0x1CB0



def _times(factor: float) -> Lookup:
    """Legrand reports some values with a wrong unit exponent: NUT multiplies them back."""
    return func_lookup(lambda value, conv: f"{value * factor:0.1f}")


_LEGRAND_TIMES10_INFO = _times(10)
_LEGRAND_TIMES100K_INFO = _times(100000)
_LEGRAND_TIMES1M_INFO = _times(1000000)
_LEGRAND_TIMES10M_INFO = _times(10000000)

_TABLE: tuple[Hid2Nut, ...] = (
    Hid2Nut("input.voltage", "UPS.Input.Voltage", "%.0f"),
    Hid2Nut("input.voltage", "UPS.PowerConverter.Input.Voltage", "%.0f", NONE, _LEGRAND_TIMES1M_INFO),
    Hid2Nut("input.transfer.high", "UPS.Input.HighVoltageTransfer", "%.0f", STATIC),
    Hid2Nut("input.transfer.high", "UPS.PowerConverter.Output.HighVoltageTransfer", "%.0f", STATIC, _LEGRAND_TIMES10_INFO),
    Hid2Nut("input.transfer.low", "UPS.Input.LowVoltageTransfer", "%.0f", STATIC),
    Hid2Nut("input.transfer.low", "UPS.PowerConverter.Output.LowVoltageTransfer", "%.0f", STATIC),
    Hid2Nut("input.voltage.nominal", "UPS.Input.ConfigVoltage", "%.0f", STATIC),
    Hid2Nut("input.voltage.nominal", "UPS.Flow.ConfigVoltage", "%.0f", STATIC),
    Hid2Nut("battery.voltage.nominal", "UPS.PowerSummary.ConfigVoltage", "%.0f", STATIC, DIVIDE_BY_10),
    Hid2Nut("battery.voltage.nominal", "UPS.BatterySystem.Battery.ConfigVoltage", "%.0f", STATIC),
    Hid2Nut("battery.voltage", "UPS.PowerSummary.Voltage", "%.0f", NONE, DIVIDE_BY_10),
    Hid2Nut("battery.voltage", "UPS.BatterySystem.Battery.Voltage", "%.0f", NONE, _LEGRAND_TIMES100K_INFO),
    Hid2Nut("battery.charge", "UPS.PowerSummary.RemainingCapacity", "%.0f"),
    Hid2Nut("battery.runtime", "UPS.PowerSummary.RuntimeToEmpty", "%.0f"),
    Hid2Nut("battery.charge.warning", "UPS.PowerSummary.WarningCapacityLimit", "%.0f", STATIC),
    Hid2Nut("battery.charge.low", "UPS.PowerSummary.RemainingCapacityLimit", "%.0f", STATIC),
    Hid2Nut("output.voltage", "UPS.Output.Voltage", "%.0f"),
    Hid2Nut("output.voltage", "UPS.PowerConverter.Output.Voltage", "%.0f", NONE, _LEGRAND_TIMES10M_INFO),
    Hid2Nut("output.frequency", "UPS.Output.Frequency", "%.0f"),
    Hid2Nut("ups.load", "UPS.Output.PercentLoad", "%.0f"),
    Hid2Nut("ups.load", "UPS.OutletSystem.Outlet.PercentLoad", "%.0f"),
    Hid2Nut("ups.realpower.nominal", "UPS.Output.ConfigActivePower", "%.0f", STATIC),
    Hid2Nut("ups.realpower.nominal", "UPS.Flow.ConfigApparentPower", "%.0f", STATIC),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.ACPresent", None, Q, ONLINE),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.BelowRemainingCapacityLimit", None, Q, LOWBATT),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.Charging", None, Q, CHARGING),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.Discharging", None, Q, DISCHARGING),
    Hid2Nut("BOOL", "UPS.Output.Overload", None, Q, OVERLOAD),
    Hid2Nut("ups.delay.shutdown", "UPS.OutletSystem.Outlet.DelayBeforeShutdown", DEFAULT_OFFDELAY, ABSENT, rw=True, string_len=10),
    Hid2Nut("ups.delay.start", "UPS.OutletSystem.Outlet.DelayBeforeStartup", DEFAULT_ONDELAY, ABSENT, rw=True, string_len=10),
    Hid2Nut("ups.delay.shutdown", "UPS.Output.DelayBeforeShutdown", DEFAULT_OFFDELAY, ABSENT, rw=True, string_len=10),
    Hid2Nut("ups.delay.start", "UPS.Output.DelayBeforeStartup", DEFAULT_ONDELAY, ABSENT, rw=True, string_len=10),
    Hid2Nut("load.off.delay", "UPS.OutletSystem.Outlet.DelayBeforeShutdown", DEFAULT_OFFDELAY, CMD),
    Hid2Nut("load.on.delay", "UPS.OutletSystem.Outlet.DelayBeforeStartup", DEFAULT_ONDELAY, CMD),
    Hid2Nut("load.off.delay", "UPS.Output.DelayBeforeShutdown", DEFAULT_OFFDELAY, CMD),
    Hid2Nut("load.on.delay", "UPS.Output.DelayBeforeStartup", DEFAULT_ONDELAY, CMD),
    Hid2Nut("test.battery.start.quick", "UPS.BatterySystem.Battery.Test", "1", CMD),
    Hid2Nut("test.battery.start.deep", "UPS.BatterySystem.Battery.Test", "2", CMD),
    Hid2Nut("test.battery.stop", "UPS.BatterySystem.Battery.Test", "3", CMD),
    Hid2Nut("test.battery.start.quick", "UPS.Output.Test", "1", CMD),
    Hid2Nut("test.battery.start.deep", "UPS.Output.Test", "2", CMD),
    Hid2Nut("test.battery.stop", "UPS.Output.Test", "3", CMD),
    Hid2Nut("beeper.enable", "UPS.PowerSummary.AudibleAlarmControl", "2", CMD),
    Hid2Nut("beeper.disable", "UPS.PowerSummary.AudibleAlarmControl", "3", CMD),
)

LEGRAND = Subdriver(
    name="Legrand HID 0.2",
    short="legrand",
    ids=(
        UsbId(LEGRAND_VENDOR, 0x0038, polled_only),  # Keor PDU
        UsbId(LEGRAND_VENDOR, 0x0032, polled_only),  # Keor SP
    ),
    usages=UsageTable(POWER_DEVICE, BATTERY_SYSTEM),
    table=_TABLE,
    format_mfr=vendor_format("Legrand"),
)
