"""RFC 1628 UPS-MIB (NUT's ietf-mib.c): "ietf", and "tripplite" for the same table under Tripp
Lite's sysObjectID.

Rows, value lookups and mappings as NUT 2.8.0 has them (facts, in nutrio's own form);
protocol/devices/snmp/model.py says what each field means."""

from __future__ import annotations

from nutrio.protocol.devices.snmp.model import (
    BATT,
    BYP1,
    BYP3,
    CMD,
    IN1,
    IN3,
    NO_FLAGS,
    OK,
    OUT1,
    OUT3,
    PWR,
    STATIC,
    Mapping,
    lk,
    r,
)

__all__ = ["TRIPPLITE_IETF", "IETF"]

_A = "1.3.6.1.2.1.33.1."

BATTERY = lk((1, ""), (2, ""), (3, "LB"), (4, "LB"))
POWER_SOURCE = lk((1, ""), (2, "OFF"), (3, "OL"), (4, "OL BYPASS"), (5, "OB"), (6, "OL BOOST"),
  (7, "OL TRIM"))
OVERLOAD = lk((1, "OVER"))
TEST_ACTIVE = lk((1, ""), (2, ""), (3, "TEST"), (4, "TEST"), (5, "CAL"))
TEST_RESULT = lk((1, "done and passed"), (2, "done and warning"), (3, "done and error"),
  (4, "aborted"), (5, "in progress"), (6, "no test initiated"))
YES_NO = lk((1, "yes"), (2, "no"))
BEEPER_STATUS = lk((1, "disabled"), (2, "enabled"), (3, "muted"))

