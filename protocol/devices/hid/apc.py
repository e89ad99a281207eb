"""APC Back-UPS / Smart-UPS over USB (NUT's apc-hid.c)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from nutrio.protocol.devices.hid.hid2nut import (
    BEEPER,
    CHARGING,
    DATE,
    DEFAULT_OFFDELAY,
    DEFAULT_ONDELAY,
    DISCHARGING,
    KELVIN_CELSIUS,
    LOWBATT,
    NOBATTERY,
    ONLINE,
    OVERLOAD,
    REPLACEBATT,
    SHUTDOWNIMM,
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

__all__ = ["APC"]

APC_VENDOR = 0x051D

_APC_USAGES: Mapping[str, int] = MappingProxyType({
    "APCGeneralCollection": 0xFF860005, "APCEnvironment": 0xFF860006, "APCProbe1": 0xFF860007,
    "APCProbe2": 0xFF860008, "APCBattReplaceDate": 0xFF860016,
    "APCBattCapBeforeStartup": 0xFF860019, "APC_UPS_FirmwareRevision": 0xFF860042,
    "APCLineFailCause": 0xFF860052, "APCStatusFlag": 0xFF860060, "APCSensitivity": 0xFF860061,
    "APCPanelTest": 0xFF860072, "APCShutdownAfterDelay": 0xFF860076,
    "APC_USB_FirmwareRevision": 0xFF860079, "APCDelayBeforeReboot": 0xFF86007C,
    "APCDelayBeforeShutdown": 0xFF86007D, "APCDelayBeforeStartup": 0xFF86007E,
    "BUPHibernate": 0x00850058, "BUPBattCapBeforeStartup": 0x00860012,
    "BUPDelayBeforeStartup": 0x00860076, "BUPSelfTest": 0x00860010,
})


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


_APC_DATE = func_lookup(_apc_date)
#: seen on a Back-UPS LS 500: 8 normal, 16 briefly at power-on
_STATUS_FLAG = enum_lookup((8, "!off"), (16, "!off"), (0, "off"))
_LINEFAIL_VRANGE = enum_lookup(
    (1, "vrange"), (2, "vrange"), (4, "vrange"), (8, "vrange"), (9, "vrange"), (0, "!vrange")
)
_LINEFAIL_FRANGE = enum_lookup((7, "frange"), (0, "!frange"))
_SENSITIVITY = enum_lookup((0, "low"), (1, "medium"), (2, "high"))

_RW: dict[str, Any] = {"rw": True, "string_len": 10}
Q, SEMI, ABSENT, CMD = HuFlag.QUICK_POLL, HuFlag.SEMI_STATIC, HuFlag.ABSENT, HuFlag.CMD
PS = "UPS.PowerSummary"

#: the three places APC units keep their timers (PDC default, Smart-UPS RM, Back-UPS ES)
_DELAY_PREFIXES = (f"{PS}.", "UPS.Output.", "UPS.APCGeneralCollection.APC")


def _delays() -> list[Hid2Nut]:
    rows: list[Hid2Nut] = []
    for p in _DELAY_PREFIXES:
        rows += [
            Hid2Nut("ups.delay.start", f"{p}DelayBeforeStartup", DEFAULT_ONDELAY, ABSENT, **_RW),
            Hid2Nut("ups.delay.shutdown", f"{p}DelayBeforeShutdown", DEFAULT_OFFDELAY, ABSENT, **_RW),
            Hid2Nut("ups.timer.start", f"{p}DelayBeforeStartup", "%.0f", Q),
            Hid2Nut("ups.timer.shutdown", f"{p}DelayBeforeShutdown", "%.0f", Q),
            Hid2Nut("ups.timer.reboot", f"{p}DelayBeforeReboot", "%.0f", Q),
        ]
    return rows


def _delay_commands() -> list[Hid2Nut]:
    rows: list[Hid2Nut] = []
    for p in _DELAY_PREFIXES:
        rows += [
            Hid2Nut("load.off.delay", f"{p}DelayBeforeShutdown", DEFAULT_OFFDELAY, CMD),
            Hid2Nut("load.on.delay", f"{p}DelayBeforeStartup", DEFAULT_ONDELAY, CMD),
            Hid2Nut("shutdown.stop", f"{p}DelayBeforeShutdown", "-1", CMD),
            Hid2Nut("shutdown.reboot", f"{p}DelayBeforeReboot", "10", CMD),
        ]
    return rows


_TABLE: tuple[Hid2Nut, ...] = (
    # battery
    Hid2Nut("battery.charge", f"{PS}.RemainingCapacity", "%.0f"),
    Hid2Nut("battery.charge.low", f"{PS}.RemainingCapacityLimit", "%.0f", SEMI, **_RW),
    Hid2Nut("battery.charge.warning", f"{PS}.WarningCapacityLimit", "%.0f"),
    Hid2Nut("battery.runtime", "UPS.Battery.RunTimeToEmpty", "%.0f"),
    Hid2Nut("battery.runtime", f"{PS}.RunTimeToEmpty", "%.0f"),
    Hid2Nut("battery.runtime.low", "UPS.Battery.RemainingTimeLimit", "%.0f", SEMI, **_RW),
    Hid2Nut("battery.runtime.low", f"{PS}.RemainingTimeLimit", "%.0f", SEMI, **_RW),
    Hid2Nut("battery.voltage", "UPS.Battery.Voltage", "%.1f"),
    Hid2Nut("battery.voltage", f"{PS}.Voltage", "%.1f"),
    Hid2Nut("battery.voltage.nominal", "UPS.Battery.ConfigVoltage", "%.1f"),
    Hid2Nut("battery.voltage.nominal", f"{PS}.ConfigVoltage", "%.1f"),
    Hid2Nut("battery.temperature", "UPS.Battery.Temperature", "%s", lookup=KELVIN_CELSIUS),
    Hid2Nut("battery.type", f"{PS}.iDeviceChemistry", "%s", lookup=STRING_ID),
    Hid2Nut("battery.mfr.date", "UPS.Battery.ManufacturerDate", "%s", lookup=DATE),
    Hid2Nut("battery.mfr.date", f"{PS}.APCBattReplaceDate", "%s", lookup=_APC_DATE),
    Hid2Nut("battery.date", "UPS.Battery.APCBattReplaceDate", "%s", lookup=_APC_DATE),
    # ups
    Hid2Nut("ups.load", "UPS.Output.PercentLoad", "%.1f"),
    Hid2Nut("ups.load", "UPS.PowerConverter.PercentLoad", "%.0f"),
    *_delays(),
    Hid2Nut("ups.test.result", "UPS.Battery.Test", "%s", lookup=TEST_READ),
    Hid2Nut("ups.beeper.status", f"{PS}.AudibleAlarmControl", "%s", lookup=BEEPER),
    Hid2Nut("ups.mfr.date", "UPS.ManufacturerDate", "%s", lookup=DATE),
    Hid2Nut("ups.mfr.date", f"{PS}.ManufacturerDate", "%s", lookup=DATE),
    Hid2Nut("ups.realpower.nominal", "UPS.PowerConverter.ConfigActivePower", "%.0f"),
    Hid2Nut("ups.realpower.nominal", "UPS.Output.ConfigActivePower", "%.0f"),
    # status
    Hid2Nut("BOOL", f"{PS}.PresentStatus.ACPresent", None, Q, ONLINE),
    Hid2Nut("BOOL", f"{PS}.PresentStatus.Discharging", None, Q, DISCHARGING),
    Hid2Nut("BOOL", f"{PS}.PresentStatus.Charging", None, Q, CHARGING),
    Hid2Nut("BOOL", f"{PS}.PresentStatus.ShutdownImminent", None, HuFlag.NONE, SHUTDOWNIMM),
    Hid2Nut("BOOL", f"{PS}.PresentStatus.BelowRemainingCapacityLimit", None, Q, LOWBATT),
    Hid2Nut("BOOL", f"{PS}.PresentStatus.Overload", None, HuFlag.NONE, OVERLOAD),
    Hid2Nut("BOOL", f"{PS}.PresentStatus.NeedReplacement", None, HuFlag.NONE, REPLACEBATT),
    Hid2Nut("BOOL", f"{PS}.PresentStatus.RemainingTimeLimitExpired", None, HuFlag.NONE,
            TIMELIMITEXPIRED),
    Hid2Nut("BOOL", f"{PS}.PresentStatus.BatteryPresent", None, HuFlag.NONE, NOBATTERY),
    Hid2Nut("BOOL", f"{PS}.Charging", None, Q, CHARGING),  # Back-UPS 500
    Hid2Nut("BOOL", f"{PS}.Discharging", None, Q, DISCHARGING),
    Hid2Nut("BOOL", f"{PS}.ACPresent", None, Q, ONLINE),
    Hid2Nut("BOOL", f"{PS}.BelowRemainingCapacityLimit", None, Q, LOWBATT),
    Hid2Nut("BOOL", f"{PS}.ShutdownImminent", None, HuFlag.NONE, SHUTDOWNIMM),
    Hid2Nut("BOOL", f"{PS}.APCStatusFlag", None, Q, _STATUS_FLAG),  # Back-UPS LS 500
    # mapped twice so that both reasons can be cleared
    Hid2Nut("BOOL", "UPS.Input.APCLineFailCause", None, HuFlag.NONE, _LINEFAIL_VRANGE),
    Hid2Nut("BOOL", "UPS.Input.APCLineFailCause", None, HuFlag.NONE, _LINEFAIL_FRANGE),
    # input
    Hid2Nut("input.voltage", "UPS.Input.Voltage", "%.1f"),
    Hid2Nut("input.voltage.nominal", "UPS.Input.ConfigVoltage", "%.0f"),
    Hid2Nut("input.transfer.low", "UPS.Output.LowVoltageTransfer", "%.0f", SEMI, **_RW),
    Hid2Nut("input.transfer.high", "UPS.Output.HighVoltageTransfer", "%.0f", SEMI, **_RW),
    Hid2Nut("input.transfer.low", "UPS.Input.LowVoltageTransfer", "%.0f", SEMI, **_RW),
    Hid2Nut("input.transfer.high", "UPS.Input.HighVoltageTransfer", "%.0f", SEMI, **_RW),
    Hid2Nut("input.sensitivity", "UPS.Input.APCSensitivity", "%s", SEMI, _SENSITIVITY, **_RW),
    # output
    Hid2Nut("output.voltage", "UPS.Output.Voltage", "%.1f"),
    Hid2Nut("output.voltage.nominal", "UPS.Output.ConfigVoltage", "%.1f"),
    Hid2Nut("output.current", "UPS.Output.Current", "%.2f"),
    Hid2Nut("output.frequency", "UPS.Output.Frequency", "%.1f"),
    # environment
    Hid2Nut("ambient.temperature", "UPS.APCEnvironment.APCProbe1.Temperature", "%s",
            lookup=KELVIN_CELSIUS),
    Hid2Nut("ambient.humidity", "UPS.APCEnvironment.APCProbe1.Humidity", "%.1f"),
    # instant commands
    Hid2Nut("test.battery.start.quick", "UPS.BatterySystem.Battery.Test", "1", CMD),
    Hid2Nut("test.battery.start.quick", "UPS.Battery.Test", "1", CMD),
    Hid2Nut("test.battery.start.deep", "UPS.BatterySystem.Battery.Test", "2", CMD),
    Hid2Nut("test.battery.start.deep", "UPS.Battery.Test", "2", CMD),
    Hid2Nut("test.battery.stop", "UPS.BatterySystem.Battery.Test", "3", CMD),
    Hid2Nut("test.battery.stop", "UPS.Battery.Test", "3", CMD),
    Hid2Nut("test.panel.start", "UPS.APCPanelTest", "1", CMD),
    Hid2Nut("test.panel.stop", "UPS.APCPanelTest", "0", CMD),
    Hid2Nut("test.panel.start", f"{PS}.APCPanelTest", "1", CMD),
    Hid2Nut("test.panel.stop", f"{PS}.APCPanelTest", "0", CMD),
    *_delay_commands(),
    Hid2Nut("beeper.on", f"{PS}.AudibleAlarmControl", "2", CMD),
    Hid2Nut("beeper.off", f"{PS}.AudibleAlarmControl", "3", CMD),
    Hid2Nut("beeper.enable", f"{PS}.AudibleAlarmControl", "2", CMD),
    Hid2Nut("beeper.disable", f"{PS}.AudibleAlarmControl", "1", CMD),
    Hid2Nut("beeper.mute", f"{PS}.AudibleAlarmControl", "3", CMD),
)


def _describe(info: DeviceInfo, item_string: ItemString) -> Mapping[str, str | None]:
    """apc_format_*: "Back-UPS XS 1000M FW:... USB FW:..." splits into model and firmware."""
    model = info.product or "unknown"
    out: dict[str, str | None] = {}
    fw_at = model.find("FW:")
    if fw_at >= 0:
        firmware = model[fw_at + 3 :]
        model = model[: max(fw_at - 1, 0)]
        usb_at = firmware.find("USB FW:")
        if usb_at >= 0:
            out["ups.firmware.aux"] = firmware[usb_at + 7 :]
            firmware = firmware[: max(usb_at - 1, 0)]
        out["ups.firmware"] = firmware
    out.update({"ups.mfr": info.vendor or "APC", "ups.model": model, "ups.serial": info.serial})
    return out


APC = Subdriver(
    name="APC HID 0.98",
    devices=MappingProxyType({APC_VENDOR: frozenset({0x0002, 0x0003})}),
    usages=UsageTable(_APC_USAGES, POWER_DEVICE, BATTERY_SYSTEM),
    table=_TABLE,
    describe=_describe,
    pollonly_products=frozenset({(APC_VENDOR, 0x0003)}),  # 5G models: the pipe is proprietary
)
