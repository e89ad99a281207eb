"""Eaton automatic transfer switches (NUT's eaton-ats16-nmc-mib.c, eaton-ats16-nm2-mib.c, eaton-
ats30-mib.c).

Rows, value lookups and mappings as NUT 2.8.0 has them (facts, in nutrio's own form);
protocol/devices/snmp/model.py says what each field means."""

from __future__ import annotations

from nutrio.protocol.devices.snmp.model import (
    ABSENT,
    OK,
    STATIC,
    Mapping,
    lk,
    r,
)

__all__ = ["EATON_ATS16_NMC", "EATON_ATS16_NM2", "EATON_ATS30"]

_A = ".1.3.6.1.4.1.534.10.2."
_B = ".1.3.6.1.4.1.534.10.1."
_C = ".1.3.6.1.2.1.1."

ATS16_NMC_SOURCE = lk((1, "init"), (2, "diagnosis"), (3, "off"), (4, "1"), (5, "2"), (6, "safe"),
  (7, "fault"))
ATS16_NMC_SENSITIVITY = lk((1, "normal"), (2, "high"), (3, "low"))
ATS16_NMC_INPUT_FREQUENCY_STATUS = lk((1, "good"), (2, "out-of-range"))
ATS16_NMC_INPUT_VOLTAGE_STATUS = lk((1, "good"), (2, "derated-range"), (3, "out-of-range"),
  (4, "unknown"))
ATS16_NMC_TEST_RESULT = lk((1, "done and passed"), (2, "done and warning"), (3, "done and error"),
  (4, "aborted"), (5, "in progress"), (6, "no test initiated"))
ATS16_NMC_OUTPUT_STATUS = lk((1, "OFF"), (2, "OL"))
ATS16_AMBIENT_DRYCONTACTS = lk((-1, "unknown"), (1, "opened"), (2, "closed"), (3, "opened"),
  (4, "closed"))

ATS16_NM2_SOURCE = lk((1, "init"), (2, "diagnosis"), (3, "off"), (4, "1"), (5, "2"), (6, "safe"),
  (7, "fault"))
ATS16_NM2_SENSITIVITY = lk((1, "normal"), (2, "high"), (3, "low"))
ATS16_NM2_INPUT_FREQUENCY_STATUS = lk((1, "good"), (2, "out-of-range"))
ATS16_NM2_INPUT_VOLTAGE_STATUS = lk((1, "good"), (2, "derated-range"), (3, "out-of-range"),
  (4, "unknown"))
ATS16_NM2_TEST_RESULT = lk((1, "done and passed"), (2, "done and warning"), (3, "done and error"),
  (4, "aborted"), (5, "in progress"), (6, "no test initiated"))
ATS16_NM2_OUTPUT_STATUS = lk((1, "OFF"), (2, "OL"))
ATS16_AMBIENT_DRYCONTACTS_EATON = lk((-1, "unknown"), (1, "opened"), (2, "closed"), (3, "opened"),
  (4, "closed"))

ATS30_SOURCE = lk((1, "init"), (2, "diagnosis"), (3, "off"), (4, "1"), (5, "2"), (6, "safe"),
  (7, "fault"))
ATS30_INPUT_SENSITIVITY = lk((1, "high"), (2, "low"))
ATS30_STATUS = lk((0, "OL"), (1, "OL"), (2, "OFF"), (3, "OFF"), (4, "OL OVER"), (5, "OL OVER"),
  (6, "OFF OVER"), (7, "OFF OVER"), (8, "OL"), (9, "OL"), (10, "OFF"), (11, "OFF"), (12, "OL OVER"),
  (13, "OL OVER"), (14, "OFF OVER"), (15, "OFF OVER"))

