"""Usage names of the HID Power Device (0x84) and Battery System (0x85) pages.

The names are those of the USB "Usage Tables for HID Power Devices" 1.0, with
NUT's spelling (its HID paths are what users see in ``-DD`` logs and in the
subdriver tables). A :class:`UsageTable` turns numeric paths into dotted
strings and back; vendor tables go first so they can override.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

from nutrio.protocol.devices.hid.descriptor import INDEX_NODE

__all__ = [
    "BATTERY_SYSTEM", "POWER_DEVICE", "STANDARD", "UsageTable", "page", "path_to_string",
    "string_to_path",
]


def _page(page: int, names: str) -> dict[str, int]:
    """``names``: whitespace separated ``hex:Name`` pairs of one page."""
    out: dict[str, int] = {}
    for pair in names.split():
        code, name = pair.split(":")
        out[name] = (page << 16) | int(code, 16)
    return out


POWER_DEVICE: Mapping[str, int] = MappingProxyType(_page(0x84, """
    00:Undefined 01:iName 02:PresentStatus 03:ChangedStatus 04:UPS 05:PowerSupply
    10:BatterySystem 11:BatterySystemID 12:Battery 13:BatteryID 14:Charger 15:ChargerID
    16:PowerConverter 17:PowerConverterID 18:OutletSystem 19:OutletSystemID 1a:Input
    1b:InputID 1c:Output 1d:OutputID 1e:Flow 1f:FlowID 20:Outlet 21:OutletID 22:Gang
    23:GangID 24:PowerSummary 25:PowerSummaryID 30:Voltage 31:Current 32:Frequency
    33:ApparentPower 34:ActivePower 35:PercentLoad 36:Temperature 37:Humidity 38:BadCount
    40:ConfigVoltage 41:ConfigCurrent 42:ConfigFrequency 43:ConfigApparentPower
    44:ConfigActivePower 45:ConfigPercentLoad 46:ConfigTemperature 47:ConfigHumidity
    50:SwitchOnControl 51:SwitchOffControl 52:ToggleControl 53:LowVoltageTransfer
    54:HighVoltageTransfer 55:DelayBeforeReboot 56:DelayBeforeStartup 57:DelayBeforeShutdown
    58:Test 59:ModuleReset 5a:AudibleAlarmControl 60:Present 61:Good 62:InternalFailure
    63:VoltageOutOfRange 64:FrequencyOutOfRange 65:Overload 66:OverCharged 67:OverTemperature
    68:ShutdownRequested 69:ShutdownImminent 6b:SwitchOn/Off 6c:Switchable 6d:Used 6e:Boost
    6f:Buck 70:Initialized 71:Tested 72:AwaitingPower 73:CommunicationLost
    fd:iManufacturer fe:iProduct ff:iSerialNumber
