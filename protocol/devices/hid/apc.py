"""APC Back-UPS / Smart-UPS over USB (NUT 2.8.0 apc-hid.c, "APC HID 0.98")."""

from __future__ import annotations

import dataclasses
from types import MappingProxyType

from nutrio.protocol.devices.hid.descriptor import ReportDescriptor
from nutrio.protocol.devices.hid.hid2nut import (
    ABSENT,
    BEEPER,
    CHARGING,
    CMD,
    DATE,
    DEFAULT_OFFDELAY,
    DEFAULT_ONDELAY,
    DISCHARGING,
    KELVIN_CELSIUS,
    LOWBATT,
    NOBATTERY,
    NONE,
    ONLINE,
    OVERLOAD,
    REPLACEBATT,
    SEMI,
    SHUTDOWNIMM,
    STRING_ID,
    TEST_READ,
    TIMELIMITEXPIRED,
    Conversion,
    Hid2Nut,
    Q,
    enum_lookup,
    func_lookup,
)
from nutrio.protocol.devices.hid.subdriver import (
    DescribeIO,
    DeviceInfo,
    Settings,
    Subdriver,
    UsbId,
    polled_only,
    vendor_format,
)
from nutrio.protocol.devices.hid.usages import BATTERY_SYSTEM, POWER_DEVICE, UsageTable, page

__all__ = ["APC"]

APC_VENDOR = 0x051D

_USAGES = page("""
    ff860005:APCGeneralCollection ff860006:APCEnvironment ff860007:APCProbe1
    ff860008:APCProbe2 ff860016:APCBattReplaceDate ff860019:APCBattCapBeforeStartup
    ff860042:APC_UPS_FirmwareRevision ff860052:APCLineFailCause ff860060:APCStatusFlag
    ff860061:APCSensitivity ff860072:APCPanelTest ff860076:APCShutdownAfterDelay
    ff860079:APC_USB_FirmwareRevision ff86007c:APCDelayBeforeReboot
    ff86007d:APCDelayBeforeShutdown ff86007e:APCDelayBeforeStartup 00850058:BUPHibernate
    00860012:BUPBattCapBeforeStartup 00860076:BUPDelayBeforeStartup 00860010:BUPSelfTest
""")

#: Back-UPS models whose firmware overflows on some reports: NUT asks for short reports
_MAX_REPORT_PRODUCTS = ("Back-UPS ES 525", "Back-UPS CS")


def _apc_check(info: DeviceInfo) -> Settings:
    """general_apc_check: the max report size tweak for the models above."""
    product = info.product or ""
    return MappingProxyType({"max_report": any(product.startswith(p) for p in _MAX_REPORT_PRODUCTS)})



def _apc_date(value: float, conv: Conversion) -> str | None:
    """APC writes dates as hex digits read as decimal: 0x102202 is 2002/10/22."""
    v = int(value)
    if v == 0:
        return "not set"
    year = (v & 0xF) + 10 * ((v >> 4) & 0xF)
    month = ((v >> 16) & 0xF) + 10 * ((v >> 20) & 0xF)
    day = ((v >> 8) & 0xF) + 10 * ((v >> 12) & 0xF)
    year += 1900 if year >= 70 else 2000
    return f"{year:04d}/{month:02d}/{day:02d}"


