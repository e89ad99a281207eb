"""Powervar units over USB (NUT 2.8.0 powervar-hid.c, "Powervar HID 0.20")."""

from __future__ import annotations

from types import MappingProxyType

from nutrio.protocol.devices.hid.hid2nut import (
    CHARGING,
    DEPLETED,
    DISCHARGING,
    FULLYCHARGED,
    LOWBATT,
    NONE,
    ONLINE,
    OVERHEAT,
    OVERLOAD,
    Q,
    REPLACEBATT,
    SHUTDOWNIMM,
    STRING_ID,
    TIMELIMITEXPIRED,
    YES_NO,
    Hid2Nut,
)
from nutrio.protocol.devices.hid.subdriver import Subdriver, UsbId, vendor_format
from nutrio.protocol.devices.hid.usages import BATTERY_SYSTEM, POWER_DEVICE, UsageTable, page

__all__ = ["POWERVAR"]

_USAGES = page("ff000001:POWERVAR1")

_TABLE: tuple[Hid2Nut, ...] = (
    Hid2Nut("battery.type", "UPS.PowerSummary.iDeviceChemistry", "%s", NONE, STRING_ID),
    Hid2Nut("battery.charge", "UPS.PowerSummary.RemainingCapacity", "%.0f"),
    Hid2Nut("battery.capacity", "UPS.PowerSummary.FullChargeCapacity", "%.0f"),
    Hid2Nut("battery.runtime", "UPS.PowerSummary.RuntimeToEmpty", "%.0f"),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.ACPresent", None, Q, ONLINE),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.Discharging", None, Q, DISCHARGING),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.Charging", None, Q, CHARGING),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.ShutdownImminent", None, NONE, SHUTDOWNIMM),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.BelowRemainingCapacityLimit", None, NONE, LOWBATT),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.Overload", None, NONE, OVERLOAD),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.NeedReplacement", None, NONE, REPLACEBATT),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.RemainingTimeLimitExpired", None, NONE, TIMELIMITEXPIRED),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.InternalFailure", None, NONE, YES_NO),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.Good", None, NONE, YES_NO),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.OverTemperature", None, NONE, OVERHEAT),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.FullyCharged", None, NONE, FULLYCHARGED),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.FullyDischarged", None, NONE, DEPLETED),
)

POWERVAR = Subdriver(
    name="Powervar HID 0.20",
    short="powervar",
    ids=(
        UsbId(0x4234, 0x0002),
    ),
    usages=UsageTable(_USAGES, POWER_DEVICE, BATTERY_SYSTEM),
    table=_TABLE,
    #: NUT sets this in its claim: the HID interface is number 1
    settings=MappingProxyType({"interface": 1}),
    format_mfr=vendor_format("Powervar"),
)