"""))

BATTERY_SYSTEM: Mapping[str, int] = MappingProxyType(_page(0x85, """
    00:Undefined 01:SMBBatteryMode 02:SMBBatteryStatus 03:SMBAlarmWarning 04:SMBChargerMode
    05:SMBChargerStatus 06:SMBChargerSpecInfo 07:SMBSelectorState 08:SMBSelectorPresets
    09:SMBSelectorInfo 10:OptionalMfgFunction1 11:OptionalMfgFunction2 12:OptionalMfgFunction3
    13:OptionalMfgFunction4 14:OptionalMfgFunction5 15:ConnectionToSMBus 16:OutputConnection
    17:ChargerConnection 18:BatteryInsertion 19:Usenext 1a:OKToUse 1b:BatterySupported
    1c:SelectorRevision 1d:ChargingIndicator 28:ManufacturerAccess 29:RemainingCapacityLimit
    2a:RemainingTimeLimit 2b:AtRate 2c:CapacityMode 2d:BroadcastToCharger 2e:PrimaryBattery
    2f:ChargeController 40:TerminateCharge 41:TerminateDischarge 42:BelowRemainingCapacityLimit
    43:RemainingTimeLimitExpired 44:Charging 45:Discharging 46:FullyCharged 47:FullyDischarged
    48:ConditioningFlag 49:AtRateOK 4a:SMBErrorCode 4b:NeedReplacement 60:AtRateTimeToFull
    61:AtRateTimeToEmpty 62:AverageCurrent 63:Maxerror 64:RelativeStateOfCharge
    65:AbsoluteStateOfCharge 66:RemainingCapacity 67:FullChargeCapacity 68:RunTimeToEmpty
    69:AverageTimeToEmpty 6a:AverageTimeToFull 6b:CycleCount 80:BattPackModelLevel
    81:InternalChargeController 82:PrimaryBatterySupport 83:DesignCapacity 84:SpecificationInfo
    85:ManufacturerDate 86:SerialNumber 87:iManufacturerName 88:iDevicename 89:iDeviceChemistry
    8a:ManufacturerData 8b:Rechargeable 8c:WarningCapacityLimit 8d:CapacityGranularity1
    8e:CapacityGranularity2 8f:iOEMInformation c0:InhibitCharge c1:EnablePolling c2:ResetToZero
    d0:ACPresent d1:BatteryPresent d2:PowerFail d3:AlarmInhibited d4:ThermistorUnderRange
    d5:ThermistorHot d6:ThermistorCold d7:ThermistorOverRange d8:VoltageOutOfRange
    d9:CurrentOutOfRange da:CurrentNotRegulated db:VoltageNotRegulated dc:MasterMode
    f0:ChargerSelectorSupport f1:ChargerSpec f2:Level2 f3:Level3
"""))


def page(pairs: str) -> Mapping[str, int]:
    """A vendor table from whitespace separated ``hex:Name`` pairs with full 32-bit usages."""
    out: dict[str, int] = {}
    for pair in pairs.split():
        code, name = pair.split(":")
        out[name] = int(code, 16)
    return MappingProxyType(out)


class UsageTable:
    """Name <-> usage lookups over several tables, first table first (NUT's utab)."""

    def __init__(self, *tables: Mapping[str, int]) -> None:
        self._by_name: dict[str, int] = {}
        self._by_code: dict[int, str] = {}
        for table in tables:
            for name, code in table.items():
                self._by_name.setdefault(name.lower(), code)
                self._by_code.setdefault(code, name)

    def code(self, name: str) -> int | None:
        return self._by_name.get(name.lower())

    def name(self, code: int) -> str | None:
        return self._by_code.get(code)


#: The standard pages only.
STANDARD = UsageTable(POWER_DEVICE, BATTERY_SYSTEM)


def path_to_string(path: Iterable[int], table: UsageTable = STANDARD) -> str:
    """``UPS.PowerSummary.RemainingCapacity``; unknown usages as 8 hex digits, indexes as ``[n]``."""
    parts: list[str] = []
    for node in path:
        name = table.name(node)
        if name is not None:
            parts.append(name)
        elif node & 0xFFFF0000 == INDEX_NODE:
            parts.append(f"[{node & 0xFFFF}]")
        else:
            parts.append(f"{node:08x}")
    return ".".join(parts)


def string_to_path(text: str, table: UsageTable = STANDARD) -> tuple[int, ...] | None:
    """The numeric path of a dotted HID path (libhid.c string_to_path); None when empty.

    As NUT does, a part that is neither a usage name, nor hex digits, nor an index
    ``[n]`` is left out (NUT logs "couldn't parse"), so "UPS.Flow.0xffff0097" is read
    as "UPS.Flow" and finds the first field under that collection.
    """
    nodes: list[int] = []
    for token in (t for t in text.split(".") if t):
        code = table.code(token)
        if code is not None:
            nodes.append(code)
        elif all(c in _HEX for c in token):
            if int(token, 16) <= 0xFFFFFFFF:
                nodes.append(int(token, 16))
        elif all(c in "[]0123456789" for c in token):
            nodes.append(INDEX_NODE + _atoi(token[1:]))
    return tuple(nodes) or None


_HEX = frozenset("0123456789abcdefABCDEF")


def _atoi(text: str) -> int:
    digits = ""
    for ch in text:
        if not ch.isdigit():
            break
        digits += ch
    return int(digits) if digits else 0
