"""Phoenixtec/Liebert units (many no-name ones) over USB (NUT 2.8.0 liebert-hid.c, "Phoenixtec/Liebert HID 0.41")."""

from __future__ import annotations

from nutrio.protocol.devices.hid.hid2nut import (
    CHARGING,
    DISCHARGING,
    LOWBATT,
    NONE,
    ONLINE,
    OVERLOAD,
    Q,
    SEMI,
    SHUTDOWNIMM,
    STATIC,
    STRING_ID,
    Hid2Nut,
)
from nutrio.protocol.devices.hid.subdriver import Subdriver, UsbId, vendor_format
from nutrio.protocol.devices.hid.usages import BATTERY_SYSTEM, POWER_DEVICE, UsageTable

__all__ = ["LIEBERT"]

_TABLE: tuple[Hid2Nut, ...] = (
    Hid2Nut("battery.voltage", "UPS.PowerSummary.Voltage", "%.2f"),
    Hid2Nut("battery.voltage.nominal", "UPS.PowerSummary.ConfigVoltage", "%.2f", STATIC),
    Hid2Nut("battery.charge", "UPS.PowerSummary.RemainingCapacity", "%.0f"),
    Hid2Nut("battery.runtime", "UPS.PowerSummary.RunTimeToEmpty", "%.0f"),
    Hid2Nut("battery.type", "UPS.PowerSummary.iDeviceChemistry", "%s", NONE, STRING_ID),
    Hid2Nut("ups.load", "UPS.PowerSummary.PercentLoad", "%.0f"),
    Hid2Nut("output.voltage", "UPS.PowerConverter.Output.Voltage", "%.1f"),
    Hid2Nut("output.frequency", "UPS.PowerConverter.Output.Frequency", "%.2f"),
    Hid2Nut("output.transfer.high", "UPS.PowerConverter.Output.HighVoltageTransfer", "%.1f", SEMI),
    Hid2Nut("output.transfer.low", "UPS.PowerConverter.Output.LowVoltageTransfer", "%.1f", SEMI),
    Hid2Nut("input.voltage", "UPS.PowerConverter.Input.[1].Voltage", "%.1f"),
    Hid2Nut("input.frequency", "UPS.PowerConverter.Input.[1].Frequency", "%.2f"),
    Hid2Nut("input.transfer.low", "UPS.PowerConverter.Output.ffff0057", "%.0f", SEMI),
    Hid2Nut("input.transfer.high", "UPS.PowerConverter.Output.ffff0058", "%.0f", SEMI),
    Hid2Nut("input.frequency.transfer.low", "UPS.PowerConverter.Output.ffff00f9", "%.0f", SEMI),
    Hid2Nut("input.frequency.transfer.high", "UPS.PowerConverter.Output.ffff00f8", "%.0f", SEMI),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.ACPresent", "%.0f", Q, ONLINE),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.BelowRemainingCapacityLimit", "%.0f", Q, LOWBATT),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.Charging", "%.0f", Q, CHARGING),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.Discharging", "%.0f", Q, DISCHARGING),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.Overload", "%.0f", NONE, OVERLOAD),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.ShutdownImminent", "%.0f", NONE, SHUTDOWNIMM),
)

LIEBERT = Subdriver(
    name="Phoenixtec/Liebert HID 0.41",
    short="liebert",
    ids=(
        UsbId(0x06DA, 0xFFFF),
    ),
    usages=UsageTable(POWER_DEVICE, BATTERY_SYSTEM),
    table=_TABLE,
    format_mfr=vendor_format("Liebert"),
)
