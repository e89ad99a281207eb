"""Eaton / MGE UPS SYSTEMS units over USB (the main rows of NUT's mge-hid.c).

Quirk kept: Advanced Battery Monitoring. When the charger reports ABM
enabled, CHRG/DISCHRG come from the charger mode (charging, floating,
discharging, resting, off) rather than the PresentStatus bits, and the mode
is served as battery.charger.status.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from nutrio.protocol.devices.hid.hid2nut import (
    BEEPER,
    BOOST,
    COMMFAULT,
    DEFAULT_OFFDELAY,
    DEFAULT_ONDELAY,
    FANFAIL,
    KELVIN_CELSIUS,
    LOWBATT,
    NOBATTERY,
    OFF,
    ONLINE,
    OVERHEAT,
    OVERLOAD,
    REPLACEBATT,
    SHUTDOWNIMM,
    STRING_ID,
    TEST_READ,
    TRIM,
    Conversion,
    Hid2Nut,
    HuFlag,
    Lookup,
    func_lookup,
)
from nutrio.protocol.devices.hid.subdriver import DeviceInfo, ItemString, Subdriver
from nutrio.protocol.devices.hid.usages import BATTERY_SYSTEM, POWER_DEVICE, UsageTable

__all__ = ["MGE"]

_NAMES = """
    01:STS 02:Environment 03:Statistic 04:StatisticSystem 05:USB 10:Phase 11:PhaseID
    12:Chopper 13:ChopperID 14:Inverter 15:InverterID 16:Rectifier 17:RectifierID
    18:LCMSystem 19:LCMSystemID 1a:LCMAlarm 1b:LCMAlarmID 1c:HistorySystem 1d:HistorySystemID
    1e:Event 1f:EventID 20:CircuitBreaker 21:TransferForbidden 22:OverallAlarm 23:Dephasing
    24:BypassBreaker 25:PowerModule 26:PowerRate 27:PowerSource 28:CurrentPowerSource
    29:RedundancyLevel 2a:RedundancyLost 2b:NotificationStatus 2c:ProtectionLost
    2d:ConfigurationFailure 2e:CompatibilityFailure 40:SwitchType 41:ConverterType
    42:FrequencyConverterMode 43:AutomaticRestart 44:ForcedReboot 45:TestPeriod 46:EnergySaving
    47:StartOnBattery 48:Schedule 49:DeepDischargeProtection 4a:ShortCircuit
    4b:ExtendedVoltageMode 4c:SensitivityMode 4d:RemainingCapacityLimitSetting
    4e:ExtendedFrequencyMode 4f:FrequencyConverterModeSetting 50:LowVoltageBoostTransfer
    51:HighVoltageBoostTransfer 52:LowVoltageBuckTransfer 53:HighVoltageBuckTransfer
    54:OverloadTransferEnable 55:OutOfToleranceTransferEnable 56:ForcedTransferEnable
    57:LowVoltageBypassTransfer 58:HighVoltageBypassTransfer 59:FrequencyRangeBypassTransfer
    5a:LowVoltageEcoTransfer 5b:HighVoltageEcoTransfer 5c:FrequencyRangeEcoTransfer
    5d:ShutdownTimer 5e:StartupTimer 5f:RestartLevel 60:PhaseOutOfRange 61:CurrentLimitation
    62:ThermalOverload 63:SynchroSource 64:FuseFault 65:ExternalProtectedTransfert
    66:ExternalForcedTransfert 67:Compensation 68:EmergencyStop 69:PowerFactor 6a:PeakFactor
    6b:ChargerType 74:VoltageTooHigh 75:VoltageTooLow 77:FanFailure 78:WiringFault 79:Floating
    7a:OverCurrent 7e:OverThreshold 86:Efficiency 87:ABMEnable 90:Count 91:Timer 92:Interval
    93:TimerExpired 94:Mode 95:Country 96:State 97:Time 98:Code 99:DataValid e0:COPIBridge
    e1:Gateway e5:System e9:Status f0:iModel f1:iVersion f2:iTechnicalLevel f3:iPartNumber
    f4:iReferenceNumber f5:iGang
