"""Belkin units, and Liebert PowerSure PSA/PSP/GXT ones, over USB (NUT 2.8.0 belkin-hid.c,
"Belkin/Liebert HID 0.18").

Belkin keeps most values in its own page (0x86); the Liebert rows read the standard
paths, whose unit exponents some Liebert firmware gets wrong by 10^7 or 10^8.
"""

from __future__ import annotations

from nutrio.protocol.devices.hid.hid2nut import (
    ABSENT,
    BEEPER,
    CMD,
    DATE,
    DEFAULT_OFFDELAY,
    DEFAULT_ONDELAY,
    DIVIDE_BY_10,
    NONE,
    Q,
    STATIC,
    STRING_ID,
    Conversion,
    Hid2Nut,
    bit,
    enum_lookup,
    func_lookup,
    truthy,
)
from nutrio.protocol.devices.hid.subdriver import (
    Claim,
    ClaimContext,
    DescribeIO,
    DeviceInfo,
    Subdriver,
    Support,
    UsbId,
    supported,
)
from nutrio.protocol.devices.hid.usages import BATTERY_SYSTEM, POWER_DEVICE, UsageTable, page

__all__ = ["BELKIN"]

BELKIN_VENDOR = 0x050D
LIEBERT_VENDOR = 0x10AF
#: a Belkin USB hub (F5U218-MOB), never a UPS
_BELKIN_HUB = 0x0218

_USAGES = page("""
    00860026:BELKINConfig 00860040:BELKINConfigVoltage 00860042:BELKINConfigFrequency
    00860043:BELKINConfigApparentPower 00860044:BELKINConfigBatteryVoltage
    00860045:BELKINConfigOverloadTransfer 00860053:BELKINLowVoltageTransfer
    00860054:BELKINHighVoltageTransfer 0086005b:BELKINLowVoltageTransferMax
    0086005c:BELKINLowVoltageTransferMin 0086005d:BELKINHighVoltageTransferMax
    0086005e:BELKINHighVoltageTransferMin 00860027:BELKINControls 00860050:BELKINLoadOn
    00860051:BELKINLoadOff 00860052:BELKINLoadToggle 00860055:BELKINDelayBeforeReboot
    00860056:BELKINDelayBeforeStartup 00860057:BELKINDelayBeforeShutdown 00860058:BELKINTest
    0086005a:BELKINAudibleAlarmControl 00860029:BELKINDevice 00860074:BELKINVoltageSensitivity
    00860075:BELKINModelString 00860076:BELKINModelStringOffset 0086007c:BELKINUPSType
    0086002a:BELKINPowerState 0086001a:BELKINInput 0086001c:BELKINOutput
    00860010:BELKINBatterySystem 00860030:BELKINVoltage 00860032:BELKINFrequency
    00860034:BELKINPower 00860035:BELKINPercentLoad 00860036:BELKINTemperature
    00860039:BELKINCharge 0086006c:BELKINRunTimeToEmpty 00860028:BELKINStatus
    00860022:BELKINBatteryStatus 00860021:BELKINPowerStatus
""")

_IDS = tuple(UsbId(BELKIN_VENDOR, p) for p in (
    0x0980, 0x0900, 0x0910, 0x0912, 0x0551, 0x0750, 0x0751, 0x0375, 0x0F51, 0x1100,
)) + tuple(UsbId(LIEBERT_VENDOR, p) for p in (0x0004, 0x0001, 0x0004, 0x0008))


def _liebert_voltage(value: float, conv: Conversion, *, config: bool) -> str | None:
    """liebert_config/line_voltage_fun: a value of exactly 1e-7 V means a unit exponent
    off by 10^7 (line) or 10^8 (config voltage); the multiplier sticks once found."""
    scratch = conv.scratch
    if value < 1 and abs(value - 1e-7) < 1e-9:
        scratch["liebert_line_mult"] = 1e7
        if config:
            scratch["liebert_config_mult"] = 1e8
    mult = scratch.get("liebert_config_mult" if config else "liebert_line_mult", 1.0)
    assert isinstance(mult, float)
    return f"{value * mult:.1f}"[:9]  # a 10-byte buffer


_LIEBERT_CONFIG_VOLTAGE_INFO = func_lookup(lambda v, c: _liebert_voltage(v, c, config=True))
_LIEBERT_LINE_VOLTAGE_INFO = func_lookup(lambda v, c: _liebert_voltage(v, c, config=False))
_LIEBERT_ONLINE_INFO = truthy("online")
_LIEBERT_DISCHARGING_INFO = truthy("dischrg")
_LIEBERT_CHARGING_INFO = truthy("chrg")
_LIEBERT_LOWBATT_INFO = truthy("lowbatt")
_LIEBERT_REPLACEBATT_INFO = truthy("replacebatt")
_LIEBERT_SHUTDOWNIMM_INFO = truthy("shutdownimm")

