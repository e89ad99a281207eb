"""protocol.devices.masterguard: reply lengths, WH forms, Q1/Q3 words and flags (pure).

The side-by-side test (tests/drivers/test_masterguard_vs_real_nut.py) checks
whole conversations against the real NUT 2.8.0 masterguard.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nutrio.protocol.devices import masterguard as mg

Q1 = "(225.8 225.8 225.8 016 49.9 26.0 25.0 00001001"
Q3 = "(#01 230.4 230.1 229.9 003.1 50.0 2.27 31.5 0045 100 10001001 00000000"


def test_modules_are_pure() -> None:
    code = "import sys, protocol.devices.masterguard; assert 'trio' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=".")


def test_the_dump_units_q1_reply() -> None:
    assert len(Q1) == mg.Q1_LENGTH
    found, status = mg.read_q1(Q1)
    assert found == {"input.voltage": "225.8", "output.voltage": "225.8", "ups.load": "016",
                     "input.frequency": "49.9", "battery.voltage": "26.0",
                     "ups.temperature": "25.0"}
    assert status == ["OL"]


def test_a_q3_reply_reads_all_but_its_last_word() -> None:
    assert len(Q3) == mg.Q3_LENGTH
    found, status = mg.read_q3(Q3)
    assert found["output.current"] == "003.1" and found["battery.runtime"] == "0045"
    assert found["battery.charge"] == "100" and status == ["OB"]
    _, status = mg.read_q3(Q3[:-9])  # the flags are the last word now: never read
    assert status is None


@pytest.mark.parametrize(("flags", "status"), [
    ("00001001", ["OL"]), ("10001001", ["OB"]), ("11001001", ["OB", "LB"]),
    ("00101001", ["OL", "BOOST"]), ("01100000", ["OL", "LB", "BOOST"])])
def test_flags(flags, status) -> None:
    assert mg.read_q1(Q1[:-8] + flags)[1] == status


def test_a_short_flags_word_reads_what_the_word_before_left() -> None:
    # "1" over "111": NUT's buffer holds "1", NUL, "1": on battery, and boost
    assert mg.read_q1("(1 2 3 4 5 6 111 1")[1] == ["OB", "BOOST"]
    assert mg.read_q1("(1 2 3 4 5 6 7 1")[1] == ["OB"]


def test_each_single_space_splits_a_word() -> None:
    found, status = mg.read_q1("(225.8 225.8  016 49.9 26.0 25.0 10001001")
    assert found["output.voltage"] == "" and found["ups.load"] == "016"
    assert status == ["OB"]
    found, status = mg.read_q1("(1  2 3 4 5 6 7 00000000")  # the flags word is "7" now
    assert found["ups.temperature"] == "6" and status == ["OL"]


@pytest.mark.parametrize(("text", "identity"), [
    ("(01 V3.12       " + "A 3000".ljust(30) + "0" * 66,
     mg.Identity("A 3000" + " " * 24, "V3.12", "wh")),
    ("V1.0E 60 kVA    ".ljust(53), mg.Identity("E 60 kVA    ", "V1.0", "old")),
    ("NAK", mg.Identity("GenericUPS", "unkn", "nak")),
    ("(ACK", mg.Identity(form="new")), ("", mg.Identity())])
def test_who_am_i_forms(text, identity) -> None:
    assert mg.identity(text) == identity


def test_line_text_drops_nuls_and_keeps_254_characters() -> None:
    assert mg.line_text(b"N\0AK") == "NAK"
    assert len(mg.line_text(b"x" * 300)) == 254


@given(st.text(alphabet=" 0123456789.()#\t\nabc", min_size=0, max_size=80))
def test_any_reply_reads_to_variables_and_maybe_a_status(text) -> None:
    for read, names in ((mg.read_q1, 7), (mg.read_q3, 9)):
        found, status = read(text)
        assert len(found) <= names
        assert all(" " not in v and "\t" not in v for v in found.values())
        assert status is None or status[0] in ("OL", "OB")
