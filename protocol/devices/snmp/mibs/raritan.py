"""Raritan PDUs, PX (NUT's raritan-pdu-mib.c: "raritan") and PX2 (raritan-px2-mib.c: "raritan-
px2").

Rows, value lookups and mappings as NUT 2.8.0 has them (facts, in nutrio's own form);
protocol/devices/snmp/model.py says what each field means."""

from __future__ import annotations

from nutrio.protocol.devices.snmp.model import (
    ABSENT,
    CMD,
    OK,
    OUTLET,
    STATIC,
    Mapping,
    lk,
    r,
)

__all__ = ["RARITAN", "RARITAN_PX2"]

_A = ".1.3.6.1.4.1.13742."
_B = ".1.3.6.1.2.1.1."

PDU_OUTLET_STATUS = lk((-1, "error"), (0, "off"), (1, "on"), (2, "cycling"))

OUTLET_STATUS = lk((-1, "unavailable"), (0, "open"), (1, "closed"), (2, "belowLowerCritical"),
  (3, "belowLowerWarning"), (4, "normal"), (5, "aboveUpperWarning"), (6, "aboveUpperCritical"),
  (7, "on"), (8, "off"), (9, "detected"), (10, "notDetected"), (11, "alarmed"), (12, "ok"),
  (13, "marginal"), (14, "fail"), (15, "yes"), (16, "no"), (17, "standby"), (18, "one"),
  (19, "two"), (20, "inSync"), (21, "outOfSync"), (0, "NULL"))
OUTLET_SWITCHABILITY = lk((-1, "yes"), (1, "yes"), (2, "no"))

_RARITAN_ROWS = (
    r("device.description", "sw", 128, _B + "1.0", None, OK),
    r("device.contact", "sw", 128, _B + "4.0", None, OK),
    r("device.location", "sw", 128, _B + "6.0", None, OK),
    r("device.mfr", "s", 128, None, "Raritan", OK | STATIC | ABSENT),
    r("device.model", "s", 128, _A + "1.1.12.0", "Generic SNMP PDU", OK | STATIC),
    r("device.serial", "s", 128, _A + "1.1.2.0", "", OK | STATIC),
    r("device.type", "s", 128, None, "pdu", OK | STATIC | ABSENT),
    r("device.macaddr", "s", 128, _A + "1.1.6.0", "", OK | STATIC),
    r("ups.mfr", "s", 128, None, "Raritan", OK | STATIC | ABSENT),
    r("ups.model", "s", 128, _A + "1.1.12.0", "Generic SNMP PDU", OK | STATIC),
    r("ups.id", "s", 128, _A + "1.1.13.0", "unknown", OK | STATIC),
    r("ups.serial", "s", 128, _A + "1.1.2.0", "", OK | STATIC),
    r("ups.firmware", "s", 128, _A + "1.1.1.0", "", OK | STATIC),
    r("ups.type", "s", 128, None, "pdu", OK | STATIC | ABSENT),
    r("ups.temperature", "", 1, _A + "1.3.1.5.0", None),
    r("outlet.id", "", 1, None, "0", OK | STATIC | ABSENT),
    r("outlet.desc", "sw", 20, None, "All outlets", OK | STATIC | ABSENT),
    r("outlet.count", "", 1, _A + "1.2.1.0", "0"),
    r("outlet.current", "", 0.001, _A + "1.3.1.1.0", None),
    r("outlet.voltage", "", 0.001, _A + "1.3.1.2.0", None),
    r("outlet.realpower", "", 1, _A + "1.3.1.3.0", None),
    r("outlet.power", "", 1, _A + "1.3.1.4.0", None),
    r("outlet.%i.switchable", "", 1, _A + "1.2.2.1.1.%i", "yes", STATIC | OUTLET),
    r("outlet.%i.id", "", 1, None, "%i", OK | STATIC | ABSENT | OUTLET),
    r("outlet.%i.desc", "sw", 128, _A + "1.2.2.1.2.%i", None, OUTLET),
    r("outlet.%i.status", "s", 128, _A + "1.2.2.1.3.%i", None, OK | OUTLET, PDU_OUTLET_STATUS),
    r("outlet.%i.current", "", 0.001, _A + "1.2.2.1.4.%i", None, OUTLET),
    r("outlet.%i.current.maximum", "", 0.001, _A + "1.2.2.1.5.%i", None, OUTLET),
    r("outlet.%i.realpower", "", 1, _A + "1.2.2.1.7.%i", None, OUTLET),
    r("outlet.%i.voltage", "", 1, _A + "1.2.2.1.6.%i", None, OUTLET),
    r("outlet.%i.powerfactor", "", 0.01, _A + "1.2.2.1.9.%i", None, OUTLET),
    r("outlet.%i.power", "", 1, _A + "1.2.2.1.8.%i", None, OUTLET),
    r("outlet.%i.load.off", "", 1, _A + "1.2.2.1.3.%i", "0", OUTLET | CMD),
    r("outlet.%i.load.on", "", 1, _A + "1.2.2.1.3.%i", "1", OUTLET | CMD),
    r("outlet.%i.load.cycle", "", 1, _A + "1.2.2.1.3.%i", "2", OUTLET | CMD),
)