_UPS_TYPES = {1: "offline", 2: "line-interactive", 3: "simple online", 4: "simple offline",
              5: "simple line-interactive"}
_BELKIN_FIRMWARE_CONVERSION = func_lookup(lambda value, conv: f"{int(value) >> 4}")
_BELKIN_UPSTYPE_CONVERSION = func_lookup(
    lambda value, conv: _UPS_TYPES.get(int(value) & 0x0F, "online"))
_BELKIN_SENSITIVITY_CONVERSION = func_lookup(
    lambda value, conv: {1: "reduced", 2: "low"}.get(int(value), "normal"))
_BELKIN_TEST_INFO = enum_lookup(
    (0, "No test initiated"), (1, "Done and passed"), (2, "Done and warning"),
    (3, "Done and error"), (4, "Aborted"), (5, "In progress"),
)
# BELKINPowerStatus: bit 0 AC failure, 4 overload, 6 overheat, 7 UPS fault, 13 awaiting power
_BELKIN_ONLINE_CONVERSION = func_lookup(
    lambda value, conv: "!online" if int(value) & 0x0001 else "online")
_BELKIN_OVERLOAD_CONVERSION = bit(0x0010, "overload")
_BELKIN_OVERHEAT_CONVERSION = bit(0x0040, "overheat")
_BELKIN_COMMFAULT_CONVERSION = bit(0x0080, "commfault")
_BELKIN_AWAITINGPOWER_CONVERSION = bit(0x2000, "awaitingpower")
# BELKINBatteryStatus: bit 2 low battery, 6 battery empty, 7 replace battery
_BELKIN_LOWBATT_CONVERSION = bit(0x0004, "lowbatt")
_BELKIN_DEPLETED_CONVERSION = bit(0x0040, "depleted")
_BELKIN_REPLACEBATT_CONVERSION = bit(0x0080, "replacebatt")