_EATON_ATS16_NMC_ROWS = (
    r("device.description", "sw", 128, _C + "1.0", None, OK),
    r("device.contact", "sw", 128, _C + "4.0", None, OK),
    r("device.location", "sw", 128, _C + "6.0", None, OK),
    r("device.type", "s", 128, None, "ats", OK | STATIC | ABSENT),
    r("device.mfr", "s", 128, _A + "1.1.0", "Eaton", OK | STATIC),
    r("device.model", "s", 128, _A + "1.2.0", "ATS", OK | STATIC),
    r("ups.firmware", "s", 128, _A + "1.3.0", None, OK),
    r("ups.firmware.aux", "s", 128, _A + "1.4.0", None, OK),
    r("device.serial", "s", 128, _A + "1.5.0", None, OK | STATIC),
    r("device.part", "s", 128, _A + "1.6.0", None, OK | STATIC),
    r("input.1.id", "", 1, _A + "2.2.1.1.1", None, OK | STATIC),
    r("input.2.id", "", 1, _A + "2.2.1.1.2", None, OK | STATIC),
    r("input.1.voltage", "", 0.1, _A + "2.2.1.2.1", None, OK),
    r("input.2.voltage", "", 0.1, _A + "2.2.1.2.2", None, OK),
    r("input.1.voltage.status", "s", 1, _A + "3.2.1.5.1", None, OK, ATS16_NMC_INPUT_VOLTAGE_STATUS),
    r("input.2.voltage.status", "s", 1, _A + "3.2.1.5.2", None, OK, ATS16_NMC_INPUT_VOLTAGE_STATUS),
    r("input.1.frequency", "", 0.1, _A + "2.2.1.3.1", None, OK),
    r("input.2.frequency", "", 0.1, _A + "2.2.1.3.2", None, OK),
    r("input.1.frequency.status", "s", 1, _A + "3.2.1.2.1", None, OK,
      ATS16_NMC_INPUT_FREQUENCY_STATUS),
    r("input.2.frequency.status", "s", 1, _A + "3.2.1.2.2", None, OK,
      ATS16_NMC_INPUT_FREQUENCY_STATUS),
    r("input.sensitivity", "w", 128, _A + "4.6.0", None, OK, ATS16_NMC_SENSITIVITY),
    r("input.source", "s", 1, _A + "2.4.0", None, OK, ATS16_NMC_SOURCE),
    r("input.source.preferred", "w", 1, _A + "4.5.0", None, OK),
    r("input.phase.shift", "", 1, _A + "2.1.1.0", None, OK),
    r("output.voltage", "", 0.1, _A + "2.3.1.0", None, OK),
    r("output.voltage.nominal", "w", 1, _A + "4.4.0", None, OK),
    r("output.current", "", 0.1, _A + "2.3.2.0", None, OK),
    r("ups.test.result", "", 1, _A + "4.8.0", None, OK, ATS16_NMC_TEST_RESULT),
    r("ups.status", "", 1, _A + "3.3.2.0", None, OK, ATS16_NMC_OUTPUT_STATUS),
    r("ambient.temperature", "", 0.1, _A + "5.1.0", None, OK),
    r("ambient.temperature.low", "w", 1, _A + "5.5.0", None, OK),
    r("ambient.temperature.high", "w", 1, _A + "5.6.0", None, OK),
    r("ambient.humidity", "", 0.1, _A + "5.2.0", None, OK),
    r("ambient.humidity.low", "w", 1, _A + "5.7.0", None, OK),
    r("ambient.humidity.high", "w", 1, _A + "5.8.0", None, OK),
    r("ambient.contacts.1.status", "s", 128, _A + "5.4.1.3.1", None, OK, ATS16_AMBIENT_DRYCONTACTS),
    r("ambient.contacts.2.status", "s", 128, _A + "5.4.1.3.2", None, OK, ATS16_AMBIENT_DRYCONTACTS),
)

EATON_ATS16_NMC = Mapping(name="eaton_ats16_nmc", version="0.21", rows=_EATON_ATS16_NMC_ROWS,
  sysoid=".1.3.6.1.4.1.705.1", auto_check=_A + "1.2.0")

