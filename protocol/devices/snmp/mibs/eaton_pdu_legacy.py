"""Older Eaton PDUs: Aphel Genesis II, Aphel Revelation, Pulizzi (NUT's eaton-pdu-genesis2-mib.c,
eaton-pdu-revelation-mib.c, eaton-pdu-pulizzi-mib.c).

Rows, value lookups and mappings as NUT 2.8.0 has them (facts, in nutrio's own form);
protocol/devices/snmp/model.py says what each field means."""

from __future__ import annotations

from nutrio.protocol.devices.snmp.model import (
    ABSENT,
    CMD,
    CMDOFF,
    NEG,
    OK,
    OUTLET,
    STATIC,
    Mapping,
    lk,
    r,
)

__all__ = ["APHEL_GENESISII", "APHEL_REVELATION", "PULIZZI_SWITCHED1", "PULIZZI_SWITCHED2"]

_A = ".1.3.6.1.4.1.534.6.6.6.1."
_B = ".1.3.6.1.4.1.20677.2."
_C = ".1.3.6.1.4.1.17373.3."
_D = ".1.3.6.1.2.1.1."


OUTLET_STATUS = lk((-1, "error"), (0, "off"), (1, "on"), (2, "cycling"))
OUTLET_SWITCHABILITY = lk((-1, "yes"), (0, "yes"), (1, "yes"), (2, "yes"))

SW_OUTLET_STATUS = lk((1, "on"), (2, "off"))
SW_OUTLET_SWITCHABILITY = lk((1, "yes"), (2, "yes"))

_EATON_APHEL_GENESISII_ROWS = (
    r("device.description", "sw", 128, _D + "1.0", None, OK),
    r("device.contact", "sw", 128, _D + "4.0", None, OK),
    r("device.location", "sw", 128, _D + "6.0", None, OK),
    r("device.mfr", "s", 128, None, "EATON | Powerware", OK | STATIC | ABSENT),
    r("device.model", "s", 128, _C + "1.1.0", "Eaton Powerware ePDU Monitored", OK | STATIC),
    r("device.type", "s", 128, None, "pdu", OK | STATIC | ABSENT),
    r("device.macaddr", "s", 128, _C + "1.4.0", "unknown"),
    r("ups.mfr", "s", 128, None, "EATON | Powerware", OK | STATIC | ABSENT),
    r("ups.model", "s", 128, _C + "1.1.0", "Generic SNMP PDU", OK | STATIC),
    r("ups.id", "s", 128, _C + "1.3.0", "unknown", OK | STATIC),
    r("ups.firmware", "s", 128, _C + "1.2.0", "", OK | STATIC),
    r("ups.type", "s", 128, None, "pdu", OK | STATIC | ABSENT),
    r("outlet.1.current", "", 0.1, _C + "2.1.0", None, NEG),
    r("outlet.2.current", "", 0.1, _C + "2.2.0", None, NEG),
    r("outlet.3.current", "", 0.1, _C + "2.3.0", None, NEG),
    r("outlet.4.current", "", 0.1, _C + "2.4.0", None, NEG),
    r("outlet.5.current", "", 0.1, _C + "2.5.0", None, NEG),
    r("outlet.6.current", "", 0.1, _C + "2.6.0", None, NEG),
    r("outlet.7.current", "", 0.1, _C + "2.7.0", None, NEG),
    r("outlet.8.current", "", 0.1, _C + "2.8.0", None, NEG),
)

APHEL_GENESISII = Mapping(name="aphel_genesisII", version="0.52", rows=_EATON_APHEL_GENESISII_ROWS,
  sysoid=".1.3.6.1.4.1.17373", auto_check=_C + "1.1.0")

