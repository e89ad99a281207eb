"""CyberPower (CPS) units over USB (NUT 2.8.0 cps-hid.c, "CyberPower HID 0.6")."""

from __future__ import annotations

import dataclasses
from types import MappingProxyType

from nutrio.protocol.devices.hid.descriptor import ReportDescriptor
from nutrio.protocol.devices.hid.hid2nut import (
    ABSENT,
    BEEPER,
    BOOST,
    CHARGING,
    CMD,
    DEFAULT_OFFDELAY,
    DEFAULT_ONDELAY,
    DISCHARGING,
    FULLYCHARGED,
    LOWBATT,
    NONE,
    ONLINE,
    OVERLOAD,
    SEMI,
    STRING_ID,
    TEST_READ,
    TIMELIMITEXPIRED,
    Conversion,
    Hid2Nut,
    Q,
    func_lookup,
)
from nutrio.protocol.devices.hid.subdriver import (
    DeviceInfo,
    Settings,
    Subdriver,
    UsbId,
    vendor_format,
)
from nutrio.protocol.devices.hid.usages import BATTERY_SYSTEM, POWER_DEVICE, UsageTable

__all__ = ["CPS"]

CPS_VENDOR = 0x0764
#: the range NUT gives voltages whose descriptor borrowed the transfer point's
_VOLTAGE_RANGE = (0, 511)
#: a battery reading this far above nominal is scaled by 2/3 (some 0x0501 units)
_BATTERY_SANITY = 1.4


def _might_scale(info: DeviceInfo) -> Settings:
    return MappingProxyType({"cps_might_scale": True})


def _battery_voltage(value: float, conv: Conversion) -> str | None:
    """cps_battvolt_fun: decide once, from the nominal voltage, whether to scale by 2/3."""
    scratch = conv.scratch
    if scratch.get("cps_might_scale") and not scratch.get("cps_scale_checked"):
        nominal = _strtod(conv.get("battery.voltage.nominal"))
        if nominal is not None and nominal != 0:
            if value / nominal > _BATTERY_SANITY:
                scratch["cps_scale"] = 2.0 / 3
            scratch["cps_scale_checked"] = True
    scale = scratch.get("cps_scale", 1.0)
    assert isinstance(scale, float)
    return f"{scale * value:.1f}"


def _strtod(text: str | None) -> float | None:
    """C strtod on a served value; None when there is no value at all."""
    if text is None:
        return None
    try:
        return float(text.split()[0]) if text.split() else 0.0
    except ValueError:
        return 0.0


def _battery_charge(value: float, conv: Conversion) -> str | None:
    """cps_battcharge_fun: some units report more than 100 %."""
    return f"{min(value, 100.0):.0f}"


_CPS_BATTVOLT = func_lookup(_battery_voltage)
_CPS_BATTCHARGE = func_lookup(_battery_charge)

