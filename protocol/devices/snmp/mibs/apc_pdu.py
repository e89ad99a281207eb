"""APC PowerNet-MIB, rack PDUs (NUT's apc-pdu-mib.c): the three "apc_pdu" mappings.

Rows, value lookups and mappings as NUT 2.8.0 has them (facts, in nutrio's own form);
protocol/devices/snmp/model.py says what each field means."""

from __future__ import annotations

from nutrio.protocol.devices.snmp.model import (
    ABSENT,
    NEG,
    OK,
    OUTLET,
    STALE,
    STATIC,
    Mapping,
    lk,
    r,
)

__all__ = ["APC_PDU_RPDU", "APC_PDU_RPDU2", "APC_PDU_MSP"]

_A = ".1.3.6.1.4.1.318.1.1.4."
_B = ".1.3.6.1.4.1.318.1."

PDU_SW_OUTLET_STATUS = lk((1, "on"), (2, "off"))
PDU_SW_OUTLET_SWITCHABILITY = lk((1, "yes"), (2, "yes"))

_APC_PDU_ROWS = (
    r("device.mfr", "s", 128, None, "APC", OK | STATIC | ABSENT),
    r("device.model", "s", 128, _A + "1.4.0", "Switched ePDU", OK | STATIC),
    r("device.type", "s", 128, None, "pdu", OK | STATIC | ABSENT),
    r("device.contact", "s", 128, ".1.3.6.1.2.1.1.4.0", None, OK | STALE),
    r("device.description", "s", 128, ".1.3.6.1.2.1.1.5.0", None, OK | STALE),
    r("device.location", "s", 128, ".1.3.6.1.2.1.1.6.0", None, OK | STALE),
    r("device.uptime", "", 1, ".1.3.6.1.2.1.1.3.0", None, OK | NEG),
    r("device.serial", "s", 128, _A + "1.5.0", None, OK | STATIC),
    r("device.part", "s", 128, _A + "1.4.0", None, OK | STATIC),
    r("device.version", "s", 128, _A + "1.1.0", None, OK | STATIC),
    r("ups.firmware", "s", 128, _A + "1.2.0", None, OK),
    r("ups.date", "s", 128, _A + "1.3.0", None, OK),
    r("input.realpower", "", 1, _B + "1.12.1.16.0", None, OK),
    r("input.current", "", 0.1, _B + "1.12.2.3.1.1.2.1", None, OK),
    r("input.voltage.nominal", "", 1, _B + "1.12.1.15.0", None, OK | NEG),
    r("outlet.count", "", 1, _A + "4.1.0", None, OK | STATIC),
    r("outlet.%i.id", "", 1, _A + "4.2.1.1.%i", "%i", OK | STATIC | OUTLET),
    r("outlet.%i.desc", "sw", 128, _A + "4.2.1.4.%i", None, OK | STALE | OUTLET),
    r("outlet.%i.status", "sw", 128, _A + "4.2.1.3.%i", None, OK | OUTLET, PDU_SW_OUTLET_STATUS),
    r("outlet.%i.switchable", "s", 128, _A + "4.2.1.3.%i", "yes", OK | STATIC | ABSENT | OUTLET,
      PDU_SW_OUTLET_SWITCHABILITY),
)

APC_PDU_RPDU = Mapping(name="apc_pdu", version="0.4", rows=_APC_PDU_ROWS, sysoid=_B + "3.4.4",
  auto_check=_A + "1.4.0")
APC_PDU_RPDU2 = Mapping(name="apc_pdu", version="0.4", rows=_APC_PDU_ROWS, sysoid=_B + "3.4.5",
  auto_check=_A + "1.4.0")
APC_PDU_MSP = Mapping(name="apc_pdu", version="0.4", rows=_APC_PDU_ROWS, sysoid=_B + "3.4.6",
  auto_check=_A + "1.4.0")
