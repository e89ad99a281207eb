"""HP/Compaq CPQPOWER-MIB UPSes (NUT's compaq-mib.c): "cpqpower".

Rows, value lookups and mappings as NUT 2.8.0 has them (facts, in nutrio's own form);
protocol/devices/snmp/model.py says what each field means."""

from __future__ import annotations

from nutrio.protocol.devices.snmp.model import (
    ABSENT,
    CMD,
    IN3,
    NO_FLAGS,
    OK,
    OUT1,
    OUT3,
    OUTLET,
    PWR,
    STATIC,
    Mapping,
    lk,
    r,
)

__all__ = ["COMPAQ"]

_A = ".1.3.6.1.4.1.232.165.3."

PWR_VALUES = lk((1, ""), (2, "OFF"), (3, "OL"), (4, "OL BYPASS"), (5, "OB"), (6, "OL BOOST"),
  (7, "OL TRIM"), (8, "OL"), (9, "OL"), (10, "OL"))
MODE = lk((1, ""), (2, ""), (3, "normal"), (4, ""), (5, ""), (6, ""), (7, ""),
  (8, "parallel capacity"), (9, "parallel redundancy"), (10, "high efficiency"))
BATTERY_ABM_STATUS = lk((1, "CHRG"), (2, "DISCHRG"))
TEST_RES = lk((1, "Unknown"), (2, "Done and passed"), (3, "Done and error"), (4, "In progress"),
  (5, "Not supported"), (6, "Inhibited"), (7, "Scheduled"))
OUTLET_STATUS = lk((1, "on"), (2, "off"), (3, "pendingOff"), (4, "pendingOn"), (5, "unknown"))
OUTLET_SWITCHABILITY = lk((1, "yes"), (2, "yes"), (3, "yes"), (4, "yes"))

