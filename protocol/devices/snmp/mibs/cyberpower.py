"""CyberPower CPS-MIB cards (NUT's cyberpower-mib.c): "cyberpower".

Rows, value lookups and mappings as NUT 2.8.0 has them (facts, in nutrio's own form);
protocol/devices/snmp/model.py says what each field means."""

from __future__ import annotations

from nutrio.protocol.devices.snmp.model import (
    ABSENT,
    BATT,
    CAL,
    CMD,
    OK,
    PWR,
    RB,
    STATIC,
    TIME,
    Mapping,
    lk,
    r,
)

__all__ = ["CYBERPOWER"]

_A = ".1.3.6.1.4.1.3808.1.1.1."

POWER_STATUS = lk((1, "NULL"), (2, "OL"), (3, "OB"), (4, "OL BOOST"), (5, "OFF"), (6, "OFF"),
  (7, "OL"), (8, "OL"), (9, "OL BYPASS"), (10, "OL TRIM"), (11, "OL OVER"))
BATTERY_STATUS = lk((1, ""), (2, ""), (3, "LB"))
CAL_STATUS = lk((1, ""), (2, ""), (3, "CAL"))
BATTREPL_STATUS = lk((1, ""), (2, "RB"))

_CYBERPOWER_ROWS = (
    r("device.description", "sw", 128, ".1.3.6.1.2.1.1.1.0", None, OK),
    r("device.contact", "sw", 128, ".1.3.6.1.2.1.1.4.0", None, OK),
    r("device.location", "sw", 128, ".1.3.6.1.2.1.1.6.0", None, OK),
    r("device.type", "s", 128, None, "ups", OK | STATIC | ABSENT),
    r("ups.mfr", "s", 128, None, "CYBERPOWER", OK | STATIC | ABSENT),
    r("ups.model", "s", 128, _A + "1.1.1.0", "CyberPower", STATIC),
    r("ups.serial", "s", 128, _A + "1.2.3.0", "", STATIC),
    r("ups.firmware", "s", 128, _A + "1.2.1.0", "", STATIC),
    r("ups.mfr.date", "s", 128, _A + "1.2.2.0", ""),
    r("ups.status", "s", 128, _A + "4.1.1.0", "", OK | PWR, POWER_STATUS),
    r("ups.status", "s", 128, _A + "2.1.1.0", "", OK | BATT, BATTERY_STATUS),
    r("ups.status", "s", 128, _A + "7.2.7.0", "", OK | CAL, CAL_STATUS),
    r("ups.status", "s", 128, _A + "2.2.5.0", "", OK | RB, BATTREPL_STATUS),
    r("ups.load", "", 1, _A + "4.2.3.0", ""),
    r("battery.runtime", "", 1, _A + "2.2.4.0", ""),
    r("battery.runtime.elapsed", "", 1, _A + "2.1.2.0", ""),
    r("battery.voltage", "", 0.1, ".1.3.6.1.2.1.33.1.2.5.0", ""),
    r("battery.voltage", "", 0.1, _A + "2.2.2.0", ""),
    r("battery.voltage.nominal", "", 1, _A + "2.2.8.0", ""),
    r("battery.current", "", 0.1, _A + "4.2.4.0", ""),
    r("battery.current", "", 0.1, _A + "2.2.7.0", ""),
    r("battery.charge", "", 1, _A + "2.2.1.0", ""),
    r("battery.temperature", "", 1, _A + "2.2.3.0", ""),
    r("input.voltage", "", 0.1, _A + "3.2.1.0", ""),
    r("input.frequency", "", 0.1, _A + "3.2.4.0", ""),
    r("output.voltage", "", 0.1, _A + "4.2.1.0", ""),
    r("output.frequency", "", 0.1, _A + "4.2.2.0", ""),
    r("output.current", "", 0.1, _A + "4.2.4.0", ""),
    r("ups.delay.start", "w", 1, _A + "5.2.9.0", "0", OK | TIME),
    r("ups.delay.reboot", "", 1, None, "0", OK | ABSENT),
    r("ups.delay.shutdown", "w", 1, _A + "5.2.11.0", "60", OK | TIME),
    r("load.off", "", 2, _A + "6.2.1.0", None, OK | CMD),
    r("load.on", "", 2, _A + "6.2.6.0", None, OK | CMD),
    r("shutdown.stayoff", "", 3, _A + "6.2.6.0", None, OK | CMD),
    r("shutdown.return", "", 3, _A + "6.2.3.0", None, OK | CMD),
    r("test.failure.start", "", 2, _A + "6.2.4.0", None, OK | CMD),
    r("test.panel.start", "", 2, _A + "7.2.5.0", None, OK | CMD),
    r("test.battery.start", "", 2, _A + "7.2.2.0", None, OK | CMD),
    r("calibrate.start", "", 2, _A + "7.2.6.0", None, OK | CMD),
    r("calibrate.stop", "", 3, _A + "7.2.6.0", None, OK | CMD),
)

CYBERPOWER = Mapping(name="cyberpower", version="0.51", rows=_CYBERPOWER_ROWS,
  sysoid=".1.3.6.1.4.1.3808.1.1.1", auto_check=_A + "1.1.1.0")
