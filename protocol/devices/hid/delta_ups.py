"""Delta UPSes over USB (NUT 2.8.0 delta_ups-hid.c, "Delta UPS HID 0.6")."""

from __future__ import annotations

from nutrio.protocol.devices.hid.hid2nut import (
    AWAITINGPOWER,
    BEEPER,
    BOOST,
    CHARGING,
    CMD,
    COMMFAULT,
    DEFAULT_OFFDELAY,
    DEFAULT_ONDELAY,
    DEPLETED,
    DISCHARGING,
    FULLYCHARGED,
    KELVIN_CELSIUS,
    LOWBATT,
    NOBATTERY,
    NONE,
    OFF,
    ONLINE,
    OVERHEAT,
    OVERLOAD,
    Q,
    REPLACEBATT,
    SEMI,
    SHUTDOWNIMM,
    STATIC,
    STRING_ID,
    TEST_READ,
    TRIM,
    VRANGE,
    YES_NO,
    Conversion,
    Hid2Nut,
    enum_lookup,
    func_lookup,
)
from nutrio.protocol.devices.hid.subdriver import (
    DescribeIO,
    DeviceInfo,
    Subdriver,
    UsbId,
    vendor_format,
)
from nutrio.protocol.devices.hid.usages import BATTERY_SYSTEM, POWER_DEVICE, UsageTable, page

__all__ = ["DELTA_UPS"]

DELTA_VENDOR = 0x05DD

_USAGES = page("""
    00000000:DELTA1 ff000055:DELTA2 ffff0010:DeltaCustom ffff0056:DELTA4
    ffff0057:DeltaConfigTransferLowMax ffff0058:DeltaConfigTransferLowMin
    ffff0059:DeltaConfigTransferHighMax ffff005a:DeltaConfigTransferHighMin ffff0060:DELTA9
    ffff0061:DeltaConfigExternalBatteryPack ffff0062:DELTA11 ffff0063:DELTA12 ffff0064:DELTA13
    ffff0065:DELTA14 ffff0066:DELTA15 ffff0067:DELTA16 ffff0068:DELTA17 ffff0075:DeltaModelName
    ffff0076:DELTA19 ffff007c:DeltaUPSType ffff007d:DELTA21
    ffff0081:DeltaConfigStartPowerRestoreDelay ffff0091:DeltaOutputSource ffff0092:DELTA24
    ffff0093:DELTA25 ffff0094:DELTA26 ffff0095:DELTA27 ffff0096:DELTA28 ffff0097:DELTA29
    ffff0098:DELTA30 ffff0099:DELTA31 ffff009a:DELTA32 ffff009b:DeltaConfigSensitivity
    ffff009c:DeltaConfigStartPowerRestore
""")

_DELTA_UPS_SENSITIVITY_INFO = enum_lookup((0, "normal"), (1, "reduced"), (2, "low"))
_UPS_TYPES = ("online", "offline", "line-interactive", "3-phase", "split-phase")


def _ups_type(value: float, conv: Conversion) -> str | None:
    """delta_ups_type_fun: the low nibble, with 3..5 moved down two and 6 read as 4."""
    kind = int(value) & 0xF
    if kind == 6:
        kind = 4
    elif 2 < kind <= 5:
        kind -= 2
    return _UPS_TYPES[kind] if 0 <= kind <= 4 else None


_DELTA_UPS_TYPE_INFO = func_lookup(_ups_type)
_DELTA_UPS_OUTPUT_SOURCE_INFO = enum_lookup(
    (0, "normal"), (1, "battery"), (2, "bypass/reserve"), (3, "reducing"), (4, "boosting"),
    (5, "manual bypass"), (6, "other"), (7, "no output"), (8, "on eco"),
)