_TABLE: tuple[Hid2Nut, ...] = (
    Hid2Nut("battery.charge", "UPS.BELKINBatterySystem.BELKINCharge", "%.0f"),
    Hid2Nut("battery.charge.low", "UPS.PowerSummary.RemainingCapacityLimit", "%.0f"),
    Hid2Nut("battery.charge.warning", "UPS.PowerSummary.WarningCapacityLimit", "%.0f"),
    Hid2Nut("battery.runtime", "UPS.PowerSummary.RunTimeToEmpty", "%.0f"),
    Hid2Nut("battery.type", "UPS.PowerSummary.iDeviceChemistry", "%s", NONE, STRING_ID),
    Hid2Nut("battery.voltage", "UPS.BELKINBatterySystem.BELKINVoltage", "%s", NONE, DIVIDE_BY_10),
    Hid2Nut("battery.voltage.nominal", "UPS.BELKINConfig.BELKINConfigBatteryVoltage", "%.0f"),
    Hid2Nut("input.frequency", "UPS.BELKINPowerState.BELKINInput.BELKINFrequency", "%s", NONE, DIVIDE_BY_10),
    Hid2Nut("input.frequency.nominal", "UPS.BELKINConfig.BELKINConfigFrequency", "%.0f"),
    Hid2Nut("input.sensitivity", "UPS.BELKINDevice.BELKINVoltageSensitivity", "%s", NONE, _BELKIN_SENSITIVITY_CONVERSION, rw=True, string_len=10),
    Hid2Nut("input.transfer.high", "UPS.BELKINConfig.BELKINHighVoltageTransfer", "%.0f", rw=True, string_len=10),
    Hid2Nut("input.transfer.high.max", "UPS.BELKINConfig.BELKINHighVoltageTransferMax", "%.0f"),
    Hid2Nut("input.transfer.high.min", "UPS.BELKINConfig.BELKINHighVoltageTransferMin", "%.0f"),
    Hid2Nut("input.transfer.low", "UPS.BELKINConfig.BELKINLowVoltageTransfer", "%.0f", rw=True, string_len=10),
    Hid2Nut("input.transfer.low.max", "UPS.BELKINConfig.BELKINLowVoltageTransferMax", "%.0f"),
    Hid2Nut("input.transfer.low.min", "UPS.BELKINConfig.BELKINLowVoltageTransferMin", "%.0f"),
    Hid2Nut("input.voltage", "UPS.BELKINPowerState.BELKINInput.BELKINVoltage", "%s", NONE, DIVIDE_BY_10),
    Hid2Nut("input.voltage.nominal", "UPS.BELKINConfig.BELKINConfigVoltage", "%.0f"),
    Hid2Nut("output.frequency", "UPS.BELKINPowerState.BELKINOutput.BELKINFrequency", "%s", NONE, DIVIDE_BY_10),
    Hid2Nut("output.voltage", "UPS.BELKINPowerState.BELKINOutput.BELKINVoltage", "%s", NONE, DIVIDE_BY_10),
    Hid2Nut("ups.beeper.status", "UPS.BELKINControls.BELKINAudibleAlarmControl", "%s", NONE, BEEPER),
    Hid2Nut("ups.delay.start", "UPS.BELKINControls.BELKINDelayBeforeStartup", DEFAULT_ONDELAY, ABSENT, rw=True, string_len=10),
    Hid2Nut("ups.delay.shutdown", "UPS.BELKINControls.BELKINDelayBeforeShutdown", DEFAULT_OFFDELAY, ABSENT, rw=True, string_len=10),
    Hid2Nut("ups.timer.start", "UPS.BELKINControls.BELKINDelayBeforeStartup", "%.0f", Q),
    Hid2Nut("ups.timer.shutdown", "UPS.BELKINControls.BELKINDelayBeforeShutdown", "%.0f", Q),
    Hid2Nut("ups.timer.reboot", "UPS.BELKINControls.BELKINDelayBeforeReboot", "%.0f", Q),
    Hid2Nut("ups.firmware", "UPS.BELKINDevice.BELKINUPSType", "%s", NONE, _BELKIN_FIRMWARE_CONVERSION),
    Hid2Nut("ups.load", "UPS.BELKINPowerState.BELKINOutput.BELKINPercentLoad", "%.0f"),
    Hid2Nut("ups.load.high", "UPS.BELKINConfig.BELKINConfigOverloadTransfer", "%.0f"),
    Hid2Nut("ups.mfr.date", "UPS.PowerSummary.ManufacturerDate", "%s", NONE, DATE),
    Hid2Nut("ups.power.nominal", "UPS.BELKINConfig.BELKINConfigApparentPower", "%.0f"),
    Hid2Nut("ups.serial", "UPS.PowerSummary.iSerialNumber", "%s", NONE, STRING_ID),
    Hid2Nut("ups.test.result", "UPS.BELKINControls.BELKINTest", "%s", NONE, _BELKIN_TEST_INFO),
    Hid2Nut("ups.type", "UPS.BELKINDevice.BELKINUPSType", "%s", NONE, _BELKIN_UPSTYPE_CONVERSION),
    Hid2Nut("battery.charge", "UPS.PowerSummary.RemainingCapacity", "%.0f", Q),
    Hid2Nut("input.frequency", "UPS.Input.Frequency", "%s", NONE, DIVIDE_BY_10),
    Hid2Nut("input.voltage", "UPS.Input.Voltage", "%s", NONE, _LIEBERT_LINE_VOLTAGE_INFO),
    Hid2Nut("output.voltage", "UPS.Output.Voltage", "%s", NONE, _LIEBERT_LINE_VOLTAGE_INFO),
    Hid2Nut("battery.voltage", "UPS.PowerSummary.Voltage", "%s", NONE, _LIEBERT_LINE_VOLTAGE_INFO),
    Hid2Nut("battery.voltage.nominal", "UPS.PowerSummary.ConfigVoltage", "%s", STATIC, _LIEBERT_CONFIG_VOLTAGE_INFO),
    Hid2Nut("ups.load", "UPS.Output.PercentLoad", "%.0f"),
    Hid2Nut("BOOL", "UPS.PowerSummary.Discharging", None, Q, _LIEBERT_DISCHARGING_INFO),
    Hid2Nut("BOOL", "UPS.PowerSummary.Charging", None, Q, _LIEBERT_CHARGING_INFO),
    Hid2Nut("BOOL", "UPS.PowerSummary.ShutdownImminent", None, NONE, _LIEBERT_SHUTDOWNIMM_INFO),
    Hid2Nut("BOOL", "UPS.PowerSummary.ACPresent", None, Q, _LIEBERT_ONLINE_INFO),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.Discharging", None, Q, _LIEBERT_DISCHARGING_INFO),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.Charging", None, Q, _LIEBERT_CHARGING_INFO),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.ShutdownImminent", None, NONE, _LIEBERT_SHUTDOWNIMM_INFO),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.ACPresent", None, Q, _LIEBERT_ONLINE_INFO),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.NeedReplacement", None, Q, _LIEBERT_REPLACEBATT_INFO),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.BelowRemainingCapacityLimit", None, Q, _LIEBERT_LOWBATT_INFO),
    Hid2Nut("BOOL", "UPS.BELKINStatus.BELKINPowerStatus", None, NONE, _BELKIN_OVERLOAD_CONVERSION),
    Hid2Nut("BOOL", "UPS.BELKINStatus.BELKINPowerStatus", None, NONE, _BELKIN_OVERHEAT_CONVERSION),
    Hid2Nut("BOOL", "UPS.BELKINStatus.BELKINPowerStatus", None, NONE, _BELKIN_COMMFAULT_CONVERSION),
    Hid2Nut("BOOL", "UPS.BELKINStatus.BELKINPowerStatus", None, NONE, _BELKIN_AWAITINGPOWER_CONVERSION),
    Hid2Nut("BOOL", "UPS.BELKINStatus.BELKINPowerStatus", None, Q, _BELKIN_ONLINE_CONVERSION),
    Hid2Nut("BOOL", "UPS.BELKINStatus.BELKINBatteryStatus", None, Q, _BELKIN_DEPLETED_CONVERSION),
    Hid2Nut("BOOL", "UPS.BELKINStatus.BELKINBatteryStatus", None, NONE, _BELKIN_REPLACEBATT_CONVERSION),
    Hid2Nut("BOOL", "UPS.BELKINStatus.BELKINBatteryStatus", None, Q, _BELKIN_LOWBATT_CONVERSION),
    Hid2Nut("test.battery.start.quick", "UPS.BELKINControls.BELKINTest", "1", CMD),
    Hid2Nut("test.battery.start.deep", "UPS.BELKINControls.BELKINTest", "2", CMD),
    Hid2Nut("test.battery.stop", "UPS.BELKINControls.BELKINTest", "3", CMD),
    Hid2Nut("beeper.on", "UPS.BELKINControls.BELKINAudibleAlarmControl", "2", CMD),
    Hid2Nut("beeper.off", "UPS.BELKINControls.BELKINAudibleAlarmControl", "3", CMD),
    Hid2Nut("beeper.disable", "UPS.BELKINControls.BELKINAudibleAlarmControl", "1", CMD),
    Hid2Nut("beeper.enable", "UPS.BELKINControls.BELKINAudibleAlarmControl", "2", CMD),
    Hid2Nut("beeper.mute", "UPS.BELKINControls.BELKINAudibleAlarmControl", "3", CMD),
    Hid2Nut("load.off", "UPS.BELKINControls.BELKINDelayBeforeShutdown", "1", CMD),
    Hid2Nut("load.on", "UPS.BELKINControls.BELKINDelayBeforeStartup", "1", CMD),
    Hid2Nut("load.off.delay", "UPS.BELKINControls.BELKINDelayBeforeShutdown", DEFAULT_OFFDELAY, CMD),
    Hid2Nut("load.on.delay", "UPS.BELKINControls.BELKINDelayBeforeStartup", DEFAULT_ONDELAY, CMD),
    Hid2Nut("shutdown.stop", "UPS.BELKINControls.BELKINDelayBeforeShutdown", "-1", CMD),
    Hid2Nut("shutdown.reboot", "UPS.BELKINControls.BELKINDelayBeforeReboot", "10", CMD),
)


