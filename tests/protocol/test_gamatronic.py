"""NUT 2.8.0 gamatronic's SEC protocol: requests, replies, the query plan, how values are
shown, the alarms and the status."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nutrio.protocol.devices import gamatronic as sec


def test_the_protocol_package_is_pure() -> None:
    code = "import sys, nutrio.protocol.devices.gamatronic; assert 'trio' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_requests_carry_their_length_and_no_line_end() -> None:
    assert sec.PROBE == b"^P003MAN"
    assert sec.request("S", "PSD", "-1") == b"^S005PSD-1"


@pytest.mark.parametrize(("line", "reply"), [
    ("^0", (-1, "")), ("^1", (0, "")), ("^D00512345", (5, "12345")),
    ("^D003123456", (3, "123")),  # NUT keeps what the length says
    ("^D0101,2", (10, "1,2")), ("^D000", (-2, "")), ("^Dabc12", (-2, "")),
    ("^X", (-2, "")), ("D003abc", (-2, "")), ("", (-2, ""))])
def test_replies_as_nut_reads_them(line: str, reply: tuple[int, str]) -> None:
    assert sec.parse_reply(line) == reply


@given(st.text(alphabet=st.characters(max_codepoint=255), max_size=150))
def test_any_line_is_a_reply_or_refused(line: str) -> None:
    code, fields = sec.parse_reply(line)
    assert code >= -2 and (code > 0 or fields == "")
    assert len(fields) <= max(code, 0)


def test_the_plan_has_one_query_per_command_in_first_named_order() -> None:
    queries = sec.plan("76,1,2,,36,80,55,0,999,x,9")
    assert [(q.command, q.once) for q in queries] == [("ST3", False), ("ST5", False),
                                                      ("ST1", False), ("MAN", True)]
    assert queries[0].fields == {0: 76} and queries[1].fields == {12: 1, 4: 2, 5: 9}


@given(st.text(alphabet="0123456789, x-", max_size=120))
def test_any_variable_list_makes_a_plan_within_the_table(text: str) -> None:
    for query in sec.plan(text):
        for index, number in query.fields.items():
            assert sec.SEC_VARS[number].field == index + 1
            assert sec.SEC_VARS[number].command == query.command


@pytest.mark.parametrize(("number", "text", "shown"), [
    (24, "2105", "210.5"), (24, "", "0.0"), (24, "-12x", "-1.2"), (69, "000", "000"),
    (37, "063", "3780"), (37, "-5", "0"), (37, "abc", "0"), (21, "01012014", "01012014")])
def test_values_are_shown_as_nut_shows_them(number: int, text: str, shown: str) -> None:
    assert sec.shown(sec.SEC_VARS[number], text) == shown


def _run(values: sec.SecValues, query: sec.Query, answer: str) -> tuple[dict[str, str], list[str]]:
    published: dict[str, str] = {}
    alarms = values.read(query, answer, published.__setitem__)
    return published, alarms


def test_a_value_is_published_when_its_text_changes_and_never_for_an_empty_first() -> None:
    values, (st1,) = sec.SecValues(), sec.plan("81,36,24")
    assert _run(values, st1, ",,,,,100,") == ({"battery.charge": "100"}, [])
    assert _run(values, st1, ",,,,,100,2105") == ({"battery.voltage": "210.5"}, [])
    assert _run(values, st1, "") == ({}, [])  # no field of a variable: nothing changes
    assert _run(values, st1, ",,,,,") == ({"battery.charge": ""}, [])  # fewer fields


def test_alarms_keep_their_labels_and_estimated_minutes_of_1_is_one() -> None:
    values = sec.SecValues()
    st5, st1 = sec.plan("7,12,37")
    assert _run(values, st5, "0,1,0,0,0,0,0,0,0,0,0,0,0,1")[1] == [
        "Input Bad ", "Shutdown Pending "]
    published, alarms = _run(values, st1, "0,0,0,0,1")
    assert alarms == ["Estimated Minutes"] and published == {"battery.runtime.low": "60"}


@pytest.mark.parametrize(("fields", "words"), [
    ({76: "0"}, ["OL"]), ({76: "1", 22: "1"}, ["OB", "LB"]),
    ({76: "2", 10: "1"}, ["BYPASS", "OVER"]), ({76: "3", 19: "2"}, ["TRIM", "RB"]),
    ({76: "4", 9: "1"}, ["OFF", "BOOST"]), ({76: "5"}, [])])
def test_status_from_the_sec_variables(fields: dict[int, str], words: list[str]) -> None:
    values = sec.SecValues()
    for number, text in fields.items():
        values.texts[number] = text
    assert values.status_words() == words
