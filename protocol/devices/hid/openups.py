"""Mini-Box openUPS over USB (NUT 2.8.0 openups-hid.c, "openUPS HID 0.5").

The openUPS reports raw ADC counts: NUT scales voltages and currents per
product, and turns the thermistor reading into degrees through a table.
"""

from __future__ import annotations

from types import MappingProxyType

from nutrio.protocol.devices.hid.hid2nut import (
    COMMFAULT,
    LOWBATT,
    NONE,
    OVERHEAT,
    OVERLOAD,
    Q,
    REPLACEBATT,
    SHUTDOWNIMM,
    STATIC,
    STRING_ID,
    TIMELIMITEXPIRED,
    Conversion,
    Hid2Nut,
    Lookup,
    func_lookup,
    truthy,
)
from nutrio.protocol.devices.hid.subdriver import (
    DeviceInfo,
    Settings,
    Subdriver,
    UsbId,
    vendor_format,
)
from nutrio.protocol.devices.hid.usages import BATTERY_SYSTEM, POWER_DEVICE, UsageTable, page

__all__ = ["OPENUPS"]

OPENUPS_VENDOR = 0x04D8

_USAGES = page("""
    00000001:Cell1 00000002:Cell2 00000003:Cell3 00000004:Cell4 00000005:Cell5 00000006:Cell6
""")

#: (input V, output V, charge A, discharge A) scales per product (get_voltage_multiplier)
_SCALES = {
    0xD004: (0.03545 * 100, 0.02571 * 100, 0.8274 / 10, 16.113 / 10),
    0xD005: (0.1, 0.1, 0.1, 0.1),
}


def _scales(info: DeviceInfo) -> Settings:
    vin, vout, charge, discharge = _SCALES.get(info.product_id, (1.0, 1.0, 1.0, 1.0))
    return MappingProxyType({"openups_vin": vin, "openups_vout": vout,
                             "openups_ccharge": charge, "openups_cdischarge": discharge})


def _scaled(key: str, digits: int) -> Lookup:
    def fun(value: float, conv: Conversion) -> str | None:
        scale = conv.scratch.get(key, 1.0)
        assert isinstance(scale, float)
        return f"{value * scale:.{digits}f}"

    return func_lookup(fun)


#: thermistor counts at -40, -35, ... 125 degrees Celsius
_THERMISTOR = (
    0x31, 0x40, 0x53, 0x68, 0x82, 0xA0, 0xC3, 0xE9, 0x113, 0x13F, 0x16E, 0x19F, 0x1CF, 0x200,
    0x22F, 0x25C, 0x286, 0x2AE, 0x2D3, 0x2F4, 0x312, 0x32D, 0x345, 0x35A, 0x36D, 0x37E, 0x38C,
    0x399, 0x3A5, 0x3AF, 0x3B7, 0x3BF, 0x3C6, 0x3CC,
)


def _temperature(value: float, conv: Conversion) -> str | None:
    """openups_temperature_fun: linear between the table's points."""
    counts = int(value * 100) & 0xFFFFFFFF  # unsigned int in NUT
    if counts <= _THERMISTOR[0]:
        return "-40"
    if counts >= _THERMISTOR[-1]:
        return "125"
    pos = max(i for i, c in enumerate(_THERMISTOR) if counts >= c)
    if counts == _THERMISTOR[pos]:
        return f"{pos * 5 - 40}"
    t1, t2 = pos * 5 - 40, (pos + 1) * 5 - 40
    d1, d2 = _THERMISTOR[pos], _THERMISTOR[pos + 1]
    return f"{(counts - d1) * (t2 - t1) / (d2 - d1) + t1:.2f}"


