"""upslog format strings render as NUT 2.8.0's upslog prints them (cases taken from the real binary)."""

from __future__ import annotations

import csv
import io
import json
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nutrio.protocol.client import upslog as fmt

VARS = {"ups.load": "5", "battery.charge": "100", "ups.status": "OL DISCHRG", "input.voltage": "232.0"}
CTX = fmt.LineContext(now=1795613803.0, host="vm", upshost="ups1@127.0.0.1:3493", pid=30700)


def line(format_: str, values: dict[str, str] | None = None) -> str:
    vals = VARS if values is None else values
    lower = {k.lower(): v for k, v in vals.items()}
    return fmt.render_line(fmt.compile_format(format_), CTX, lambda n: lower.get(n.lower()))


@pytest.mark.parametrize(
    ("format_", "expected"),
    [
        # each pair seen from /usr/bin/upslog 2.8.0 against upsd serving the same values
        ("%ETIME% %HOST% %UPSHOST% %PID%", "1795613803 vm ups1@127.0.0.1:3493 30700"),
        ("%VAR nope.x%|%VAR nodot%|%VAR%|%BOGUS%|%%|", "NA|INVALID|INVALID|INVALID|%|"),
        ("%TIME @s%", "1795613803"),
        ("%VARx ups.load%|%UPSHOSTx%|%etimefoo%", "5|ups1@127.0.0.1:3493|1795613803"),
        ("trailing %VAR ups.load", "trailing INVALIDVAR ups.load"),
        ("%VAR ups.load%%", "5INVALID"),
        ("a%", "aINVALID"),
        ("%TIME %", ""),
        ("%VAR  ups.load%", "NA"),
        ("%VAR ups.load extra%", "NA"),
        ("%HOST arg%", "vm"),
        ("%VAR UPS.LOAD%", "5"),
        ("%TIMEX @H%", time.strftime("%H", time.localtime(CTX.now))),
        ("%VAR ups.load% x ", "5 x "),
    ],
)
def test_format_directives_print_what_real_upslog_prints(format_: str, expected: str) -> None:
    assert line(format_) == expected


def test_default_format_shows_na_for_missing_variables() -> None:
    stamp = time.strftime("%Y%m%d %H%M%S", time.localtime(CTX.now))
    assert line(fmt.DEFAULT_FORMAT) == f"{stamp} 100 232.0 5 [OL DISCHRG] NA NA"


def test_no_data_prints_na_everywhere() -> None:
    assert line(fmt.DEFAULT_FORMAT, {}).split(" ", 2)[2] == "NA NA NA [NA] NA NA"


def test_time_without_argument_prints_nothing_where_nut_crashes() -> None:
    assert line("<%TIME%>") == "<>"


def test_a_line_is_cut_at_upslogs_buffer_size() -> None:
    assert len(line("x" * 5000)) == fmt.LINE_LIMIT


def test_variables_of_lists_each_queried_name_once() -> None:
    pieces = fmt.compile_format("%VAR a.b% %VAR a.b% %VAR nodot% %VAR c.d%")
    assert fmt.variables_of(pieces) == ("a.b", "c.d")


@given(st.text(alphabet=st.sampled_from("%@ VARTIMEHOSTUPSPIDab.x"), max_size=40))
def test_any_format_renders_without_error(format_: str) -> None:
    out = line(format_)
    assert isinstance(out, str) and "\n" not in out


@given(st.text(alphabet=st.characters(blacklist_characters="%", blacklist_categories=("Cs",)), max_size=60))
def test_text_without_percent_is_copied(text: str) -> None:
    assert line(text) == text


def test_csv_row_has_header_columns_and_empty_cells_for_missing() -> None:
    rows = list(csv.reader(io.StringIO(fmt.csv_header() + "\n" + fmt.csv_row("ups1", CTX.now, VARS) + "\n")))
    header, row = rows
    record = dict(zip(header, row, strict=True))
    assert record["ups"] == "ups1" and record["ups.status"] == "OL DISCHRG"
    assert record["battery.runtime"] == ""
    assert record["time"].startswith(time.strftime("%Y-%m-%dT", time.localtime(CTX.now)))


def test_jsonl_line_is_one_json_object_with_all_variables() -> None:
    text = fmt.jsonl_line("ups1", CTX.now, VARS, "ok")
    assert "\n" not in text
    record = json.loads(text)
    assert record["vars"] == VARS and record["state"] == "ok" and record["epoch"] == CTX.now
    assert json.loads(fmt.jsonl_line("ups1", CTX.now, None, "stale"))["vars"] is None
