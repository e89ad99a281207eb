"""Phoenixtec/Megatec PPC MIB (NUT's xppc-mib.c): "xppc".

Rows, value lookups and mappings as NUT 2.8.0 has them (facts, in nutrio's own form);
protocol/devices/snmp/model.py says what each field means."""

from __future__ import annotations

from nutrio.protocol.devices.snmp.model import (
    ABSENT,
    BATT,
    INT,
    OK,
    PWR,
    STATIC,
    Mapping,
    lk,
    r,
)

__all__ = ["XPPC"]

_A = ".1.3.6.1.4.1.935.1.1.1."

ONBATT = lk((1, ""), (2, ""), (3, "LB"))
POWER = lk((1, ""), (2, "OL"), (3, "OB"), (4, "OL BOOST"), (5, "OFF"), (6, "BYPASS"), (7, ""),
  (8, "OFF"), (9, "OL TRIM"))

_XPPC_ROWS = (
    r("device.description", "sw", 128, ".1.3.6.1.2.1.1.1.0", None, OK),
    r("device.contact", "sw", 128, ".1.3.6.1.2.1.1.4.0", None, OK),
    r("device.location", "sw", 128, ".1.3.6.1.2.1.1.6.0", None, OK),
    r("ups.mfr", "s", 128, None, "Tripp Lite / Phoenixtec", OK | STATIC | ABSENT),
    r("ups.model", "s", 128, _A + "1.1.1.0", "Generic Phoenixtec SNMP device", OK),
    r("ups.status", "s", 128, _A + "2.1.1.0", "", OK | INT | BATT, ONBATT),
    r("battery.charge", "", 1, _A + "2.2.1.0", None, OK | INT),
    r("ups.temperature", "", 0.1, _A + "2.2.3.0", None, OK | INT),
    r("input.voltage", "", 0.1, _A + "3.2.1.0", None, OK | INT),
    r("ups.status", "s", 128, _A + "4.1.1.0", "", INT | PWR, POWER),
    r("output.voltage", "", 0.1, _A + "4.2.1.0", None, OK | INT),
    r("output.frequency", "", 0.1, _A + "4.2.2.0", None, OK | INT),
    r("ups.load", "", 1, _A + "4.2.3.0", None, OK | INT),
)

XPPC = Mapping(name="xppc", version="0.4", rows=_XPPC_ROWS, sysoid=".1.3.6.1.4.1.935")