def _apc_date_back(text: str | None, conv: Conversion) -> float:
    if text is None:
        return 0
    try:
        year, month, day = (int(part) for part in text.split("/")[:3])
    except ValueError:
        return 0
    if year >= 2070 or month > 12 or day > 31:
        return 0
    year %= 100
    date = ((year // 10 & 0x0F) << 4) + year % 10
    date += ((month // 10 & 0x0F) << 20) + ((month % 10) << 16)
    date += ((day // 10 & 0x0F) << 12) + ((day % 10) << 8)
    return float(date)


_APC_DATE_CONVERSION = func_lookup(_apc_date, _apc_date_back)
#: seen on a Back-UPS LS 500: 8 normal, 16 briefly at power-on
_APCSTATUSFLAG_INFO = enum_lookup((8, "!off"), (16, "!off"), (0, "off"))
_APC_LINEFAILCAUSE_VRANGE_INFO = enum_lookup(
    (1, "vrange"), (2, "vrange"), (4, "vrange"), (8, "vrange"), (9, "vrange"), (0, "!vrange")
)
_APC_LINEFAILCAUSE_FRANGE_INFO = enum_lookup((7, "frange"), (0, "!frange"))
_APC_SENSITIVITY_INFO = enum_lookup((0, "low"), (1, "medium"), (2, "high"))

_TABLE: tuple[Hid2Nut, ...] = (
    Hid2Nut("battery.charge", "UPS.PowerSummary.RemainingCapacity", "%.0f"),
    Hid2Nut("battery.charge.low", "UPS.PowerSummary.RemainingCapacityLimit", "%.0f", SEMI, rw=True, string_len=10),
    Hid2Nut("battery.charge.warning", "UPS.PowerSummary.WarningCapacityLimit", "%.0f"),
    Hid2Nut("battery.runtime", "UPS.Battery.RunTimeToEmpty", "%.0f"),
    Hid2Nut("battery.runtime", "UPS.PowerSummary.RunTimeToEmpty", "%.0f"),
    Hid2Nut("battery.runtime.low", "UPS.Battery.RemainingTimeLimit", "%.0f", SEMI, rw=True, string_len=10),
    Hid2Nut("battery.runtime.low", "UPS.PowerSummary.RemainingTimeLimit", "%.0f", SEMI, rw=True, string_len=10),
    Hid2Nut("battery.voltage", "UPS.Battery.Voltage", "%.1f"),
    Hid2Nut("battery.voltage", "UPS.PowerSummary.Voltage", "%.1f"),
    Hid2Nut("battery.voltage.nominal", "UPS.Battery.ConfigVoltage", "%.1f"),
    Hid2Nut("battery.voltage.nominal", "UPS.PowerSummary.ConfigVoltage", "%.1f"),
    Hid2Nut("battery.temperature", "UPS.Battery.Temperature", "%s", NONE, KELVIN_CELSIUS),
    Hid2Nut("battery.type", "UPS.PowerSummary.iDeviceChemistry", "%s", NONE, STRING_ID),
    Hid2Nut("battery.mfr.date", "UPS.Battery.ManufacturerDate", "%s", SEMI, DATE, rw=True, string_len=10),
    Hid2Nut("battery.mfr.date", "UPS.PowerSummary.APCBattReplaceDate", "%s", NONE, _APC_DATE_CONVERSION),
    Hid2Nut("battery.date", "UPS.Battery.APCBattReplaceDate", "%s", NONE, _APC_DATE_CONVERSION),
    Hid2Nut("ups.load", "UPS.Output.PercentLoad", "%.1f"),
    Hid2Nut("ups.load", "UPS.PowerConverter.PercentLoad", "%.0f"),
    Hid2Nut("ups.delay.start", "UPS.PowerSummary.DelayBeforeStartup", DEFAULT_ONDELAY, ABSENT, rw=True, string_len=10),
    Hid2Nut("ups.delay.shutdown", "UPS.PowerSummary.DelayBeforeShutdown", DEFAULT_OFFDELAY, ABSENT, rw=True, string_len=10),
    Hid2Nut("ups.timer.start", "UPS.PowerSummary.DelayBeforeStartup", "%.0f", Q),
    Hid2Nut("ups.timer.shutdown", "UPS.PowerSummary.DelayBeforeShutdown", "%.0f", Q),
    Hid2Nut("ups.timer.reboot", "UPS.PowerSummary.DelayBeforeReboot", "%.0f", Q),
    Hid2Nut("ups.delay.start", "UPS.Output.DelayBeforeStartup", DEFAULT_ONDELAY, ABSENT, rw=True, string_len=10),
    Hid2Nut("ups.delay.shutdown", "UPS.Output.DelayBeforeShutdown", DEFAULT_OFFDELAY, ABSENT, rw=True, string_len=10),
    Hid2Nut("ups.timer.start", "UPS.Output.DelayBeforeStartup", "%.0f", Q),
    Hid2Nut("ups.timer.shutdown", "UPS.Output.DelayBeforeShutdown", "%.0f", Q),
    Hid2Nut("ups.timer.reboot", "UPS.Output.DelayBeforeReboot", "%.0f", Q),
    Hid2Nut("ups.delay.start", "UPS.APCGeneralCollection.APCDelayBeforeStartup", DEFAULT_ONDELAY, ABSENT, rw=True, string_len=10),
    Hid2Nut("ups.delay.shutdown", "UPS.APCGeneralCollection.APCDelayBeforeShutdown", DEFAULT_OFFDELAY, ABSENT, rw=True, string_len=10),
    Hid2Nut("ups.timer.start", "UPS.APCGeneralCollection.APCDelayBeforeStartup", "%.0f", Q),
    Hid2Nut("ups.timer.shutdown", "UPS.APCGeneralCollection.APCDelayBeforeShutdown", "%.0f", Q),
    Hid2Nut("ups.timer.reboot", "UPS.APCGeneralCollection.APCDelayBeforeReboot", "%.0f", Q),
    Hid2Nut("ups.test.result", "UPS.Battery.Test", "%s", NONE, TEST_READ),
    Hid2Nut("ups.beeper.status", "UPS.PowerSummary.AudibleAlarmControl", "%s", NONE, BEEPER),
    Hid2Nut("ups.mfr.date", "UPS.ManufacturerDate", "%s", NONE, DATE),
    Hid2Nut("ups.mfr.date", "UPS.PowerSummary.ManufacturerDate", "%s", NONE, DATE),
    Hid2Nut("ups.realpower.nominal", "UPS.PowerConverter.ConfigActivePower", "%.0f"),
    Hid2Nut("ups.realpower.nominal", "UPS.Output.ConfigActivePower", "%.0f"),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.ACPresent", None, Q, ONLINE),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.Discharging", None, Q, DISCHARGING),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.Charging", None, Q, CHARGING),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.ShutdownImminent", None, NONE, SHUTDOWNIMM),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.BelowRemainingCapacityLimit", None, Q, LOWBATT),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.Overload", None, NONE, OVERLOAD),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.NeedReplacement", None, NONE, REPLACEBATT),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.RemainingTimeLimitExpired", None, NONE, TIMELIMITEXPIRED),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.BatteryPresent", None, NONE, NOBATTERY),
    Hid2Nut("BOOL", "UPS.PowerSummary.Charging", None, Q, CHARGING),
    Hid2Nut("BOOL", "UPS.PowerSummary.Discharging", None, Q, DISCHARGING),
    Hid2Nut("BOOL", "UPS.PowerSummary.ACPresent", None, Q, ONLINE),
    Hid2Nut("BOOL", "UPS.PowerSummary.BelowRemainingCapacityLimit", None, Q, LOWBATT),
    Hid2Nut("BOOL", "UPS.PowerSummary.ShutdownImminent", None, NONE, SHUTDOWNIMM),
    Hid2Nut("BOOL", "UPS.PowerSummary.APCStatusFlag", None, Q, _APCSTATUSFLAG_INFO),
    Hid2Nut("BOOL", "UPS.Input.APCLineFailCause", None, NONE, _APC_LINEFAILCAUSE_VRANGE_INFO),
    Hid2Nut("BOOL", "UPS.Input.APCLineFailCause", None, NONE, _APC_LINEFAILCAUSE_FRANGE_INFO),
    Hid2Nut("input.voltage", "UPS.Input.Voltage", "%.1f"),
    Hid2Nut("input.voltage.nominal", "UPS.Input.ConfigVoltage", "%.0f"),
    Hid2Nut("input.transfer.low", "UPS.Output.LowVoltageTransfer", "%.0f", SEMI, rw=True, string_len=10),
    Hid2Nut("input.transfer.high", "UPS.Output.HighVoltageTransfer", "%.0f", SEMI, rw=True, string_len=10),
    Hid2Nut("input.transfer.low", "UPS.Input.LowVoltageTransfer", "%.0f", SEMI, rw=True, string_len=10),
    Hid2Nut("input.transfer.high", "UPS.Input.HighVoltageTransfer", "%.0f", SEMI, rw=True, string_len=10),
    Hid2Nut("input.sensitivity", "UPS.Input.APCSensitivity", "%s", SEMI, _APC_SENSITIVITY_INFO, rw=True, string_len=10),
    Hid2Nut("output.voltage", "UPS.Output.Voltage", "%.1f"),
    Hid2Nut("output.voltage.nominal", "UPS.Output.ConfigVoltage", "%.1f"),
    Hid2Nut("output.current", "UPS.Output.Current", "%.2f"),
    Hid2Nut("output.frequency", "UPS.Output.Frequency", "%.1f"),
    Hid2Nut("ambient.temperature", "UPS.APCEnvironment.APCProbe1.Temperature", "%s", NONE, KELVIN_CELSIUS),
    Hid2Nut("ambient.humidity", "UPS.APCEnvironment.APCProbe1.Humidity", "%.1f"),
    Hid2Nut("test.battery.start.quick", "UPS.BatterySystem.Battery.Test", "1", CMD),
    Hid2Nut("test.battery.start.quick", "UPS.Battery.Test", "1", CMD),
    Hid2Nut("test.battery.start.deep", "UPS.BatterySystem.Battery.Test", "2", CMD),
    Hid2Nut("test.battery.start.deep", "UPS.Battery.Test", "2", CMD),
    Hid2Nut("test.battery.stop", "UPS.BatterySystem.Battery.Test", "3", CMD),
    Hid2Nut("test.battery.stop", "UPS.Battery.Test", "3", CMD),
    Hid2Nut("test.panel.start", "UPS.APCPanelTest", "1", CMD),
    Hid2Nut("test.panel.stop", "UPS.APCPanelTest", "0", CMD),
    Hid2Nut("test.panel.start", "UPS.PowerSummary.APCPanelTest", "1", CMD),
    Hid2Nut("test.panel.stop", "UPS.PowerSummary.APCPanelTest", "0", CMD),
    Hid2Nut("load.off.delay", "UPS.PowerSummary.DelayBeforeShutdown", DEFAULT_OFFDELAY, CMD),
    Hid2Nut("load.on.delay", "UPS.PowerSummary.DelayBeforeStartup", DEFAULT_ONDELAY, CMD),
    Hid2Nut("shutdown.stop", "UPS.PowerSummary.DelayBeforeShutdown", "-1", CMD),
    Hid2Nut("shutdown.reboot", "UPS.PowerSummary.DelayBeforeReboot", "10", CMD),
    Hid2Nut("load.off.delay", "UPS.Output.DelayBeforeShutdown", DEFAULT_OFFDELAY, CMD),
    Hid2Nut("load.on.delay", "UPS.Output.DelayBeforeStartup", DEFAULT_ONDELAY, CMD),
    Hid2Nut("shutdown.stop", "UPS.Output.DelayBeforeShutdown", "-1", CMD),
    Hid2Nut("shutdown.reboot", "UPS.Output.DelayBeforeReboot", "10", CMD),
    Hid2Nut("load.off.delay", "UPS.APCGeneralCollection.APCDelayBeforeShutdown", DEFAULT_OFFDELAY, CMD),
    Hid2Nut("load.on.delay", "UPS.APCGeneralCollection.APCDelayBeforeStartup", DEFAULT_ONDELAY, CMD),
    Hid2Nut("shutdown.stop", "UPS.APCGeneralCollection.APCDelayBeforeShutdown", "-1", CMD),
    Hid2Nut("shutdown.reboot", "UPS.APCGeneralCollection.APCDelayBeforeReboot", "10", CMD),
    Hid2Nut("shutdown.return", "UPS.Output.APCDelayBeforeReboot", "1", CMD),
    Hid2Nut("beeper.on", "UPS.PowerSummary.AudibleAlarmControl", "2", CMD),
    Hid2Nut("beeper.off", "UPS.PowerSummary.AudibleAlarmControl", "3", CMD),
    Hid2Nut("beeper.enable", "UPS.PowerSummary.AudibleAlarmControl", "2", CMD),
    Hid2Nut("beeper.disable", "UPS.PowerSummary.AudibleAlarmControl", "1", CMD),
    Hid2Nut("beeper.mute", "UPS.PowerSummary.AudibleAlarmControl", "3", CMD),
)


def _model(info: DeviceInfo, io: DescribeIO) -> str | None:
    """apc_format_model: "Back-UPS XS 1000M FW:... USB FW:..." splits into model and firmware
    (NUT cuts one character before each marker)."""
    model = (info.product or "unknown")[:63]
    fw_at = model.find("FW:")
    if fw_at < 0:
        return model
    firmware = model[fw_at + 3:]
    model = model[: max(fw_at - 1, 0)]
    usb_at = firmware.find("USB FW:")
    if usb_at >= 0:
        io.set("ups.firmware.aux", firmware[usb_at + 7:])
        firmware = firmware[: max(usb_at - 1, 0)]
    io.set("ups.firmware", firmware)
    return model


def _fix_descriptor(desc: ReportDescriptor, info: DeviceInfo) -> ReportDescriptor:
    """apc_fix_report_desc: a Back-UPS XS 1400U in a 230 V region gives UPS.Input.Voltage
    (report 0x31) and ConfigVoltage (0x30) a range below the high transfer point (0x33)."""
    if (info.vendor_id, info.product_id) != (APC_VENDOR, 0x0002):
        return desc
    hvt = desc.find_in_report(0x33, POWER_DEVICE["HighVoltageTransfer"])
    if hvt is None:
        return desc
    ranges: dict[int, tuple[int, int]] = {}  # id(field) -> new logical range
    voltage = desc.find_in_report(0x31, POWER_DEVICE["Voltage"])
    if voltage is not None and hvt.logical_max > voltage.logical_max:
        ranges[id(voltage)] = (0, hvt.logical_max * 2)
    config = desc.find_in_report(0x30, POWER_DEVICE["ConfigVoltage"])
    if config is not None and hvt.logical_max > config.logical_max:
        ranges[id(config)] = (config.logical_min, 255)
    if not ranges:
        return desc
    fields = tuple(
        dataclasses.replace(f, logical_min=ranges[id(f)][0], logical_max=ranges[id(f)][1])
        if id(f) in ranges else f
        for f in desc.fields
    )
    return dataclasses.replace(desc, fields=fields)


APC = Subdriver(
    name="APC HID 0.98",
    short="apc",
    ids=(
        UsbId(APC_VENDOR, 0x0000),
        UsbId(APC_VENDOR, 0x0002, _apc_check),
        UsbId(APC_VENDOR, 0x0003, polled_only),
    ),
    usages=UsageTable(_USAGES, POWER_DEVICE, BATTERY_SYSTEM),
    table=_TABLE,
    format_mfr=vendor_format("APC"),
    format_model=_model,
    fix_descriptor=_fix_descriptor,
)
