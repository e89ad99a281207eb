"""EVER UPSes over USB (NUT 2.8.0 ever-hid.c, "Ever HID 0.1").

EVER keeps most values in its own page, named EVER1 ... EVER104 by NUT in the
order of their usages. A few values are read straight from report buffers:
the network card's addresses and counters (where one counter, shared by the
rows, walks through four reports in turn, as NUT's static counters do), the
work mode and the message and alarm bit fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from nutrio.protocol.devices.hid.hid2nut import (
    ABSENT,
    AWAITINGPOWER,
    BOOST,
    CHARGING,
    CMD,
    COMMFAULT,
    DEFAULT_OFFDELAY,
    DISCHARGING,
    KELVIN_CELSIUS,
    LOWBATT,
    NOBATTERY,
    NONE,
    ONLINE,
    OVERHEAT,
    OVERLOAD,
    Q,
    REPLACEBATT,
    SHUTDOWNIMM,
    TRIM,
    YES_NO,
    Conversion,
    Hid2Nut,
    Lookup,
    func_lookup,
)
from nutrio.protocol.devices.hid.subdriver import Subdriver, UsbId, vendor_format
from nutrio.protocol.devices.hid.usages import BATTERY_SYSTEM, POWER_DEVICE, UsageTable

__all__ = ["EVER"]

EVER_VENDOR = 0x2E51
STMICRO_VENDOR = 0x0483

#: the vendor usages, numbered EVER1 ... EVER104 in this order
_RANGES = ((0x00000000, 0x00000000), (0xFF000000, 0xFF000009), (0xFF000010, 0xFF000023),
           (0xFF000030, 0xFF000039), (0xFF000040, 0xFF000046), (0xFF000050, 0xFF000054),
           (0xFF000060, 0xFF000064), (0xFF000066, 0xFF00008B), (0xFF000090, 0xFF000097))
_USAGES: Mapping[str, int] = MappingProxyType({
    f"EVER{i + 1}": code
    for i, code in enumerate(c for first, last in _RANGES for c in range(first, last + 1))
})

_REVISIONS = "0ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _hardware(value: float, conv: Conversion) -> str | None:
    v = int(value) & 0xFFFFFFFF
    letter = (v & 0xFF00) >> 8
    revision = _REVISIONS[letter] if letter < len(_REVISIONS) else "?"
    return f"rev.{revision}v{v & 0xFF:02d}"[:9]  # a 10-byte buffer


def _version(value: float, conv: Conversion) -> str | None:
    v = int(value) & 0xFFFFFFFF
    return f"v{(v & 0xF000) >> 12:X}.{(v & 0xF00) >> 8:X}b{int(value) & 0xFF:02d}"[:9]


def _next_report(conv: Conversion, key: str, ids: tuple[int, ...]) -> int:
    """The report this call reads: each call moves a shared counter to the next one."""
    turn = conv.scratch.get(key, 0)
    assert isinstance(turn, int)
    conv.scratch[key] = (turn + 1) % len(ids)
    return ids[turn]


def _mac_address(value: float, conv: Conversion) -> str | None:
    return ":".join(f"{b:02x}" for b in conv.report(210)[1:])


def _ip_address(value: float, conv: Conversion) -> str | None:
    report = _next_report(conv, "ever_ip", (211, 230, 231, 232))
    return ".".join(f"{b}" for b in conv.report(report)[1:])


def _packets(value: float, conv: Conversion) -> str | None:
    data = conv.report(_next_report(conv, "ever_packets", (215, 216, 217, 218)))
    if len(data) < 5:
        return ""
    return f"{int.from_bytes(data[1:5], 'little', signed=True)}"


_WORKMODES = {1: "UNKNOWN", 2: "STOP", 4: "ONLINE", 8: "ONBATTERY", 16: "WATCH", 32: "WAITING",
              64: "EMERGENCY"}
_MESSAGES = ((0x04, "BOOST"), (0x08, "BUCK"), (0x10, "BOOST_BLOCKED"), (0x20, "BUCK_BLOCKED"),
             (0x40, "CHARGING"), (0x80, "FAN_ON"), (0x100, "EPO_BLOCKED"),
             (0x200, "NEED_REPLACMENT"), (0xC00, "OVERHEAT"), (0x1000, "WAITING_FOR_MIN_CHARGE"),
             (0x2000, "MAINS_OUT_OF_RANGE"))
_ALARMS = ((0x01, "OVERLOAD"), (0x02, "SHORT-CIRCUIT"), (0x0C, "OVERHEAT"), (0x10, "EPO"),
           (0x20, "INERNAL_ERROR"), (0x40, "REVERSE_POWER_SUPPLY"), (0x80, "NO_INETERNAL_COMM"),
           (0x100, "CRITICAL_BATT_VOLTAGE"))


def _byte(conv: Conversion, report: int, index: int) -> int:
    data = conv.report(report)
    return data[index] if index < len(data) else 0


def _workmode(value: float, conv: Conversion) -> str | None:
    return _WORKMODES.get(_byte(conv, 74, 1), "UNKNOWN")


def _words(report: int, table: tuple[tuple[int, str], ...]) -> Lookup:
    def fun(value: float, conv: Conversion) -> str | None:
        bits = _byte(conv, report, 1) | _byte(conv, report, 2) << 8
        return " ".join(word for mask, word in table if bits & mask)

    return func_lookup(fun)


def _on_off(value: float, conv: Conversion) -> str | None:
    return "!off" if _byte(conv, 74, 1) in (0x04, 0x08) else "off"


_EVER_FORMAT_HARDWARE = func_lookup(_hardware)
_EVER_FORMAT_VERSION = func_lookup(_version)
_EVER_MAC_ADDRESS = func_lookup(_mac_address)
_EVER_IP_ADDRESS = func_lookup(_ip_address)
_EVER_PACKETS = func_lookup(_packets)
_EVER_WORKMODE = func_lookup(_workmode)
_EVER_MESSAGES = _words(75, _MESSAGES)
_EVER_ALARMS = _words(76, _ALARMS)
_EVER_ON_OFF_INFO = func_lookup(_on_off)

_TABLE: tuple[Hid2Nut, ...] = (
    Hid2Nut("experimental.battery.batteryid", "UPS.BatterySystem.Battery.BatteryID", "%.0f"),
    Hid2Nut("experimental.battery.systemid", "UPS.BatterySystem.BatterySystemID", "%.0f"),
    Hid2Nut("experimental.battery.chargerid", "UPS.BatterySystem.Charger.ChargerID", "%.0f"),
    Hid2Nut("experimental.battery.input_flowid", "UPS.BatterySystem.Input.FlowID", "%.0f"),
    Hid2Nut("experimental.battery.input_id", "UPS.BatterySystem.Input.InputID", "%.0f"),
    Hid2Nut("experimental.battery.output_flowid", "UPS.BatterySystem.Output.FlowID", "%.0f"),
    Hid2Nut("experimental.battery.output_id", "UPS.BatterySystem.Output.OutputID", "%.0f"),
    Hid2Nut("experimental.id.firmware_version_inverter", "UPS.EVER1.EVER13", "%s", NONE, _EVER_FORMAT_VERSION),
    Hid2Nut("experimental.id.firmware_version_interfaces", "UPS.EVER1.EVER14", "%s", NONE, _EVER_FORMAT_VERSION),
    Hid2Nut("experimental.id.hardware_version", "UPS.EVER1.EVER15", "%s", NONE, _EVER_FORMAT_HARDWARE),
    Hid2Nut("experimental.id.protocol_version_inverter", "UPS.EVER1.EVER16", "%s", NONE, _EVER_FORMAT_VERSION),
    Hid2Nut("experimental.id.protocol_version_interfaces", "UPS.EVER1.EVER17", "%s", NONE, _EVER_FORMAT_VERSION),
    Hid2Nut("ups.temperature", "UPS.EVER1.EVER42", "%s", NONE, KELVIN_CELSIUS),
    Hid2Nut("battery.temperature", "UPS.EVER1.EVER43", "%s", NONE, KELVIN_CELSIUS),
    Hid2Nut("powerfactor", "UPS.EVER1.EVER44", "%.0f"),
    Hid2Nut("experimental.control.ups_on", "UPS.EVER1.EVER45.EVER46", "%.0f", rw=True),
    Hid2Nut("experimental.control.clear_fault", "UPS.EVER1.EVER45.EVER47", "%.0f", rw=True),
    Hid2Nut("experimental.control.clear_battery_fault", "UPS.EVER1.EVER45.EVER48", "%.0f", rw=True),
    Hid2Nut("experimental.control.epo_blocked", "UPS.EVER1.EVER49.EVER50", "%.0f", rw=True),
    Hid2Nut("experimental.control.green_mode", "UPS.EVER1.EVER49.EVER51", "%.0f", rw=True),
    Hid2Nut("experimental.control.button_sound", "UPS.EVER1.EVER49.EVER52", "%.0f", rw=True),
    Hid2Nut("experimental.control.audible_alarm", "UPS.EVER1.EVER49.EVER53", "%.0f", rw=True),
    Hid2Nut("output.voltage", "UPS.EVER1.EVER54", "%.0f", rw=True, string_len=3),
    Hid2Nut("experimental.config.overload_clearance_threshold", "UPS.EVER1.EVER59", "%.0f", rw=True, string_len=2),
    Hid2Nut("experimental.config.stb_charge", "UPS.EVER1.EVER60", "%.0f", rw=True, string_len=2),
    Hid2Nut("battery.packs.external", "UPS.EVER1.EVER61", "%.0f", rw=True, string_len=1),
    Hid2Nut("experimental.statistics.mains_loss_counter", "UPS.EVER1.EVER62", "%.0f"),
    Hid2Nut("experimental.statistics.lowering_AVR_trigger_counter", "UPS.EVER1.EVER63", "%.0f"),
    Hid2Nut("experimental.statistics.rising_AVR_trigger_counter", "UPS.EVER1.EVER64", "%.0f"),
    Hid2Nut("experimental.statistics.overload_counter", "UPS.EVER1.EVER65", "%.0f"),
    Hid2Nut("experimental.statistics.short_circuit_counter", "UPS.EVER1.EVER66", "%.0f"),
    Hid2Nut("experimental.statistics.discharge_counter", "UPS.EVER1.EVER67", "%.0f"),
    Hid2Nut("experimental.statistics.overheat_counter", "UPS.EVER1.EVER68", "%.0f"),
    Hid2Nut("experimental.statistics.mains_operation_time", "UPS.EVER1.EVER69", "%.0f"),
    Hid2Nut("experimental.statistics.autonomous_operation_time", "UPS.EVER1.EVER70", "%.0f"),
    Hid2Nut("experimental.statistics.overload_operation_time", "UPS.EVER1.EVER71", "%.0f"),
    Hid2Nut("experimental.networkcard.mac_address", "UPS.EVER1.EVER72", "%s", NONE, _EVER_MAC_ADDRESS),
    Hid2Nut("experimental.networkcard.notification_destination_ip", "UPS.EVER1.EVER73", "%s", NONE, _EVER_IP_ADDRESS),
    Hid2Nut("experimental.networkcard.send_packets", "UPS.EVER1.EVER77", "%s", NONE, _EVER_PACKETS),
    Hid2Nut("experimental.networkcard.received_packets", "UPS.EVER1.EVER78", "%s", NONE, _EVER_PACKETS),
    Hid2Nut("experimental.networkcard.send_packets_err", "UPS.EVER1.EVER79", "%s", NONE, _EVER_PACKETS),
    Hid2Nut("experimental.networkcard.received_packets_err", "UPS.EVER1.EVER80", "%s", NONE, _EVER_PACKETS),
    Hid2Nut("experimental.networkcard.config_dhcp_enabled", "UPS.EVER1.EVER85.EVER86", "%.0f"),
    Hid2Nut("experimental.networkcard.config_ethernet_enabled", "UPS.EVER1.EVER85.EVER87", "%.0f"),
    Hid2Nut("experimental.networkcard.config_http_enabled", "UPS.EVER1.EVER85.EVER88", "%.0f"),
    Hid2Nut("experimental.networkcard.config_snmp_enabled", "UPS.EVER1.EVER85.EVER89", "%.0f"),
    Hid2Nut("experimental.networkcard.config_snmp_trap_enabled", "UPS.EVER1.EVER85.EVER90", "%.0f"),
    Hid2Nut("experimental.networkcard.config_readonly", "UPS.EVER1.EVER85.EVER91", "%.0f"),
    Hid2Nut("experimental.networkcard.config_restart_eth", "UPS.EVER1.EVER85.EVER96", "%.0f"),
    Hid2Nut("experimental.networkcard.ip_address", "UPS.EVER1.EVER93", "%s", NONE, _EVER_IP_ADDRESS),
    Hid2Nut("experimental.networkcard.network_mask", "UPS.EVER1.EVER94", "%s", NONE, _EVER_IP_ADDRESS),
    Hid2Nut("experimental.networkcard.default_gateway", "UPS.EVER1.EVER95", "%s", NONE, _EVER_IP_ADDRESS),
    Hid2Nut("ups.realpower.nominal", "UPS.Flow.ConfigActivePower", "%.0f"),
    Hid2Nut("ups.power.nominal", "UPS.Flow.ConfigApparentPower", "%.0f"),
    Hid2Nut("output.frequency.nominal", "UPS.Flow.ConfigFrequency", "%.0f"),
    Hid2Nut("output.voltage.nominal", "UPS.Flow.ConfigVoltage", "%.0f"),
    Hid2Nut("experimental.ups.flow_id", "UPS.Flow.FlowID", "%.0f"),
    Hid2Nut("outlet.1.id", "UPS.OutletSystem.Outlet.OutletID", "%.0f"),
    Hid2Nut("experimental.outlet.1.present", "UPS.OutletSystem.Outlet.PresentStatus.Present", "%.0f", NONE, YES_NO),
    Hid2Nut("outlet.1.switchable", "UPS.OutletSystem.Outlet.PresentStatus.Switchable", "%.0f", NONE, YES_NO),
    Hid2Nut("outlet.1.status", "UPS.OutletSystem.Outlet.PresentStatus.SwitchOn/Off", "%.0f"),
    Hid2Nut("experimental.outlet.1.undefined", "UPS.OutletSystem.Outlet.PresentStatus.Undefined", "%.0f"),
    Hid2Nut("experimental.outlet.1.system_id", "UPS.OutletSystem.OutletSystemID", "%.0f"),
    Hid2Nut("experimental.outlet.1.switch_off_control", "UPS.OutletSystem.Outlet.SwitchOffControl", "%.0f", rw=True),
    Hid2Nut("experimental.outlet.1.switch_on_control", "UPS.OutletSystem.Outlet.SwitchOnControl", "%.0f", rw=True),
    Hid2Nut("experimental.powerconverter.input_flow_id", "UPS.PowerConverter.Input.FlowID", "%.0f"),
    Hid2Nut("input.frequency", "UPS.PowerConverter.Input.Frequency", "%.0f"),
    Hid2Nut("experimental.powerconverter.input_id", "UPS.PowerConverter.Input.InputID", "%.0f"),
    Hid2Nut("input.voltage", "UPS.PowerConverter.Input.Voltage", "%.0f"),
    Hid2Nut("ups.realpower", "UPS.PowerConverter.Output.ActivePower", "%.0f"),
    Hid2Nut("ups.power", "UPS.PowerConverter.Output.ApparentPower", "%.0f"),
    Hid2Nut("output.current", "UPS.PowerConverter.Output.Current", "%.0f"),
    Hid2Nut("experimental.powerconverter.output_flowid", "UPS.PowerConverter.Output.FlowID", "%.0f"),
    Hid2Nut("output.frequency", "UPS.PowerConverter.Output.Frequency", "%.0f"),
    Hid2Nut("experimental.powerconverter.output_id", "UPS.PowerConverter.Output.OutputID", "%.0f"),
    Hid2Nut("ups.load", "UPS.PowerConverter.Output.PercentLoad", "%.0f"),
    Hid2Nut("output.voltage", "UPS.PowerConverter.Output.Voltage", "%.0f"),
    Hid2Nut("experimental.powerconverter.powerconverterid", "UPS.PowerConverter.PowerConverterID", "%.0f"),
    Hid2Nut("experimental.powersummary.capacity_granularity_1", "UPS.PowerSummary.CapacityGranularity1", "%.0f"),
    Hid2Nut("experimental.powersummary.capacity_granularity_2", "UPS.PowerSummary.CapacityGranularity2", "%.0f"),
    Hid2Nut("experimental.powersummary.capacity_mode", "UPS.PowerSummary.CapacityMode", "%.0f"),
    Hid2Nut("ups.delay.shutdown", "UPS.PowerSummary.DelayBeforeShutdown", DEFAULT_OFFDELAY, ABSENT, rw=True, string_len=10),
    Hid2Nut("battery.capacity", "UPS.PowerSummary.DesignCapacity", "%.0f"),
    Hid2Nut("experimental.powersummary.flow_id", "UPS.PowerSummary.FlowID", "%.0f"),
    Hid2Nut("battery.capacity", "UPS.PowerSummary.FullChargeCapacity", "%.0f"),
    Hid2Nut("battery.type", "UPS.PowerSummary.iDeviceChemistry", "%.0f"),
    Hid2Nut("ups.load", "UPS.PowerSummary.PercentLoad", "%.0f"),
    Hid2Nut("experimental.powersummary.rechargeable", "UPS.PowerSummary.Rechargeable", "%.0f"),
    Hid2Nut("battery.charge", "UPS.PowerSummary.RemainingCapacity", "%.0f"),
    Hid2Nut("battery.runtime.low", "UPS.PowerSummary.RemainingTimeLimit", "%.0f", rw=True),
    Hid2Nut("battery.runtime", "UPS.PowerSummary.RunTimeToEmpty", "%.0f"),
    Hid2Nut("battery.voltage", "UPS.PowerSummary.Voltage", "%.0f"),
    Hid2Nut("ups.timer.shutdown", "UPS.PowerSummary.DelayBeforeShutdown", "%.0f", Q),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.ACPresent", None, Q, ONLINE),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.AwaitingPower", None, Q, AWAITINGPOWER),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.BatteryPresent", None, NONE, NOBATTERY),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.CommunicationLost", None, NONE, COMMFAULT),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.Discharging", None, Q, DISCHARGING),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.NeedReplacement", None, NONE, REPLACEBATT),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.Overload", None, Q, OVERLOAD),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.OverTemperature", None, NONE, OVERHEAT),
    Hid2Nut("BOOL", "UPS.PowerSummary.PresentStatus.ShutdownImminent", None, NONE, SHUTDOWNIMM),
    Hid2Nut("BOOL", "UPS.EVER1.EVER18.EVER19", None, NONE, OVERLOAD),
    Hid2Nut("BOOL", "UPS.EVER1.EVER18.EVER20", None, NONE, LOWBATT),
    Hid2Nut("BOOL", "UPS.EVER1.EVER18.EVER21", None, NONE, BOOST),
    Hid2Nut("BOOL", "UPS.EVER1.EVER18.EVER22", None, NONE, TRIM),
    Hid2Nut("BOOL", "UPS.EVER1.EVER18.EVER25", None, NONE, CHARGING),
    Hid2Nut("BOOL", "UPS.EVER1.EVER18.EVER28", None, NONE, REPLACEBATT),
    Hid2Nut("BOOL", "UPS.EVER1.EVER32.EVER33", None, NONE, OVERLOAD),
    Hid2Nut("BOOL", "UPS.EVER1.EVER32.EVER40", "%.0f", NONE, COMMFAULT),
    Hid2Nut("BOOL", "UPS.EVER1.EVER97.EVER102", "%s", NONE, _EVER_ON_OFF_INFO),
    Hid2Nut("experimental.status.workmode", "UPS.EVER1.EVER97.EVER98", "%s", NONE, _EVER_WORKMODE),
    Hid2Nut("experimental.status.messages", "UPS.EVER1.EVER18.EVER28", None, NONE, _EVER_MESSAGES),
    Hid2Nut("experimental.status.alarms", "UPS.EVER1.EVER32.EVER33", None, NONE, _EVER_ALARMS),
    Hid2Nut("load.off.delay", "UPS.PowerSummary.DelayBeforeShutdown", DEFAULT_OFFDELAY, CMD),
    Hid2Nut("shutdown.return", "UPS.PowerSummary.DelayBeforeShutdown", DEFAULT_OFFDELAY, CMD),
)

EVER = Subdriver(
    name="Ever HID 0.1",
    short="ever",
    ids=(UsbId(STMICRO_VENDOR, 0xA113), UsbId(EVER_VENDOR, 0xFFFF), UsbId(EVER_VENDOR, 0x0000)),
    usages=UsageTable(_USAGES, POWER_DEVICE, BATTERY_SYSTEM),
    table=_TABLE,
    format_mfr=vendor_format("Ever"),
)
