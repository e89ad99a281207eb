"""The PiJuice HAT's register values as NUT 2.8.0's pijuice serves them: pure decoding."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from nutrio.protocol.devices import pijuice as pj

TOKENS = {"LB", "HB", "RB", "OL", "OB", "DISCHRG", "CHRG"}


def test_status_byte_fields() -> None:
    status = pj.PowerStatus.of(0xF4)
    assert (status.battery, status.power_input, status.gpio_5v) == (1, 3, 3)
    assert status.source == "both"
    assert pj.PowerStatus.of(0xC0).source == "usb"
    assert pj.PowerStatus.of(0x30).source == "gpio"
    assert pj.PowerStatus.of(0x00).source == "battery"


def test_power_words_of_the_dumps() -> None:
    assert pj.power_words(pj.PowerStatus.of(0x30), 93.7) == ("HB OL", "resting")
    assert pj.power_words(pj.PowerStatus.of(0xF4), 5.0) == ("LB OL CHRG", "charging")
    assert pj.power_words(pj.PowerStatus.of(0xC0), 51.0) == ("OL", "resting")
    assert pj.power_words(pj.PowerStatus.of(0x00), 51.4) == ("OB DISCHRG", None)


def test_nut_quirks_kept() -> None:
    # charging from the GPIO while the HAT's input is present: NUT sets no status
    assert pj.power_words(pj.PowerStatus.of(0x38), 50.0) == (None, None)
    # on the GPIO alone, whatever the battery does, NUT says OL
    assert pj.power_words(pj.PowerStatus.of(0xCC), 50.0) == ("RB OL", None)
    assert pj.power_words(pj.PowerStatus.of(0x00), 25.0)[0] == "LB OB DISCHRG"  # <= 25
    assert pj.power_words(pj.PowerStatus.of(0x00), 75.0)[0] == "OB DISCHRG"  # HB above 75
    assert pj.battery_type(b"\x01" * 17) == "LiPO"


def test_numbers_as_nut_prints_them() -> None:
    assert pj.milli(4113) == "4.113" and pj.milli(0x10000 - 168) == "-0.168"
    assert pj.signed16(0xFF18) == -232
    assert pj.firmware(0x13) == ("1.3", True) and pj.firmware(0x16) == ("1.6", False)
    assert pj.capacity(bytes([0x1C, 0x07]) + bytes(12)) == "1.820"
    assert pj.rtc(bytes([0x56, 0x53, 0x23, 4, 0x12, 0x09, 0x19, 236, 0])) == (
        "23:53:56.92", "2019-09-12")
    assert f"{pj.charge_level(937):02.1f}" == "93.7"
    assert [pj.shutdown_delay(s) for s in (0, 30, 300)] == [1, 30, 250]


@given(st.integers(0, 255), st.floats(0, 6553.5))
def test_any_status_byte_gives_known_words(byte: int, level: float) -> None:
    words, charger = pj.power_words(pj.PowerStatus.of(byte), level)
    assert words is None or set(words.split()) <= TOKENS
    assert charger in (None, "charging", "resting")
    assert words is not None or charger is None


@given(st.binary(min_size=9, max_size=9))
def test_any_rtc_block_gives_a_time_and_a_date(block: bytes) -> None:
    time, date = pj.rtc(block)
    assert len(time) == 11 and len(date) == 10
    assert 2000 <= int(date[:4]) <= 2165


@given(st.integers(0, 0xFFFF))
def test_any_word_prints(word: int) -> None:
    assert -32.768 <= float(pj.milli(word)) <= 32.767
    assert pj.firmware(word)[0].count(".") == 1
