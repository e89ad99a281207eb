"""Tripp Lite's serial protocols read as NUT 2.8.0's tripplite and tripplitesu read them."""

from __future__ import annotations

import subprocess
import sys

from hypothesis import given
from hypothesis import strategies as st

from nutrio.protocol.devices.tripplite import smartonline as so
from nutrio.protocol.devices.tripplite import smartpro as sp


def test_the_serial_protocols_are_pure() -> None:
    code = ("import sys, nutrio.protocol.devices.tripplite.smartpro, "
            "nutrio.protocol.devices.tripplite.smartonline; assert 'trio' not in sys.modules")
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 0


def test_the_rating_follows_the_new_formula_when_w_has_its_top_bit() -> None:
    smart = sp.identify(b"84", b"60", b"12", b"40")
    assert (smart.model, smart.firmware) == ("Smart 700", "BC (Gen 1)")
    assert sp.identify(b"40", b"C8", b"31", b"08").model == "Unison 100"


def test_printable_x_replies_offer_both_outlets_as_nut_does() -> None:
    assert sp.identify(b"84", b"60", b"12", b"00").commands()[-2:] == (
        "outlet.2.load.off", "outlet.2.load.on")
    assert sp.identify(b"84", b"60", b"12", b"\x01").plugs == 1  # one byte: no outlet commands
    assert "outlet.1.load.on" not in sp.identify(b"84", b"60", b"12", b"\x01").commands()


def test_a_c_float_under_13_4_volts_is_not_full() -> None:
    assert sp.battery_charge(sp.battery_volts(b"86")) == 99  # 13.4 in a float
    assert sp.battery_charge(sp.battery_volts(b"87")) == 100
    assert sp.battery_charge(sp.battery_volts(b"6E")) == 10


def test_the_d_reply_gives_values_and_status_in_nut_order() -> None:
    reading = sp.read_d(b"0002017F00001E5B82258")
    assert reading.values() == {"input.voltage": "2", "ups.temperature": " 25",
                                "ups.load": " 30", "input.frequency": "60.00"}
    assert sp.status_words(reading.flags) == (["LB", "OVER", "OB"], [])
    assert sp.status_words(b"1197") == ([], ["Unknown tap state: 9", "Unknown mode state: 7"])
    assert sp.read_d(b"1178027F0000FF5B82258").out_of_bounds() == (
        "Data out of bounds: [120, 25,255,60.00]")


def test_commands_carry_the_delays_in_hex() -> None:
    delays = {"offdelay": 300, "startdelay": 60, "rebootdelay": 5}
    assert sp.command_messages("shutdown.return", delays) == (b":N12C\r", b":G\r")
    assert sp.command_messages("shutdown.reboot.graceful", delays) == (b":N05\r", b":H00003C\r")
    assert sp.command_messages("beeper.off", delays) is None


@given(st.binary(max_size=30))
def test_any_d_reply_reads_without_a_traceback(data: bytes) -> None:
    reply = (data + b"0" * 21)[:21]
    reading = sp.read_d(reply)
    reading.out_of_bounds()
    sp.status_words(reading.flags)


def test_smartonline_requests_count_what_follows() -> None:
    assert so.frame("P", "STO") == b"~00P003STO"
    assert so.frame("S", "TXV", "70;138") == b"~00S009TXV70;138"
    assert so.command_messages("load.off", 2) == (b"~00S006ROF1;1", b"~00S006ROF2;1")
    assert so.auto_reboot_messages("1") == ()
    assert so.auto_reboot_messages("2;0") == (b"~00S004ARB1",)
    assert so.auto_reboot_messages(None) == ()


def test_an_empty_field_is_no_field_and_a_last_empty_one_reads_as_zero() -> None:
    update = so.Update()
    assert so.read_output(update, "0;600;;1202;;204;")
    assert update.values == {"ups.load": "0", "output.voltage": "120.2",
                             "output.frequency": "60.0"}
    assert not so.read_output(so.Update(), ";600")


def test_battery_low_by_the_unit_or_by_lowbatt() -> None:
    update = so.Update()
    so.read_battery(update, "2;0;0;0;0;0;441;-38;25;18", "20")
    assert update.words == ["RB", "LB"]
    assert update.values["battery.current"] == "-3.8"
    plain = so.Update()
    so.read_battery(plain, "0;0;0;0;0;0;441;-38;25;18", "100")  # lowbatt out of 1..99
    assert plain.words == []


def test_ratings_and_environment() -> None:
    ratings = so.read_ratings("230;50;230;50;2200;2000;4;0;0;200;180;260;240;0;72")
    assert ratings.values == {"input.voltage.nominal": "230", "output.voltage.nominal": "230",
                              "battery.voltage.nominal": "72"}
    assert (ratings.low_range, ratings.high_range) == ((180, 200), (240, 260))
    update = so.Update()
    so.environment(update, "23;41;0;1;1;0")
    assert update.values["ups.contacts"] == "06"
    assert so.test_result("9") == so.test_result("0") == "No test performed"


@given(st.text(alphabet="0123456789;- ", max_size=60))
def test_any_status_reply_reads_without_a_traceback(text: str) -> None:
    update = so.Update()
    so.read_output(update, text)
    so.read_battery(update, text, "50")
    so.read_alarms(update, text)
    so.input_values(update, text)
    so.environment(update, text)
    so.read_ratings(text)
