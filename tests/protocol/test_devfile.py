"""dummy-ups file reading, checked against what real NUT 2.8.0 served for the same bytes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nutrio.protocol.common.parseconf import split_line
from nutrio.protocol.common.state import UpsData, VarInfo
from nutrio.protocol.devices.dummy.devfile import (
    DeviceVars,
    Pause,
    SetStatus,
    SetVar,
    commit_status,
    dummy_setvar,
    parse_items,
    read_device_file,
)
from tests.paths import DATA

EDGE = DATA / "edge"
EDGE_DEV = (EDGE / "edge-cases.dev").read_bytes()


def _expected() -> tuple[dict[str, str], set[str], dict[str, str], list[str]]:
    """VAR values, RW names, GET TYPE replies and commands recorded from real NUT."""
    values: dict[str, str] = {}
    rw: set[str] = set()
    types: dict[str, str] = {}
    commands: list[str] = []
    for line in (EDGE / "edge-cases.expected.txt").read_text().splitlines():
        words = split_line(line)
        match words:
            case ("VAR", _, name, value):
                values[name] = value
            case ("RW", _, name, _):
                rw.add(name)
            case ("TYPE", _, name, *kind):
                types[name] = " ".join(kind)
            case ("CMD", _, name):
                commands.append(name)
    return values, rw, types, commands


VALUES, RW, TYPES, COMMANDS = _expected()


def type_reply(info: VarInfo) -> str:
    """What upsd 2.8.0 answers to GET TYPE for these flags."""
    words = ["RW"] if info.rw else []
    if info.enums:
        words.append("ENUM")
    if info.ranges:
        words.append("RANGE")
    words.append(f"STRING:{info.string_len}" if info.string_len is not None else "NUMBER")
    return " ".join(words)


def _served(data: bytes | list[bytes]) -> UpsData:
    return read_device_file(data).freeze()


FEEDS = {
    "whole": lambda data: data,
    "byte_by_byte": lambda data: [data[i : i + 1] for i in range(len(data))],
    "with_trailing_comment": lambda data: data + b"\n# trailing bytes\n",
}


@pytest.mark.parametrize("feed", FEEDS)
@pytest.mark.parametrize("name", sorted(n for n in VALUES if not n.startswith("driver.")))
def test_edge_case_value_is_what_real_dummy_ups_serves(name: str, feed: str) -> None:
    data = _served(FEEDS[feed](EDGE_DEV))
    assert data.vars.get(name) == VALUES[name]


@pytest.mark.parametrize("feed", FEEDS)
def test_edge_cases_serve_exactly_the_real_variable_list(feed: str) -> None:
    data = _served(FEEDS[feed](EDGE_DEV))
    expected = [n for n in VALUES if not n.startswith("driver.")]
    assert list(data.vars) == expected  # same names, same case-insensitive order


def test_edge_cases_writable_list_is_what_real_upsd_lists() -> None:
    data = _served(EDGE_DEV)
    assert {n for n in data.vars if data.var_info(n).rw} == RW


@pytest.mark.parametrize("name", sorted(TYPES))
def test_edge_case_get_type_matches_real_upsd(name: str) -> None:
    assert type_reply(_served(EDGE_DEV).var_info(name)) == TYPES[name]


def test_only_command_is_load_off() -> None:
    assert list(_served(EDGE_DEV).commands) == COMMANDS == ["load.off"]


def test_edge_file_items_do_not_depend_on_chunking() -> None:
    whole = parse_items(EDGE_DEV)
    assert parse_items([EDGE_DEV[i : i + 1] for i in range(len(EDGE_DEV))]) == whole
    assert parse_items([EDGE_DEV[:100], EDGE_DEV[100:]]) == whole


# -- quirks found by running the real binaries -----------------------------


def test_appended_words_stop_at_126_bytes_while_a_single_word_keeps_127() -> None:
    words = " ".join(["abcdefghi"] * 31)
    (item,) = parse_items(f"x.a: {words}\n".encode())
    assert item == SetVar("x.a", words[:126])
    (item,) = parse_items(b"x.b: " + b"1" * 140 + b" tail\n")
    assert item == SetVar("x.b", "1" * 127)


def test_status_words_are_joined_up_to_254_bytes() -> None:
    tokens = [f"ABCDEFGH{i % 10}" for i in range(31)]
    (item,) = parse_items(("ups.status: " + " ".join(tokens) + "\n").encode())
    assert item == SetStatus(" ".join(tokens)[:254])


def test_status_keeps_duplicates_and_a_blank_for_an_empty_word() -> None:
    assert parse_items(b"ups.status: OL OL\n") == (SetStatus("OL OL"),)
    assert parse_items("ups.status: OL \u00a0 CHRG\n".encode()) == (SetStatus("OL  CHRG"),)
    assert parse_items("ups.status: \u00a0 OL\n".encode()) == (SetStatus("OL"),)


def test_any_name_starting_with_ups_status_sets_the_status() -> None:
    assert parse_items(b"ups.status.x: OB LB\n") == (SetStatus("OB LB"),)


def test_empty_value_after_timer_deletes_the_variable() -> None:
    items = parse_items(b"a.b: 5\nTIMER 3\nc.d:\n")
    assert items == (SetVar("a.b", "5"), Pause(3), SetVar("c.d", ""))


def test_status_line_does_not_touch_the_value_buffer() -> None:
    data = _served(b"a.b: 5\nups.status:\nc.d:\n")
    assert (data.vars["c.d"], data.vars["ups.status"]) == ("5", "")


def test_any_word_starting_with_timer_pauses_like_atoi() -> None:
    assert parse_items(b"TIMERS 7s\nTIMER: x\nTIMER\nTIMER -2\n") == (
        Pause(7), Pause(0), Pause(0), Pause(-2)
    )


def test_reading_stops_at_the_first_timer() -> None:
    data = _served(b"ups.status: OB\nTIMER 5\nups.status: OL\n")
    assert data.vars["ups.status"] == "OB"


def test_name_keeps_the_spelling_it_was_created_with() -> None:
    data = _served(b"UPS.MFR: X\nBattery.Charge: 7\nbattery.charge: 8\n")
    assert data.vars["ups.mfr"] == "X" and data.vars["device.mfr"] == "X"
    assert data.vars["Battery.Charge"] == "8" and "battery.charge" not in data.vars


def test_device_type_from_the_file_replaces_the_core_default_and_is_writable() -> None:
    data = _served(b"device.type: pdu\n")
    assert data.vars["device.type"] == "pdu"
    assert type_reply(data.var_info("device.type")) == "RW STRING:32"


def test_core_copies_ups_identity_over_device_identity() -> None:
    data = _served(b"device.mfr: APC\ndevice.serial: 9B2019\nups.serial: xxxx\n")
    assert data.vars["device.mfr"] == "Dummy Manufacturer"
    assert data.vars["device.serial"] == "xxxx"
    assert type_reply(data.var_info("device.mfr")) == "RW STRING:32"  # set by the file first
    assert type_reply(_served(b"").var_info("device.mfr")) == "NUMBER"  # only by the core


def test_set_var_follows_dummy_ups_setvar() -> None:
    state = DeviceVars()
    dummy_setvar(state, "ups.status", "OB  LB")
    dummy_setvar(state, "ups.mfr", "x y")
    dummy_setvar(state, "ups.temperature", "30")
    assert state.get("ups.status") == "OB  LB"  # one status_set: blanks kept
    assert type_reply(state.info("ups.temperature")) == "RW NUMBER"
    dummy_setvar(state, "ups.mfr", "")
    assert state.get("ups.mfr") is None and state.info("ups.mfr") == VarInfo()


def test_device_vars_freeze_reuses_the_data_while_nothing_changes() -> None:
    state = DeviceVars()
    state.set("a", "1")
    first = state.freeze()
    state.set("A", "1")
    assert state.freeze() is first
    state.set("a", "2")
    assert state.freeze() is not first and state.freeze().vars == {"a": "2"}


def test_protocol_modules_do_not_import_trio() -> None:
    code = "import sys, protocol.devices.dummy.devfile, protocol.devices.dummy.tables; assert 'trio' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[2])


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_any_bytes_parse_without_raising(data: bytes) -> None:
    read_device_file(data).freeze()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([b"a.b:", b" x", b"\\", b'"', b"#", b"\n", b"\t", b"=", b"ups.status", b"TIMER 1", b"\xc3\xa9", b"\r\n"]), max_size=40), st.integers(1, 7))
def test_items_do_not_depend_on_chunk_size(parts: list[bytes], size: int) -> None:
    data = b"".join(parts)
    chunks = [data[i : i + size] for i in range(0, len(data), size)]
    assert parse_items(chunks) == parse_items(data)


def test_commit_status_writes_alarm_and_status_as_nut_2_8_0_does() -> None:
    state = DeviceVars()
    commit_status(state, ["OB", "LB"], ["Input Bad ", "Overload "])
    assert state.get("ups.alarm") == "Input Bad  Overload " and state.get("ups.status") == (
        "ALARM OB LB")
    commit_status(state, [], ["Fan Failure "])
    assert state.get("ups.status") == "ALARM "  # NUT's "ALARM %s" with nothing after it
    commit_status(state, ["OL"], [])
    assert state.get("ups.alarm") is None and state.get("ups.status") == "OL"