"""
_USAGES: Mapping[str, int] = MappingProxyType({
    name: 0xFFFF0000 | int(code, 16) for code, name in (p.split(":") for p in _NAMES.split())
})


def _abm_enabled(value: float, conv: Conversion) -> str | None:
    conv.scratch["abm"] = int(value) == 1
    return None  # stored, not served


def _abm_status(value: float, conv: Conversion) -> str | None:
    if conv.scratch.get("abm") is False:
        return None
    return {1: "charging", 2: "discharging", 3: "floating", 4: "resting", 6: "off"}.get(int(value))


def _abm_chrg_dischrg(value: float, conv: Conversion) -> str | None:
    if conv.scratch.get("abm") is False:
        return None
    return {1: "chrg", 3: "chrg", 2: "dischrg"}.get(int(value))


def _legacy(word: str) -> Lookup:
    """Charging/Discharging bits count only while ABM is off (NUT: ABM_DISABLED)."""

    def fun(value: float, conv: Conversion) -> str | None:
        if conv.scratch.get("abm") is False and int(value) == 1:
            return word
        return f"!{word}"

    return func_lookup(fun)


def _converter_online(value: float, conv: Conversion) -> str | None:
    """Input [1] used means online, unless the unit is off."""
    bits = conv.scratch.get("bits")
    if isinstance(bits, set) and "off" in bits:
        return None
    return "!online" if int(value) == 0 else "online"


Q, SEMI, ABSENT, CMD, STATIC = (
    HuFlag.QUICK_POLL, HuFlag.SEMI_STATIC, HuFlag.ABSENT, HuFlag.CMD, HuFlag.STATIC,
)
PS, BAT, CONV = "UPS.PowerSummary", "UPS.BatterySystem", "UPS.PowerConverter"

_TABLE: tuple[Hid2Nut, ...] = (
    Hid2Nut("battery.charge", f"{PS}.RemainingCapacity", "%.0f"),
    Hid2Nut("battery.charge.low", f"{PS}.RemainingCapacityLimitSetting", "%.0f", SEMI,
            rw=True, string_len=5),
    Hid2Nut("battery.charge.low", f"{PS}.RemainingCapacityLimit", "%.0f", STATIC),
    Hid2Nut("battery.runtime", f"{PS}.RunTimeToEmpty", "%.0f"),
    Hid2Nut("battery.runtime.low", f"{PS}.RemainingTimeLimit", "%.0f", rw=True, string_len=10),
    Hid2Nut("battery.temperature", f"{BAT}.Battery.Temperature", "%s", lookup=KELVIN_CELSIUS),
    Hid2Nut("battery.type", f"{PS}.iDeviceChemistry", "%s", STATIC, STRING_ID),
    Hid2Nut("battery.voltage", f"{BAT}.Voltage", "%.1f"),
    Hid2Nut("battery.voltage.nominal", f"{BAT}.ConfigVoltage", "%.0f", STATIC),
    Hid2Nut("battery.charger.status", f"{BAT}.Charger.ABMEnable", "%.0f", Q,
            func_lookup(_abm_enabled)),
    Hid2Nut("battery.charger.status", f"{BAT}.Charger.Mode", "%.0f", Q, func_lookup(_abm_status)),
    Hid2Nut("ups.firmware", f"{PS}.iVersion", "%s", STATIC, STRING_ID),
    Hid2Nut("ups.load", f"{PS}.PercentLoad", "%.0f"),
    Hid2Nut("ups.delay.start", f"{PS}.DelayBeforeStartup", DEFAULT_ONDELAY, ABSENT,
            rw=True, string_len=10),
    Hid2Nut("ups.delay.shutdown", f"{PS}.DelayBeforeShutdown", DEFAULT_OFFDELAY, ABSENT,
            rw=True, string_len=10),
    Hid2Nut("ups.timer.start", f"{PS}.DelayBeforeStartup", "%.0f", Q),
    Hid2Nut("ups.timer.shutdown", f"{PS}.DelayBeforeShutdown", "%.0f", Q),
    Hid2Nut("ups.timer.reboot", f"{PS}.DelayBeforeReboot", "%.0f", Q),
    Hid2Nut("ups.test.result", f"{BAT}.Battery.Test", "%s", lookup=TEST_READ),
    Hid2Nut("ups.beeper.status", f"{BAT}.Battery.AudibleAlarmControl", "%s", SEMI, BEEPER),
    Hid2Nut("ups.beeper.status", f"{PS}.AudibleAlarmControl", "%s", SEMI, BEEPER),
    Hid2Nut("ups.beeper.status", "UPS.AudibleAlarmControl", "%s", SEMI, BEEPER),
    Hid2Nut("ups.temperature", f"{PS}.Temperature", "%s", lookup=KELVIN_CELSIUS),
    Hid2Nut("ups.power", f"{CONV}.Output.ApparentPower", "%.0f"),
    Hid2Nut("ups.power.nominal", "UPS.Flow.[4].ConfigApparentPower", "%.0f", STATIC),
    Hid2Nut("ups.realpower", f"{CONV}.Output.ActivePower", "%.0f"),
    Hid2Nut("ups.realpower.nominal", "UPS.Flow.[4].ConfigActivePower", "%.0f", STATIC),
    Hid2Nut("BOOL", f"{PS}.PresentStatus.ACPresent", None, Q, ONLINE),
    Hid2Nut("BOOL", f"{PS}.PresentStatus.Discharging", None, Q, _legacy("dischrg")),
    Hid2Nut("BOOL", f"{PS}.PresentStatus.Charging", None, Q, _legacy("chrg")),
    Hid2Nut("BOOL", f"{BAT}.Charger.Mode", "%.0f", Q, func_lookup(_abm_chrg_dischrg)),
    Hid2Nut("BOOL", f"{PS}.PresentStatus.BelowRemainingCapacityLimit", None, Q, LOWBATT),
    Hid2Nut("BOOL", f"{PS}.PresentStatus.Overload", None, HuFlag.NONE, OVERLOAD),
    Hid2Nut("BOOL", f"{PS}.PresentStatus.NeedReplacement", None, HuFlag.NONE, REPLACEBATT),
    Hid2Nut("BOOL", f"{CONV}.Input.[1].PresentStatus.Buck", None, HuFlag.NONE, TRIM),
    Hid2Nut("BOOL", f"{CONV}.Input.[1].PresentStatus.Boost", None, HuFlag.NONE, BOOST),
    Hid2Nut("BOOL", f"{PS}.PresentStatus.Good", None, HuFlag.NONE, OFF),
    Hid2Nut("BOOL", f"{CONV}.Input.[1].PresentStatus.Used", None, HuFlag.NONE,
            func_lookup(_converter_online)),
    Hid2Nut("BOOL", f"{PS}.PresentStatus.FanFailure", None, HuFlag.NONE, FANFAIL),
    Hid2Nut("BOOL", f"{BAT}.Battery.PresentStatus.Present", None, HuFlag.NONE, NOBATTERY),
    Hid2Nut("BOOL", f"{PS}.PresentStatus.InternalFailure", None, HuFlag.NONE, COMMFAULT),
    Hid2Nut("BOOL", f"{PS}.PresentStatus.OverTemperature", None, HuFlag.NONE, OVERHEAT),
    Hid2Nut("BOOL", f"{PS}.PresentStatus.ShutdownImminent", None, HuFlag.NONE, SHUTDOWNIMM),
    Hid2Nut("input.voltage", f"{CONV}.Input.[1].Voltage", "%.1f"),
    Hid2Nut("input.voltage.nominal", "UPS.Flow.[1].ConfigVoltage", "%.0f", STATIC),
    Hid2Nut("input.current", f"{CONV}.Input.[1].Current", "%.2f"),
    Hid2Nut("input.frequency", f"{CONV}.Input.[1].Frequency", "%.1f"),
    Hid2Nut("input.frequency.nominal", "UPS.Flow.[1].ConfigFrequency", "%.0f", STATIC),
    Hid2Nut("input.transfer.low", f"{CONV}.Output.LowVoltageTransfer", "%.0f", SEMI,
            rw=True, string_len=5),
    Hid2Nut("input.transfer.high", f"{CONV}.Output.HighVoltageTransfer", "%.0f", SEMI,
            rw=True, string_len=5),
    Hid2Nut("output.voltage", f"{CONV}.Output.Voltage", "%.1f"),
    Hid2Nut("output.voltage.nominal", "UPS.Flow.[4].ConfigVoltage", "%.0f", SEMI),
    Hid2Nut("output.current", f"{CONV}.Output.Current", "%.2f"),
    Hid2Nut("output.frequency", f"{CONV}.Output.Frequency", "%.1f"),
    Hid2Nut("output.frequency.nominal", "UPS.Flow.[4].ConfigFrequency", "%.0f", STATIC),
    Hid2Nut("test.battery.start.quick", f"{BAT}.Battery.Test", "1", CMD),
    Hid2Nut("test.battery.start.deep", f"{BAT}.Battery.Test", "2", CMD),
    Hid2Nut("test.battery.stop", f"{BAT}.Battery.Test", "3", CMD),
    Hid2Nut("load.off.delay", f"{PS}.DelayBeforeShutdown", DEFAULT_OFFDELAY, CMD),
    Hid2Nut("load.on.delay", f"{PS}.DelayBeforeStartup", DEFAULT_ONDELAY, CMD),
    Hid2Nut("shutdown.stop", f"{PS}.DelayBeforeShutdown", "-1", CMD),
    Hid2Nut("shutdown.reboot", f"{PS}.DelayBeforeReboot", "10", CMD),
    Hid2Nut("beeper.on", f"{PS}.AudibleAlarmControl", "2", CMD),
    Hid2Nut("beeper.off", f"{PS}.AudibleAlarmControl", "3", CMD),
    Hid2Nut("beeper.enable", f"{PS}.AudibleAlarmControl", "2", CMD),
    Hid2Nut("beeper.disable", f"{PS}.AudibleAlarmControl", "1", CMD),
    Hid2Nut("beeper.mute", f"{PS}.AudibleAlarmControl", "3", CMD),
)


def _describe(info: DeviceInfo, item_string: ItemString) -> Mapping[str, str | None]:
    """mge_format_*: the product string, plus the iModel string when the unit has one."""
    product = info.product or "unknown"
    model = item_string(f"{PS}.iModel")
    name = f"{product} {model}" if model else product
    return {"ups.mfr": info.vendor or "Eaton", "ups.model": name, "ups.serial": info.serial}


MGE = Subdriver(
    name="MGE HID 1.46",
    devices=MappingProxyType({
        0x0463: frozenset({0x0001, 0xFFFF}),  # MGE / Eaton
        0x047C: frozenset({0xFFFF}),  # Dell
        0x0592: frozenset({0x0004}),  # Powerware 9140
        0x03F0: frozenset({0x1FE5, 0x1FE6, 0x1FE7, 0x1FE8}),  # HP
        0x2B2D: frozenset({0xFFFF}),  # AEG
        0x06DA: frozenset({0xFFFF}),  # Phoenixtec (AEG PROTECT NAS)
        0x04B3: frozenset({0x0001}),  # IBM
    }),
    usages=UsageTable(_USAGES, POWER_DEVICE, BATTERY_SYSTEM),
    table=_TABLE,
    describe=_describe,
)
