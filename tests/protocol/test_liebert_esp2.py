"""protocol.devices.liebert.esp2: frames, replies, meters, status words (pure).

The frames are those the real NUT 2.8.0 liebert-esp2 writes (seen in its
-DD log on tests/drivers/sim/liebert_sim.py); the side-by-side test
(tests/drivers/test_liebert_vs_real_nut.py) covers whole conversations.
"""

from __future__ import annotations

import subprocess
import sys

from hypothesis import given
from hypothesis import strategies as st

from nutrio.protocol.devices.liebert import esp2


def reply(family: int, index: int, word: int) -> bytes:
    head = bytes([1, family, 2, 1, index, (word >> 8) & 0xFF, word & 0xFF])
    return head + bytes([sum(head) & 0xFF])


def test_module_is_pure() -> None:
    code = "import sys, protocol.devices.liebert.esp2; assert 'trio' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=".")


def test_request_frames_are_nuts_bytes() -> None:
    assert esp2.request(0x88, 4) == bytes.fromhex("018802010490")
    assert esp2.request(0x95, 1) == bytes.fromhex("01950201019a")
    assert esp2.TYPE_REQUEST == bytes.fromhex("01880201018d")
    assert esp2.KILLPOWER[0] == bytes.fromhex("019c0401060001a9")
    assert esp2.KILLPOWER[2] == bytes.fromhex("019c020107a7")


@given(st.integers(0, 255), st.integers(0, 255), st.integers(-0x8000, 0x7FFF))
def test_a_reply_gives_back_its_signed_word_and_a_bad_sum_none(family, index, word) -> None:
    good = reply(family, index, word)
    assert esp2.reply_word(good) == word
    assert esp2.reply_word(good[:7] + bytes([(good[7] + 1) & 0xFF])) is None
    assert esp2.reply_word(good[:5]) is None


def test_identity_words_are_low_byte_first() -> None:
    assert esp2.word_chars(bytes.fromhex("0188020104584725")) == b"GX"


def test_type_word_gives_phases_and_kind() -> None:
    assert esp2.phases(reply(0x88, 1, 0x0011)) == esp2.Phases(1, 1, "online")
    assert esp2.phases(reply(0x88, 1, 0x0033)) == esp2.Phases(3, 3, "online")
    assert esp2.phases(reply(0x88, 1, 0x2022)).ups_type == "line-interactive"
    assert esp2.phases(reply(0x88, 1, 0x1011)).ups_type == "offline"


def test_meters_follow_the_scaling_word_in_c_float() -> None:
    volts = next(m for m in esp2.readings(1, 1) if m.name == "battery.voltage")
    freq = next(m for m in esp2.readings(1, 1) if m.name == "input.frequency")
    assert volts.text(824, esp2.multipliers(1)) == "82.4"
    assert freq.text(500, esp2.multipliers(1)) == "50.0"  # GXT2: tenths
    assert freq.text(5998, esp2.multipliers(None)) == "60.0"  # default: hundredths
    names = [m.name for m in esp2.readings(3, 3)]
    assert "input.L3-N.voltage" in names and "output.L2.crestfactor" in names
    assert "input.voltage" not in names and len(names) == len(set(names))


def test_status_words() -> None:
    on_line = (reply(0x94, 1, 0), reply(0x94, 2, 0x0002), reply(0x94, 3, 0))
    assert esp2.status_words(on_line, "0.00") == ["OL"]
    assert esp2.status_words(on_line, "1.25") == ["OL", "CHRG"]
    low = (reply(0x94, 1, 0x0100), reply(0x94, 2, 0x0061), reply(0x94, 3, 0x0021))
    assert esp2.status_words(low, "-8.50") == ["OB", "DISCHRG", "BYPASS", "RB", "BOOST",
                                               "OVER", "LB"]
    assert esp2.status_words(low, None)[:2] == ["OB", "BYPASS"]


def test_baud_option() -> None:
    assert esp2.baud_option(None) is None
    assert esp2.baud_option("9600") == 9600
    assert esp2.baud_option("fast") == 0 and esp2.baud_option("38400") == 0
