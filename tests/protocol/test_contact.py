"""Contact-closure UPSes, the pure part: genericups' cable table and options, the MultiLink
loop-back test and its debounce (the real drivers are compared in
tests/drivers/test_contact_vs_real_nut.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nutrio.protocol.devices.contact import (
    CAR,
    CTS,
    DSR,
    DTR,
    RNG,
    RTS,
    ST,
    TYPES,
    Signal,
    genericups,
    line_names,
    multilink,
)


def test_the_table_has_nut_2_8_0s_24_types_with_their_lines() -> None:
    assert len(TYPES) == 24
    upsonic = TYPES[0]
    assert (upsonic.mfr, upsonic.model, upsonic.power) == ("UPSONIC", "LAN Saver 600", DTR | RTS)
    assert (upsonic.online, upsonic.lowbatt, upsonic.shutdown) == (
        Signal(CTS, 0), Signal(CAR, CAR), RTS)
    assert TYPES[4].shutdown == 0 and TYPES[4].model == "Generic RUPS model"  # Apollo 1000F
    assert (TYPES[7].mfr, TYPES[7].model, TYPES[7].shutdown) == ("CyberPower", "Power99", DTR)
    assert TYPES[9].power == 0 and TYPES[9].online == Signal(CAR, 0)
    assert {n for n, t in enumerate(TYPES) if t.shutdown is None} == {8, 16, 17, 18}
    assert {n for n, t in enumerate(TYPES) if t.shutdown == ST} == {11, 13, 15, 20}
    assert [n for n, t in enumerate(TYPES) if t.replace.line or t.bypass.line] == [23]
    assert (TYPES[23].replace, TYPES[23].bypass) == (Signal(RNG, 0), Signal(DSR, 0))
    assert genericups.type_listing().splitlines()[2] == "0: UPSONIC LAN Saver 600"


@pytest.mark.parametrize(("text", "upstype"), [("7", 7), (" 23", 23), ("4abc", 4), ("abc", 0)])
def test_upstype_is_read_as_c_atoi_reads_it(text: str, upstype: int) -> None:
    assert genericups.configure({"upstype": text}).upstype == upstype


@pytest.mark.parametrize(("options", "message"), [
    ({}, "No upstype set"), ({"upstype": "24"}, "unknown UPS type number"),
    ({"upstype": "-1"}, "unknown UPS type number"),
    ({"upstype": "1", "SD": "CTS"}, "Can't override output with CTS (not an output)"),
    ({"upstype": "1", "OL": "RTS"}, "Can't override input with RTS (not an input)"),
    ({"upstype": "1", "LB": "ST"}, "Can't override input with ST (not an input)"),
])
def test_bad_configurations_are_refused_with_nuts_words(options: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        genericups.configure(options)


def test_overrides_replace_the_rows_lines_and_names() -> None:
    setup = genericups.configure({"upstype": "7", "CP": "DTR -RTS", "SD": "ST", "OL": "-CTS",
                                  "LB": "none", "RB": "RNG DSR", "mfr": "M", "model": "X",
                                  "serial": "S1", "sdtime": "3s"})
    cable = setup.cable
    assert (cable.power, cable.shutdown) == (DTR, ST)
    assert (cable.online, cable.lowbatt, cable.replace) == (
        Signal(CTS, 0), Signal(0, 0), Signal(RNG | DSR, RNG | DSR))
    assert (setup.mfr, setup.model, setup.serial, setup.sdtime) == ("M", "X", "S1", 3)
    assert genericups.shutdown_kind(cable) == "break"
    assert genericups.configure({"upstype": "2", "SD": "RTS DTR", "LB": "DCD"}).unchanged == (
        "SD", "LB")
    assert genericups.shutdown_kind(TYPES[8]) == "none"
    assert genericups.shutdown_kind(TYPES[4]) == "lines"


_WORDS = ("DTR", "-DTR", "RTS", "-RTS", "ST", "CTS", "-CTS", "DCD", "-DCD", "RNG", "DSR",
          "NULL", "none", " ", "x", "-")


@given(st.lists(st.sampled_from(_WORDS), max_size=6).map("".join))
def test_output_overrides_follow_nuts_substring_rules(text: str) -> None:
    inputs = [name for name in ("CTS", "DCD", "RNG", "DSR") if name in text]
    try:
        bits = genericups.output_override(text)
    except ValueError as exc:
        assert inputs and "not an output" in str(exc)
        return
    assert not inputs
    if "NULL" in text or "none" in text:
        assert bits == 0
        return
    assert bool(bits & DTR) == ("DTR" in text and "-DTR" not in text)
    assert bool(bits & RTS) == ("RTS" in text and "-RTS" not in text)
    assert bool(bits & ST) == ("ST" in text)


@given(st.lists(st.sampled_from(_WORDS), max_size=6).map("".join))
def test_input_overrides_follow_nuts_substring_rules(text: str) -> None:
    outputs = [name for name in ("DTR", "RTS", "ST") if name in text]
    try:
        signal = genericups.input_override(text)
    except ValueError as exc:
        assert outputs and "not an input" in str(exc)
        return
    assert not outputs
    if "NULL" in text or "none" in text:
        assert signal == Signal(0, 0)
        return
    for name, bit in (("CTS", CTS), ("DCD", CAR), ("RNG", RNG), ("DSR", DSR)):
        assert bool(signal.line & bit) == (name in text)
        assert bool(signal.value & bit) == (name in text and f"-{name}" not in text)


def status(upstype: int, flags: int, **options: str) -> str:
    cable = genericups.configure({"upstype": str(upstype), **options}).cable
    return " ".join(genericups.status_words(cable, flags))


def test_status_words_come_in_nuts_order() -> None:
    assert status(0, 0) == "OL"  # UPSONIC: on line while CTS is off
    assert status(0, CTS | CAR) == "LB OB"
    assert status(4, CTS | CAR) == "OL" and status(4, 0) == "LB OB"  # Generic: CTS on, CD off
    assert status(23, CTS | CAR) == "OL RB BYPASS"
    assert status(23, CTS | CAR | RNG | DSR) == "OL"
    assert status(4, 0, OL="none", LB="NULL") == "OL"  # a disabled OL always holds, LB never


@given(st.integers(0, 0x1FF))
def test_every_line_state_reads_as_one_status(flags: int) -> None:
    for cable in TYPES:
        words = list(genericups.status_words(cable, flags))
        assert ("OL" in words) != ("OB" in words)
        assert set(words) <= {"LB", "OL", "OB", "RB", "BYPASS"}


def test_line_names() -> None:
    assert line_names(DTR | RTS) == "DTR+RTS"
    assert line_names(0) == "none"


def test_the_loop_back_test_reads_the_last_byte() -> None:
    assert not multilink.on_battery(b"")
    assert multilink.on_battery(b"\x55") and multilink.on_battery(b"\xaa\x55")
    assert not multilink.on_battery(b"\x55\xaa")
    assert multilink.status_words(True, True) == ["OB", "LB"]
    assert multilink.status_words(False, False) == ["OL"]


@given(st.binary(max_size=8), st.integers(0, 255))
def test_any_echo_reads_on_battery_only_when_it_ends_with_the_probe(head: bytes, last: int) -> None:
    assert multilink.on_battery(head + bytes([last])) == (last == multilink.PROBE)
    assert multilink.on_battery(head + bytes([multilink.PROBE]))


@given(st.lists(st.booleans(), max_size=40))
def test_a_level_counts_once_read_on_four_polls_in_a_row(readings: list[bool]) -> None:
    debounce = multilink.Debounce()
    history, state = [False], False  # NUT's counter starts as if one "low" was read
    for level in readings:
        history.append(level)
        if len(set(history[-4:])) == 1 and len(history) >= 4:
            state = level
        assert debounce.read(level) == state