_OPENUPS_CHARGING_INFO = truthy("chrg")
_OPENUPS_DISCHARGING_INFO = truthy("dischrg")
_OPENUPS_ONLINE_INFO = truthy("online")
_OPENUPS_NOBATTERY_INFO = truthy("nobattery")
_OPENUPS_OFF_INFO = func_lookup(lambda value, conv: "!off" if value else "off")
_OPENUPS_VIN_INFO = _scaled("openups_vin", 2)
_OPENUPS_VOUT_INFO = _scaled("openups_vout", 2)
_OPENUPS_CCHARGE_INFO = _scaled("openups_ccharge", 3)
_OPENUPS_CDISCHARGE_INFO = _scaled("openups_cdischarge", 3)
_OPENUPS_TEMPERATURE_INFO = func_lookup(_temperature)

_TABLE: tuple[Hid2Nut, ...] = (
    Hid2Nut("ups.serial", "UPS.PowerSummary.iSerialNumber", "%s", NONE, STRING_ID),
    Hid2Nut("battery.type", "UPS.PowerSummary.iDeviceChemistry", "%s", STATIC, STRING_ID),
    Hid2Nut("battery.mfr.date", "UPS.PowerSummary.iOEMInformation", "%s", STATIC, STRING_ID),
    Hid2Nut("battery.voltage", "UPS.PowerSummary.Voltage", "%.2f", Q),
    Hid2Nut("battery.current", "UPS.PowerSummary.Current", "%.3f", Q),
    Hid2Nut("battery.capacity", "UPS.PowerSummary.DesignCapacity", "%.0f", STATIC),
    Hid2Nut("battery.charge", "UPS.PowerSummary.RemainingCapacity", "%.0f", Q),
    Hid2Nut("battery.charge.low", "UPS.PowerSummary.RemainingCapacityLimit", "%.0f", Q),
    Hid2Nut("battery.charge.warning", "UPS.PowerSummary.WarningCapacityLimit", "%.0f"),
    Hid2Nut("battery.runtime", "UPS.PowerSummary.RunTimeToEmpty", "%.0f", Q),
    Hid2Nut("battery.temperature", "UPS.PowerSummary.Temperature", None, Q, _OPENUPS_TEMPERATURE_INFO),
    Hid2Nut("output.voltage", "UPS.PowerSummary.Output.Voltage", None, Q, _OPENUPS_VOUT_INFO),
    Hid2Nut("output.current", "UPS.PowerSummary.Output.Current", None, Q, _OPENUPS_CDISCHARGE_INFO),
    Hid2Nut("input.voltage", "UPS.PowerSummary.Input.Voltage", None, Q, _OPENUPS_VIN_INFO),
    Hid2Nut("input.current", "UPS.PowerSummary.Input.Current", None, Q, _OPENUPS_CCHARGE_INFO),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.Good", None, Q, _OPENUPS_OFF_INFO),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.InternalFailure", None, Q, COMMFAULT),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.Overload", None, Q, OVERLOAD),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.OverTemperature", None, Q, OVERHEAT),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.ShutdownImminent", None, Q, SHUTDOWNIMM),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.BelowRemainingCapacityLimit", None, Q, LOWBATT),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.RemainingTimeLimitExpired", None, Q, TIMELIMITEXPIRED),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.Charging", None, Q, _OPENUPS_CHARGING_INFO),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.Discharging", None, Q, _OPENUPS_DISCHARGING_INFO),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.NeedReplacement", None, NONE, REPLACEBATT),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.ACPresent", None, Q, _OPENUPS_ONLINE_INFO),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.BatteryPresent", None, Q, _OPENUPS_NOBATTERY_INFO),
)

OPENUPS = Subdriver(
    name="openUPS HID 0.5",
    short="openups",
    ids=(UsbId(OPENUPS_VENDOR, 0xD004, _scales), UsbId(OPENUPS_VENDOR, 0xD005, _scales)),
    usages=UsageTable(_USAGES, POWER_DEVICE, BATTERY_SYSTEM),
    table=_TABLE,
    format_mfr=vendor_format("openUPS"),
)
