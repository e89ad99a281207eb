"""protocol.devices.belkin.unv: Belkin Universal UPS messages and readings (pure).

The side-by-side test (tests/drivers/test_belkinunv_vs_real_nut.py) checks the same
rules against the real NUT 2.8.0 belkinunv.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nutrio.protocol.devices.belkin import unv
from nutrio.protocol.devices.belkin.unv import Reg


def message(instruction: int, reg: int, data: bytes) -> bytes:
    body = bytes([unv.LEAD, instruction, len(data) + 1, reg]) + data
    return body + bytes([unv.checksum(body)])


def test_modules_are_pure() -> None:
    code = "import sys, protocol.devices.belkin.unv; assert 'trio' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=".")


def test_requests_carry_their_checksum() -> None:
    assert unv.read_request(Reg.UPSSTATUS) == bytes([0x7E, 3, 2, 0x22, 0, 0xA5])
    assert unv.write_request(Reg.SHUTDOWNTIMER, 40) == bytes([0x7E, 4, 3, 0x15, 40, 0, 0xC2])
    assert unv.write_request(Reg.XFER_LO, -1)[4:6] == b"\xff\xff"  # atoi's -1, as C writes it


@pytest.mark.parametrize(("data", "value"), [(b"\x35", 0x35), (b"\xe2\x08", 2274)])
def test_integers_are_one_or_two_little_endian_bytes(data, value) -> None:
    assert unv.int_value(unv.decode(message(5, 0x18, data)), 0x18) == value


def test_an_error_answer_is_no_value_and_a_bad_one_raises() -> None:
    assert unv.int_value(unv.decode(message(1, 0x1A, b"")), 0x1A) is None
    assert unv.str_value(unv.decode(message(5, 0x0D, b"F6C120xxUNV")), 0x0D) == "F6C120xxUNV"
    with pytest.raises(ValueError, match="invalid response"):
        unv.int_value(unv.decode(message(5, 0x18, b"\x01")), 0x19)  # another register
    with pytest.raises(ValueError, match="invalid response"):
        unv.int_value(unv.decode(message(5, 0x18, b"abc")), 0x18)
    with pytest.raises(ValueError, match="bad checksum"):
        unv.decode(message(5, 0x18, b"\x01")[:-1] + b"\x00")
    with pytest.raises(ValueError, match="garbage"):
        unv.decode(b"\x7f\x05\x02\x18\x01\x00")
    assert unv.write_done(unv.decode(message(2, 0x15, b"")), 0x15)
    assert not unv.write_done(unv.decode(message(1, 0x15, b"")), 0x15)


@pytest.mark.parametrize(("ups", "battery", "volts", "status"), [
    (0, 0x10, 2266, "OL CHRG"), (0x01, 0x20, 2300, "OB ACFAIL"), (0, 0, 0, "OFF"),
    (0xF1, 0xF4, 0, "OB ACFAIL OVER OVERHEAT COMMFAULT LB CHRG DEPLETED RB"),
])
def test_status_words_in_nuts_order(ups, battery, volts, status) -> None:
    assert " ".join(unv.status_words(ups, battery, volts)) == status


def test_texts_of_the_registers() -> None:
    assert [unv.beeper_text(v) for v in (1, 2, 3, 0)] == ["disabled", "enabled", "muted", "enabled"]
    assert unv.sensitivity_text(2) == "low" and unv.sensitivity_text(7) == "?"
    assert unv.test_result(5) == "test in progress" and unv.test_result(6) == "?"
    assert unv.firmware_vars(0x21) == {"ups.firmware": "2", "ups.type": "OFFLINE"}
    assert unv.firmware_vars(0x15) == {"ups.firmware": "1", "ups.type": "LINEINT"}
    assert unv.tenths(2274) == "227.4" and unv.tenths(-1) == "-0.1"


def test_set_writes_as_nut_reads_the_values() -> None:
    assert unv.set_writes("input.sensitivity", "MEDIUM") == ((Reg.VOLTSENS, 1),)
    assert unv.set_writes("input.sensitivity", "high") == ()  # NUT: handled, nothing written
    assert unv.set_writes("ups.beeper.status", "off") == ((Reg.ALARMSTATUS, 3),)
    assert unv.set_writes("ups.beeper.status", "2x") == ((Reg.ALARMSTATUS, 2),)
    assert unv.set_writes("input.transfer.high", "260") == ((Reg.XFER_HI, 260),)
    assert unv.set_writes("ups.delay.shutdown", "5") is None


@given(st.binary(max_size=unv.MAX_MESSAGE))
def test_any_bytes_decode_or_raise_value_error(data) -> None:
    try:
        reply = unv.decode(data)
    except ValueError:
        return
    assert data[0] == unv.LEAD and len(data) == unv.HEADER + data[2]
    for read in (unv.int_value, unv.str_value, unv.write_done):
        try:
            read(reply, reply.register)
        except ValueError:
            pass


@given(st.integers(0, 0xFF), st.integers(0, 0xFFFF))
def test_a_well_framed_value_comes_back(reg, value) -> None:
    data = value.to_bytes(1 if value < 256 else 2, "little")
    assert unv.int_value(unv.decode(message(5, reg, data)), reg) == value
