"""MGE/Eaton Pulsar "MG-SNMP-UPS-MIB" (NUT's mge-mib.c): "mge".

Rows, value lookups and mappings as NUT 2.8.0 has them (facts, in nutrio's own form);
protocol/devices/snmp/model.py says what each field means."""

from __future__ import annotations

from nutrio.protocol.devices.snmp.model import (
    ABSENT,
    BATT,
    CMD,
    IN1,
    IN3,
    INT,
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

__all__ = ["MGE"]

_A = ".1.3.6.1.4.1.705.1."
_B = "1.3.6.1.2.1.33.1."

LOWBATT = lk((1, "LB"), (2, ""))
ONBATT = lk((1, "OB"), (2, "OL"))
BYPASS = lk((1, "BYPASS"), (2, ""))
BOOST = lk((1, "BOOST"), (2, ""))
TRIM = lk((1, "TRIM"), (2, ""))
OVERLOAD = lk((1, "OVER"), (2, ""))
REPLACEBATT = lk((1, "RB"), (2, ""))
OUTPUT_UTIL_OFF = lk((1, "OFF"), (2, ""))
TRANSFER_REASON = lk((1, ""), (2, "input voltage out of range"),
  (3, "input frequency out of range"), (4, "utility off"))
TEST_RESULT = lk((1, "done and passed"), (2, "done and warning"), (3, "done and error"),
  (4, "aborted"), (5, "in progress"), (6, "no test initiated"))
BEEPER_STATUS = lk((1, "disabled"), (2, "enabled"), (3, "muted"))
YES_NO = lk((1, "yes"), (2, "no"))
POWER_SOURCE = lk((1, ""), (2, "OFF"), (4, "BYPASS"), (5, "OB"), (6, "BOOST"), (7, "TRIM"))
AMBIENT_DRYCONTACTS = lk((-1, "unknown"), (1, "closed"), (2, "opened"))

_MGE_ROWS = (
    r("device.description", "sw", 128, ".1.3.6.1.2.1.1.1.0", None, OK),
    r("device.contact", "sw", 128, ".1.3.6.1.2.1.1.4.0", None, OK),
    r("device.location", "sw", 128, ".1.3.6.1.2.1.1.6.0", None, OK),
    r("ups.mfr", "s", 128, None, "Eaton", OK | STATIC | ABSENT),
    r("ups.model", "s", 128, _A + "1.1.0", "Generic SNMP UPS", OK | STATIC),
    r("ups.serial", "s", 128, _A + "1.7.0", "", OK | STATIC),
    r("ups.firmware", "s", 128, _A + "1.4.0", "", OK | STATIC),
    r("ups.firmware.aux", "s", 128, _A + "12.12.0", "", OK | STATIC),
    r("ups.load", "", 1, _A + "7.2.1.4.1", "", OUT1),
    r("ups.beeper.status", "s", 128, _B + "9.8.0", "", NO_FLAGS, BEEPER_STATUS),
    r("ups.L1.load", "", 1, _A + "7.2.1.4.1", "", OUT3),
    r("ups.L2.load", "", 1, _A + "7.2.1.4.2", "", OUT3),
    r("ups.L3.load", "", 1, _A + "7.2.1.4.3", "", OUT3),
    r("ups.test.result", "s", 128, ".1.3.6.1.2.1.33.1.7.3.0", "", NO_FLAGS, TEST_RESULT),
    r("ups.delay.shutdown", "sw", 6, _B + "8.2.0", "20", OK | ABSENT),
    r("ups.delay.start", "sw", 6, _B + "8.3.0", "30", OK | ABSENT),
    r("ups.timer.shutdown", "", 1, _B + "8.2.0", "", OK),
    r("ups.timer.start", "", 1, _B + "8.3.0", "", OK),
    r("ups.timer.reboot", "", 1, _B + "8.4.0", "", OK),
    r("ups.start.auto", "w", 1, _B + "8.5.0", "", OK, YES_NO),
    r("ups.status", "s", 128, _A + "5.11.0", "", OK | BATT, REPLACEBATT),
    r("ups.status", "s", 128, _A + "5.14.0", "", OK | BATT, LOWBATT),
    r("ups.status", "s", 128, _A + "5.16.0", "", OK | BATT, LOWBATT),
    r("ups.status", "s", 128, _A + "7.3.0", "", OK | BATT, ONBATT),
    r("ups.status", "s", 128, _A + "7.4.0", "", OK | BATT, BYPASS),
    r("ups.status", "s", 128, _A + "7.7.0", "", OK | BATT, OUTPUT_UTIL_OFF),
    r("ups.status", "s", 128, _A + "7.8.0", "", OK | BATT, BOOST),
    r("ups.status", "s", 128, _A + "7.10.0", "", OK | BATT, OVERLOAD),
    r("ups.status", "s", 128, _A + "7.12.0", "", OK | BATT, TRIM),
    r("ups.status", "s", 128, ".1.3.6.1.2.1.33.1.4.1.0", "", OK | PWR, POWER_SOURCE),
    r("input.phases", "", 1, _A + "6.1.0", ""),
    r("input.voltage", "", 0.1, _A + "6.2.1.2.1", "", IN1),
    r("input.L1-N.voltage", "", 0.1, _A + "6.2.1.2.1", "", IN3),
    r("input.L2-N.voltage", "", 0.1, _A + "6.2.1.2.2", "", IN3),
    r("input.L3-N.voltage", "", 0.1, _A + "6.2.1.2.3", "", IN3),
    r("input.frequency", "", 0.1, _A + "6.2.1.3.1", "", IN1),
    r("input.L1.frequency", "", 0.1, _A + "6.2.1.3.1", "", IN3),
    r("input.L2.frequency", "", 0.1, _A + "6.2.1.3.2", "", IN3),
    r("input.L3.frequency", "", 0.1, _A + "6.2.1.3.3", "", IN3),
    r("input.voltage.minimum", "", 0.1, _A + "6.2.1.4.1", "", IN1),
    r("input.L1-N.voltage.minimum", "", 0.1, _A + "6.2.1.4.1", "", IN3),
    r("input.L2-N.voltage.minimum", "", 0.1, _A + "6.2.1.4.2", "", IN3),
    r("input.L3-N.voltage.minimum", "", 0.1, _A + "6.2.1.4.3", "", IN3),
    r("input.voltage.maximum", "", 0.1, _A + "6.2.1.5.1", "", IN1),
    r("input.L1-N.voltage.maximum", "", 0.1, _A + "6.2.1.5.1", "", IN3),
    r("input.L2-N.voltage.maximum", "", 0.1, _A + "6.2.1.5.2", "", IN3),
    r("input.L3-N.voltage.maximum", "", 0.1, _A + "6.2.1.5.3", "", IN3),
    r("input.current", "", 0.1, _A + "6.2.1.6.1", "", IN1),
    r("input.L1.current", "", 0.1, _A + "6.2.1.6.1", "", IN3),
    r("input.L2.current", "", 0.1, _A + "6.2.1.6.2", "", IN3),
    r("input.L3.current", "", 0.1, _A + "6.2.1.6.3", "", IN3),
    r("input.transfer.reason", "s", 128, _A + "6.4.0", "", OK, TRANSFER_REASON),
    r("output.phases", "", 1, _A + "7.1.0", ""),
    r("output.voltage", "", 0.1, _A + "7.2.1.2.1", "", OUT1),
    r("output.L1-N.voltage", "", 0.1, _A + "7.2.1.2.1", "", OUT3),
    r("output.L2-N.voltage", "", 0.1, _A + "7.2.1.2.2", "", OUT3),
    r("output.L3-N.voltage", "", 0.1, _A + "7.2.1.2.3", "", OUT3),
    r("output.frequency", "", 0.1, _A + "7.2.1.3.1", "", OUT1),
    r("output.L1.frequency", "", 0.1, _A + "7.2.1.3.1", "", OUT3),
    r("output.L2.frequency", "", 0.1, _A + "7.2.1.3.2", "", OUT3),
    r("output.L3.frequency", "", 0.1, _A + "7.2.1.3.3", "", OUT3),
    r("output.current", "", 0.1, _A + "7.2.1.5.1", "", OUT1),
    r("output.L1.current", "", 0.1, _A + "7.2.1.5.1", "", OUT3),
    r("output.L2.current", "", 0.1, _A + "7.2.1.5.2", "", OUT3),
    r("output.L3.current", "", 0.1, _A + "7.2.1.5.3", "", OUT3),
    r("battery.charge", "", 1, _A + "5.2.0", "", OK),
    r("battery.runtime", "", 1, _A + "5.1.0", "", OK),
    r("battery.runtime.low", "", 1, _A + "4.7.0", "", OK),
    r("battery.charge.low", "sw", 2, _A + "4.8.0", "", OK | INT),
    r("battery.voltage", "", 0.1, _A + "5.5.0", "", OK),
    r("ambient.temperature", "", 0.1, _A + "8.1.0", "", OK | INT),
    r("ambient.humidity", "", 0.1, _A + "8.2.0", "", OK | INT),
    r("ambient.contacts.1.status", "s", 128, _A + "8.7.1.9.1", "", OK | INT, AMBIENT_DRYCONTACTS),
    r("ambient.contacts.2.status", "s", 128, _A + "8.7.1.10.1", "", OK | INT, AMBIENT_DRYCONTACTS),
    r("outlet.id", "", 1, None, "0", OK | STATIC | ABSENT),
    r("outlet.desc", "sw", 20, None, "Main Outlet", OK | STATIC | ABSENT),
    r("test.battery.start", "", 1, _A + "10.4.0", "2", OK | CMD),
    r("beeper.disable", "", 1, _B + "9.8.0", "1", CMD),
    r("beeper.enable", "", 1, _B + "9.8.0", "2", CMD),
    r("beeper.mute", "", 1, _B + "9.8.0", "3", CMD),
    r("load.off.delay", "", 1, _B + "8.2.0", None, CMD),
    r("load.on.delay", "", 1, _B + "8.3.0", None, CMD),
)

MGE = Mapping(name="mge", version="0.55", rows=_MGE_ROWS, sysoid=".1.3.6.1.4.1.705.1",
  auto_check=_A + "1.1.0")
