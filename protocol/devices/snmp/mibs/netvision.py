"""Socomec Netvision cards (NUT's netvision-mib.c): "netvision".

Rows, value lookups and mappings as NUT 2.8.0 has them (facts, in nutrio's own form);
protocol/devices/snmp/model.py says what each field means."""

from __future__ import annotations

from nutrio.protocol.devices.snmp.model import (
    BATT,
    BYP1,
    BYP3,
    IN1,
    IN3,
    OK,
    OUT1,
    OUT3,
    PWR,
    STATIC,
    Mapping,
    lk,
    r,
)

__all__ = ["NETVISION"]

_A = ".1.3.6.1.4.1.4555.1.1.1.1."

BATT_VALUES = lk((2, ""), (3, "LB"), (4, "LB"), (5, "DISCHRG"), (6, "RB"))
ONBATT = lk((0, "OL"), (1, "OB"))
OUTPUT = lk((1, ""), (2, ""), (3, "OL"), (4, "OL BYPASS"), (5, "OB"), (6, "OL BOOST"),
  (7, "OL TRIM"), (8, "OL"), (9, ""))

_NETVISION_ROWS = (
    r("device.description", "sw", 128, ".1.3.6.1.2.1.1.1.0", None, OK),
    r("device.contact", "sw", 128, ".1.3.6.1.2.1.1.4.0", None, OK),
    r("device.location", "sw", 128, ".1.3.6.1.2.1.1.6.0", None, OK),
    r("ups.mfr", "s", 128, _A + "1.3.0", "SOCOMEC SICON UPS", OK | STATIC),
    r("ups.model", "s", 128, _A + "1.1.0", "Generic SNMP UPS", OK | STATIC),
    r("ups.serial", "s", 128, _A + "1.4.0", "", OK | STATIC),
    r("ups.firmware.aux", "s", 128, _A + "1.2.0", "", OK | STATIC),
    r("ups.status", "s", 128, _A + "2.1.0", "", OK | BATT, BATT_VALUES),
    r("ups.status", "s", 128, _A + "4.1.0", "", OK | PWR, OUTPUT),
    r("ups.status", "s", 128, _A + "6.3.2.0", "", OK | PWR, ONBATT),
    r("ups.load", "", 1, _A + "4.4.1.4.1", None, IN1),
    r("input.phases", "", 1, _A + "3.1.0", None),
    r("input.frequency", "", 0.1, _A + "3.2.0", None, OK),
    r("input.voltage", "", 0.1, _A + "3.3.1.5.1", None, IN1),
    r("input.current", "", 0.1, _A + "3.3.1.3.1", None, IN1),
    r("input.L1-N.voltage", "", 0.1, _A + "3.3.1.5.1", None, IN3),
    r("input.L1.current", "", 0.1, _A + "3.3.1.3.1", None, IN3),
    r("input.L2-N.voltage", "", 0.1, _A + "3.3.1.5.2", None, IN3),
    r("input.L2.current", "", 0.1, _A + "3.3.1.3.2", None, IN3),
    r("input.L3-N.voltage", "", 0.1, _A + "3.3.1.5.3", None, IN3),
    r("input.L3.current", "", 0.1, _A + "3.3.1.3.3", None, IN3),
    r("output.phases", "", 1, _A + "4.3.0", None),
    r("output.frequency", "", 0.1, _A + "4.2.0", None, OK),
    r("output.voltage", "", 0.1, _A + "4.4.1.2.1", None, OUT1),
    r("output.current", "", 0.1, _A + "4.4.1.3.1", None, OUT1),
    r("output.load", "", 1, _A + "4.4.1.4.1", None, OUT1),
    r("output.L1-N.voltage", "", 0.1, _A + "4.4.1.2.1", None, OUT3),
    r("output.L1.current", "", 0.1, _A + "4.4.1.3.1", None, OUT3),
    r("output.L1.power.percent", "", 1, _A + "4.4.1.4.1", None, OUT3),
    r("output.L2-N.voltage", "", 0.1, _A + "4.4.1.2.2", None, OUT3),
    r("output.L2.current", "", 0.1, _A + "4.4.1.3.2", None, OUT3),
    r("output.L2.power.percent", "", 1, _A + "4.4.1.4.2", None, OUT3),
    r("output.L3-N.voltage", "", 0.1, _A + "4.4.1.2.3", None, OUT3),
    r("output.L3.current", "", 0.1, _A + "4.4.1.3.3", None, OUT3),
    r("output.L3.power.percent", "", 1, _A + "4.4.1.4.3", None, OUT3),
    r("input.bypass.phases", "", 1, _A + "5.2.0", None),
    r("input.bypass.frequency", "", 0.1, _A + "5.1.0", None, OK),
    r("input.bypass.voltage", "", 0.1, _A + "5.3.1.2.1", None, BYP1),
    r("input.bypass.current", "", 0.1, _A + "5.3.1.3.1", None, BYP1),
    r("input.bypass.L1-N.voltage", "", 0.1, _A + "5.3.1.2.1", None, BYP3),
    r("input.bypass.L1.current", "", 0.1, _A + "5.3.1.3.1", None, BYP3),
    r("input.bypass.L2-N.voltage", "", 0.1, _A + "5.3.1.2.2", None, BYP3),
    r("input.bypass.L2.current", "", 0.1, _A + "5.3.1.3.2", None, BYP3),
    r("input.bypass.L3-N.voltage", "", 0.1, _A + "5.3.1.2.3", None, BYP3),
    r("input.bypass.L3.current", "", 0.1, _A + "5.3.1.3.3", None, BYP3),
    r("battery.charge", "", 1, _A + "2.4.0", "", OK),
    r("battery.voltage", "", 0.1, _A + "2.5.0", "", OK),
    r("battery.runtime", "", 60, _A + "2.3.0", "", OK),
)

NETVISION = Mapping(name="netvision", version="0.44", rows=_NETVISION_ROWS,
  sysoid=".1.3.6.1.4.1.4555.1.1.1", auto_check=_A + "1.1.0")