_IETF_ROWS = (
    r("device.description", "sw", 128, ".1.3.6.1.2.1.1.1.0", None, OK),
    r("device.contact", "sw", 128, ".1.3.6.1.2.1.1.4.0", None, OK),
    r("device.location", "sw", 128, ".1.3.6.1.2.1.1.6.0", None, OK),
    r("ups.mfr", "s", 128, _A + "1.1.0", "Generic", STATIC),
    r("ups.model", "s", 128, _A + "1.2.0", "Generic SNMP UPS", STATIC),
    r("ups.firmware", "s", 128, _A + "1.3.0", "", STATIC),
    r("ups.firmware.aux", "s", 128, _A + "1.4.0", "", STATIC),
    r("ups.status", "s", 128, _A + "2.1.0", "", BATT, BATTERY),
    r("battery.runtime", "", 60, _A + "2.3.0", ""),
    r("battery.charge", "", 1, _A + "2.4.0", ""),
    r("battery.voltage", "", 0.1, _A + "2.5.0", ""),
    r("battery.current", "", 0.1, _A + "2.6.0", ""),
    r("battery.temperature", "", 1, _A + "2.7.0", ""),
    r("input.phases", "", 1, _A + "3.2.0", ""),
    r("input.frequency", "", 0.1, _A + "3.3.1.2.1", "", IN1),
    r("input.L1.frequency", "", 0.1, _A + "3.3.1.2.1", "", IN3),
    r("input.L2.frequency", "", 0.1, _A + "3.3.1.2.2", "", IN3),
    r("input.L3.frequency", "", 0.1, _A + "3.3.1.2.3", "", IN3),
    r("input.voltage", "", 1, _A + "3.3.1.3.1", "", IN1),
    r("input.L1-N.voltage", "", 1, _A + "3.3.1.3.1", "", IN3),
    r("input.L2-N.voltage", "", 1, _A + "3.3.1.3.2", "", IN3),
    r("input.L3-N.voltage", "", 1, _A + "3.3.1.3.3", "", IN3),
    r("input.current", "", 0.1, _A + "3.3.1.4.1", "", IN1),
    r("input.L1.current", "", 0.1, _A + "3.3.1.4.1", "", IN3),
    r("input.L2.current", "", 0.1, _A + "3.3.1.4.2", "", IN3),
    r("input.L3.current", "", 0.1, _A + "3.3.1.4.3", "", IN3),
    r("input.realpower", "", 1, _A + "3.3.1.5.1", "", IN1),
    r("input.L1.realpower", "", 1, _A + "3.3.1.5.1", "", IN3),
    r("input.L2.realpower", "", 1, _A + "3.3.1.5.2", "", IN3),
    r("input.L3.realpower", "", 1, _A + "3.3.1.5.3", "", IN3),
    r("ups.status", "s", 128, _A + "4.1.0", "", PWR, POWER_SOURCE),
    r("output.frequency", "", 0.1, _A + "4.2.0", ""),
    r("output.phases", "", 1, _A + "4.3.0", ""),
    r("output.voltage", "", 1, _A + "4.4.1.2.1", "", OUT1),
    r("output.L1-N.voltage", "", 1, _A + "4.4.1.2.1", "", OUT3),
    r("output.L2-N.voltage", "", 1, _A + "4.4.1.2.2", "", OUT3),
    r("output.L3-N.voltage", "", 1, _A + "4.4.1.2.3", "", OUT3),
    r("output.current", "", 0.1, _A + "4.4.1.3.1", "", OUT1),
    r("output.L1.current", "", 0.1, _A + "4.4.1.3.1", "", OUT3),
    r("output.L2.current", "", 0.1, _A + "4.4.1.3.2", "", OUT3),
    r("output.L3.current", "", 0.1, _A + "4.4.1.3.3", "", OUT3),
    r("output.realpower", "", 1, _A + "4.4.1.4.1", "", OUT1),
    r("output.L1.realpower", "", 1, _A + "4.4.1.4.1", "", OUT3),
    r("output.L2.realpower", "", 1, _A + "4.4.1.4.2", "", OUT3),
    r("output.L3.realpower", "", 1, _A + "4.4.1.4.3", "", OUT3),
    r("ups.load", "", 1, _A + "4.4.1.5.1", "", OUT1),
    r("output.L1.power.percent", "", 1, _A + "4.4.1.5.1", "", OUT3),
    r("output.L2.power.percent", "", 1, _A + "4.4.1.5.2", "", OUT3),
    r("output.L3.power.percent", "", 1, _A + "4.4.1.5.3", "", OUT3),
    r("input.bypass.phases", "", 1, _A + "5.2.0", ""),
    r("input.bypass.frequency", "", 0.1, _A + "5.1.0", "", BYP1 | BYP3),
    r("input.bypass.voltage", "", 1, _A + "5.3.1.2.1", "", BYP1),
    r("input.bypass.L1-N.voltage", "", 1, _A + "5.3.1.2.1", "", BYP3),
    r("input.bypass.L2-N.voltage", "", 1, _A + "5.3.1.2.2", "", BYP3),
    r("input.bypass.L3-N.voltage", "", 1, _A + "5.3.1.2.3", "", BYP3),
    r("input.bypass.current", "", 0.1, _A + "5.3.1.3.1", "", BYP1),
    r("input.bypass.L1.current", "", 0.1, _A + "5.3.1.3.1", "", BYP3),
    r("input.bypass.L2.current", "", 0.1, _A + "5.3.1.3.2", "", BYP3),
    r("input.bypass.L3.current", "", 0.1, _A + "5.3.1.3.3", "", BYP3),
    r("input.bypass.realpower", "", 1, _A + "5.3.1.4.1", "", BYP1),
    r("input.bypass.L1.realpower", "", 1, _A + "5.3.1.4.1", "", BYP3),
    r("input.bypass.L2.realpower", "", 1, _A + "5.3.1.4.2", "", BYP3),
    r("input.bypass.L3.realpower", "", 1, _A + "5.3.1.4.3", "", BYP3),
    r("ups.status", "s", 128, _A + "6.3.8", "", NO_FLAGS, OVERLOAD),
    r("ups.status", "s", 128, _A + "7.1.0", "", NO_FLAGS, TEST_ACTIVE),
    r("test.battery.stop", "", 1, _A + "7.1.0", "0", CMD),
    r("test.battery.start", "", 1, _A + "7.1.0", "0", CMD),
    r("test.battery.start.quick", "", 1, _A + "7.1.0", "0", CMD),
    r("test.battery.start.deep", "", 1, _A + "7.1.0", "0", CMD),
    r("ups.test.result", "s", 128, _A + "7.3.0", "", NO_FLAGS, TEST_RESULT),
    r("ups.timer.shutdown", "sw", 8, _A + "8.2.0", ""),
    r("load.off", "", 1, _A + "8.2.0", "0", CMD),
    r("ups.timer.start", "sw", 8, _A + "8.3.0", ""),
    r("load.on", "", 1, _A + "8.3.0", "0", CMD),
    r("ups.timer.reboot", "sw", 8, _A + "8.4.0", ""),
    r("ups.start.auto", "s", 128, _A + "8.5.0", "", NO_FLAGS, YES_NO),
    r("input.voltage.nominal", "", 1, _A + "9.1.0", ""),
    r("input.frequency.nominal", "", 0.1, _A + "9.2.0", ""),
    r("output.voltage.nominal", "", 1, _A + "9.3.0", ""),
    r("output.frequency.nominal", "", 0.1, _A + "9.4.0", ""),
    r("output.power.nominal", "", 1, _A + "9.5.0", ""),
    r("output.realpower.nominal", "", 1, _A + "9.6.0", ""),
    r("battery.runtime.low", "", 60, _A + "9.7.0", ""),
    r("ups.beeper.status", "s", 128, _A + "9.8.0", "", NO_FLAGS, BEEPER_STATUS),
    r("beeper.disable", "", 1, _A + "9.8.0", "1", CMD),
    r("beeper.enable", "", 1, _A + "9.8.0", "2", CMD),
    r("beeper.mute", "", 1, _A + "9.8.0", "3", CMD),
    r("input.transfer.low", "", 1, _A + "9.9.0", ""),
    r("input.transfer.high", "", 1, _A + "9.10.0", ""),
)

TRIPPLITE_IETF = Mapping(name="tripplite", version="1.54", rows=_IETF_ROWS,
  sysoid=".1.3.6.1.4.1.850.1")
IETF = Mapping(name="ietf", version="1.54", rows=_IETF_ROWS, sysoid=".1.3.6.1.2.1.33",
  power_status=_A + "4.1.0", auto_check=_A + "1.1.0")
