"""APC PowerNet-MIB, automatic transfer switches (NUT's apc-ats-mib.c): "apc_ats".

Rows, value lookups and mappings as NUT 2.8.0 has them (facts, in nutrio's own form);
protocol/devices/snmp/model.py says what each field means."""

from __future__ import annotations

from nutrio.protocol.devices.snmp.model import (
    ABSENT,
    GROUP,
    NEG,
    OK,
    STATIC,
    Mapping,
    lk,
    r,
)

__all__ = ["APC_ATS"]

_A = ".1.3.6.1.4.1.318.1.1.8."

ATS_SENSITIVITY = lk((1, "high"), (2, "low"))
ATS_OUTPUT_STATUS = lk((1, "OFF"), (2, "OL"))
ATS_OUTLETGROUPS_NAME = lk((1, "total"), (2, "bank1"), (3, "bank2"))
ATS_OUTLETGROUPS_STATUS = lk((1, "OL"), (2, ""), (3, ""), (4, "OVER"))

_APC_ATS_ROWS = (
    r("device.description", "sw", 128, ".1.3.6.1.2.1.1.1.0", None, OK),
    r("device.contact", "sw", 128, ".1.3.6.1.2.1.1.4.0", None, OK),
    r("device.location", "sw", 128, ".1.3.6.1.2.1.1.6.0", None, OK),
    r("device.type", "s", 128, None, "ats", OK | STATIC | ABSENT),
    r("device.mfr", "s", 128, None, "APC", OK | STATIC | ABSENT),
    r("device.model", "s", 128, _A + "1.5.0", None, OK),
    r("ups.firmware", "s", 128, _A + "1.1.0", None, OK),
    r("ups.firmware.aux", "s", 128, _A + "1.2.0", None, OK),
    r("device.serial", "s", 128, _A + "1.6.0", None, OK),
    r("ups.mfr.date", "s", 128, _A + "1.4.0", None, OK),
    r("ups.id", "s", 128, _A + "4.1.0", None, OK),
    r("input.voltage.nominal", "", 1, _A + "1.7.0", None, OK),
    r("input.frequency.nominal", "", 1, _A + "1.8.0", None, OK),
    r("input.source", "", 1, _A + "5.1.2.0", None, OK),
    r("input.source.preferred", "w", 1, _A + "4.2.0", None, OK),
    r("input.1.voltage", "", 1, _A + "5.3.3.1.3.1.1.1", None, OK),
    r("input.2.voltage", "", 1, _A + "5.3.3.1.3.2.1.1", None, OK),
    r("input.1.frequency", "", 1, _A + "5.3.2.1.4.1", None, OK),
    r("input.2.frequency", "", 1, _A + "5.3.2.1.4.2", None, OK),
    r("input.sensitivity", "w", 1, _A + "4.4.0", None, OK, ATS_SENSITIVITY),
    r("input.count", "", 1, _A + "5.3.1.0", None, OK),
    r("output.frequency", "", 1, _A + "5.4.2.1.4.1", None, OK),
    r("output.voltage", "", 1, _A + "5.4.5.1.6.1", None, OK),
    r("ups.status", "", 1, _A + "5.1.15.0", None, OK, ATS_OUTPUT_STATUS),
    r("outlet.group.count", "", 1, _A + "5.4.4.0", None, OK),
    r("outlet.group.%i.id", "", 1, _A + "5.4.5.1.1.%i", None, OK | GROUP),
    r("outlet.group.%i.name", "s", 128, _A + "5.4.5.1.3.%i", None, STATIC | GROUP,
      ATS_OUTLETGROUPS_NAME),
    r("outlet.group.%i.current", "", 0.1, _A + "5.4.5.1.4.%i", None, GROUP),
    r("outlet.group.%i.status", "s", 128, _A + "5.4.5.1.5.%i", None, GROUP,
      ATS_OUTLETGROUPS_STATUS),
    r("outlet.group.%i.voltage", "", 1, _A + "5.4.5.1.6.%i", None, GROUP),
    r("outlet.group.%i.realpower", "", 1, _A + "5.4.5.1.15.%i", None, NEG | GROUP),
)

APC_ATS = Mapping(name="apc_ats", version="0.6", rows=_APC_ATS_ROWS,
  sysoid=".1.3.6.1.4.1.318.1.3.11", auto_check=_A + "1.5.0")
