"""PowerCOM units over USB (NUT 2.8.0 powercom-hid.c, "PowerCOM HID 0.6").

Older PowerCOM units keep their values in a vendor collection (``PowercomUPS``)
and pack their timers as minutes and seconds in swapped bytes; their status
comes as two bit fields. The 0x0001 units have a broken descriptor: NUT reads
them from interrupt reports alone (``interruptonly``, 8-byte reports).
"""

from __future__ import annotations

from types import MappingProxyType

from nutrio.protocol.devices.hid.hid2nut import (
    ABSENT,
    BOOST,
    CHARGING,
    CMD,
    COMMFAULT,
    DATE,
    DEFAULT_OFFDELAY,
    DISCHARGING,
    LOWBATT,
    NOBATTERY,
    NONE,
    ONLINE,
    OVERLOAD,
    Q,
    REPLACEBATT,
    SHUTDOWNIMM,
    STATIC,
    STRING_ID,
    TEST_READ,
    TIMELIMITEXPIRED,
    TRIM,
    Conversion,
    Hid2Nut,
    Lookup,
    Nuf,
    atol,
    bit,
    enum_lookup,
    func_lookup,
)
from nutrio.protocol.devices.hid.subdriver import (
    Claim,
    ClaimContext,
    DeviceInfo,
    Subdriver,
    Support,
    UsbId,
    supported,
    vendor_format,
)
from nutrio.protocol.devices.hid.usages import BATTERY_SYSTEM, POWER_DEVICE, UsageTable, page

__all__ = ["POWERCOM"]

POWERCOM_VENDOR = 0x0D9F

_USAGES = page("""
    00020004:PowercomUPS 00020010:PowercomBatterySystem 00020016:PowercomPowerConverter
    0002001a:PowercomInput 0002001c:PowercomOutput 00020030:PowercomVoltage
    00020032:PowercomFrequency 00020035:PowercomPercentLoad 00020036:PowercomTemperature
    00020056:PowercomDelayBeforeStartup 00020057:PowercomDelayBeforeShutdown
    00020058:PowercomTest 00020068:PowercomShutdownRequested
    00020081:PowercomInternalChargeController 00020082:PowercomPrimaryBatterySupport
    00020083:PowercomDesignCapacity 00020084:PowercomSpecificationInfo
    00020085:PowercomManufacturerDate 00020086:PowercomSerialNumber
    00020087:PowercomManufacturerName 0084002f:POWERCOM1 ff860060:POWERCOM2
    ff860080:POWERCOM3 00ff0056:PCMDelayBeforeStartup 00ff0057:PCMDelayBeforeShutdown
""")


def _u16(value: float) -> int:
    return int(value) & 0xFFFF


def _delay(text: str | None, conv: Conversion, fallback: str) -> int:
    """atoi of the command's value, else of the variable the driver keeps."""
    return atol(text if text is not None else conv.get(fallback))


def _startup_fun(value: float, conv: Conversion) -> str | None:
    """Minutes, bytes swapped."""
    i = _u16(value)
    return f"{60 * (((i & 0x00FF) << 8) + (i >> 8))}"


def _startup_nuf(text: str | None, conv: Conversion) -> float:
    minutes = int(_delay(text, conv, "ups.delay.start") / 60)  # C division truncates
    if not 0 <= minutes <= 0xFFFF:
        return 0
    return float(((minutes << 8) & 0xFFFF) + (minutes >> 8) & 0xFFFF)


def _shutdown_fun(value: float, conv: Conversion) -> str | None:
    """Low byte minutes, high byte seconds."""
    i = _u16(value)
    return f"{60 * (i & 0x00FF) + (i >> 8)}"


