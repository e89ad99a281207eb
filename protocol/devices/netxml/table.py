"""Which Eaton/MGE XML object is which NUT variable, as netxml-ups 2.8.0 (MGEXML/0.36) maps them.

One row per object: the XML name, the NUT variable (``-``: none, the object only
moves status bits), flags (``rw``: writable, registered at start; ``static``:
the first value stays) and the conversion (named in convert.py, ``-``: the value
as it is). The card's names are matched without regard to case and the first
row of a name wins, so a later row for the same object is never used (NUT's
table has such rows: the low-end models' outlet.1.status, the ePDU's
outlet.4 to outlet.8). NUT keeps the card's own configuration objects
(System.Email..., System.Network...) out of its table; so does this one.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["MAP", "Row", "nut_to_xml", "row_for", "writable"]


@dataclass(frozen=True, slots=True)
class Row:
    xml: str
    nut: str | None
    rw: bool
    static: bool
    convert: str | None


_ROWS = """
System.Contact                                           device.contact             rw      -
System.Location                                          device.location            rw      -
UPS.PowerSummary.PresentStatus.ACPresent                 -                          -       online
UPS.PowerSummary.PresentStatus.Charging                  -                          -       charging
UPS.PowerSummary.PresentStatus.Discharging               -                          -       discharging
UPS.PowerSummary.PresentStatus.BelowRemainingCapacityLimit -                        -       lowbatt
UPS.PowerSummary.PresentStatus.Overload                  -                          -       overload
UPS.PowerSummary.PresentStatus.NeedReplacement           -                          -       replacebatt
UPS.PowerConverter.Input[1].PresentStatus.Buck           -                          -       trim
UPS.PowerConverter.Input[1].PresentStatus.Boost          -                          -       boost
UPS.PowerConverter.Input[1].PresentStatus.VoltageOutOfRange -                       -       vrange
UPS.PowerConverter.Input[1].PresentStatus.FrequencyOutOfRange -                     -       frange
UPS.PowerConverter.Input[1].PresentStatus.FuseFault      -                          -       fusefault
UPS.PowerConverter.Input[1].PresentStatus.InternalFailure -                         -       internalfault
UPS.PowerSummary.PresentStatus.Good                      -                          -       off
UPS.PowerConverter.Input[2].PresentStatus.Used           -                          -       bypassauto
UPS.PowerConverter.Input[4].PresentStatus.Used           -                          -       bypassman
UPS.PowerSummary.PresentStatus.FanFailure                -                          -       fanfail
UPS.BatterySystem.Battery.PresentStatus.Present          -                          -       nobattery
UPS.BatterySystem.Charger.PresentStatus.InternalFailure  -                          -       chargerfail
UPS.BatterySystem.Charger.PresentStatus.VoltageTooHigh   -                          -       battvolthi
UPS.BatterySystem.Charger.PresentStatus.VoltageTooLow    -                          -       battvoltlo
UPS.PowerSummary.PresentStatus.InternalFailure           -                          -       internalfault
UPS.PowerSummary.PresentStatus.CommunicationLost         -                          -       commfault
UPS.PowerSummary.PresentStatus.OverTemperature           -                          -       overheat
UPS.PowerSummary.RemainingCapacity                       battery.charge             -       -
UPS.PowerSummary.RemainingCapacityLimitSetting           battery.charge.low         -       -
UPS.PowerSummary.RemainingCapacityLimit                  battery.charge.low         -       -
UPS.PowerSummary.RestartLevel                            battery.charge.restart     -       -
UPS.BatterySystem.Battery.DesignCapacity                 battery.capacity           -       capacity
UPS.PowerSummary.RunTimeToEmpty                          battery.runtime            -       -
System.RunTimeToEmptyLimit                               battery.runtime.low        rw      -
UPS.BatterySystem.Battery.Temperature                    battery.temperature        -       -
UPS.BatterySystem.Battery.Count                          battery.packs.external     -       -
UPS.PowerSummary.iDeviceChemistry                        battery.type               static  -
UPS.PowerSummary.iDeviceChemistery                       battery.type               static  -
UPS.BatterySystem.ConfigVoltage                          battery.voltage.nominal    static  -
UPS.BatterySystem.Battery.DeepDischargeProtection        battery.protection         -       yes_no
UPS.PowerConverter.Input[3].EnergySaving                 battery.energysave         -       yes_no
UPS.PowerSummary.iManufacturer                           ups.mfr                    static  -
System.Description                                       ups.model                  static  -
UPS.PowerSummary.iProduct                                ups.model                  static  -
UPS.PowerSummary.iModel                                  ups.model.aux              static  -
System.LastAcquisition                                   ups.time                   -       date_time
UPS.PowerSummary.iSerialNumber                           ups.serial                 static  -
UPS.PowerSummary.iVersion                                ups.firmware               static  -
UPS.PowerSummary.PercentLoad                             ups.load                   -       -
UPS.Flow[4].ConfigPercentLoad                            ups.load.high              -       -
System.ShutdownDuration                                  ups.delay.shutdown         rw      -
UPS.PowerSummary.DelayBeforeStartup                      ups.timer.start            rw      -
UPS.PowerSummary.DelayBeforeShutdown                     ups.timer.shutdown         rw      timer_shutdown
System.RunTimeToShutdown                                 -                          -       shutdown_imminent
UPS.PowerSummary.DelayBeforeReboot                       ups.timer.reboot           -       -
UPS.BatterySystem.Battery.Test                           ups.test.result            -       test_result
UPS.BatterySystem.Battery.TestPeriod                     ups.test.interval          -       -
UPS.BatterySystem.Battery.AudibleAlarmControl            ups.beeper.status          -       beeper
UPS.PowerSummary.AudibleAlarmControl                     ups.beeper.status          -       beeper
UPS.PowerSummary.Temperature                             ups.temperature            -       -
UPS.Flow[4].ConfigApparentPower                          ups.power.nominal          static  -
UPS.PowerConverter.Output.ApparentPower                  ups.power                  -       -
UPS.PowerConverter.Output.Phase[1].ApparentPower         ups.L1.power               -       -
UPS.PowerConverter.Output.Phase[2].ApparentPower         ups.L2.power               -       -
UPS.PowerConverter.Output.Phase[3].ApparentPower         ups.L3.power               -       -
UPS.PowerConverter.Output.ActivePower                    ups.realpower              -       -
UPS.PowerConverter.Output.Phase[1].ActivePower           ups.L1.realpower           -       -
UPS.PowerConverter.Output.Phase[2].ActivePower           ups.L2.realpower           -       -
UPS.PowerConverter.Output.Phase[3].ActivePower           ups.L3.realpower           -       -
UPS.Flow[4].ConfigActivePower                            ups.realpower.nominal      static  -
UPS.PowerConverter.Input[1].AutomaticRestart             ups.start.auto             -       yes_no
UPS.PowerConverter.Input[3].StartOnBattery               ups.start.battery          -       yes_no
UPS.PowerConverter.Output.ForcedReboot                   ups.start.reboot           -       yes_no
UPS.PowerConverter.ConverterType                         ups.type                   static  ups_type
UPS.PowerConverter.Input[1].Voltage                      input.voltage              -       -
UPS.PowerConverter.Input[1].Phase[1].Voltage             input.L1-N.voltage         -       -
UPS.PowerConverter.Input[1].Phase[2].Voltage             input.L2-N.voltage         -       -
UPS.PowerConverter.Input[1].Phase[3].Voltage             input.L3-N.voltage         -       -
UPS.PowerConverter.Input[1].Phase[12].Voltage            input.L1-L2.voltage        -       -
UPS.PowerConverter.Input[1].Phase[23].Voltage            input.L2-L3.voltage        -       -
UPS.PowerConverter.Input[1].Phase[31].Voltage            input.L3-L1.voltage        -       -
UPS.PowerConverter.Input[1].Phase[11].Voltage            input.L1-L2.voltage        -       deci
UPS.PowerConverter.Input[1].Phase[22].Voltage            input.L2-L3.voltage        -       deci
UPS.PowerConverter.Input[1].Phase[33].Voltage            input.L3-L1.voltage        -       deci
UPS.Flow[1].ConfigVoltage                                input.voltage.nominal      -       -
UPS.PowerConverter.Input[1].Current                      input.current              -       -
UPS.PowerConverter.Input[1].Phase[1].Current             input.L1.current           -       deci
UPS.PowerConverter.Input[1].Phase[2].Current             input.L2.current           -       deci
UPS.PowerConverter.Input[1].Phase[3].Current             input.L3.current           -       deci
UPS.Flow[1].ConfigCurrent                                input.current.nominal      -       -
UPS.PowerConverter.Input[1].Frequency                    input.frequency            -       -
UPS.Flow[1].ConfigFrequency                              input.frequency.nominal    -       -
UPS.PowerConverter.Output.ExtendedVoltageMode            input.voltage.extended     -       yes_no
UPS.PowerConverter.Output.ExtendedFrequencyMode          input.frequency.extended   -       yes_no
UPS.PowerConverter.Output.LowVoltageTransfer             input.transfer.low         -       -
UPS.PowerConverter.Output.LowVoltageBoostTransfer        input.transfer.boost.low   -       -
UPS.PowerConverter.Output.HighVoltageBoostTransfer       input.transfer.boost.high  -       -
UPS.PowerConverter.Output.LowVoltageBuckTransfer         input.transfer.trim.low    -       -
UPS.PowerConverter.Output.HighVoltageTransfer            input.transfer.high        -       -
UPS.PowerConverter.Output.HighVoltageBuckTransfer        input.transfer.trim.high   -       -
UPS.PowerConverter.Output.SensitivityMode                input.sensitivity          -       sensitivity
UPS.PowerConverter.Input[2].Voltage                      input.bypass.voltage       -       -
UPS.PowerConverter.Input[2].Phase[1].Voltage             input.bypass.L1-N.voltage  -       -
UPS.PowerConverter.Input[2].Phase[2].Voltage             input.bypass.L2-N.voltage  -       -
UPS.PowerConverter.Input[2].Phase[3].Voltage             input.bypass.L3-N.voltage  -       -
UPS.PowerConverter.Input[2].Phase[12].Voltage            input.bypass.L1-L2.voltage -       -
UPS.PowerConverter.Input[2].Phase[23].Voltage            input.bypass.L2-L3.voltage -       -
UPS.PowerConverter.Input[2].Phase[31].Voltage            input.bypass.L3-L1.voltage -       -
UPS.PowerConverter.Input[2].Phase[11].Voltage            input.bypass.L1-L2.voltage -       -
UPS.PowerConverter.Input[2].Phase[22].Voltage            input.bypass.L2-L3.voltage -       -
UPS.PowerConverter.Input[2].Phase[33].Voltage            input.bypass.L3-L1.voltage -       -
UPS.Flow[2].ConfigVoltage                                input.bypass.voltage.nominal -     -
UPS.PowerConverter.Input[2].Current                      input.bypass.current       -       -
UPS.PowerConverter.Input[2].Phase[1].Current             input.bypass.L1.current    -       -
UPS.PowerConverter.Input[2].Phase[2].Current             input.bypass.L2.current    -       -
UPS.PowerConverter.Input[2].Phase[3].Current             input.bypass.L3.current    -       -
UPS.Flow[2].ConfigCurrent                                input.bypass.current.nominal -     -
UPS.PowerConverter.Input[2].Frequency                    input.bypass.frequency     -       -
UPS.Flow[2].ConfigFrequency                              input.bypass.frequency.nominal -   -
UPS.PowerConverter.Output.Voltage                        output.voltage             -       -
UPS.PowerConverter.Output.Phase[1].Voltage               output.L1-N.voltage        -       -
UPS.PowerConverter.Output.Phase[2].Voltage               output.L2-N.voltage        -       -
UPS.PowerConverter.Output.Phase[3].Voltage               output.L3-N.voltage        -       -
UPS.PowerConverter.Output.Phase[12].Voltage              output.L1-L2.voltage       -       -
UPS.PowerConverter.Output.Phase[23].Voltage              output.L2-L3.voltage       -       -
UPS.PowerConverter.Output.Phase[31].Voltage              output.L3-L1.voltage       -       -
UPS.PowerConverter.Output.Phase[11].Voltage              output.L1-L2.voltage       -       deci_nonzero
UPS.PowerConverter.Output.Phase[22].Voltage              output.L2-L3.voltage       -       deci_nonzero
UPS.PowerConverter.Output.Phase[33].Voltage              output.L3-L1.voltage       -       deci_nonzero
UPS.Flow[4].ConfigVoltage                                output.voltage.nominal     -       -
UPS.PowerConverter.Output.Current                        output.current             -       -
UPS.PowerConverter.Output.Phase[1].Current               output.L1.current          -       deci
UPS.PowerConverter.Output.Phase[2].Current               output.L2.current          -       deci
UPS.PowerConverter.Output.Phase[3].Current               output.L3.current          -       deci
UPS.Flow[4].ConfigCurrent                                output.current.nominal     -       -
UPS.PowerConverter.Output.Frequency                      output.frequency           -       -
UPS.Flow[4].ConfigFrequency                              output.frequency.nominal   -       -
UPS.PowerConverter.Output.PowerFactor                    output.powerfactor         -       powerfactor
Environment.Humidity                                     ambient.humidity           -       -
Environment.Humidity.HighThreshold                       ambient.humidity.high      rw      -
Environment.Humidity.LowThreshold                        ambient.humidity.low       rw      -
Environment.PresentStatus.HighHumidity                   ambient.humidity.maximum   -       ambient
Environment.PresentStatus.LowHumidity                    ambient.humidity.minimum   -       ambient
Environment.Temperature                                  ambient.temperature        -       -
Environment.Temperature.HighThreshold                    ambient.temperature.high   rw      -
Environment.Temperature.LowThreshold                     ambient.temperature.low    rw      -
Environment.PresentStatus.HighTemperature                ambient.temperature.maximum -      ambient
Environment.PresentStatus.LowTemperature                 ambient.temperature.minimum -      ambient
Environment.Input[1].PresentStatus.State                 ambient.contacts.1.status  -       drycontact
Environment.Input[2].PresentStatus.State                 ambient.contacts.2.status  -       drycontact
UPS.OutletSystem.Outlet[1].OutletID                      outlet.id                  -       -
UPS.OutletSystem.Outlet[1].iName                         outlet.desc                -       -
UPS.OutletSystem.Outlet[1].PresentStatus.Switchable      outlet.switchable          -       yes_no
UPS.OutletSystem.Outlet[2].OutletID                      outlet.1.id                -       -
UPS.OutletSystem.Outlet[2].iName                         outlet.1.desc              -       -
UPS.OutletSystem.Outlet[2].PresentStatus.Switchable      outlet.1.switchable        -       yes_no
UPS.OutletSystem.Outlet[2].PresentStatus.SwitchOnOff     outlet.1.status            -       on_off
UPS.PowerSummary.PresentStatus.ACPresent                 outlet.1.status            -       -
UPS.OutletSystem.Outlet[2].RemainingCapacityLimit        outlet.1.battery.charge.low -      -
UPS.OutletSystem.Outlet[2].DelayBeforeStartup            outlet.1.timer.start       -       -
UPS.OutletSystem.Outlet[2].DelayBeforeShutdown           outlet.1.timer.shutdown    -       -
UPS.OutletSystem.Outlet[2].StartupTimer                  outlet.1.delay.start       -       -
System.Outlet[2].ShutdownDuration                        outlet.1.delay.shutdown    rw      -
UPS.OutletSystem.Outlet[3].OutletID                      outlet.2.id                -       -
UPS.OutletSystem.Outlet[3].iName                         outlet.2.desc              -       -
UPS.OutletSystem.Outlet[3].PresentStatus.Switchable      outlet.2.switchable        -       yes_no
UPS.OutletSystem.Outlet[3].PresentStatus.SwitchOnOff     outlet.2.status            -       on_off
UPS.OutletSystem.Outlet[3].RemainingCapacityLimit        outlet.2.battery.charge.low -      -
UPS.OutletSystem.Outlet[3].DelayBeforeStartup            outlet.2.timer.start       -       -
UPS.OutletSystem.Outlet[3].DelayBeforeShutdown           outlet.2.timer.shutdown    -       -
UPS.OutletSystem.Outlet[3].StartupTimer                  outlet.2.delay.start       -       -
System.Outlet[3].ShutdownDuration                        outlet.2.delay.shutdown    rw      -
PDU.OutletSystem.Outlet[1].iName                         outlet.1.desc              -       -
PDU.OutletSystem.Outlet[1].Current                       outlet.1.current           -       deci
PDU.OutletSystem.Outlet[2].iName                         outlet.2.desc              -       -
PDU.OutletSystem.Outlet[2].Current                       outlet.2.current           -       deci
PDU.OutletSystem.Outlet[3].iName                         outlet.3.desc              -       -
PDU.OutletSystem.Outlet[3].Current                       outlet.3.current           -       deci
PDU.OutletSystem.Outlet[2].iName                         outlet.4.desc              -       -
PDU.OutletSystem.Outlet[2].Current                       outlet.4.current           -       deci
PDU.OutletSystem.Outlet[3].iName                         outlet.5.desc              -       -
PDU.OutletSystem.Outlet[3].Current                       outlet.5.current           -       deci
PDU.OutletSystem.Outlet[2].iName                         outlet.6.desc              -       -
PDU.OutletSystem.Outlet[2].Current                       outlet.6.current           -       deci
PDU.OutletSystem.Outlet[3].iName                         outlet.7.desc              -       -
PDU.OutletSystem.Outlet[3].Current                       outlet.7.current           -       deci
PDU.OutletSystem.Outlet[2].iName                         outlet.8.desc              -       -
PDU.OutletSystem.Outlet[2].Current                       outlet.8.current           -       deci
"""


def _none(word: str) -> str | None:
    return None if word == "-" else word


def _rows() -> tuple[Row, ...]:
    out = []
    for line in _ROWS.strip().splitlines():
        xml, nut, flags, convert = line.split()
        out.append(Row(xml, _none(nut), flags == "rw", flags == "static", _none(convert)))
    return tuple(out)


#: every row, in NUT's order (the order decides which row of a name is used)
MAP: tuple[Row, ...] = _rows()
_BY_XML: dict[str, Row] = {}
for _row in MAP:
    _BY_XML.setdefault(_row.xml.lower(), _row)
_XML_OF: dict[str, str] = {}
for _row in MAP:
    if _row.nut is not None:
        _XML_OF.setdefault(_row.nut.lower(), _row.xml)


def row_for(xml: str) -> Row | None:
    """The row an object of the card maps through (its first, without regard to case)."""
    return _BY_XML.get(xml.lower())


def nut_to_xml(nut: str) -> str | None:
    """The card's object for a NUT variable (the first row naming it), for SET_OBJECT."""
    return _XML_OF.get(nut.lower())


def writable() -> tuple[str, ...]:
    """The variables registered writable at start, in the table's order."""
    return tuple(row.nut for row in MAP if row.rw and row.nut is not None)
