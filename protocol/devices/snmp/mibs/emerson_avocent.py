"""Emerson/Avocent PM PDUs (NUT's emerson-avocent-pdu-mib.c): "emerson_avocent_pdu".

Rows, value lookups and mappings as NUT 2.8.0 has them (facts, in nutrio's own form);
protocol/devices/snmp/model.py says what each field means."""

from __future__ import annotations

from nutrio.protocol.devices.snmp.model import (
    ABSENT,
    CMD,
    DAISY1,
    NA,
    OK,
    OUTLET,
    STATIC,
    ZERO,
    Mapping,
    lk,
    r,
)

__all__ = ["EMERSON_AVOCENT_PDU"]

_A = ".1.3.6.1.4.1.10418.17.2.5."
_B = ".1.3.6.1.4.1.10418.17.2.1."

OUTLET_STATUS = lk((1, "off"), (2, "on"))

_EMERSON_AVOCENT_PDU_ROWS = (
    r("device.description", "sw", 128, ".1.3.6.1.2.1.1.1.0", None, OK),
    r("device.contact", "sw", 128, ".1.3.6.1.2.1.1.4.0", None, OK),
    r("device.location", "sw", 128, ".1.3.6.1.2.1.1.6.0", None, OK),
    r("device.mfr", "s", 128, None, "Avocent", OK | STATIC | ABSENT),
    r("device.model", "s", 128, _A + "3.1.5.1.%i", "Avocent SNMP PDU", OK | ABSENT | NA),
    r("device.serial", "s", 128, _B + "4.0", "", OK | STATIC),
    r("device.type", "s", 128, None, "pdu", OK | STATIC | ABSENT),
    r("device.count", "", 1, _A + "2.1.4.1", "1", STATIC),
    r("ups.mfr", "s", 128, None, "Avocent", OK | STATIC | ABSENT),
    r("ups.model", "s", 128, _B + "2.0", "Avocent SNMP PDU", OK | STATIC),
    r("ups.id", "s", 128, _B + "1.0", "unknown", OK | STATIC),
    r("ups.serial", "s", 128, _B + "4.0", "", OK | STATIC),
    r("ups.firmware", "s", 128, _B + "7.0", "", OK | STATIC),
    r("ups.type", "s", 128, None, "pdu", OK | STATIC | ABSENT),
    r("ups.macaddr", "s", 128, ".1.3.6.1.2.1.2.2.1.6.1", "", OK | STATIC),
    r("outlet.id", "", 1, None, "0", OK | STATIC | ABSENT),
    r("outlet.desc", "sw", 20, None, "All outlets", OK | STATIC | ABSENT),
    r("outlet.count", "", 1, _A + "3.1.8.1.%i", "0", OK | STATIC | ZERO),
    r("outlet.%i.status", "s", 128, _A + "5.1.5.1.%i.%i", None, ZERO | OUTLET | DAISY1,
      OUTLET_STATUS),
    r("outlet.%i.id", "", 1, _A + "5.1.3.1.%i.%i", None, OK | STATIC | ABSENT | OUTLET | DAISY1),
    r("outlet.%i.desc", "sw", 128, _A + "5.1.4.1.%i.%i", None, NA | OUTLET | DAISY1),
    r("outlet.%i.current", "", 0.1, _A + "5.1.50.1.%i.%i", None, OUTLET | DAISY1),
    r("outlet.%i.current.high.critical", "w", 0.1, _A + "5.1.100.1.%i.%i", None, OUTLET | DAISY1),
    r("outlet.%i.current.high.warning", "w", 0.1, _A + "5.1.101.1.%i.%i", None, OUTLET | DAISY1),
    r("outlet.%i.current.low.warning", "w", 0.1, _A + "5.1.102.1.%i.%i", None, OUTLET | DAISY1),
    r("outlet.%i.current.low.critical", "w", 0.1, _A + "5.1.103.1.%i.%i", None, OUTLET | DAISY1),
    r("outlet.%i.realpower", "", 0.1, _A + "5.1.60.1.%i.%i", None, OUTLET | DAISY1),
    r("outlet.%i.voltage", "", 1, _A + "5.1.70.1.%i.%i", None, OUTLET | DAISY1),
    r("outlet.group.count", "", 1, _A + "6.%i", "0", STATIC | DAISY1),
    r("outlet.%i.load.cycle", "", 1, _A + "5.1.6.1.%i.%i", "4", OUTLET | CMD | DAISY1),
    r("outlet.%i.load.off", "", 1, _A + "5.1.6.1.%i.%i", "3", OUTLET | CMD | DAISY1),
    r("outlet.%i.load.on", "", 1, _A + "5.1.6.1.%i.%i", "2", OUTLET | CMD | DAISY1),
)

EMERSON_AVOCENT_PDU = Mapping(name="emerson_avocent_pdu", version="1.3",
  rows=_EMERSON_AVOCENT_PDU_ROWS, sysoid=".1.3.6.1.4.1.10418.17.1.7", auto_check=_B + "2.0")
