"""Tripp Lite (and HP T/R series) units over USB (NUT 2.8.0 tripplite-hid.c,
"TrippLite HID 0.84").

Tripp Lite firmware reports some values off by a power of ten: NUT keeps a
scale per product id (battery voltage, and for the SMART1500LCDT family the
line voltages, frequencies and currents too).
"""

from __future__ import annotations

from collections.abc import Callable
from types import MappingProxyType

from nutrio.protocol.devices.hid.hid2nut import (
    ABSENT,
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
    NONE,
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
    Conversion,
    Hid2Nut,
    Lookup,
    func_lookup,
)
from nutrio.protocol.devices.hid.subdriver import (
    Claim,
    ClaimContext,
    DeviceInfo,
    Settings,
    Subdriver,
    Support,
    UsbId,
    supported,
)
from nutrio.protocol.devices.hid.usages import BATTERY_SYSTEM, POWER_DEVICE, UsageTable, page

__all__ = ["TRIPPLITE"]

TRIPPLITE_VENDOR = 0x09AE
HP_VENDOR = 0x03F0
DELTA_VENDOR = 0x05DD

_USAGES = page("""
    ffff0010:TLCustom ffff0056:TLDelayBeforeStartup ffff0057:TLLowVoltageTransferMax
    ffff0058:TLLowVoltageTransferMin ffff0059:TLHighVoltageTransferMax
    ffff005a:TLHighVoltageTransferMin ffff007a:OutletState ffff007b:OutletCount
    ffff007c:UPSFirmwareVersion ffff007d:CommunicationProtocolVersion
    ffff007e:CommunicationVersion ffff007f:iUPSPartNumber ffff0080:AutoOnDelay
    ffff0092:TLWatchdog ffff0095:TLOutletsAvailableMask ffff0096:TLOutletsStatusMask
    00840044:TLCharging 00840045:TLDischarging 0084004b:TLNeedReplacement 008400d0:TLACPresent
""")


def _scales(battery: float, voltage: float = 1.0, frequency: float = 1.0,
            current: float = 1.0) -> Callable[[DeviceInfo], Settings]:
    settings = MappingProxyType({"tl_battery": battery, "tl_voltage": voltage,
                                 "tl_frequency": frequency, "tl_current": current})
    return lambda info: settings


_TENTH, _ONE = _scales(0.1), _scales(1.0)
#: SMART1500LCDT and alike report volts in 10 uV and hertz and amperes in hundreds
_SMART1500LCDT = _scales(100000.0, 100000.0, 0.01, 0.01)

_IDS = (
    *(UsbId(TRIPPLITE_VENDOR, p, _TENTH) for p in (0x1003, 0x1007, 0x1008, 0x1009, 0x1010)),
    UsbId(TRIPPLITE_VENDOR, 0x1330, _ONE),
    *(UsbId(TRIPPLITE_VENDOR, p, _TENTH) for p in (0x2005, 0x2007, 0x2008, 0x2009, 0x2010,
                                                    0x2011, 0x2012, 0x2013, 0x2014)),
    *(UsbId(TRIPPLITE_VENDOR, p, _ONE) for p in (0x3008, 0x3009, 0x3010, 0x3011, 0x3012,
                                                  0x3013, 0x3014, 0x3015)),
    UsbId(TRIPPLITE_VENDOR, 0x3016, _SMART1500LCDT),
    UsbId(TRIPPLITE_VENDOR, 0x3024, _SMART1500LCDT),
    *(UsbId(TRIPPLITE_VENDOR, p, _ONE) for p in (0x4001, 0x4002, 0x4003, 0x4004, 0x4005,
                                                  0x4006, 0x4007, 0x4008)),
    *(UsbId(HP_VENDOR, p, _ONE) for p in (0x0001, 0x1FE0, 0x1FE1, 0x1FE2, 0x1FE3, 0x1F06,
                                           0x1F08, 0x1F09, 0x1F0A)),
    UsbId(DELTA_VENDOR, 0xA011, _ONE),
)