_EATON_APHEL_REVELATION_ROWS = (
    r("device.description", "sw", 128, _D + "1.0", None, OK),
    r("device.contact", "sw", 128, _D + "4.0", None, OK),
    r("device.location", "sw", 128, _D + "6.0", None, OK),
    r("device.mfr", "s", 128, None, "EATON | Powerware", OK | STATIC | ABSENT),
    r("device.model", "s", 128, _A + "1.12.0", "Eaton Powerware ePDU Managed", OK | STATIC),
    r("device.serial", "s", 128, _A + "1.2.0", "", OK | STATIC),
    r("device.type", "s", 128, None, "pdu", OK | STATIC | ABSENT),
    r("device.macaddr", "s", 128, _A + "1.6.0", "", OK | STATIC),
    r("device.revision", "s", 128, _A + "1.7.0", "", OK | STATIC),
    r("ups.mfr", "s", 128, None, "EATON | Powerware", OK | STATIC | ABSENT),
    r("ups.model", "s", 128, _A + "1.12.0", "Generic SNMP PDU", OK | STATIC),
    r("ups.id", "s", 128, _A + "1.13.0", "unknown", OK | STATIC),
    r("ups.serial", "s", 128, _A + "1.2.0", "", OK | STATIC),
    r("ups.firmware", "s", 128, _A + "1.1.0", "", OK | STATIC),
    r("ups.type", "s", 128, None, "pdu", OK | STATIC | ABSENT),
    r("ups.temperature", "", 1, _A + "3.1.5.0", None),
    r("outlet.id", "", 1, None, "0", OK | STATIC | ABSENT),
    r("outlet.desc", "sw", 20, None, "All outlets", OK | STATIC | ABSENT),
    r("outlet.count", "", 1, _A + "2.1.0", "0"),
    r("outlet.current", "", 0.001, _A + "3.1.1.0", None),
    r("outlet.voltage", "", 0.001, _A + "3.1.2.0", None),
    r("outlet.realpower", "", 1, _A + "3.1.3.0", None),
    r("outlet.power", "", 1, _A + "3.1.4.0", None),
    r("outlet.%i.switchable", "", 1, _A + "2.2.1.3.%i", "yes", STATIC | OUTLET,
      OUTLET_SWITCHABILITY),
    r("outlet.%i.id", "", 1, None, "%i", OK | STATIC | ABSENT | OUTLET),
    r("outlet.%i.desc", "sw", 128, _A + "2.2.1.2.%i", None, OUTLET),
    r("outlet.%i.status", "s", 128, _A + "2.2.1.3.%i", None, OK | OUTLET, OUTLET_STATUS),
    r("outlet.%i.current", "", 0.001, _A + "2.2.1.4.%i", None, OUTLET),
    r("outlet.%i.current.maximum", "", 0.001, _A + "2.2.1.5.%i", None, OUTLET),
    r("outlet.%i.realpower", "", 1, _A + "2.2.1.7.%i", None, OUTLET),
    r("outlet.%i.voltage", "", 1, _A + "2.2.1.6.%i", None, OUTLET),
    r("outlet.%i.powerfactor", "", 0.01, _A + "2.2.1.9.%i", None, OUTLET),
    r("outlet.%i.power", "", 1, _A + "2.2.1.8.%i", None, OUTLET),
    r("ambient.temperature", "", 1, ".1.3.6.1.4.1.534.6.6.6.2.2.1.3.0", None, OK),
    r("ambient.temperature.low", "", 1, "1.3.6.1.4.1.534.6.6.6.2.2.1.6.0", None, OK),
    r("ambient.temperature.high", "", 1, "1.3.6.1.4.1.534.6.6.6.2.2.1.7.0", None, OK),
    r("ambient.humidity", "", 1, ".1.3.6.1.4.1.534.6.6.6.2.4.1.3.0", None, OK),
    r("ambient.humidity.low", "", 1, ".1.3.6.1.4.1.534.6.6.6.2.4.1.6.0", None, OK),
    r("ambient.humidity.high", "", 1, ".1.3.6.1.4.1.534.6.6.6.2.4.1.7.0", None, OK),
    r("outlet.%i.load.off", "", 1, _A + "2.2.1.3.%i", "0", OUTLET | CMD),
    r("outlet.%i.load.on", "", 1, _A + "2.2.1.3.%i", "1", OUTLET | CMD),
    r("outlet.%i.load.cycle", "", 1, _A + "2.2.1.3.%i", "2", OUTLET | CMD),
)