def _shutdown_nuf(flag: int) -> Nuf:
    def nuf(text: str | None, conv: Conversion) -> float:
        seconds = _delay(text, conv, "ups.delay.shutdown")
        if not 0 <= seconds <= 0xFFFF:
            return 0
        seconds = seconds or 1
        command = ((((seconds % 60) << 8) & 0xFFFF) + seconds // 60) & 0xFFFF
        return float(command | flag)  # 0x4000: come back on power, 0x8000: stay off

    return nuf


_POWERCOM_STARTUP_INFO = func_lookup(_startup_fun, _startup_nuf)
_POWERCOM_SHUTDOWN_INFO = func_lookup(_shutdown_fun, _shutdown_nuf(0x4000))
_POWERCOM_STAYOFF_INFO = Lookup(nuf=_shutdown_nuf(0x8000))
_POWERCOM_BEEPER_INFO = enum_lookup((1, "enabled"), (2, "disabled"))
_POWERCOM_VOLTAGE_CONVERSION = func_lookup(lambda value, conv: f"{value * 4:0.0f}")
# PowercomInternalChargeController bits
_POWERCOM_UPSFAIL_CONVERSION = bit(0x0001, "fanfail")
_POWERCOM_REPLACEBATT_CONVERSION = bit(0x0002, "replacebatt")
_POWERCOM_TEST_CONVERSION = bit(0x0004, "cal")
_POWERCOM_SHUTDOWNIMM_CONVERSION = bit(0x0010, "shutdownimm")
# PowercomPrimaryBatterySupport bits
_POWERCOM_ONLINE_CONVERSION = func_lookup(
    lambda value, conv: "!online" if int(value) & 0x0001 else "online")
_POWERCOM_LOWBATT_CONVERSION = bit(0x0002, "lowbatt")
_POWERCOM_TRIM_CONVERSION = func_lookup(
    lambda value, conv: "trim" if int(value) & 0x0018 == 0x0008 else "!trim")
_POWERCOM_BOOST_CONVERSION = func_lookup(
    lambda value, conv: "boost" if int(value) & 0x0018 == 0x0018 else "!boost")
_POWERCOM_OVERLOAD_CONVERSION = bit(0x0020, "overload")

_TABLE: tuple[Hid2Nut, ...] = (
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.ACPresent", None, NONE, ONLINE),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.BatteryPresent", None, NONE, NOBATTERY),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.BelowRemainingCapacityLimit", None, NONE, LOWBATT),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.Charging", None, NONE, CHARGING),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.CommunicationLost", None, NONE, COMMFAULT),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.Discharging", None, NONE, DISCHARGING),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.NeedReplacement", None, NONE, REPLACEBATT),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.Overload", None, NONE, OVERLOAD),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.RemainingTimeLimitExpired", None, NONE, TIMELIMITEXPIRED),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.ShutdownImminent", None, NONE, SHUTDOWNIMM),
    Hid2Nut("BOOL", "UPS.PresentStatus.ACPresent", None, NONE, ONLINE),
    Hid2Nut("BOOL", "UPS.PresentStatus.BatteryPresent", None, NONE, NOBATTERY),
    Hid2Nut("BOOL", "UPS.PresentStatus.BelowRemainingCapacityLimit", None, NONE, LOWBATT),
    Hid2Nut("BOOL", "UPS.PresentStatus.Boost", None, NONE, BOOST),
    Hid2Nut("BOOL", "UPS.PresentStatus.Buck", None, NONE, TRIM),
    Hid2Nut("BOOL", "UPS.PresentStatus.Charging", None, NONE, CHARGING),
    Hid2Nut("BOOL", "UPS.PresentStatus.CommunicationLost", None, NONE, COMMFAULT),
    Hid2Nut("BOOL", "UPS.PresentStatus.Discharging", None, NONE, DISCHARGING),
    Hid2Nut("BOOL", "UPS.PresentStatus.NeedReplacement", None, NONE, REPLACEBATT),
    Hid2Nut("BOOL", "UPS.PresentStatus.Overload", None, NONE, OVERLOAD),
    Hid2Nut("BOOL", "UPS.PresentStatus.RemainingTimeLimitExpired", None, NONE, TIMELIMITEXPIRED),
    Hid2Nut("BOOL", "UPS.PresentStatus.ShutdownImminent", None, NONE, SHUTDOWNIMM),
    Hid2Nut("battery.charge", "UPS.PowerSummary.RemainingCapacity", "%.0f"),
    Hid2Nut("battery.charge", "UPS.Battery.RemainingCapacity", "%.0f"),
    Hid2Nut("battery.charge.low", "UPS.PowerSummary.RemainingCapacityLimit", "%.0f"),
    Hid2Nut("battery.charge.warning", "UPS.PowerSummary.WarningCapacityLimit", "%.0f"),
    Hid2Nut("battery.runtime", "UPS.PowerSummary.RunTimeToEmpty", "%.0f"),
    Hid2Nut("battery.date", "UPS.Battery.ManufacturerDate", "%s", STATIC, DATE),
    Hid2Nut("battery.type", "UPS.PowerSummary.iDeviceChemistry", "%s", STATIC, STRING_ID),
    Hid2Nut("ups.beeper.status", "UPS.PowerSummary.AudibleAlarmControl", "%s", NONE, _POWERCOM_BEEPER_INFO),
    Hid2Nut("ups.beeper.status", "UPS.AudibleAlarmControl", "%s", NONE, _POWERCOM_BEEPER_INFO),
    Hid2Nut("ups.load", "UPS.Output.PercentLoad", "%.0f"),
    Hid2Nut("ups.date", "UPS.PowerSummary.ManufacturerDate", "%s", STATIC, DATE),
    Hid2Nut("ups.test.result", "UPS.Battery.Test", "%s", NONE, TEST_READ),
    Hid2Nut("ups.delay.start", "UPS.PowerSummary.DelayBeforeStartup", "60", ABSENT, rw=True, string_len=8),
    Hid2Nut("ups.timer.start", "UPS.PowerSummary.DelayBeforeStartup", "%.0f", NONE, _POWERCOM_STARTUP_INFO),
    Hid2Nut("ups.delay.shutdown", "UPS.PowerSummary.DelayBeforeShutdown", DEFAULT_OFFDELAY, ABSENT, rw=True, string_len=8),
    Hid2Nut("ups.timer.shutdown", "UPS.PowerSummary.DelayBeforeShutdown", "%.0f", Q, _POWERCOM_SHUTDOWN_INFO),
    Hid2Nut("ups.delay.shutdown", "UPS.PowerSummary.PCMDelayBeforeShutdown", DEFAULT_OFFDELAY, ABSENT, rw=True, string_len=8),
    Hid2Nut("ups.timer.shutdown", "UPS.PowerSummary.PCMDelayBeforeShutdown", "%.0f", Q, _POWERCOM_SHUTDOWN_INFO),
    Hid2Nut("input.voltage", "UPS.Input.Voltage", "%.1f"),
    Hid2Nut("input.voltage.nominal", "UPS.Input.ConfigVoltage", "%.0f", STATIC),
    Hid2Nut("input.frequency", "UPS.Input.Frequency", "%.1f"),
    Hid2Nut("output.voltage", "UPS.Output.Voltage", "%.1f"),
    Hid2Nut("output.voltage.nominal", "UPS.Output.ConfigVoltage", "%.0f", STATIC),
    Hid2Nut("output.frequency", "UPS.Output.Frequency", "%.1f"),
    Hid2Nut("beeper.toggle", "UPS.PowerSummary.AudibleAlarmControl", "1", CMD),
    Hid2Nut("beeper.enable", "UPS.PowerSummary.AudibleAlarmControl", "1", CMD),
    Hid2Nut("beeper.disable", "UPS.PowerSummary.AudibleAlarmControl", "0", CMD),
    Hid2Nut("test.battery.start.quick", "UPS.Battery.Test", "1", CMD),
    Hid2Nut("load.on.delay", "UPS.PowerSummary.DelayBeforeStartup", None, CMD, _POWERCOM_STARTUP_INFO),
    Hid2Nut("shutdown.return", "UPS.PowerSummary.DelayBeforeShutdown", None, CMD, _POWERCOM_SHUTDOWN_INFO),
    Hid2Nut("shutdown.stayoff", "UPS.PowerSummary.DelayBeforeShutdown", None, CMD, _POWERCOM_STAYOFF_INFO),
    Hid2Nut("load.on", "UPS.PowerSummary.PCMDelayBeforeStartup", "0", CMD, _POWERCOM_STARTUP_INFO),
    Hid2Nut("load.off", "UPS.PowerSummary.PCMDelayBeforeShutdown", "0", CMD, _POWERCOM_STAYOFF_INFO),
    Hid2Nut("shutdown.return", "UPS.PowerSummary.PCMDelayBeforeShutdown", None, CMD, _POWERCOM_SHUTDOWN_INFO),
    Hid2Nut("shutdown.stayoff", "UPS.PowerSummary.PCMDelayBeforeShutdown", None, CMD, _POWERCOM_STAYOFF_INFO),
    Hid2Nut("ups.serial", "PowercomUPS.PowercomSerialNumber", "%s", NONE, STRING_ID),
    Hid2Nut("ups.mfr", "PowercomUPS.PowercomManufacturerName", "%s", NONE, STRING_ID),
    Hid2Nut("ups.mfr.date", "PowercomUPS.PowercomManufacturerDate", "%s", NONE, DATE),
    Hid2Nut("battery.temperature", "PowercomUPS.PowercomBatterySystem.PowercomTemperature", "%.0f"),
    Hid2Nut("battery.temperature", "UPS.Battery.Temperature", "%.1f"),
    Hid2Nut("battery.charge", "PowercomUPS.PowercomBatterySystem.PowercomVoltage", "%.0f"),
    Hid2Nut("input.frequency", "PowercomUPS.PowercomPowerConverter.PowercomInput.PowercomFrequency", "%.0f"),
    Hid2Nut("input.voltage", "PowercomUPS.PowercomPowerConverter.PowercomInput.PowercomVoltage", "%.0f", NONE, _POWERCOM_VOLTAGE_CONVERSION),
    Hid2Nut("output.voltage", "PowercomUPS.PowercomPowerConverter.PowercomOutput.PowercomVoltage", "%.0f", NONE, _POWERCOM_VOLTAGE_CONVERSION),
    Hid2Nut("ups.load", "PowercomUPS.PowercomPowerConverter.PowercomOutput.PowercomPercentLoad", "%.0f"),
    Hid2Nut("BOOL", "PowercomUPS.PowercomPowerConverter.PowercomOutput.PowercomInternalChargeController", None, Q, _POWERCOM_UPSFAIL_CONVERSION),
    Hid2Nut("BOOL", "PowercomUPS.PowercomPowerConverter.PowercomOutput.PowercomInternalChargeController", None, Q, _POWERCOM_REPLACEBATT_CONVERSION),
    Hid2Nut("BOOL", "PowercomUPS.PowercomPowerConverter.PowercomOutput.PowercomInternalChargeController", None, Q, _POWERCOM_TEST_CONVERSION),
    Hid2Nut("BOOL", "PowercomUPS.PowercomPowerConverter.PowercomOutput.PowercomInternalChargeController", None, Q, _POWERCOM_SHUTDOWNIMM_CONVERSION),
    Hid2Nut("BOOL", "PowercomUPS.PowercomPowerConverter.PowercomOutput.PowercomPrimaryBatterySupport", None, Q, _POWERCOM_ONLINE_CONVERSION),
    Hid2Nut("BOOL", "PowercomUPS.PowercomPowerConverter.PowercomOutput.PowercomPrimaryBatterySupport", None, Q, _POWERCOM_LOWBATT_CONVERSION),
    Hid2Nut("BOOL", "PowercomUPS.PowercomPowerConverter.PowercomOutput.PowercomPrimaryBatterySupport", None, Q, _POWERCOM_TRIM_CONVERSION),
    Hid2Nut("BOOL", "PowercomUPS.PowercomPowerConverter.PowercomOutput.PowercomPrimaryBatterySupport", None, Q, _POWERCOM_BOOST_CONVERSION),
    Hid2Nut("BOOL", "PowercomUPS.PowercomPowerConverter.PowercomOutput.PowercomPrimaryBatterySupport", None, Q, _POWERCOM_OVERLOAD_CONVERSION),
    Hid2Nut("output.frequency", "PowercomUPS.PowercomPowerConverter.PowercomOutput.PowercomFrequency", "%.0f"),
    Hid2Nut("ups.test.result", "PowercomUPS.PowercomPowerConverter.PowercomTest", "%s", NONE, TEST_READ),
    Hid2Nut("ups.delay.shutdown", "PowercomUPS.PowercomPowerConverter.PowercomDelayBeforeShutdown", "%.0f"),
    Hid2Nut("ups.delay.start", "PowercomUPS.PowercomPowerConverter.PowercomDelayBeforeStartup", "%.0f"),
    Hid2Nut("load.off", "PowercomUPS.PowercomPowerConverter.PowercomDelayBeforeShutdown", "0", CMD),
)

#: a PowerCOM serial unit behind a USB bridge: NUT's powercom driver, not usbhid-ups
_SERIAL_BRIDGE = 0x0002
#: units whose descriptor only works through interrupt reports
_INTERRUPT_ONLY = MappingProxyType({"interrupt_only": True, "interrupt_size": 8})


def _claim(sub: Subdriver, info: DeviceInfo, ctx: ClaimContext) -> Claim | None:
    answer, _ = supported(sub.ids, info)
    if answer == Support.SUPPORTED:
        return Claim(_INTERRUPT_ONLY if info.product_id == 0x0001 else MappingProxyType({}))
    if answer == Support.POSSIBLY and info.product_id != _SERIAL_BRIDGE and ctx.productid_given:
        return Claim()
    return None


POWERCOM = Subdriver(
    name="PowerCOM HID 0.6",
    short="powercom",
    ids=tuple(UsbId(POWERCOM_VENDOR, p) for p in (0x00A2, 0x00A3, 0x00A4, 0x00A5, 0x00A6,
                                                   0x0004, 0x0001)),
    usages=UsageTable(_USAGES, POWER_DEVICE, BATTERY_SYSTEM),
    table=_TABLE,
    rule=_claim,
    format_mfr=vendor_format("PowerCOM"),
)