def _chemistry(value: float, conv: Conversion) -> str | None:
    """These two models answer garbage for the chemistry string."""
    if conv.get("ups.productid") in ("1003", "2005"):
        return "unknown"
    return conv.string(int(value))


def _scaled(key: str) -> Lookup:
    def fun(value: float, conv: Conversion) -> str | None:
        scale = conv.scratch.get(key, 1.0)
        assert isinstance(scale, float)
        return f"{scale * value:.1f}"[:7]  # an 8-byte buffer

    return func_lookup(fun)


_TRIPPLITE_CHEMISTRY = func_lookup(_chemistry)
_TRIPPLITE_BATTVOLT = _scaled("tl_battery")
_TRIPPLITE_IOVOLT = _scaled("tl_voltage")
_TRIPPLITE_IOFREQ = _scaled("tl_frequency")
_TRIPPLITE_IOAMP = _scaled("tl_current")

_TABLE: tuple[Hid2Nut, ...] = (
    Hid2Nut("device.part", "UPS.TLCustom.[1].iUPSPartNumber", "%s", STATIC, STRING_ID),
    Hid2Nut("battery.charge", "UPS.PowerSummary.RemainingCapacity", "%.0f"),
    Hid2Nut("battery.charge", "UPS.BatterySystem.Battery.RemainingCapacity", "%.0f"),
    Hid2Nut("battery.charge.low", "UPS.PowerSummary.RemainingCapacityLimit", "%.0f", SEMI, rw=True, string_len=5),
    Hid2Nut("battery.charge.warning", "UPS.PowerSummary.WarningCapacityLimit", "%.0f"),
    Hid2Nut("battery.runtime", "UPS.PowerSummary.RunTimeToEmpty", "%.0f"),
    Hid2Nut("battery.voltage.nominal", "UPS.BatterySystem.Battery.ConfigVoltage", "%.1f", STATIC),
    Hid2Nut("battery.voltage", "UPS.BatterySystem.Battery.Voltage", "%s", NONE, _TRIPPLITE_BATTVOLT),
    Hid2Nut("battery.type", "UPS.PowerSummary.iDeviceChemistry", "%s", STATIC, _TRIPPLITE_CHEMISTRY),
    Hid2Nut("battery.temperature", "UPS.BatterySystem.Temperature", "%s", NONE, KELVIN_CELSIUS),
    Hid2Nut("ups.delay.start", "UPS.OutletSystem.Outlet.DelayBeforeStartup", DEFAULT_ONDELAY, ABSENT, rw=True, string_len=10),
    Hid2Nut("ups.delay.start", "UPS.OutletSystem.Outlet.TLDelayBeforeStartup", DEFAULT_ONDELAY, ABSENT, rw=True, string_len=10),
    Hid2Nut("ups.delay.shutdown", "UPS.OutletSystem.Outlet.DelayBeforeShutdown", DEFAULT_OFFDELAY, ABSENT, rw=True, string_len=10),
    Hid2Nut("ups.timer.start", "UPS.OutletSystem.Outlet.DelayBeforeStartup", "%.0f", Q),
    Hid2Nut("ups.timer.start", "UPS.OutletSystem.Outlet.TLDelayBeforeStartup", "%.0f", Q),
    Hid2Nut("ups.timer.shutdown", "UPS.OutletSystem.Outlet.DelayBeforeShutdown", "%.0f", Q),
    Hid2Nut("ups.timer.reboot", "UPS.OutletSystem.Outlet.DelayBeforeReboot", "%.0f", Q),
    Hid2Nut("ups.test.result", "UPS.BatterySystem.Test", "%s", NONE, TEST_READ),
    Hid2Nut("ups.beeper.status", "UPS.PowerSummary.AudibleAlarmControl", "%s", NONE, BEEPER),
    Hid2Nut("ups.power.nominal", "UPS.Flow.ConfigApparentPower", "%.0f", STATIC),
    Hid2Nut("ups.power", "UPS.OutletSystem.Outlet.ActivePower", "%.1f"),
    Hid2Nut("ups.power", "UPS.PowerConverter.Output.ActivePower", "%.1f"),
    Hid2Nut("ups.load", "UPS.OutletSystem.Outlet.PercentLoad", "%.0f"),
    Hid2Nut("ups.firmware", "UPS.TLCustom.[1].UPSFirmwareVersion", "%.0f", STATIC),
    Hid2Nut("ups.watchdog.status", "UPS.OutletSystem.Outlet.TLWatchdog", "%.0f"),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.InternalFailure", None, NONE, COMMFAULT),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.ShutdownImminent", None, NONE, SHUTDOWNIMM),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.ACPresent", None, Q, ONLINE),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.BelowRemainingCapacityLimit", None, Q, LOWBATT),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.FullyCharged", None, Q, FULLYCHARGED),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.Charging", None, Q, CHARGING),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.Discharging", None, Q, DISCHARGING),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.FullyDischarged", None, Q, DEPLETED),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.NeedReplacement", None, NONE, REPLACEBATT),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.TLACPresent", None, Q, ONLINE),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.TLDischarging", None, Q, DISCHARGING),
    Hid2Nut("ups.load.nominal", "UPS.Flow.ConfigPercentLoad", "%.0f"),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.TLCharging", None, Q, CHARGING),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.TLNeedReplacement", None, NONE, REPLACEBATT),
    Hid2Nut("BOOL", "UPS.PowerConverter.PresentStatus.VoltageOutOfRange", None, NONE, VRANGE),
    Hid2Nut("BOOL", "UPS.PowerConverter.PresentStatus.Buck", None, NONE, TRIM),
    Hid2Nut("BOOL", "UPS.PowerConverter.PresentStatus.Boost", None, NONE, BOOST),
    Hid2Nut("BOOL", "UPS.PowerConverter.PresentStatus.Overload", None, NONE, OVERLOAD),
    Hid2Nut("BOOL", "UPS.PowerConverter.PresentStatus.OverTemperature", None, NONE, OVERHEAT),
    Hid2Nut("BOOL", "UPS.PowerConverter.PresentStatus.InternalFailure", None, NONE, COMMFAULT),
    Hid2Nut("BOOL", "UPS.PowerConverter.PresentStatus.AwaitingPower", None, NONE, AWAITINGPOWER),
    Hid2Nut("input.voltage.nominal", "UPS.PowerSummary.Input.ConfigVoltage", "%.0f", STATIC),
    Hid2Nut("input.voltage", "UPS.PowerSummary.Input.Voltage", "%s", NONE, _TRIPPLITE_IOVOLT),
    Hid2Nut("input.voltage", "UPS.PowerConverter.Input.Voltage", "%s", NONE, _TRIPPLITE_IOVOLT),
    Hid2Nut("input.frequency", "UPS.PowerConverter.Input.Frequency", "%s", NONE, _TRIPPLITE_IOFREQ),
    Hid2Nut("input.transfer.low", "UPS.PowerConverter.Output.LowVoltageTransfer", "%.1f", SEMI, rw=True, string_len=5),
    Hid2Nut("input.transfer.low.max", "UPS.PowerConverter.Output.TLLowVoltageTransferMax", "%.0f", STATIC),
    Hid2Nut("input.transfer.low.min", "UPS.PowerConverter.Output.TLLowVoltageTransferMin", "%.0f", STATIC),
    Hid2Nut("input.transfer.high", "UPS.PowerConverter.Output.HighVoltageTransfer", "%.1f", SEMI, rw=True, string_len=5),
    Hid2Nut("input.transfer.high.max", "UPS.PowerConverter.Output.TLHighVoltageTransferMax", "%.0f", STATIC),
    Hid2Nut("input.transfer.high.min", "UPS.PowerConverter.Output.TLHighVoltageTransferMin", "%.0f", STATIC),
    Hid2Nut("output.voltage.nominal", "UPS.Flow.ConfigVoltage", "%.0f", STATIC),
    Hid2Nut("output.voltage", "UPS.PowerConverter.Output.Voltage", "%s", NONE, _TRIPPLITE_IOVOLT),
    Hid2Nut("output.voltage", "UPS.PowerSummary.Voltage", "%s", NONE, _TRIPPLITE_IOVOLT),
    Hid2Nut("output.current", "UPS.PowerConverter.Output.Current", "%s", NONE, _TRIPPLITE_IOAMP),
    Hid2Nut("output.frequency.nominal", "UPS.Flow.ConfigFrequency", "%.0f", STATIC),
    Hid2Nut("output.frequency", "UPS.PowerConverter.Output.Frequency", "%s", NONE, _TRIPPLITE_IOFREQ),
    Hid2Nut("test.battery.start.quick", "UPS.BatterySystem.Test", "1", CMD),
    Hid2Nut("test.battery.start.deep", "UPS.BatterySystem.Test", "2", CMD),
    Hid2Nut("test.battery.stop", "UPS.BatterySystem.Test", "3", CMD),
    Hid2Nut("load.off.delay", "UPS.OutletSystem.Outlet.DelayBeforeShutdown", DEFAULT_OFFDELAY, CMD),
    Hid2Nut("load.on.delay", "UPS.OutletSystem.Outlet.DelayBeforeStartup", DEFAULT_ONDELAY, CMD),
    Hid2Nut("load.on.delay", "UPS.OutletSystem.Outlet.TLDelayBeforeStartup", DEFAULT_ONDELAY, CMD),
    Hid2Nut("shutdown.stop", "UPS.OutletSystem.Outlet.DelayBeforeShutdown", "-1", CMD),
    Hid2Nut("shutdown.reboot", "UPS.OutletSystem.Outlet.DelayBeforeReboot", "10", CMD),
    Hid2Nut("shutdown.reboot", "UPS.OutletSystem.Outlet.TLWatchdog", "10", CMD),
    Hid2Nut("reset.watchdog", "UPS.OutletSystem.Outlet.TLWatchdog", "60", CMD),
    Hid2Nut("beeper.on", "UPS.PowerSummary.AudibleAlarmControl", "2", CMD),
    Hid2Nut("beeper.off", "UPS.PowerSummary.AudibleAlarmControl", "3", CMD),
    Hid2Nut("beeper.disable", "UPS.PowerSummary.AudibleAlarmControl", "1", CMD),
    Hid2Nut("beeper.enable", "UPS.PowerSummary.AudibleAlarmControl", "2", CMD),
    Hid2Nut("beeper.mute", "UPS.PowerSummary.AudibleAlarmControl", "3", CMD),
)

#: old Tripp Lite protocol units: NUT's tripplite_usb driver, not usbhid-ups
_OLD_PROTOCOL = 0x0001


def _claim(sub: Subdriver, info: DeviceInfo, ctx: ClaimContext) -> Claim | None:
    answer, settings = supported(sub.ids, info)
    if answer == Support.SUPPORTED:
        return Claim(settings)
    if answer != Support.POSSIBLY or not ctx.productid_given:
        return None
    if info.vendor_id == HP_VENDOR:
        return Claim()
    if info.vendor_id == TRIPPLITE_VENDOR and info.product_id != _OLD_PROTOCOL:
        return Claim()
    return None


TRIPPLITE = Subdriver(
    name="TrippLite HID 0.84",
    short="tripplite",
    ids=_IDS,
    usages=UsageTable(_USAGES, POWER_DEVICE, BATTERY_SYSTEM),
    table=_TABLE,
    rule=_claim,
)
