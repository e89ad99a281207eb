"""protocol.devices.apcsmart.protocol: reply filtering, alerts, status byte, conversions, tables (pure)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nutrio.protocol.devices.apcsmart import protocol as ap


def var(name: str, char: str | None = None) -> ap.Var:
    return next(v for v in ap.VARS if v.name == name and (char is None or v.char == char))


def test_module_is_pure() -> None:
    code = "import sys, protocol.devices.apcsmart.protocol; assert 'trio' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=".")


@pytest.mark.parametrize(
    "raw, aware, text, alerts",
    [
        (b"100.0\r\n", True, "100.0", ()),
        (b"!08\r\n", True, "08", ("!",)),
        (b"|&$%27.43\r\n", True, "27.43", ("$", "%")),
        (b"!$27.43\r\n", False, "27.43", ()),  # plain reads drop alerts unseen
        (b"O*K\r\n", True, "OK", ()),
    ],
)
def test_replies_lose_alerts_and_ignored_characters(raw, aware, text, alerts) -> None:
    assert ap.filter_reply(raw, alert_aware=aware) == ap.Reply(text, alerts)


def test_command_set_read_keeps_alert_characters() -> None:
    raw = b"3.!$%+?=#|.\x01ABQ\r\n"
    reply = ap.filter_reply(raw, alert_aware=False, ignore="")
    assert ap.parse_cmdset(reply.text) == "\x01ABQ"
    assert ap.parse_cmdset("NA") is None and ap.parse_cmdset("3.x") is None


@pytest.mark.parametrize(
    "start, alert, end",
    [
        (ap.STAT_OL, "!", ap.STAT_OB),
        (ap.STAT_OB | ap.STAT_LB, "$", ap.STAT_OL | ap.STAT_LB),
        (ap.STAT_OB, "%", ap.STAT_OB | ap.STAT_LB),
        (ap.STAT_OB | ap.STAT_LB, "+", ap.STAT_OB),
        (ap.STAT_OL, "#", ap.STAT_OL | ap.STAT_RB),
        (ap.STAT_OL, "?", ap.STAT_OL | ap.STAT_OVER),
        (ap.STAT_OL | ap.STAT_OVER, "=", ap.STAT_OL),
        (ap.STAT_OL, "|", ap.STAT_OL),
    ],
)
def test_alerts_flip_status_bits_like_apcsmart(start, alert, end) -> None:
    assert ap.apply_alert(start, alert) == end


@pytest.mark.parametrize(
    "reply, words",
    [
        ("08", ("OL",)), ("10", ("OB",)), ("50", ("OB", "LB")), ("0A", ("TRIM", "OL")),
        ("0C", ("BOOST", "OL")), ("89", ("CAL", "OL", "RB")), ("28", ("OL", "OVER")),
        ("00", ("OFF",)), ("garbage", ("OFF",)), ("108", ("OL",)), ("0x08", ("OL",)),
    ],
)
def test_status_byte_to_tokens(reply, words) -> None:
    assert ap.status_words(ap.parse_status(reply)) == words


@pytest.mark.parametrize(
    "name, raw, value",
    [
        ("battery.runtime", "0045:", "2700"),
        ("battery.runtime.low", "02", "120"),
        ("ups.test.interval", "336", "1209600"),
        ("input.transfer.reason", "S", "simulated power failure or UPS test"),
        ("input.transfer.reason", "Z", "Z"),
        ("ups.delay.shutdown", "020", "020"),
        ("battery.charge", "100.0", "100.0"),
    ],
)
def test_values_convert_as_nut_serves_them(name, raw, value) -> None:
    assert ap.convert(var(name), raw) == value


def test_packed_ambient_values_spread_over_numbered_names() -> None:
    assert ap.pack_values(var("ambient.0.humidity"), "45.0,,52.1") == {
        "ambient.1.humidity": "45.0", "ambient.2.humidity": "N/A", "ambient.3.humidity": "52.1",
    }


def test_multi_rows_tell_temperature_from_uptime_by_shape() -> None:
    assert ap.matches(var("ambient.0.temperature").regex, "23.50")
    assert not ap.matches(var("ambient.0.temperature").regex, "123.5")
    assert ap.matches(var("device.uptime").regex, "123.5")
    assert ap.matches(var("ups.firmware", "b").regex, "652.13.I")
    assert not ap.matches(var("ups.firmware", "b").regex, "65213")


@pytest.mark.parametrize(
    "name, value, char",
    [
        ("shutdown.return", None, "S"), ("shutdown.return", "", "S"), ("shutdown.return", "cs", "S"),
        ("shutdown.return", "at:12", "@"), ("SHUTDOWN.RETURN", "At:1", "@"),
        ("shutdown.return", "at:1234", None), ("test.battery.start", None, "W"),
        ("test.battery.start", "5", None), ("load.off", None, "Z"), ("no.such", None, None),
    ],
)
def test_command_lookup_follows_value_rules(name, value, char) -> None:
    cmd = ap.find_command(name, value)
    assert (cmd.char if cmd else None) == char


def test_dangerous_commands_are_marked() -> None:
    nasty = {c.name for c in ap.COMMANDS if c.nasty}
    assert nasty == {"shutdown.return", "shutdown.stayoff", "load.off"}
    assert {c.char for c in ap.COMMANDS if c.repeat} == {"K", "Z", "\x0e"}


@pytest.mark.parametrize("awd, wire", [(None, b"@000"), ("5", b"@005"), ("12", b"@12"), ("120", b"@120")])
def test_grace_down_wire(awd, wire) -> None:
    assert ap.grace_down_bytes(awd) == wire


def test_string_set_wire_pads_with_crs() -> None:
    assert ap.string_set_bytes("RACK7") == b"-RACK7\r\r\r"
    assert ap.string_set_bytes("12345678") == b"-12345678"


@given(st.binary(max_size=64), st.booleans())
def test_any_reply_bytes_filter_without_raising(raw, aware) -> None:
    reply = ap.filter_reply(raw, alert_aware=aware)
    assert not set(reply.text) & set("\r\n*")
    status = 0
    for alert in reply.alerts:
        status = ap.apply_alert(status, alert)
    ap.status_words(ap.parse_status(reply.text))
    ap.parse_cmdset(reply.text)
    for v in ap.VARS:
        ap.pack_values(v, reply.text) if v.pack else ap.convert(v, reply.text)


@given(st.text(max_size=12), st.text(max_size=12))
def test_any_command_request_finds_a_row_or_none(name, value) -> None:
    ap.find_command(name, value)
    ap.find_command("shutdown.return", value)


def test_capabilities_list_each_settings_values() -> None:
    assert ap.parse_caps("#uI43253258261264e44200152590") == (
        ("u", "I", ("253", "258", "261", "264")), ("e", "4", ("00", "15", "25", "90")),
    )
    # Matrix-UPS puts "##" before every entry
    assert ap.parse_caps("##lI23196200") == (("l", "I", ("196", "200")),)
    with pytest.raises(ValueError, match="overflowed"):
        ap.parse_caps("#uI43253")
    with pytest.raises(ValueError, match="start char"):
        ap.parse_caps("NA")


@given(st.text(max_size=40))
def test_any_capability_text_parses_or_raises_value_error(text) -> None:
    try:
        entries = ap.parse_caps(text)
    except ValueError:
        return
    assert all(len(char) == 1 and len(loc) == 1 for char, loc, _ in entries)
