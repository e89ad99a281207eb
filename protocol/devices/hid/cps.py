"""CyberPower (CPS) units over USB (NUT's cps-hid.c as of 2.8.0)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from nutrio.protocol.devices.hid.descriptor import HidField, ReportDescriptor
from nutrio.protocol.devices.hid.hid2nut import (
    BEEPER,
    BOOST,
    CHARGING,
    DATE,
    DEFAULT_OFFDELAY,
    DEFAULT_ONDELAY,
    DISCHARGING,
    FULLYCHARGED,
    KELVIN_CELSIUS,
    LOWBATT,
    ONLINE,
    OVERLOAD,
    STRING_ID,
    TEST_READ,
    TIMELIMITEXPIRED,
    Conversion,
    Hid2Nut,
    HuFlag,
    enum_lookup,
    func_lookup,
)
from nutrio.protocol.devices.hid.subdriver import DeviceInfo, ItemString, Subdriver
from nutrio.protocol.devices.hid.usages import BATTERY_SYSTEM, POWER_DEVICE, UsageTable

__all__ = ["CPS"]

CPS_VENDOR = 0x0764
_VOLTAGE = 0x00840030
_HIGH_VOLTAGE_TRANSFER = 0x00840054
#: the range NUT puts on voltages whose descriptor borrowed the transfer point's
_VOLTAGE_RANGE = (0, 511)
#: a battery reading this far above nominal is scaled by 2/3 (some 0x0501 units)
_BATTERY_SANITY = 1.4


def _battery_voltage(value: float, conv: Conversion) -> str | None:
    """cps_battvolt_fun: decide once, from the nominal voltage, whether to scale by 2/3."""
    scratch = conv.scratch
    if scratch.get("might_scale") and not scratch.get("scale_checked"):
        nominal = conv.get("battery.voltage.nominal")
        try:
            nominal_v = float(nominal) if nominal is not None else 0.0
        except ValueError:
            nominal_v = 0.0
        if nominal_v:
            if value / nominal_v > _BATTERY_SANITY:
                scratch["scale"] = 2.0 / 3
            scratch["scale_checked"] = True
    scale = scratch.get("scale", 1.0)
    assert isinstance(scale, float)
    return f"{scale * value:.1f}"


_BATTVOLT = func_lookup(_battery_voltage)
_SENSITIVITY = enum_lookup((0, "low"), (1, "normal"), (2, "high"))
_USAGES: Mapping[str, int] = MappingProxyType({
    "CPSFirmwareVersion": 0xFF0100D0, "CPSInputSensitivity": 0xFF010043,
})

_RW: dict[str, Any] = {"rw": True, "string_len": 10}
Q, SEMI, ABSENT, CMD = HuFlag.QUICK_POLL, HuFlag.SEMI_STATIC, HuFlag.ABSENT, HuFlag.CMD
PS, OUT = "UPS.PowerSummary", "UPS.Output"

_TABLE: tuple[Hid2Nut, ...] = (
    Hid2Nut("battery.type", f"{PS}.iDeviceChemistry", "%s", lookup=STRING_ID),
    Hid2Nut("battery.mfr.date", "UPS.Battery.ManufacturerDate", "%s", SEMI, DATE, **_RW),
    Hid2Nut("battery.mfr.date", f"{PS}.iOEMInformation", "%s", lookup=STRING_ID),
    Hid2Nut("battery.charge.warning", f"{PS}.WarningCapacityLimit", "%.0f"),
    Hid2Nut("battery.charge.low", f"{PS}.RemainingCapacityLimit", "%.0f", SEMI, **_RW),
    Hid2Nut("battery.charge", f"{PS}.RemainingCapacity", "%.0f"),
    Hid2Nut("battery.runtime", f"{PS}.RunTimeToEmpty", "%.0f"),
    Hid2Nut("battery.runtime.low", f"{PS}.RemainingTimeLimit", "%.0f", SEMI, **_RW),
    Hid2Nut("battery.voltage.nominal", f"{PS}.ConfigVoltage", "%.0f"),
    Hid2Nut("battery.voltage", f"{PS}.Voltage", "%s", lookup=_BATTVOLT),
    Hid2Nut("ups.load", f"{OUT}.PercentLoad", "%.0f"),
    Hid2Nut("ups.beeper.status", f"{PS}.AudibleAlarmControl", "%s", lookup=BEEPER),
    Hid2Nut("ups.test.result", f"{OUT}.Test", "%s", lookup=TEST_READ),
    Hid2Nut("ups.power", f"{OUT}.ApparentPower", "%.0f"),
    Hid2Nut("ups.power.nominal", f"{OUT}.ConfigApparentPower", "%.0f"),
    Hid2Nut("ups.realpower", f"{OUT}.ActivePower", "%.0f"),
    Hid2Nut("ups.realpower.nominal", f"{OUT}.ConfigActivePower", "%.0f"),
    Hid2Nut("ups.delay.start", f"{OUT}.DelayBeforeStartup", DEFAULT_ONDELAY, ABSENT, **_RW),
    Hid2Nut("ups.delay.shutdown", f"{OUT}.DelayBeforeShutdown", DEFAULT_OFFDELAY, ABSENT, **_RW),
    Hid2Nut("ups.timer.start", f"{OUT}.DelayBeforeStartup", "%.0f", Q),
    Hid2Nut("ups.timer.shutdown", f"{OUT}.DelayBeforeShutdown", "%.0f", Q),
    Hid2Nut("ups.timer.reboot", f"{OUT}.DelayBeforeReboot", "%.0f", Q),
    Hid2Nut("ups.firmware", f"{PS}.CPSFirmwareVersion", "%s", HuFlag.STATIC, STRING_ID),
    Hid2Nut("ups.temperature", f"{PS}.Temperature", "%s", lookup=KELVIN_CELSIUS),
    Hid2Nut("BOOL", f"{PS}.PresentStatus.ACPresent", None, Q, ONLINE),
    Hid2Nut("BOOL", f"{PS}.PresentStatus.Charging", None, Q, CHARGING),
    Hid2Nut("BOOL", f"{PS}.PresentStatus.Discharging", None, Q, DISCHARGING),
    Hid2Nut("BOOL", f"{PS}.PresentStatus.BelowRemainingCapacityLimit", None, Q, LOWBATT),
    Hid2Nut("BOOL", f"{PS}.PresentStatus.FullyCharged", None, HuFlag.NONE, FULLYCHARGED),
    Hid2Nut("BOOL", f"{PS}.PresentStatus.RemainingTimeLimitExpired", None, HuFlag.NONE,
            TIMELIMITEXPIRED),
    Hid2Nut("BOOL", f"{OUT}.Boost", None, HuFlag.NONE, BOOST),
    Hid2Nut("BOOL", f"{OUT}.Overload", None, HuFlag.NONE, OVERLOAD),
    Hid2Nut("input.frequency", "UPS.Input.Frequency", "%.1f"),
    Hid2Nut("input.voltage.nominal", "UPS.Input.ConfigVoltage", "%.0f"),
    Hid2Nut("input.voltage", "UPS.Input.Voltage", "%.1f"),
    Hid2Nut("input.transfer.low", "UPS.Input.LowVoltageTransfer", "%.0f", SEMI, **_RW),
    Hid2Nut("input.transfer.high", "UPS.Input.HighVoltageTransfer", "%.0f", SEMI, **_RW),
    Hid2Nut("input.transfer.low", f"{OUT}.LowVoltageTransfer", "%.0f", SEMI, **_RW),
    Hid2Nut("input.transfer.high", f"{OUT}.HighVoltageTransfer", "%.0f", SEMI, **_RW),
    Hid2Nut("input.sensitivity", f"{OUT}.CPSInputSensitivity", "%s",
            SEMI | HuFlag.ENUM, _SENSITIVITY, rw=True, string_len=0),
    Hid2Nut("output.frequency", f"{OUT}.Frequency", "%.1f"),
    Hid2Nut("output.voltage", f"{OUT}.Voltage", "%.1f"),
    Hid2Nut("output.voltage.nominal", f"{OUT}.ConfigVoltage", "%.0f"),
    Hid2Nut("test.battery.start.quick", f"{OUT}.Test", "1", CMD),
    Hid2Nut("test.battery.start.deep", f"{OUT}.Test", "2", CMD),
    Hid2Nut("test.battery.stop", f"{OUT}.Test", "3", CMD),
    Hid2Nut("load.off.delay", f"{OUT}.DelayBeforeShutdown", DEFAULT_OFFDELAY, CMD),
    Hid2Nut("load.on.delay", f"{OUT}.DelayBeforeStartup", DEFAULT_ONDELAY, CMD),
    Hid2Nut("shutdown.stop", f"{OUT}.DelayBeforeShutdown", "-1", CMD),
    Hid2Nut("shutdown.reboot", f"{OUT}.DelayBeforeReboot", "10", CMD),
    Hid2Nut("beeper.on", f"{PS}.AudibleAlarmControl", "2", CMD),
    Hid2Nut("beeper.off", f"{PS}.AudibleAlarmControl", "3", CMD),
    Hid2Nut("beeper.enable", f"{PS}.AudibleAlarmControl", "2", CMD),
    Hid2Nut("beeper.disable", f"{PS}.AudibleAlarmControl", "1", CMD),
    Hid2Nut("beeper.mute", f"{PS}.AudibleAlarmControl", "3", CMD),
)


def _find(desc: ReportDescriptor, report_id: int, usage: int) -> HidField | None:
    """FindObject_with_ID_Node: the field of that report whose path ends in ``usage``."""
    return next((f for f in desc.fields if f.report_id == report_id and f.path[-1:] == (usage,)), None)


def _fix_descriptor(desc: ReportDescriptor, info: DeviceInfo, disabled: bool) -> ReportDescriptor:
    """cps_fix_report_desc: CP900EPFCLCD-like units give the output (report 0x12) and input
    (0x0f) voltages the high transfer point's logical range (report 0x10); NUT widens them."""
    if disabled or info.vendor_id != CPS_VENDOR or info.product_id not in (0x0501, 0x0601):
        return desc
    hvt = _find(desc, 0x10, _HIGH_VOLTAGE_TRANSFER)
    out = _find(desc, 0x12, _VOLTAGE)
    if hvt is None or out is None:
        return desc
    bad = (hvt.logical_min, hvt.logical_max)
    if (out.logical_min, out.logical_max) != bad:
        return desc
    fixed = {id(out)}
    inp = _find(desc, 0x0F, _VOLTAGE)
    if inp is not None and (inp.logical_min, inp.logical_max) == bad:
        fixed.add(id(inp))
    lo, hi = _VOLTAGE_RANGE
    fields = tuple(
        dataclasses.replace(f, logical_min=lo, logical_max=hi) if id(f) in fixed else f
        for f in desc.fields
    )
    return dataclasses.replace(desc, fields=fields)


def _describe(info: DeviceInfo, item_string: ItemString) -> Mapping[str, str | None]:
    return {"ups.mfr": info.vendor or "CPS", "ups.model": info.product, "ups.serial": info.serial}


CPS = Subdriver(
    name="CyberPower HID 0.6",
    devices=MappingProxyType({
        CPS_VENDOR: frozenset({0x0005, 0x0501, 0x0601}),
    }),
    usages=UsageTable(_USAGES, POWER_DEVICE, BATTERY_SYSTEM),
    table=_TABLE,
    describe=_describe,
    fix_descriptor=_fix_descriptor,
    quirks=lambda info: MappingProxyType(
        {"might_scale": info.vendor_id == CPS_VENDOR and info.product_id == 0x0501}
    ),
)
