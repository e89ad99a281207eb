"""Baytech RPC PDUs (NUT's baytech-mib.c): "baytech".

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

__all__ = ["BAYTECH"]

_A = ".1.3.6.1.4.1.4779.1.3.5."
_B = ".1.3.6.1.4.1.4779.1.1."

OUTLET_STATUS = lk((-1, "error"), (0, "off"), (1, "on"), (2, "cycling"))

_BAYTECH_ROWS = (
    r("device.description", "sw", 128, ".1.3.6.1.2.1.1.1.0", None, OK),
    r("device.contact", "sw", 128, ".1.3.6.1.2.1.1.4.0", None, OK),
    r("device.location", "sw", 128, ".1.3.6.1.2.1.1.6.0", None, OK),
    r("device.mfr", "s", 128, None, "BayTech", OK | STATIC | ABSENT),
    r("device.model", "s", 128, _A + "2.1.24.1", "Generic SNMP PDU", OK | STATIC),
    r("device.serial", "s", 128, _B + "2.0", "", OK | STATIC),
    r("device.type", "s", 128, None, "pdu", OK | STATIC | ABSENT),
    r("device.macaddr", "s", 128, ".1.3.6.1.2.1.2.2.1.6.2", "", OK | STATIC),
    r("ups.mfr", "s", 128, None, "Baytech", OK | STATIC | ABSENT),
    r("ups.model", "s", 128, _A + "2.1.24.1", "Generic SNMP PDU", OK | STATIC),
    r("ups.id", "s", 128, _B + "3.0", "unknown", OK | STATIC),
    r("ups.serial", "s", 128, _B + "2.0", "", OK | STATIC),
    r("ups.firmware", "s", 128, _B + "1.0", "", OK | STATIC),
    r("ups.type", "s", 128, None, "pdu", OK | STATIC | ABSENT),
    r("ups.temperature", "", 0.1, _A + "5.1.10.2.1", None),
    r("outlet.id", "", 1, None, "0", OK | STATIC | ABSENT),
    r("outlet.desc", "sw", 20, None, "All outlets", OK | STATIC | ABSENT),
    r("outlet.count", "", 1, _A + "2.1.15.1", "0"),
    r("outlet.current", "", 0.1, _A + "5.1.6.2.1", None),
    r("outlet.voltage", "", 0.1, _A + "5.1.8.2.1", None),
    r("outlet.%i.status", "s", 128, _A + "3.1.3.1.%i", None, OUTLET, OUTLET_STATUS),
    r("outlet.%i.desc", "sw", 128, _A + "3.1.4.1.%i", None, OUTLET),
    r("outlet.%i.id", "", 1, _A + "6.1.3.2.1.%i", "%i", OK | STATIC | ABSENT | OUTLET),
    r("outlet.%i.switchable", "", 1, _A + "3.1.1.1.%i", "yes", STATIC | OUTLET),
    r("outlet.%i.load.off", "", 1, _A + "3.1.3.1.%i", "0", OUTLET | CMD),
    r("outlet.%i.load.on", "", 1, _A + "3.1.3.1.%i", "1", OUTLET | CMD),
)

BAYTECH = Mapping(name="baytech", version="0.4034", rows=_BAYTECH_ROWS, sysoid=".1.3.6.1.4.1.4779",
  auto_check=_A + "2.1.24.1")