def _model(info: DeviceInfo, io: DescribeIO) -> str | None:
    return info.product if info.product else "unknown"


def _mfr(info: DeviceInfo, io: DescribeIO) -> str | None:
    """Belkin pads its vendor string with leading spaces."""
    return (info.vendor or "Belkin").lstrip(" ") or "Belkin"


def _serial(info: DeviceInfo, io: DescribeIO) -> str | None:
    """The USB serial, else the one the HID report names."""
    if info.serial:
        return info.serial
    return io.item_string("UPS.PowerSummary.iSerialNumber", 64) or None


def _claim(sub: Subdriver, info: DeviceInfo, ctx: ClaimContext) -> Claim | None:
    answer, _ = supported(sub.ids, info)
    if answer == Support.SUPPORTED:
        return Claim()
    if answer == Support.POSSIBLY and ctx.productid_given:
        if info.vendor_id == BELKIN_VENDOR and info.product_id == _BELKIN_HUB:
            return None
        return Claim()
    return None


BELKIN = Subdriver(
    name="Belkin/Liebert HID 0.18",
    short="belkin",
    ids=_IDS,
    usages=UsageTable(_USAGES, POWER_DEVICE, BATTERY_SYSTEM),
    table=_TABLE,
    rule=_claim,
    format_mfr=_mfr,
    format_model=_model,
    format_serial=_serial,
)
