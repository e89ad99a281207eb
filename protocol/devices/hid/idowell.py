"""iDowell units over USB (NUT 2.8.0 idowell-hid.c, "iDowell HID 0.2")."""

from __future__ import annotations

from nutrio.protocol.devices.hid.hid2nut import (
    ABSENT,
    CHARGING,
    CMD,
    COMMFAULT,
    DEFAULT_OFFDELAY,
    DEFAULT_ONDELAY,
    DISCHARGING,
    LOWBATT,
    NONE,
    OFF,
    ONLINE,
    OVERLOAD,
    Q,
    REPLACEBATT,
    SHUTDOWNIMM,
    STATIC,
    STRING_ID,
    Hid2Nut,
)
from nutrio.protocol.devices.hid.subdriver import Subdriver, UsbId, vendor_format
from nutrio.protocol.devices.hid.usages import BATTERY_SYSTEM, POWER_DEVICE, UsageTable

__all__ = ["IDOWELL"]

_TABLE: tuple[Hid2Nut, ...] = (
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.ACPresent", None, Q, ONLINE),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.BelowRemainingCapacityLimit", None, Q, LOWBATT),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.Charging", None, Q, CHARGING),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.CommunicationLost", None, NONE, COMMFAULT),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.Discharging", None, Q, DISCHARGING),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.Good", None, NONE, OFF),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.InternalFailure", None, NONE, COMMFAULT),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.NeedReplacement", None, NONE, REPLACEBATT),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.Overload", None, NONE, OVERLOAD),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.ShutdownImminent", None, NONE, SHUTDOWNIMM),
    Hid2Nut("battery.charge", "UPS.PowerSummary.RemainingCapacity", "%.0f"),
    Hid2Nut("battery.charge.low", "UPS.PowerSummary.RemainingCapacityLimit", "%.0f", STATIC),
    Hid2Nut("battery.runtime", "UPS.PowerSummary.RunTimeToEmpty", "%.0f"),
    Hid2Nut("battery.type", "UPS.PowerSummary.iDeviceChemistry", "%s", STATIC, STRING_ID),
    Hid2Nut("ups.delay.start", "UPS.PowerSummary.DelayBeforeStartup", DEFAULT_ONDELAY, ABSENT, rw=True, string_len=10),
    Hid2Nut("ups.delay.shutdown", "UPS.PowerSummary.DelayBeforeShutdown", DEFAULT_OFFDELAY, ABSENT, rw=True, string_len=10),
    Hid2Nut("ups.timer.start", "UPS.PowerSummary.DelayBeforeStartup", "%.0f", Q),
    Hid2Nut("ups.timer.shutdown", "UPS.PowerSummary.DelayBeforeShutdown", "%.0f", Q),
    Hid2Nut("ups.load", "UPS.PowerSummary.PercentLoad", "%.0f"),
    Hid2Nut("ups.power.nominal", "UPS.Flow.[4].ConfigApparentPower", "%.0f", STATIC),
    Hid2Nut("input.transfer.high", "UPS.PowerConverter.Output.HighVoltageTransfer", "%.0f", STATIC),
    Hid2Nut("input.transfer.low", "UPS.PowerConverter.Output.LowVoltageTransfer", "%.0f", STATIC),
    Hid2Nut("output.voltage", "UPS.PowerConverter.Output.Voltage", "%.1f"),
    Hid2Nut("output.voltage.nominal", "UPS.Flow.[4].ConfigVoltage", "%.0f", STATIC),
    Hid2Nut("output.frequency.nominal", "UPS.Flow.[4].ConfigFrequency", "%.0f", STATIC),
    Hid2Nut("load.off.delay", "UPS.PowerSummary.DelayBeforeShutdown", DEFAULT_OFFDELAY, CMD),
    Hid2Nut("load.on.delay", "UPS.PowerSummary.DelayBeforeStartup", DEFAULT_ONDELAY, CMD),
    Hid2Nut("shutdown.stop", "UPS.PowerSummary.DelayBeforeShutdown", "-1", CMD),
)

IDOWELL = Subdriver(
    name="iDowell HID 0.2",
    short="idowell",
    ids=(
        UsbId(0x075D, 0x0300),
    ),
    usages=UsageTable(POWER_DEVICE, BATTERY_SYSTEM),
    table=_TABLE,
    format_mfr=vendor_format("iDowell"),
)