_TABLE: tuple[Hid2Nut, ...] = (
    Hid2Nut("battery.type", "UPS.PowerSummary.iDeviceChemistry", "%s", NONE, STRING_ID),
    Hid2Nut("battery.mfr.date", "UPS.PowerSummary.iOEMInformation", "%s", NONE, STRING_ID),
    Hid2Nut("battery.charge.warning", "UPS.PowerSummary.WarningCapacityLimit", "%.0f"),
    Hid2Nut("battery.charge.low", "UPS.PowerSummary.RemainingCapacityLimit", "%.0f", SEMI, rw=True, string_len=10),
    Hid2Nut("battery.charge", "UPS.PowerSummary.RemainingCapacity", "%s", NONE, _CPS_BATTCHARGE),
    Hid2Nut("battery.runtime", "UPS.PowerSummary.RunTimeToEmpty", "%.0f"),
    Hid2Nut("battery.runtime.low", "UPS.PowerSummary.RemainingTimeLimit", "%.0f", SEMI, rw=True, string_len=10),
    Hid2Nut("battery.voltage.nominal", "UPS.PowerSummary.ConfigVoltage", "%.0f"),
    Hid2Nut("battery.voltage", "UPS.PowerSummary.Voltage", "%s", NONE, _CPS_BATTVOLT),
    Hid2Nut("ups.load", "UPS.Output.PercentLoad", "%.0f"),
    Hid2Nut("ups.beeper.status", "UPS.PowerSummary.AudibleAlarmControl", "%s", NONE, BEEPER),
    Hid2Nut("ups.test.result", "UPS.Output.Test", "%s", NONE, TEST_READ),
    Hid2Nut("ups.realpower.nominal", "UPS.Output.ConfigActivePower", "%.0f"),
    Hid2Nut("ups.delay.start", "UPS.Output.DelayBeforeStartup", DEFAULT_ONDELAY, ABSENT, rw=True, string_len=10),
    Hid2Nut("ups.delay.shutdown", "UPS.Output.DelayBeforeShutdown", DEFAULT_OFFDELAY, ABSENT, rw=True, string_len=10),
    Hid2Nut("ups.timer.start", "UPS.Output.DelayBeforeStartup", "%.0f", Q),
    Hid2Nut("ups.timer.shutdown", "UPS.Output.DelayBeforeShutdown", "%.0f", Q),
    Hid2Nut("ups.timer.reboot", "UPS.Output.DelayBeforeReboot", "%.0f", Q),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.ACPresent", None, Q, ONLINE),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.Charging", None, Q, CHARGING),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.Discharging", None, Q, DISCHARGING),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.BelowRemainingCapacityLimit", None, Q, LOWBATT),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.FullyCharged", None, NONE, FULLYCHARGED),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.RemainingTimeLimitExpired", None, NONE, TIMELIMITEXPIRED),
    Hid2Nut("BOOL", "UPS.Output.Boost", None, NONE, BOOST),
    Hid2Nut("BOOL", "UPS.Output.Overload", None, NONE, OVERLOAD),
    Hid2Nut("input.frequency", "UPS.Input.Frequency", "%.1f"),
    Hid2Nut("input.voltage.nominal", "UPS.Input.ConfigVoltage", "%.0f"),
    Hid2Nut("input.voltage", "UPS.Input.Voltage", "%.1f"),
    Hid2Nut("input.transfer.low", "UPS.Input.LowVoltageTransfer", "%.0f", SEMI, rw=True, string_len=10),
    Hid2Nut("input.transfer.high", "UPS.Input.HighVoltageTransfer", "%.0f", SEMI, rw=True, string_len=10),
    Hid2Nut("output.frequency", "UPS.Output.Frequency", "%.1f"),
    Hid2Nut("output.voltage", "UPS.Output.Voltage", "%.1f"),
    Hid2Nut("output.voltage.nominal", "UPS.Output.ConfigVoltage", "%.0f"),
    Hid2Nut("test.battery.start.quick", "UPS.Output.Test", "1", CMD),
    Hid2Nut("test.battery.start.deep", "UPS.Output.Test", "2", CMD),
    Hid2Nut("test.battery.stop", "UPS.Output.Test", "3", CMD),
    Hid2Nut("load.off.delay", "UPS.Output.DelayBeforeShutdown", DEFAULT_OFFDELAY, CMD),
    Hid2Nut("load.on.delay", "UPS.Output.DelayBeforeStartup", DEFAULT_ONDELAY, CMD),
    Hid2Nut("shutdown.stop", "UPS.Output.DelayBeforeShutdown", "-1", CMD),
    Hid2Nut("shutdown.reboot", "UPS.Output.DelayBeforeReboot", "10", CMD),
    Hid2Nut("beeper.on", "UPS.PowerSummary.AudibleAlarmControl", "2", CMD),
    Hid2Nut("beeper.off", "UPS.PowerSummary.AudibleAlarmControl", "3", CMD),
    Hid2Nut("beeper.enable", "UPS.PowerSummary.AudibleAlarmControl", "2", CMD),
    Hid2Nut("beeper.disable", "UPS.PowerSummary.AudibleAlarmControl", "1", CMD),
    Hid2Nut("beeper.mute", "UPS.PowerSummary.AudibleAlarmControl", "3", CMD),
)


def _fix_descriptor(desc: ReportDescriptor, info: DeviceInfo) -> ReportDescriptor:
    """cps_fix_report_desc: CP900EPFCLCD-like 0x0501 units give the output voltage (report 18)
    the high transfer point's range (report 16). NUT 2.8.0 says it fixes the input voltage
    (report 15) too, but leaves it as it is."""
    if (info.vendor_id, info.product_id) != (CPS_VENDOR, 0x0501):
        return desc
    hvt = desc.find_in_report(16, POWER_DEVICE["HighVoltageTransfer"])
    out = desc.find_in_report(18, POWER_DEVICE["Voltage"])
    if hvt is None or out is None:
        return desc
    if (hvt.logical_min, hvt.logical_max) != (out.logical_min, out.logical_max):
        return desc
    lo, hi = _VOLTAGE_RANGE
    fields = tuple(dataclasses.replace(f, logical_min=lo, logical_max=hi) if f is out else f
                   for f in desc.fields)
    return dataclasses.replace(desc, fields=fields)


CPS = Subdriver(
    name="CyberPower HID 0.6",
    short="cps",
    ids=(
        UsbId(CPS_VENDOR, 0x0005),
        UsbId(CPS_VENDOR, 0x0501, _might_scale),
        UsbId(CPS_VENDOR, 0x0601),
    ),
    usages=UsageTable(POWER_DEVICE, BATTERY_SYSTEM),
    table=_TABLE,
    format_mfr=vendor_format("CPS"),
    fix_descriptor=_fix_descriptor,
)
