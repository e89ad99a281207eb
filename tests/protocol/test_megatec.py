"""protocol.devices.megatec: replies to values and status tokens, commands to wire text (pure)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nutrio.protocol.devices import megatec as mt

Q1_OK = b"(226.0 195.0 226.0 014 49.0 27.5 30.0 00001000\r"
ALL_BITS_OFF = dict.fromkeys(mt.STATUS_BITS, False)


def bits(**on: bool) -> dict[str, bool | None]:
    return {**ALL_BITS_OFF, **on}


def test_module_is_pure() -> None:
    code = "import sys, protocol.devices.megatec; assert 'trio' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=".")


def test_q1_reply_gives_the_nut_variables_in_nut_formats() -> None:
    text = mt.check_reply(mt.Q1, Q1_OK)
    assert mt.read_fields(text, mt.Q1_FIELDS) == {
        "input.voltage": "226.0", "input.voltage.fault": "195.0", "output.voltage": "226.0",
        "ups.load": "14", "input.frequency": "49.0", "battery.voltage": "27.50",
        "ups.temperature": "30.0",
    }
    assert mt.status_bits(text) == bits(line_interactive=True)


def test_ratings_and_vendor_replies() -> None:
    rating = mt.check_reply(mt.F, b"#220.0 000 024.0 50.0\r")
    assert mt.read_fields(rating, mt.F_FIELDS) == {
        "input.voltage.nominal": "220", "input.current.nominal": "0.0",
        "battery.voltage.nominal": "24.0", "input.frequency.nominal": "50",
    }
    vendor = mt.check_reply(mt.I, b"#-------------   ------     VT12046Q  \r")
    # only blanks and '#' are trimmed: NUT serves the dashes of an anonymous unit as they are
    assert mt.read_fields(vendor, mt.I_FIELDS) == {
        "device.mfr": "-------------", "device.model": "------", "ups.firmware": "VT12046Q",
    }


@pytest.mark.parametrize(
    "query, reply, why",
    [
        (mt.Q1, Q1_OK[:30], "short"),
        (mt.Q1, b"#" + Q1_OK[1:], "starts with"),
        (mt.F, b"#220.0 000\r", "short"),
        (mt.I, b"", "short"),
    ],
)
def test_short_or_wrongly_led_replies_are_refused(query, reply, why) -> None:
    with pytest.raises(mt.ReplyError, match=why):
        mt.check_reply(query, reply)


def test_a_non_numeric_field_is_skipped_not_fatal() -> None:
    text = mt.check_reply(mt.Q1, b"(2x6.0 195.0 226.0 -14 49.0 27.5 30.0 00001000\r")
    values = mt.read_fields(text, mt.Q1_FIELDS)
    assert "input.voltage" not in values and "ups.load" not in values  # '-' is not allowed either
    assert values["output.voltage"] == "226.0"


@pytest.mark.parametrize(
    "on, flags, words",
    [
        ({}, frozenset(), ("OL",)),
        ({"utility_fail": True}, frozenset(), ("OB",)),
        ({"utility_fail": True, "battery_low": True}, frozenset(), ("OB", "LB")),
        ({"test_in_progress": True, "shutdown_active": True}, frozenset(), ("OL", "CAL", "FSD")),
        # quick updates never clear TRIM/BOOST/BYPASS: only a full update (empty start) does
        ({}, frozenset({"OL", "BOOST"}), ("OL", "BOOST")),
    ],
)
def test_status_bits_map_to_tokens_in_nutdrv_qx_order(on, flags, words) -> None:
    new = mt.apply_status_bits(flags, bits(**on), input_voltage=230, output_voltage=230)
    assert mt.status_words(new) == words


@pytest.mark.parametrize(
    "output, word",
    [(114.0, None), (200.0, "TRIM"), (218.5, "BYPASS"), (241.4, "BYPASS"), (241.5, "BOOST"), (345.0, None)],
)
def test_bypass_bit_reads_trim_bypass_boost_from_voltages(output, word) -> None:
    b = bits(bypass_boost_buck=True)
    if word is None:
        with pytest.raises(mt.ReplyError, match="output voltage too"):
            mt.apply_status_bits(frozenset(), b, input_voltage=230, output_voltage=output)
        return
    flags = mt.apply_status_bits(frozenset(), b, input_voltage=230, output_voltage=output)
    assert word in flags


def test_a_status_bit_that_is_not_binary_fails_the_reply_but_beeper_is_just_skipped() -> None:
    text = mt.check_reply(mt.Q1, Q1_OK[:38] + b"0000100x\r")
    b = mt.status_bits(text)
    assert b["beeper_on"] is None and mt.beeper_status(b) is None
    mt.apply_status_bits(frozenset(), b, input_voltage=230, output_voltage=230)
    text = mt.check_reply(mt.Q1, Q1_OK[:38] + b"x0001000\r")
    with pytest.raises(mt.ReplyError):
        mt.apply_status_bits(frozenset(), mt.status_bits(text), input_voltage=230, output_voltage=230)


def test_ignoresab_leaves_fsd_out() -> None:
    flags = mt.apply_status_bits(
        frozenset(), bits(shutdown_active=True), input_voltage=1, output_voltage=1,
        ignore_shutdown_bit=True,
    )
    assert mt.status_words(flags) == ("OL",)


def test_alarms_of_a_full_update() -> None:
    assert mt.alarms(bits(ups_failed=True), frozenset({"FSD"})) == (
        "UPS selftest failed!", "Shutdown imminent!",
    )
    assert mt.alarms(bits(), frozenset({"OL"})) == ()


@pytest.mark.parametrize(
    "name, value, offdelay, ondelay, wire",
    [
        ("shutdown.return", None, 30, 180, b"S.5R0003\r"),
        ("shutdown.return", None, 12, 0, b"S.2\r"),
        ("shutdown.return", None, 54, 0, b"S.9\r"),
        ("shutdown.return", None, 600, 599940, b"S10R9999\r"),
        ("shutdown.stayoff", None, 60, 180, b"S01R0000\r"),
        ("test.battery.start", "", 30, 180, b"T10\r"),
        ("test.battery.start", "60", 30, 180, b"T01\r"),
        ("test.battery.start", "119", 30, 180, b"T01\r"),
        ("load.off", "ignored", 30, 180, b"S00R0000\r"),
    ],
)
def test_command_wire_text(name, value, offdelay, ondelay, wire) -> None:
    assert mt.command_bytes(name, value, offdelay=offdelay, ondelay=ondelay) == wire


@pytest.mark.parametrize("value", ["59", "5941", "abc", "-60"])
def test_battery_test_time_out_of_range_is_refused(value) -> None:
    with pytest.raises(ValueError, match="out of range"):
        mt.command_bytes("test.battery.start", value, offdelay=30, ondelay=180)


@pytest.mark.parametrize("reply, ok", [(b"", True), (b"ACK\r", True), (b"ack\r", True), (b"C\r", False)])
def test_command_replies(reply, ok) -> None:
    assert mt.command_succeeded(reply) is ok


def test_delay_truncation() -> None:
    assert [mt.truncate_ondelay(s) for s in (0, 59, 61, 599940)] == [0, 0, 60, 599940]
    assert [mt.truncate_offdelay(s) for s in (12, 17, 59, 61, 600)] == [12, 12, 54, 60, 600]


def test_battery_charge_guesstimation() -> None:
    low, high = mt.default_voltage_limits(24.0)
    assert (f"{low:.2f}", f"{high:.2f}") == ("20.80", "26.00")
    assert [mt.guess_charge(v, low, high) for v in (19.0, 23.4, 27.0)] == ["0", "50", "100"]
    assert mt.guess_charge(25.0, -1, -1) is None
    assert mt.detect_packs(27.0, 24.0) == 1.0
    assert mt.detect_packs(2.25, 24.0) == 12.0  # a UPS reporting volts per cell
    assert mt.detect_packs(100.0, 24.0) is None


@given(st.sampled_from([mt.Q1, mt.F, mt.I]), st.binary(max_size=80))
def test_any_reply_bytes_parse_or_raise_reply_error_only(query, reply) -> None:
    try:
        text = mt.check_reply(query, reply)
    except mt.ReplyError:
        return
    for fields in (mt.Q1_FIELDS, mt.F_FIELDS, mt.I_FIELDS):
        mt.read_fields(text, fields)
    if query == mt.Q1:
        b = mt.status_bits(text)
        try:
            mt.apply_status_bits(frozenset(), b, input_voltage=230, output_voltage=230)
        except mt.ReplyError:
            pass
        mt.alarms(b, frozenset())


@given(st.sampled_from(sorted(mt.COMMANDS)), st.text(max_size=12), st.integers(0, 700), st.integers(0, 10**6))
def test_any_command_value_gives_wire_bytes_or_value_error(name, value, offdelay, ondelay) -> None:
    try:
        wire = mt.command_bytes(name, value, offdelay=offdelay, ondelay=ondelay)
    except ValueError:
        assert name == "test.battery.start"
        return
    assert wire.endswith(b"\r") and b"\r" not in wire[:-1]


@given(st.text(max_size=20))
def test_c_number_parsers_never_raise(text) -> None:
    mt.c_strtod(text)
    mt.c_strtol(text)


def test_runtimecal_curve() -> None:
    cal = mt.RuntimeCal.parse("240,100,720,50")
    assert round(cal.exponent, 3) == 1.585 and cal.nominal == 240
    assert cal.effective_load(100, 0.1) == 1.0
    assert cal.effective_load(14, 0.1) == 0.1  # below the idle load
    with pytest.raises(ValueError, match="Insufficient"):
        mt.RuntimeCal.parse("240,100")


@given(st.binary(max_size=80))
def test_any_reply_bytes_through_blazer_parsing_raise_reply_error_only(reply) -> None:
    try:
        text = mt.check_reply(mt.Q1, reply, min_len=mt.BLAZER_Q1_MIN)
        words, end = mt.blazer_words(text, len(mt.BLAZER_Q1_VARS))
        bits = mt.blazer_status_word(text, end)
    except mt.ReplyError:
        return
    assert len(words) == 7
    mt.blazer_flags(bits, input_voltage=230, output_voltage=0)
    mt.blazer_vendor(text)


def test_blazer_reads_words_not_columns() -> None:
    # a unit padding with two blanks still parses for blazer (not for nutdrv_qx's columns)
    text = mt.check_reply(mt.Q1, b"(226.0  195.0 226.0 14 49.0 27.5 30.0 00001000\r", min_len=46)
    words, end = mt.blazer_words(text, 7)
    assert words == ["226.0", "195.0", "226.0", "14", "49.0", "27.5", "30.0"]
    assert mt.blazer_status_word(text, end)["line_interactive"] is True
    with pytest.raises(mt.ReplyError):
        mt.blazer_status_word("(1 2 3 4 5 6 7 000010001\r", len("(1 2 3 4 5 6 7"))


@pytest.mark.parametrize(
    "name, value, wire",
    [("test.battery.start", None, b"T10\r"), ("test.battery.start", "5", b"T05\r"),
     ("shutdown.return", None, b"S.5R0003\r"), ("load.on", None, b"C\r")],
)
def test_blazer_command_wire_text(name, value, wire) -> None:
    assert mt.blazer_command_bytes(name, value, offdelay=30, ondelay_minutes=3) == wire


def test_blazer_command_replies() -> None:
    assert mt.blazer_command_succeeded(b"") and mt.blazer_command_succeeded(b"(ACK\r")
    assert not mt.blazer_command_succeeded(b"Q\r")
