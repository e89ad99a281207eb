"""nutdrv_qx protocols of NUT releases after 2.8.0 (q2, q6, innovart31/33, innovatae, gtec).

No NUT 2.8.0 binary has them, so these check them against the replies NUT's
own sources carry for each (their TESTING tables), value by value, and that
probing never reaches them (an unnamed UPS keeps its NUT 2.8.0 pick).
"""

from __future__ import annotations

import pytest

from nutrio.protocol.devices.dummy.devfile import DeviceVars
from nutrio.protocol.devices.megatec import subdrivers
from nutrio.protocol.devices.megatec.qx_walk import init_info, update_info
from tests.protocol.qx_helpers import drive, table

Q1 = b"(215.0 195.0 230.0 014 49.0 22.7 30.0 00000000\r"
WA = b"(001.4 000.0 000.0 001.4 000.0 000.0 001.4 001.4 006.5 000.0 000.0 007 00000000\r"
Q6 = (b"(227.0 225.6 230.0 50.0 229.9 000.0 000.0 49.9 007 000 000 327.8 000.0 23.0 06932 100 "
      b"32 00000000 00000000 11\r")  # fmt: skip
Q2 = (b"(226.6 224.3 228.0 226.6 229.9 000.0 000.0 000 000 000 49.9 327.6 18.0 00000000 999.24 "
      b"100 02 00 00 00 00 00000000 11\r")  # fmt: skip
INNOVA = {b"Q6\r": Q6, b"Q1\r": Q1, b"WA\r": WA, b"BPS\r": b"(230.4 000.0 000.0 49.9\r",
          b"F\r": b"#230.0 087 288.0 50.0\r", b"FW?\r": b"05516-1100\r",
          b"SASV07?\r": b"GASV07DN05K10KB100004      \r"}  # fmt: skip
GTEC = {b"Q4\r": b"(236.7 243.2 212.1 220.1 230.4 002 001 50.0 371 372 041.3 22.9 IM\r",
        b"F\r": b"#230.0 000 024.0 50.0\r", b"I\r": b"#NOT_A_LIVE_UPS  TESTING    TESTING   \r"}


def started(protocol: str, answers: dict[bytes, bytes]) -> DeviceVars:
    state = DeviceVars()
    session, _ = drive(subdrivers.match(state, {"protocol": protocol}), table(answers))
    assert session is not None and session.sub.later
    drive(init_info(session, 0.0), table(answers))
    assert drive(update_info(session, 100.0), table(answers))[0]
    return state


def test_q6_three_phases_and_output_power() -> None:
    state = started("q6", {b"Q6\r": Q6, b"WA\r": WA, b"Q1\r": Q1})
    assert {k: state.get(k) for k in (
        "input.L1-N.voltage", "input.L2-N.voltage", "output.frequency", "output.L1.load",
        "battery.voltage", "battery.runtime", "battery.charge", "ups.temperature",
        "experimental.input.topology", "output.L1.realpower", "ups.power", "output.L1.current",
        "ups.load", "input.phases", "output.phases", "ups.status", "driver.version.data")} == {
        "input.L1-N.voltage": "227.0", "input.L2-N.voltage": "225.6", "output.frequency": "49.9",
        "output.L1.load": "7", "battery.voltage": "327.8", "battery.runtime": "6932",
        "battery.charge": "100", "ups.temperature": "23.0", "experimental.input.topology": "star",
        "output.L1.realpower": "1400.00", "ups.power": "1400.00", "output.L1.current": "6.5",
        "ups.load": "7", "input.phases": "3", "output.phases": "3", "ups.status": "OL",
        "driver.version.data": "Q6 0.01",
    }


def test_q2_runtime_is_given_in_minutes() -> None:
    state = started("q2", {b"Q2\r": Q2, b"WA\r": WA, b"Q1\r": Q1})
    assert state.get("battery.runtime") == "59954"  # 999.24 min as a C float, in seconds
    assert state.get("input.voltage.fault") == "226.6" and state.get("input.frequency") == "49.9"


def test_innovart31_reads_bypass_firmware_and_serial_and_innovart33_never_claims() -> None:
    state = started("innovart31", INNOVA)
    # NUT's table reads the serial from column 7: the reply's "D" at column 6 is not in it
    assert {k: state.get(k) for k in (
        "output.voltage", "ups.load", "output.current", "ups.realpower", "input.bypass.voltage",
        "input.bypass.phases", "ups.firmware", "ups.serial", "input.voltage.nominal")} == {
        "output.voltage": "229.9", "ups.load": "7", "output.current": "6.5",
        "ups.realpower": "1400.00", "input.bypass.voltage": "230.4", "input.bypass.phases": "1",
        "ups.firmware": "05516-1100", "ups.serial": "N05K10KB100004", "input.voltage.nominal": "230",
    }
    session, _ = drive(subdrivers.match(DeviceVars(), {"protocol": "innovart33"}), table(INNOVA))
    assert session is None  # its claim wants input.bypass.voltage, a name its table lacks


def test_gtec_reads_q4_status_letters() -> None:
    state = started("gtec", GTEC)
    assert {k: state.get(k) for k in ("input.voltage", "ups.load", "battery.voltage",
                                      "battery.test.status", "ups.status", "device.model")} == {
        "input.voltage": "236.7", "ups.load": "1", "battery.voltage": "41.3",
        "battery.test.status": "Test passed - Result: OK", "ups.status": "OL",
        "device.model": "TESTING",
    }


def test_innovatae_is_q1_with_ippon_as_maker() -> None:
    state = started("innovatae", {b"Q1\r": Q1, b"F\r": b"#230.0 004 024.0 50.0\r"})
    assert state.get("device.mfr") == "Ippon" and state.get("battery.voltage") == "22.7"


@pytest.mark.parametrize("protocol", subdrivers.LATER_PROTOCOLS)
def test_probing_never_reaches_a_later_protocol(protocol: str) -> None:
    answers = {**INNOVA, **GTEC, b"Q2\r": Q2}
    session, sent = drive(subdrivers.match(DeviceVars(), {}), table(answers))
    assert session is not None and not session.sub.later
    assert not {b"Q2\r", b"Q4\r", b"BPS\r", b"SASV07?\r"} & set(sent)