_TABLE: tuple[Hid2Nut, ...] = (
    Hid2Nut("input.sensitivity", "UPS.DeltaCustom.[1].DeltaConfigSensitivity", "%s", NONE, _DELTA_UPS_SENSITIVITY_INFO, rw=True),
    Hid2Nut("input.voltage.nominal", "UPS.PowerSummary.Input.ConfigVoltage", "%.1f", SEMI),
    Hid2Nut("input.voltage", "UPS.PowerSummary.Input.Voltage", "%.1f", Q),
    Hid2Nut("input.voltage", "UPS.PowerConverter.Input.Voltage", "%.1f", Q),
    Hid2Nut("input.transfer.low", "UPS.PowerConverter.Output.LowVoltageTransfer", "%.1f", rw=True),
    Hid2Nut("input.transfer.high", "UPS.PowerConverter.Output.HighVoltageTransfer", "%.1f", rw=True),
    Hid2Nut("input.transfer.low.min", "UPS.PowerConverter.Output.DeltaConfigTransferLowMin", "%.1f", STATIC),
    Hid2Nut("input.transfer.low.max", "UPS.PowerConverter.Output.DeltaConfigTransferLowMax", "%.1f", STATIC),
    Hid2Nut("input.transfer.high.min", "UPS.PowerConverter.Output.DeltaConfigTransferHighMin", "%.1f", STATIC),
    Hid2Nut("input.transfer.high.max", "UPS.PowerConverter.Output.DeltaConfigTransferHighMax", "%.1f", STATIC),
    Hid2Nut("input.source", "UPS.OutletSystem.Outlet.DeltaOutputSource", "%s", NONE, _DELTA_UPS_OUTPUT_SOURCE_INFO),
    Hid2Nut("input.frequency", "UPS.PowerConverter.Input.Frequency", "%.1f", Q),
    Hid2Nut("battery.voltage.nominal", "UPS.BatterySystem.Battery.ConfigVoltage", "%.1f", STATIC),
    Hid2Nut("battery.voltage", "UPS.BatterySystem.Battery.Voltage", "%.1f", Q),
    Hid2Nut("battery.charge", "UPS.PowerSummary.RemainingCapacity", "%.0f", Q),
    Hid2Nut("battery.charge", "UPS.BatterySystem.Battery.RemainingCapacity", "%.0f"),
    Hid2Nut("battery.charge.low", "UPS.PowerSummary.RemainingCapacityLimit", "%.0f", SEMI, rw=True, string_len=5),
    Hid2Nut("battery.charge.warning", "UPS.PowerSummary.WarningCapacityLimit", "%.0f", SEMI),
    Hid2Nut("battery.temperature", "UPS.BatterySystem.Temperature", "%s", Q, KELVIN_CELSIUS),
    Hid2Nut("battery.runtime", "UPS.PowerSummary.RunTimeToEmpty", "%.0f", Q),
    Hid2Nut("battery.type", "UPS.PowerSummary.iDeviceChemistry", "%s", STATIC, STRING_ID),
    Hid2Nut("battery.capacity", "UPS.PowerSummary.DesignCapacity", "%.0f", SEMI),
    Hid2Nut("battery.capacity", "UPS.PowerSummary.FullChargeCapacity", "%.0f", SEMI),
    Hid2Nut("output.voltage.nominal", "UPS.Flow.ConfigVoltage", "%.1f", SEMI),
    Hid2Nut("output.frequency.nominal", "UPS.Flow.ConfigFrequency", "%.1f", SEMI),
    Hid2Nut("output.voltage", "UPS.PowerConverter.Output.Voltage", "%.1f", Q),
    Hid2Nut("output.frequency", "UPS.PowerConverter.Output.Frequency", "%.1f", Q),
    Hid2Nut("output.current", "UPS.PowerConverter.Output.Current", "%.1f", Q),
    Hid2Nut("ups.beeper.status", "UPS.PowerSummary.AudibleAlarmControl", "%s", Q, BEEPER),
    Hid2Nut("ups.test.result", "UPS.BatterySystem.Test", "%s", NONE, TEST_READ),
    Hid2Nut("ups.type", "UPS.DeltaCustom.[1].DeltaUPSType", "%s", STATIC, _DELTA_UPS_TYPE_INFO),
    Hid2Nut("ups.start.auto", "UPS.DeltaCustom.[1].DeltaConfigStartPowerRestore", "%s", NONE, YES_NO, rw=True),
    Hid2Nut("ups.power.nominal", "UPS.Flow.ConfigApparentPower", "%.0f", STATIC),
    Hid2Nut("ups.realpower", "UPS.OutletSystem.Outlet.ActivePower", "%.1f", Q),
    Hid2Nut("ups.realpower", "UPS.PowerConverter.Output.ActivePower", "%.1f", Q),
    Hid2Nut("ups.load", "UPS.OutletSystem.Outlet.PercentLoad", "%.1f", Q),
    Hid2Nut("ups.delay.start", "UPS.OutletSystem.Outlet.DeltaConfigStartPowerRestoreDelay", "%.0f", rw=True),
    Hid2Nut("ups.timer.start", "UPS.OutletSystem.Outlet.DelayBeforeStartup", "%.0f", Q),
    Hid2Nut("ups.timer.shutdown", "UPS.OutletSystem.Outlet.DelayBeforeShutdown", "%.0f", Q),
    Hid2Nut("ups.timer.reboot", "UPS.OutletSystem.Outlet.DelayBeforeReboot", "%.0f", Q),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.Good", None, Q, OFF),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.InternalFailure", None, Q, COMMFAULT),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.ShutdownImminent", None, Q, SHUTDOWNIMM),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.ACPresent", None, Q, ONLINE),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.BelowRemainingCapacityLimit", None, Q, LOWBATT),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.FullyCharged", None, Q, FULLYCHARGED),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.Charging", None, Q, CHARGING),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.Discharging", None, Q, DISCHARGING),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.FullyDischarged", None, Q, DEPLETED),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.NeedReplacement", None, Q, REPLACEBATT),
    Hid2Nut("BOOL", "UPS.PowerConverter.PresentStatus.VoltageOutOfRange", None, Q, VRANGE),
    Hid2Nut("BOOL", "UPS.PowerConverter.PresentStatus.Buck", None, Q, TRIM),
    Hid2Nut("BOOL", "UPS.PowerConverter.PresentStatus.Boost", None, Q, BOOST),
    Hid2Nut("BOOL", "UPS.PowerConverter.PresentStatus.Overload", None, Q, OVERLOAD),
    Hid2Nut("BOOL", "UPS.PowerConverter.PresentStatus.Used", None, Q, NOBATTERY),
    Hid2Nut("BOOL", "UPS.PowerConverter.PresentStatus.OverTemperature", None, Q, OVERHEAT),
    Hid2Nut("BOOL", "UPS.PowerConverter.PresentStatus.InternalFailure", None, Q, COMMFAULT),
    Hid2Nut("BOOL", "UPS.PowerConverter.PresentStatus.AwaitingPower", None, Q, AWAITINGPOWER),
    Hid2Nut("beeper.on", "UPS.PowerSummary.AudibleAlarmControl", "2", CMD),
    Hid2Nut("beeper.off", "UPS.PowerSummary.AudibleAlarmControl", "3", CMD),
    Hid2Nut("beeper.enable", "UPS.PowerSummary.AudibleAlarmControl", "2", CMD),
    Hid2Nut("beeper.disable", "UPS.PowerSummary.AudibleAlarmControl", "1", CMD),
    Hid2Nut("beeper.mute", "UPS.PowerSummary.AudibleAlarmControl", "3", CMD),
    Hid2Nut("test.battery.start.quick", "UPS.BatterySystem.Test", "1", CMD),
    Hid2Nut("test.battery.start.deep", "UPS.BatterySystem.Test", "2", CMD),
    Hid2Nut("test.battery.stop", "UPS.BatterySystem.Test", "3", CMD),
    Hid2Nut("load.on.delay", "UPS.OutletSystem.Outlet.DelayBeforeStartup", DEFAULT_ONDELAY, CMD),
    Hid2Nut("load.off.delay", "UPS.OutletSystem.Outlet.DelayBeforeShutdown", DEFAULT_OFFDELAY, CMD),
    Hid2Nut("shutdown.stop", "UPS.OutletSystem.Outlet.DelayBeforeShutdown", "-1", CMD),
    Hid2Nut("shutdown.reboot", "UPS.OutletSystem.Outlet.DelayBeforeReboot", "10", CMD),
)


def _model(info: DeviceInfo, io: DescribeIO) -> str | None:
    """The model name the unit keeps in its own report, else the USB product string."""
    return io.item_string("UPS.DeltaCustom.[1].DeltaModelName") or info.product


DELTA_UPS = Subdriver(
    name="Delta UPS HID 0.6",
    short="delta_ups",
    ids=(UsbId(DELTA_VENDOR, 0x041B),),
    usages=UsageTable(_USAGES, POWER_DEVICE, BATTERY_SYSTEM),
    table=_TABLE,
    format_mfr=vendor_format("Delta"),
    format_model=_model,
)