_EATON_ATS16_NM2_ROWS = (
    r("device.description", "sw", 128, _C + "1.0", None, OK),
    r("device.contact", "sw", 128, _C + "4.0", None, OK),
    r("device.location", "sw", 128, _C + "6.0", None, OK),
    r("device.type", "s", 128, None, "ats", OK | STATIC | ABSENT),
    r("device.mfr", "s", 128, _A + "1.1.0", "Eaton", OK | STATIC),
    r("device.model", "s", 128, _A + "1.2.0", "ATS", OK | STATIC),
    r("ups.firmware", "s", 128, _A + "1.3.0", None, OK),
    r("ups.firmware.aux", "s", 128, _A + "1.7.0", None, OK),
    r("device.serial", "s", 128, _A + "1.5.0", None, OK | STATIC),
    r("device.part", "s", 128, _A + "1.6.0", None, OK | STATIC),
    r("input.1.id", "", 1, _A + "2.2.1.1.1", None, OK | STATIC),
    r("input.2.id", "", 1, _A + "2.2.1.1.2", None, OK | STATIC),
    r("input.1.voltage", "", 0.1, _A + "2.2.1.2.1", None, OK),
    r("input.2.voltage", "", 0.1, _A + "2.2.1.2.2", None, OK),
    r("input.1.voltage.status", "s", 1, _A + "3.2.1.5.1", None, OK, ATS16_NM2_INPUT_VOLTAGE_STATUS),
    r("input.2.voltage.status", "s", 1, _A + "3.2.1.5.2", None, OK, ATS16_NM2_INPUT_VOLTAGE_STATUS),
    r("input.1.frequency", "", 0.1, _A + "2.2.1.3.1", None, OK),
    r("input.2.frequency", "", 0.1, _A + "2.2.1.3.2", None, OK),
    r("input.1.frequency.status", "s", 1, _A + "3.2.1.2.1", None, OK,
      ATS16_NM2_INPUT_FREQUENCY_STATUS),
    r("input.2.frequency.status", "s", 1, _A + "3.2.1.2.2", None, OK,
      ATS16_NM2_INPUT_FREQUENCY_STATUS),
    r("input.sensitivity", "w", 128, _A + "4.6.0", None, OK, ATS16_NM2_SENSITIVITY),
    r("input.source", "s", 1, _A + "2.4.0", None, OK, ATS16_NM2_SOURCE),
    r("input.source.preferred", "w", 1, _A + "4.5.0", None, OK),
    r("input.phase.shift", "", 1, _A + "2.1.1.0", None, OK),
    r("output.voltage", "", 0.1, _A + "2.3.1.0", None, OK),
    r("output.voltage.nominal", "w", 1, _A + "4.4.0", None, OK),
    r("output.current", "", 0.1, _A + "2.3.2.0", None, OK),
    r("ups.test.result", "", 1, _A + "4.8.0", None, OK, ATS16_NM2_TEST_RESULT),
    r("ups.status", "", 1, _A + "3.3.2.0", None, OK, ATS16_NM2_OUTPUT_STATUS),
    r("ambient.temperature", "", 1, _A + "5.1.0", None, OK),
    r("ambient.temperature.low", "w", 1, _A + "5.5.0", None, OK),
    r("ambient.temperature.high", "w", 1, _A + "5.6.0", None, OK),
    r("ambient.humidity", "", 1, _A + "5.2.0", None, OK),
    r("ambient.humidity.low", "w", 1, _A + "5.7.0", None, OK),
    r("ambient.humidity.high", "w", 1, _A + "5.8.0", None, OK),
    r("ambient.contacts.1.status", "s", 128, _A + "5.4.1.3.1", None, OK,
      ATS16_AMBIENT_DRYCONTACTS_EATON),
    r("ambient.contacts.2.status", "s", 128, _A + "5.4.1.3.2", None, OK,
      ATS16_AMBIENT_DRYCONTACTS_EATON),
)

EATON_ATS16_NM2 = Mapping(name="eaton_ats16_nm2", version="0.22", rows=_EATON_ATS16_NM2_ROWS,
  sysoid=".1.3.6.1.4.1.534.10.2", auto_check=_A + "1.2.0")

_EATON_ATS30_ROWS = (
    r("device.type", "s", 128, None, "ats", OK | STATIC | ABSENT),
    r("device.description", "sw", 128, _C + "1.0", None, OK),
    r("device.contact", "sw", 128, _C + "4.0", None, OK),
    r("device.location", "sw", 128, _C + "6.0", None, OK),
    r("device.mfr", "s", 128, _B + "1.1.0", None, OK | STATIC),
    r("device.model", "s", 128, _B + "2.1.0", None, OK | STATIC),
    r("ups.firmware", "s", 128, _B + "2.2.0", None, OK),
    r("device.serial", "s", 128, _B + "2.4.0", None, OK),
    r("input.1.id", "", 1, _B + "3.1.1.1.1", None, OK),
    r("input.2.id", "", 1, _B + "3.1.1.1.2", None, OK),
    r("input.1.voltage", "", 0.1, _B + "3.1.1.2.1", None, OK),
    r("input.2.voltage", "", 0.1, _B + "3.1.1.2.2", None, OK),
    r("input.1.frequency", "", 0.1, _B + "3.1.1.3.1", None, OK),
    r("input.2.frequency", "", 0.1, _B + "3.1.1.3.2", None, OK),
    r("output.voltage", "", 0.1, _B + "3.2.1.0", None, OK),
    r("output.current", "", 0.1, _B + "3.2.2.0", None, OK),
    r("ups.temperature", "", 1, _B + "3.3.0", None, OK),
    r("device.uptime", "", 1, _B + "3.5.0", None, OK),
    r("input.source", "", 1, _B + "3.7.0", None, OK, ATS30_SOURCE),
    r("ups.status", "", 1, _B + "4.5.0", None, OK, ATS30_STATUS),
    r("input.source.preferred", "w", 1, _B + "6.5.0", None, OK),
    r("input.sensitivity", "w", 1, _B + "6.6.0", None, OK, ATS30_INPUT_SENSITIVITY),
)

EATON_ATS30 = Mapping(name="eaton_ats30", version="0.03", rows=_EATON_ATS30_ROWS,
  sysoid=".1.3.6.1.4.1.534.10.1", auto_check=_B + "2.1.0")