_CPQPOWER_ROWS = (
    r("device.description", "sw", 128, ".1.3.6.1.2.1.1.1.0", None, OK),
    r("device.contact", "sw", 128, ".1.3.6.1.2.1.1.4.0", None, OK),
    r("device.location", "sw", 128, ".1.3.6.1.2.1.1.6.0", None, OK),
    r("ups.mfr", "s", 128, _A + "1.1.0", "HP/Compaq", STATIC),
    r("ups.model", "s", 128, _A + "1.2.0", "SNMP UPS", STATIC),
    r("ups.serial", "s", 128, ".1.3.6.1.4.1.232.165.1.2.7.0", "", OK | STATIC),
    r("ups.firmware", "s", 128, _A + "1.3.0", ""),
    r("ups.firmware.aux", "s", 128, ".1.3.6.1.2.1.33.1.1.4.0", ""),
    r("ups.load", "", 1, _A + "4.1.0", ""),
    r("ups.realpower", "", 1, _A + "4.4.1.4", "", OUT1),
    r("ups.realpower", "", 1, _A + "9.3.0", "", OUT1),
    r("ups.L1.realpower", "", 0.1, _A + "4.4.1.4.1", "", OUT3),
    r("ups.L2.realpower", "", 0.1, _A + "4.4.1.4.2", "", OUT3),
    r("ups.L3.realpower", "", 0.1, _A + "4.4.1.4.3", "", OUT3),
    r("ups.status", "s", 128, _A + "4.5.0", "OFF", PWR, PWR_VALUES),
    r("ups.status", "s", 128, _A + "2.5.0", "", PWR, BATTERY_ABM_STATUS),
    r("ups.type", "s", 128, _A + "4.5.0", "", PWR, MODE),
    r("ups.test.result", "s", 128, _A + "7.2.0", "", NO_FLAGS, TEST_RES),
    r("ups.delay.shutdown", "sw", 6, _A + "8.1.0", "20", OK | ABSENT),
    r("ups.delay.start", "sw", 6, _A + "8.2.0", "30", OK | ABSENT),
    r("ups.timer.shutdown", "", 1, _A + "8.1.0", "", OK),
    r("ups.timer.start", "", 1, _A + "8.2.0", "", OK),
    r("ambient.temperature", "", 1, _A + "6.1.0", ""),
    r("ambient.temperature.low", "", 1, _A + "6.2.0", ""),
    r("ambient.temperature.high", "", 1, _A + "6.3.0", ""),
    r("battery.charge", "", 1, _A + "2.4.0", ""),
    r("battery.runtime", "", 1, _A + "2.1.0", ""),
    r("battery.voltage", "", 0.1, _A + "2.2.0", ""),
    r("battery.current", "", 0.1, _A + "2.3.0", ""),
    r("input.phases", "", 1, _A + "3.3.0", ""),
    r("input.frequency", "", 0.1, _A + "3.1.0", ""),
    r("input.voltage", "", 1, _A + "3.4.1.2", "", OUT1),
    r("input.voltage", "", 1, _A + "3.4.1.2.1", "", OUT1),
    r("input.voltage.nominal", "sw", 3, _A + "9.2.0", "", OUT1),
    r("input.L1-N.voltage", "", 1, _A + "3.4.1.2.1", "", IN3),
    r("input.L2-N.voltage", "", 1, _A + "3.4.1.2.2", "", IN3),
    r("input.L3-N.voltage", "", 1, _A + "3.4.1.2.3", "", IN3),
    r("input.current", "", 0.1, _A + "3.4.1.3", "", OUT1),
    r("input.current", "", 0.1, _A + "3.4.1.3.1", "", OUT1),
    r("input.L1.current", "", 0.1, _A + "3.4.1.3.1", "", IN3),
    r("input.L2.current", "", 0.1, _A + "3.4.1.3.2", "", IN3),
    r("input.L3.current", "", 0.1, _A + "3.4.1.3.3", "", IN3),
    r("input.realpower", "", 0.1, _A + "3.4.1.4", "", OUT1),
    r("input.L1.realpower", "", 0.1, _A + "3.4.1.4.1", "", IN3),
    r("input.L2.realpower", "", 0.1, _A + "3.4.1.4.2", "", IN3),
    r("input.L3.realpower", "", 0.1, _A + "3.4.1.4.3", "", IN3),
    r("input.quality", "", 1, _A + "3.2.0", ""),
    r("output.phases", "", 1, _A + "4.3.0", ""),
    r("output.frequency", "", 0.1, _A + "4.2.0", ""),
    r("output.frequency.nominal", "sw", 3, _A + "9.4.0", "", OUT1),
    r("output.voltage", "", 1, _A + "4.4.1.2", "", OUT1),
    r("output.voltage", "", 1, _A + "4.4.1.2.1", "", OUT1),
    r("output.voltage.nominal", "sw", 3, _A + "9.1.0", "", OUT1),
    r("output.L1-N.voltage", "", 1, _A + "4.4.1.2.1", "", OUT3),
    r("output.L2-N.voltage", "", 1, _A + "4.4.1.2.2", "", OUT3),
    r("output.L3-N.voltage", "", 1, _A + "4.4.1.2.3", "", OUT3),
    r("output.current", "", 0.1, _A + "4.4.1.3", "", OUT1),
    r("output.current", "", 0.1, _A + "4.4.1.3.1", "", OUT1),
    r("output.L1.current", "", 0.1, _A + "4.4.1.3.1", "", OUT3),
    r("output.L2.current", "", 0.1, _A + "4.4.1.3.2", "", OUT3),
    r("output.L3.current", "", 0.1, _A + "4.4.1.3.3", "", OUT3),
    r("outlet.id", "", 1, None, "0", OK | STATIC | ABSENT),
    r("outlet.desc", "sw", 20, None, "All outlets", OK | STATIC | ABSENT),
    r("outlet.count", "", 1, _A + "10.1.0", "0"),
    r("outlet.%i.switchable", "s", 3, _A + "10.2.1.1.%i", "yes", STATIC | OUTLET,
      OUTLET_SWITCHABILITY),
    r("outlet.%i.id", "", 1, _A + "10.2.1.1.%i", "%i", OK | STATIC | ABSENT | OUTLET),
    r("outlet.%i.status", "s", 128, _A + "10.2.1.2.%i", None, OK | OUTLET, OUTLET_STATUS),
    r("outlet.%i.load.off", "", 1, _A + "10.2.1.3.%i", "0", OUTLET | CMD),
    r("outlet.%i.load.on", "", 1, _A + "10.2.1.4.%i", "0", OUTLET | CMD),
    r("outlet.%i.load.cycle", "", 1, _A + "10.2.1.7.%i", "0", OUTLET | CMD),
    r("load.off", "", 1, _A + "8.1.0", "1", CMD),
    r("load.on", "", 1, _A + "8.2.0", "1", CMD),
    r("shutdown.stop", "", 1, _A + "8.1.0", "0", OK | CMD),
    r("load.off.delay", "", 1, _A + "8.1.0", "20", CMD),
    r("load.on.delay", "", 1, _A + "8.2.0", "30", CMD),
    r("shutdown.reboot", "", 1, _A + "8.6.0", "0", OK | CMD),
    r("test.battery.start", "", 1, _A + "7.1.0", "1", OK | CMD),
)

COMPAQ = Mapping(name="cpqpower", version="1.66", rows=_CPQPOWER_ROWS,
  sysoid=".1.3.6.1.4.1.232.165.3", auto_check=_A + "1.1.0")
