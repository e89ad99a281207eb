"""Delta UPS-MIB (NUT's delta_ups-mib.c): "delta_ups".

Rows, value lookups and mappings as NUT 2.8.0 has them (facts, in nutrio's own form);
protocol/devices/snmp/model.py says what each field means."""

from __future__ import annotations

from nutrio.protocol.devices.snmp.model import (
    OK,
    Mapping,
    lk,
    r,
)

__all__ = ["DELTA_UPS"]

_A = ".1.3.6.1.4.1.2254.2.4."

UPS_UPSTYPE = lk((1, "on-line"), (2, "off-line"), (3, "line-interactive"), (4, "3phase"),
  (5, "splite-phase"))
UPS_PWR = lk((0, "OL"), (1, "OB"), (2, "BYPASS"), (3, "TRIM"), (4, "BOOST"), (5, "BYPASS"),
  (7, "OFF"))

_DELTA_UPS_ROWS = (
    r("device.description", "sw", 128, ".1.3.6.1.2.1.1.1.0", None, OK),
    r("device.contact", "sw", 128, ".1.3.6.1.2.1.1.4.0", None, OK),
    r("device.location", "sw", 128, ".1.3.6.1.2.1.1.6.0", None, OK),
    r("ups.mfr", "s", 128, _A + "1.1.0", None, OK),
    r("ups.model", "s", 128, _A + "1.2.0", None, OK),
    r("ups.firmware", "s", 128, _A + "1.4.0", None, OK),
    r("ups.firmware.aux", "s", 128, _A + "1.3.0", None, OK),
    r("ups.type", "", 1, _A + "1.19.0", None, OK, UPS_UPSTYPE),
    r("ups.load", "", 1, _A + "5.7.0", None, OK),
    r("ups.power", "", 1, _A + "1.7.0", None, OK),
    r("output.voltage.nominal", "", 1, _A + "1.8.0", None, OK),
    r("output.voltage", "", 0.1, _A + "5.4.0", None, OK),
    r("output.frequency.nominal", "", 1, _A + "1.9.0", None, OK),
    r("output.current", "", 0.1, _A + "5.5.0", None, OK),
    r("input.voltage.nominal", "", 1, _A + "1.10.0", None, OK),
    r("input.voltage", "", 0.1, _A + "4.3.0", None, OK),
    r("input.frequency.nominal", "", 1, _A + "1.11.0", None, OK),
    r("input.frequency", "", 0.1, _A + "4.2.0", None, OK),
    r("ups.status", "", 1, _A + "5.1.0", None, OK, UPS_PWR),
)

DELTA_UPS = Mapping(name="delta_ups", version="0.5", rows=_DELTA_UPS_ROWS,
  sysoid=".1.3.6.1.4.1.2254.2.4")
