"""protocol.devices.apcsmart.old: apcsmart-old's tables, command set split and shutdown
choices (pure). tests/drivers/test_apcsmart_old_vs_real_nut.py checks whole conversations
and killpower bytes against the real NUT 2.8.0 apcsmart-old.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nutrio.protocol.devices.apcsmart import old
from nutrio.protocol.devices.apcsmart import protocol as ap


def test_tables_differ_from_apcsmart_where_the_old_driver_does() -> None:
    assert old.find_var("UPS.FIRMWARE.OLD").char == "V"
    assert old.find_var("ups.firmware").char == "b"
    assert old.find_var("device.uptime") is None and old.find_var("ambient.0.humidity") is None
    assert old.find_command("shutdown.return.grace").char == "@"
    assert old.find_command("shutdown.return").char == "S"
    assert old.find_command("load.off").repeat and old.find_command("load.off").nasty
    assert old.COMPAT["D9"] == "789ABCEFGKLMNOPQRSUVWXYZ" and "5.4.D" in old.COMPAT
    assert len({v.char for v in old.VARS}) == len(old.VARS)  # one variable per character


@pytest.mark.parametrize(("text", "chars"), [
    ("3..\x01@ABC", "\x01@ABC"), ("3.x.AB.CD", "AB.CD"), ("3.AB", None), ("NA", None)])
def test_the_command_set_is_what_follows_the_second_dot(text, chars) -> None:
    assert old.split_cmdset(text) == chars


@pytest.mark.parametrize(("sdtype", "on_line", "methods"), [
    (None, True, ("@3",)), (None, False, ("S",)), ("1", False, ("S", "@3")),
    ("1", True, ("@3",)), ("2", True, ("Z",)), ("3", True, ("K",)), ("4", True, ("CS",)),
    ("5", True, ("@2",)), ("6", False, ("@3",)), ("7", True, ("@3",)), ("x", False, ("S",)),
    ("99999999999999999999", True, ("@3",))])
def test_simple_shutdown_methods(sdtype, on_line, methods) -> None:
    assert old.simple_methods(sdtype, on_line=on_line, on_battery=not on_line) == methods


@pytest.mark.parametrize(("order", "methods"), [
    ("0123", ("S", "@3", "K", "Z")), ("5", ("@2",)), ("40", ("CS", "S")),
    ("", ("S", "@3", "K", "Z")), ("0126", ("S", "@3", "K", "Z")),
    ("0123450", ("S", "@3", "K", "Z"))])
def test_advanced_order(order, methods) -> None:
    assert old.advanced_order(order) == methods


@pytest.mark.parametrize(("wugrace", "digits", "text"), [
    (None, 3, "000"), ("7", 3, "007"), ("7", 2, "07"), ("100", 2, "00"), ("999", 3, "999"),
    ("-1", 3, "000"), ("12x", 2, "12")])
def test_wakeup_grace_digits(wugrace, digits, text) -> None:
    assert old.timer_text(wugrace, digits) == text


@given(st.text(max_size=12), st.sampled_from([2, 3]))
def test_any_grace_gives_the_digit_count(wugrace, digits) -> None:
    text = old.timer_text(wugrace, digits)
    assert len(text) == digits and text.isdigit()


@given(st.text(max_size=8))
def test_any_order_gives_known_methods(order) -> None:
    assert set(old.advanced_order(order)) <= set(old.SD_METHODS)


def test_values_convert_as_apcsmart_does() -> None:
    assert ap.convert(old.find_var("ups.test.interval"), "336") == "1209600"
    assert ap.convert(old.find_var("battery.runtime"), "0009:") == "540"


@given(st.text(max_size=40))
def test_any_command_set_reply_splits_or_is_refused(text) -> None:
    chars = old.split_cmdset(text)
    assert chars is None or (text.endswith(chars) and text.count(".") >= 2)
