"""Best Power / Eaton Ferrups cards (NUT's bestpower-mib.c): "bestpower".

Rows, value lookups and mappings as NUT 2.8.0 has them (facts, in nutrio's own form);
protocol/devices/snmp/model.py says what each field means."""

from __future__ import annotations

from nutrio.protocol.devices.snmp.model import (
    ABSENT,
    NO_FLAGS,
    OK,
    STATIC,
    Mapping,
    lk,
    r,
)

__all__ = ["BESTPOWER"]

_A = ".1.3.6.1.4.1.2947.1."

POWER_STATUS = lk((1, "OL"), (2, "OB"))

_BESTPOWER_ROWS = (
    r("device.description", "sw", 128, ".1.3.6.1.2.1.1.1.0", None, OK),
    r("device.contact", "sw", 128, ".1.3.6.1.2.1.1.4.0", None, OK),
    r("device.location", "sw", 128, ".1.3.6.1.2.1.1.6.0", None, OK),
    r("device.type", "s", 128, None, "ups", OK | STATIC | ABSENT),
    r("ups.mfr", "s", 128, None, "EATON", OK | STATIC | ABSENT),
    r("ups.model", "s", 128, _A + "1.2.0", "Best Ferrups", STATIC),
    r("ups.serial", "s", 128, _A + "1.5.0", "", STATIC),
    r("ups.firmware", "s", 128, _A + "1.7.0", "", STATIC),
    r("ups.power", "", 1, _A + "1.3.0", ""),
    r("ups.mfr.date", "s", 128, _A + "1.8.0", ""),
    r("ups.status", "s", 128, _A + "2.1.0", "", NO_FLAGS, POWER_STATUS),
    r("battery.runtime", "", 60, _A + "2.3.0", ""),
    r("battery.runtime.elapsed", "", 1, _A + "2.2.0", ""),
    r("battery.voltage", "", 0.1, _A + "2.4.0", ""),
    r("battery.current", "", 0.1, _A + "2.5.0", ""),
)

BESTPOWER = Mapping(name="bestpower", version="0.4", rows=_BESTPOWER_ROWS, sysoid=_A + "1.2.0",
  auto_check=_A + "1.2.0")
