"""protocol.devices.modbus.huawei: the UPS2000's identification, values, status and alarms
(pure). The side-by-side test (tests/drivers/test_huawei_vs_real_nut.py) checks whole
updates against the real NUT 2.8.0 huawei-ups2000.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nutrio.protocol.devices.modbus import crc16
from nutrio.protocol.devices.modbus import huawei as hw
from nutrio.protocol.devices.modbus.huawei_tables import DELAYS

G3K = "1=UPS2000A;2=V2R1C1SPC40;3=P1.0-D1.0;4=2102311MPC10K9000123;5=1;6=0"


def answer(description: str | bytes, count: int = 1, *, extra: bytes = b"") -> bytes:
    text = description.encode() if isinstance(description, str) else description
    body = (bytes([1, 0x2B, 0x0E, 3, 3, 0, 0, 2, 0x87, 4]) + count.to_bytes(4, "big")
            + bytes([0x88, len(text)]) + text + extra)
    return body + crc16(body).to_bytes(2, "little")


def test_modules_are_pure() -> None:
    code = "import sys, protocol.devices.modbus.huawei; assert 'trio' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=".")


def test_the_identification_request_carries_its_crc() -> None:
    assert crc16(hw.IDENT_REQUEST[:-2]).to_bytes(2, "little") == hw.IDENT_REQUEST[-2:]


def test_the_identity_of_the_dumped_unit() -> None:
    data = answer(G3K)
    assert hw.ident_crc_ok(data)
    assert hw.parse_identity(data) == hw.Identity("UPS2000A", "V2R1C1SPC40", "P1.0-D1.0",
                                                  "2102311MPC10K9000123")
    assert not hw.ident_crc_ok(data[:-1] + b"\0")


@pytest.mark.parametrize(("data", "message"), [
    (answer(G3K, count=2), "only 1 UPS is supported, 2 found"),
    (answer(G3K.replace("UPS2000A", "UPS5000")), "Unknown UPS model UPS5000"),
    (answer("1=UPS2000;2=V1;4=X"), "desc field 3 is missing!"),
    (answer("1=UPS2000;x=V1"), "desc index 0 is invalid!"),
    (answer("1=UPS2000;9=V1"), "desc index 9 is invalid!"),
    (answer("1=UPS2000;+2=V1"), "desc index 0 is invalid!"),
    (b"\x01\x2b\x0e\x03\x03\x00\x00\x01" + bytes(8), "unexpected response header!"),
])
def test_bad_identities_end_the_start_with_nuts_reason(data, message) -> None:
    data = data[:-2] + crc16(data[:-2]).to_bytes(2, "little")
    with pytest.raises(hw.HuaweiError, match=message.replace("+", r"\+")):
        hw.parse_identity(data)


def test_the_description_is_split_as_strtok_does() -> None:
    # a value skips the ';' before it and runs to the next one ('=' and all)
    found = hw.parse_identity(answer("1=;;UPS2000;2=a=b;3=P;4=S;;"))
    assert (found.model, found.firmware, found.protocol, found.serial) == (
        "UPS2000", "a=b", "P", "S")
    with pytest.raises(hw.HuaweiError, match="desc index 0"):  # the key is ";;1"
        hw.parse_identity(answer(";;1=UPS2000;2=a;3=P;4=S"))
    with pytest.raises(hw.HuaweiError, match="too short"):
        hw.ident_crc_ok(b"\x01\x2b\x0e\x03")


@given(st.binary(max_size=hw.IDENT_MAX))
def test_any_identification_answer_parses_or_gives_a_reason(data) -> None:
    for candidate in (data, data + crc16(data).to_bytes(2, "little")):
        try:
            if hw.ident_crc_ok(candidate):
                hw.parse_identity(candidate)
        except hw.HuaweiError as exc:
            assert str(exc)


@given(st.text(alphabet="0123456789=;abUPS", max_size=60))
def test_any_description_parses_or_gives_a_reason(text) -> None:
    try:
        found = hw.parse_identity(answer(text))
    except hw.HuaweiError:
        return
    assert found.model in hw.KNOWN_MODELS


def blocks(**values: int) -> tuple[tuple[int, ...], ...]:
    regs = {11000: 2254, 11015: 2, 11018: 3, 12003: 100, 12004: 0, 12005: 5502, 19009: 30}
    regs.update({int(k[1:]): v for k, v in values.items()})
    return tuple(tuple(regs.get(a, 0) for a in range(start, start + count))
                 for start, count in hw.VALUE_BLOCKS)


def test_values_are_divided_in_single_precision_and_printed_by_printf() -> None:
    found, error = hw.read_values(blocks())
    assert error is None
    assert found["input.voltage"] == "225.4" and found["output.realpower"] == "200.0"
    assert found["output.power"] == "300.0" and found["ups.power.nominal"] == "3000"
    assert found["battery.runtime"] == "5502" and found["battery.charge"] == "100.0"
    assert found["input.frequency"] == "0.0"
    # 2**24 + 1 seconds: a C float cannot hold it
    assert hw.read_values(blocks(r12004=256, r12005=1))[0]["battery.runtime"] == "16777216"


def test_an_invalid_value_stops_the_update_there() -> None:
    found, error = hw.read_values(blocks(r11008=0x7FFF))
    assert error == "register 1008 has invalid value 7fff"
    assert "input.bypass.frequency" in found and "output.voltage" not in found
    assert hw.read_values(blocks(r12004=0xFFFF, r12005=0xFFFF))[1] == \
        "register 2004 has invalid value ffffffff"


@pytest.mark.parametrize(("register", "value", "expected"), [
    (1024, 2, (["OL"], {})), (1024, 5, (["OL ECO"], {})), (1024, 4, None),
    (1024, 0xFFFF, None), (1043, 0x44, (["CAL", "LB"], {})), (1043, 0, ([], {})),
    (2002, 2, ([], {"battery.charger.status": "resting"})),
    (2002, 4, (["CHRG"], {"battery.charger.status": "charging"})), (2002, 1, None),
])
def test_status_registers(register, value, expected) -> None:
    assert hw.status_flags(register, value) == expected


def test_alarms_make_the_text_nut_writes() -> None:
    registers = [0] * 27
    assert hw.alarm_state(tuple(registers)) == hw.AlarmState((), (), "", True)
    registers[5] = 1 << 1  # 40161: abnormal bypass voltage
    registers[8] = 1 << 1  # 40164: battery needs maintenance
    found = hw.alarm_state(tuple(registers))
    assert found.text == ("(ID 10/01): Abnormal bypass voltage! (ID 29/01): Battery needs "
                          "maintenance! Check log for details!")
    assert found.words == ("RB",) and not found.bypass_ok
    many = hw.alarm_state(tuple([0xFFFF] * 27))
    assert many.text == "UPS has 22 alarms in effect, check log for details!"
    assert many.words == ("RB", "OVER", "OVER", "OVER", "OVER")


@pytest.mark.parametrize(("index", "text", "seconds"), [
    (0, "100", 102), (0, "3", 6), (0, "5940", 5940), (0, "5941", None), (0, "+6", None),
    (0, " 6", None), (0, "", None), (0, "70000", None), (2, "61", 120), (2, "0", 60),
])
def test_delays_as_nut_takes_them(index, text, seconds) -> None:
    assert hw.parse_delay(DELAYS[index], text) == seconds


@given(st.text(max_size=8))
def test_any_delay_text_is_valid_on_the_step_or_refused(text) -> None:
    for delay in DELAYS:
        seconds = hw.parse_delay(delay, text)
        assert seconds is None or (delay.low <= seconds <= delay.high + delay.step
                                   and seconds % delay.step == 0)
