"""Huawei UPS2000 cards (NUT's huawei-mib.c): "huawei".

Rows, value lookups and mappings as NUT 2.8.0 has them (facts, in nutrio's own form);
protocol/devices/snmp/model.py says what each field means."""

from __future__ import annotations

from nutrio.protocol.devices.snmp.model import (
    ABSENT,
    BATT,
    NO_FLAGS,
    OK,
    STATIC,
    Mapping,
    lk,
    r,
)

__all__ = ["HUAWEI"]

_A = ".1.3.6.1.4.1.2011.6.174.1."

SUPPLYMETHOD = lk((1, ""), (2, "OL BYPASS"), (3, "OL"), (4, "OB"), (5, ""), (6, "OL ECO"),
  (7, "OB ECO"))
BATTSTATE = lk((1, ""), (2, ""), (3, ""), (4, ""), (5, "CHRG"), (6, "DISCHRG"))
PHASE = lk((1, "1"), (2, "3"))
VOLTRATING = lk((1, "200"), (2, "208"), (3, "220"), (4, "380"), (5, "400"), (6, "415"), (7, "480"),
  (8, "600"), (9, "690"))
FREQRATING = lk((1, "50"), (2, "60"))
PWRRATING = lk((1, "80000"), (2, "100000"), (3, "120000"), (4, "160000"), (5, "200000"),
  (6, "30000"), (7, "40000"), (8, "60000"), (9, "2400000"), (10, "2500000"), (11, "2800000"),
  (12, "3000000"))
TEST_RESULT = lk((1, "done and passed"), (2, "done and warning"), (3, "done and error"),
  (4, "aborted"), (5, "in progress"), (6, "no test initiated"))

_HUAWEI_ROWS = (
    r("device.description", "sw", 128, ".1.3.6.1.2.1.1.1.0", None, OK),
    r("device.contact", "sw", 128, ".1.3.6.1.2.1.1.4.0", None, OK),
    r("device.location", "sw", 128, ".1.3.6.1.2.1.1.6.0", None, OK),
    r("ups.mfr", "s", 128, None, "Huawei", OK | ABSENT),
    r("ups.model", "s", 128, _A + "2.100.1.2.1", "Generic SNMP UPS", OK | STATIC),
    r("ups.id", "s", 128, _A + "1.1.2.0", None, OK | STATIC),
    r("ups.time", "", 1, _A + "11.1.0", None, OK),
    r("ups.firmware", "s", 128, _A + "2.100.1.3.1", None, OK | STATIC),
    r("ups.serial", "s", 128, _A + "2.100.1.5.1", None, OK | STATIC),
    r("ups.status", "", 1, _A + "2.101.1.1.1", None, OK, SUPPLYMETHOD),
    r("ups.status", "", 1, _A + "2.101.1.3.1", None, OK | BATT, BATTSTATE),
    r("ups.test.result", "s", 128, ".1.3.6.1.2.1.33.1.7.3.0", "", NO_FLAGS, TEST_RESULT),
    r("input.phases", "s", 128, _A + "102.100.1.8", "3", OK | ABSENT, PHASE),
    r("input.L1-N.voltage", "", 0.1, _A + "3.100.1.1.1", None, OK),
    r("input.L2-N.voltage", "", 0.1, _A + "3.100.1.2.1", None, OK),
    r("input.L3-N.voltage", "", 0.1, _A + "3.100.1.3.1", None, OK),
    r("input.frequency", "", 0.01, _A + "3.100.1.4.1", None, OK),
    r("input.L1.current", "", 0.1, _A + "3.100.1.5.1", None, OK),
    r("input.L2.current", "", 0.1, _A + "3.100.1.6.1", None, OK),
    r("input.L3.current", "", 0.1, _A + "3.100.1.7.1", None, OK),
    r("input.L1.powerfactor", "", 0.01, _A + "3.100.1.8.1", None, OK),
    r("input.L2.powerfactor", "", 0.01, _A + "3.100.1.9.1", None, OK),
    r("input.L3.powerfactor", "", 0.01, _A + "3.100.1.10.1", None, OK),
    r("input.bypass.L1-N.voltage", "", 0.1, _A + "5.100.1.1.1", None, OK),
    r("input.bypass.L2-N.voltage", "", 0.1, _A + "5.100.1.2.1", None, OK),
    r("input.bypass.L3-N.voltage", "", 0.1, _A + "5.100.1.3.1", None, OK),
    r("input.bypass.frequency", "", 0.01, _A + "5.100.1.4.1", None, OK),
    r("output.phases", "s", 128, _A + "102.100.1.9", "3", OK | ABSENT, PHASE),
    r("output.L1-N.voltage", "", 0.1, _A + "4.100.1.1.1", None, OK),
    r("output.L2-N.voltage", "", 0.1, _A + "4.100.1.2.1", None, OK),
    r("output.L3-N.voltage", "", 0.1, _A + "4.100.1.3.1", None, OK),
    r("output.L1.current", "", 0.1, _A + "4.100.1.4.1", None, OK),
    r("output.L2.current", "", 0.1, _A + "4.100.1.5.1", None, OK),
    r("output.L3.current", "", 0.1, _A + "4.100.1.6.1", None, OK),
    r("output.frequency", "", 0.01, _A + "4.100.1.7.1", None, OK),
    r("output.L1.realpower", "", 0.1, _A + "4.100.1.8.1", None, OK),
    r("output.L1.realpower", "", 0.1, _A + "4.100.1.9.1", None, OK),
    r("output.L1.realpower", "", 0.1, _A + "4.100.1.10.1", None, OK),
    r("output.L1.power", "", 0.1, _A + "4.100.1.11.1", None, OK),
    r("output.L2.power", "", 0.1, _A + "4.100.1.12.1", None, OK),
    r("output.L3.power", "", 0.1, _A + "4.100.1.13.1", None, OK),
    r("output.L1.power.percent", "", 0.1, _A + "4.100.1.14.1", None, OK),
    r("output.L2.power.percent", "", 0.1, _A + "4.100.1.15.1", None, OK),
    r("output.L3.power.percent", "", 0.1, _A + "4.100.1.16.1", None, OK),
    r("output.voltage.nominal", "s", 128, _A + "4.100.1.17.1", None, OK | STATIC, VOLTRATING),
    r("output.frequency.nominal", "s", 128, _A + "4.100.1.18.1", None, OK | STATIC, FREQRATING),
    r("output.power.nominal", "s", 128, _A + "2.100.1.6.1", None, OK | STATIC, PWRRATING),
    r("output.L1.powerfactor", "", 0.01, _A + "4.100.1.19.1", None, OK),
    r("output.L2.powerfactor", "", 0.01, _A + "4.100.1.20.1", None, OK),
    r("output.L2.powerfactor", "", 0.01, _A + "4.100.1.21.1", None, OK),
    r("battery.voltage", "", 0.1, _A + "6.100.1.1.1", None, OK),
    r("battery.current", "", 0.1, _A + "6.100.1.2.1", None, OK),
    r("battery.charge", "", 1, _A + "6.100.1.3.1", None, OK),
    r("battery.runtime", "", 1, _A + "6.100.1.4.1", None, OK),
)

HUAWEI = Mapping(name="huawei", version="0.4", rows=_HUAWEI_ROWS, sysoid=".1.3.6.1.4.1.8072.3.2.10",
  auto_check=_A + "2.100.1.2.1")