RARITAN = Mapping(name="raritan", version="0.8", rows=_RARITAN_ROWS, sysoid=".1.3.6.1.4.1.13742",
  auto_check=_A + "1.1.12.0")

_RARITAN_PX2_ROWS = (
    r("device.description", "sw", 128, _B + "1.0", None, OK),
    r("device.contact", "sw", 128, _B + "4.0", None, OK),
    r("device.location", "sw", 128, _B + "6.0", None, OK),
    r("device.mfr", "s", 128, _A + "6.3.2.1.1.2.1", "Raritan", OK | STATIC),
    r("device.model", "s", 128, _A + "6.3.2.1.1.3.1", "Raritan PX2 SNMP PDU device", OK | STATIC),
    r("device.serial", "s", 128, _A + "6.3.2.1.1.4.1", None, OK | STATIC),
    r("device.type", "s", 128, None, "pdu", OK | STATIC | ABSENT),
    r("device.macaddr", "s", 128, _A + "6.3.2.2.1.11.1", None, OK | STATIC),
    r("device.revision", "s", 128, _A + "6.3.2.3.1.4.1.1.1", "", OK | STATIC),
    r("ups.firmware", "s", 128, _A + "6.3.2.3.1.6.1.1.1", "", OK | STATIC),
    r("ups.id", "s", 128, _A + "6.3.2.2.1.13.1", "", OK | STATIC),
    r("ups.model", "s", 128, _A + "6.3.2.1.1.3.1", "Raritan PX2 SNMP PDU device", OK | STATIC),
    r("input.load", "", 0.1, _A + "6.5.2.3.1.4.1.1.1", None, OK),
    r("input.voltage", "", 1, _A + "6.5.2.3.1.4.1.1.4", None, OK),
    r("input.realpower", "", 1, _A + "6.5.2.3.1.4.1.1.5", None, OK),
    r("input.power", "", 1, _A + "6.5.2.3.1.4.1.1.6", None, OK),
    r("input.powerfactor", "", 0.01, _A + "6.5.2.3.1.4.1.1.7", None, OK),
    r("outlet.count", "", 1, _A + "6.3.2.2.1.4.1", "0", OK | STATIC),
    r("outlet.%i.desc", "sw", 128, _A + "6.3.5.3.1.3.1.%i", None, OUTLET),
    r("outlet.%i.status", "s", 128, _A + "6.4.1.2.1.3.1.%i", None, OUTLET, OUTLET_STATUS),
    r("outlet.%i.id", "", 1, _A + "6.3.5.3.1.2.1.%i", "%i", OK | STATIC | OUTLET),
    r("outlet.%i.current", "", 0.1, _A + "6.5.4.3.1.4.1.%i.1", None, OK | OUTLET),
    r("outlet.%i.voltage", "", 1, _A + "6.5.4.3.1.4.1.%i.4", "%i", OK | OUTLET),
    r("outlet.%i.power", "", 1, _A + "6.5.4.3.1.4.1.%i.5", "%i", OK | OUTLET),
    r("outlet.%i.realpower", "", 1, _A + "6.5.4.3.1.4.1.%i.6", "%i", OK | OUTLET),
    r("outlet.%i.powerfactor", "", 1, _A + "6.5.4.3.1.4.1.%i.7", "%i", OK | OUTLET),
    r("outlet.%i.switchable", "s", 128, _A + "6.3.5.3.1.28.1.%i", "no", OK | STATIC | OUTLET,
      OUTLET_SWITCHABILITY),
    r("outlet.%i.load.off", "", 1, _A + "6.4.1.2.1.2.1.%i", "0", OUTLET | CMD),
    r("outlet.%i.load.on", "", 1, _A + "6.4.1.2.1.2.1.%i", "1", OUTLET | CMD),
    r("outlet.%i.load.cycle", "", 1, _A + "6.4.1.2.1.2.1.%i", "2", OUTLET | CMD),
)

RARITAN_PX2 = Mapping(name="raritan-px2", version="0.4", rows=_RARITAN_PX2_ROWS, sysoid=_A + "6",
  auto_check=_A + "6.3.2.1.1.3.1")
