"""protocol.devices.optiups: reply lines, status bits, scaled values, the command requests (pure).

The expected texts are what the real NUT 2.8.0 optiups served for the same
replies (tests/drivers/test_optiups_vs_real_nut.py compares whole conversations).
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nutrio.protocol.devices import optiups as opti

FF = opti.poll_fills(False)[3]
NV_ZINTO = opti.poll_fills(True)[0]


def test_modules_are_pure() -> None:
    code = "import sys, protocol.devices.optiups; assert 'trio' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=".")


@pytest.mark.parametrize(("line", "text", "unknown"), [
    (b"242.0\r", "242.0", False), (b"\r", None, False), (b"", None, False),
    (b"\x15\r", None, True), (b"\r\x15", None, True), (b"\x06\r", "\x06", False),
    (b"OPTI\0-UPS\r", "OPTI-UPS", False), (b"x" * 300, "x" * 255, False)])
def test_reply_lines_read_as_nut_reads_them(line, text, unknown) -> None:
    assert opti.unit_says(line) == text
    assert opti.is_unknown(line) is unknown


@pytest.mark.parametrize(("text", "fake", "words"), [
    ("00", False, ["OL"]), ("20", False, ["OB"]), ("60", False, ["OB", "LB"]),
    ("1A", False, ["OVER", "RB", "OL", "OFF"]), ("0x20", False, ["OB"]),
    ("zz", False, ["OL"]), ("40", True, ["OL", "LB", "LB"]), ("-20", False, ["OB", "LB"])])  # two's complement
def test_status_bits(text, fake, words) -> None:
    assert opti.status_words(text, fake_lowbatt=fake) == words


@pytest.mark.parametrize(("fill", "text", "value"), [
    (FF, "500", "50.0"), (FF, "499", "49.9"), (FF, "abc", "0.0"),
    (opti.poll_fills(False)[1], "044", "44.0"), (NV_ZINTO, "115", "230.0"),
    (opti.poll_fills(False)[0], "242.0", "242.0"), (opti.INIT_FILLS[0], " OPTI ", " OPTI ")])
def test_values_pass_through_or_scale(fill, text, value) -> None:
    assert opti.value_text(fill, text) == value


@pytest.mark.parametrize(("text", "volts", "charge"), [
    ("270", "27.0", "100.0"), ("0136", "13.6", "100.0"), ("120", "12.0", "61.5"),
    ("124", "12.4", "76.9"), ("050", "5.0", "-207.7")])  # NUT clamps at 100 % only
def test_battery_charge_on_nuts_12_volt_scale(text, volts, charge) -> None:
    assert opti.battery(text) == {"battery.voltage": volts, "battery.charge": charge}


def test_model_names() -> None:
    assert opti.model_name("UPS-420E") == "PowerES UPS-420E"
    assert opti.model_name("PS-1440RM") == "PS-1440RM"
    assert opti.model_name("VS575V") == "PowerVS VS575V"
    assert opti.zinto_model("D 1000") == "Zinto D 1000" and opti.zinto_model("X1") == "X1"


def test_command_requests() -> None:
    assert opti.requests_for("SHUTDOWN.RETURN", False) == ("Ct1", "Cs00000010")
    assert opti.requests_for("shutdown.return", True) == ("Ct1", "Cu0000010", "Cs0000001")
    assert opti.requests_for("beeper.off", False) is None
    assert "shutdown.stop" not in opti.commands(True) and "shutdown.stop" in opti.commands(False)
    assert opti.request("AG", True) == b"AG\r\n" and opti.request("AG", False) == b"AG"


@pytest.mark.parametrize(("value", "change"), [
    ("1", ("1", "Oi11")), ("0", ("0", "Oi10")), (" +1x", ("1", "Oi11")), ("7", ("0", "Oi10")),
    ("on", None), ("", None)])
def test_outlet_switch_reads_a_number(value, change) -> None:
    assert opti.outlet_request(value) == change


def test_shutdown_cycles_the_load_on_line_and_waits_for_power_on_battery() -> None:
    assert opti.shutdown_requests(opti.on_battery("00"), False) == (
        "Ct1", "Cu00000600", "Cs00000080")
    assert opti.shutdown_requests(opti.on_battery("20"), False) == ("Ct1", "Cs00000080")
    assert opti.on_battery(None)  # no answer: NUT assumes on battery, low
    assert opti.shutdown_requests(False, True) == ("Ct1", "Cu0000060", "Cs0000030")


@given(st.integers(-2**70, 2**70), st.sampled_from(["", " ", "\t+"]), st.text(max_size=5))
def test_strtol_reads_the_leading_number(number, lead, tail) -> None:
    clamped = max(-2**63, min(2**63 - 1, number))
    lead = lead if number >= 0 else lead.replace("+", "")
    assert opti.strtol(f"{lead}{number}{'' if tail[:1].isdigit() else tail}", 10) == clamped
    assert opti.strtol(f"{lead}{number:x}".replace("-", "-0x"), 16) == clamped


@given(st.binary(max_size=300))
def test_any_reply_is_a_value_or_no_answer(line) -> None:
    text = opti.unit_says(line)
    if text is not None:
        assert "\r" not in text and len(text) <= opti.LINE_MAX
        words = opti.status_words(text, fake_lowbatt=False)
        assert words[0] in ("OVER", "RB", "OL", "OB")
        for fill in opti.poll_fills(True):
            assert isinstance(opti.value_text(fill, text), str)
        assert set(opti.battery(text)) == {"battery.voltage", "battery.charge"}