APHEL_REVELATION = Mapping(name="aphel_revelation", version="0.52",
  rows=_EATON_APHEL_REVELATION_ROWS, sysoid=".1.3.6.1.4.1.534.6.6.6", auto_check=_A + "1.12.0")

_EATON_PULIZZI_SWITCHED_ROWS = (
    r("device.description", "sw", 128, _D + "1.0", None, OK),
    r("device.contact", "sw", 128, _D + "4.0", None, OK),
    r("device.location", "sw", 128, _D + "6.0", None, OK),
    r("device.mfr", "s", 128, None, "EATON | Powerware", OK | STATIC | ABSENT),
    r("device.model", "s", 128, _B + "1.1.0", "Switched ePDU", OK | STATIC),
    r("device.type", "s", 128, None, "pdu", OK | STATIC | ABSENT),
    r("device.macaddr", "s", 128, _B + "2.6.0", "unknown"),
    r("ups.mfr", "s", 128, None, "EATON", OK | STATIC | ABSENT),
    r("ups.model", "s", 128, _B + "1.1.0", "Switched ePDU", OK | STATIC),
    r("ups.date", "s", 128, _B + "1.4.0", "", OK | STATIC),
    r("ups.time", "s", 128, _B + "1.3.0", "", OK | STATIC),
    r("outlet.id", "", 1, None, "0", OK | STATIC | ABSENT),
    r("outlet.desc", "sw", 20, None, "All outlets", OK | STATIC | ABSENT),
    r("outlet.current", "", 1, _B + "8.6.4.2.0", None),
    r("outlet.voltage", "", 1, _B + "8.6.4.1.0", None),
    r("outlet.power", "", 1, _B + "8.6.4.3.0", None),
    r("outlet.%i.desc", "sw", 128, _B + "6.1.%i.1.0", None, OK | STATIC | OUTLET),
    r("outlet.%i.status", "s", 128, _B + "6.3.%i.0", None, OK | OUTLET, SW_OUTLET_STATUS),
    r("outlet.%i.id", "", 1, None, "%i", OK | STATIC | ABSENT | OUTLET),
    r("outlet.%i.switchable", "s", 128, _B + "6.3.%i.0", "yes", OK | STATIC | OUTLET,
      SW_OUTLET_SWITCHABILITY),
    r("outlet.%i.delay.reboot", "w", 1, _B + "6.1.%i.5.0", None, OUTLET),
    r("outlet.%i.delay.start", "w", 1, _B + "6.1.%i.4.0", None, OUTLET),
    r("load.on", "", 1, _B + "6.2.1.0", "1", CMD),
    r("load.off", "", 1, _B + "6.2.1.0", "2", CMD),
    r("load.on.delay", "", 1, _B + "6.2.1.0", "3", CMD),
    r("load.off.delay", "", 1, _B + "6.2.1.0", "4", CMD),
    r("outlet.%i.load.on", "", 1, _B + "6.2.%i.0", "1", CMDOFF | OUTLET | CMD),
    r("outlet.%i.load.off", "", 1, _B + "6.2.%i.0", "2", CMDOFF | OUTLET | CMD),
    r("outlet.%i.load.cycle", "", 1, _B + "6.2.%i.0", "3", CMDOFF | OUTLET | CMD),
)

PULIZZI_SWITCHED1 = Mapping(name="pulizzi_switched1", version="0.5",
  rows=_EATON_PULIZZI_SWITCHED_ROWS, sysoid=".1.3.6.1.4.1.20677.1",
  auto_check=".1.3.6.1.4.1.20677.1")
PULIZZI_SWITCHED2 = Mapping(name="pulizzi_switched2", version="0.5",
  rows=_EATON_PULIZZI_SWITCHED_ROWS, sysoid=".1.3.6.1.4.1.20677.2",
  auto_check=".1.3.6.1.4.1.20677.1")
