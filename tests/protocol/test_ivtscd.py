"""NUT 2.8.0 ivtscd's reading of the IVT controller's line, its levels and status."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nutrio.protocol.devices import ivtscd as ivt

DUMP_LINE = b"R:12,10;- 1,9;16;11,84;14,02;- 2,4; 2,2;\n"


def test_the_protocol_package_is_pure() -> None:
    code = "import sys, nutrio.protocol.devices.ivtscd; assert 'trio' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_dumps_line_reads_as_the_dump_shows() -> None:
    reading = ivt.parse(DUMP_LINE)
    assert reading is not None
    assert ivt.readings(reading) == {
        "battery.voltage": "12.10", "battery.voltage.minimum": "11.84",
        "battery.voltage.maximum": "14.02", "battery.current": "-1.9",
        "battery.current.minimum": "-2.4", "battery.current.maximum": "2.2",
        "battery.temperature": "16"}
    assert ivt.status_words(reading, ivt.levels({})) == ["OB"]


@pytest.mark.parametrize(("line", "words"), [
    (b"R:10,79; 0,1;20;0;0;0;0;", ["OL", "LB"]), (b"R:10,80;0;20;0;0;0;0;", ["OB"]),
    (b"R:1 2,5\x00 7;+1e-3;2;3;4;5;6;", ["OL"])])
def test_status_and_what_nut_drops_from_a_line(line: bytes, words: list[str]) -> None:
    reading = ivt.parse(line)
    assert reading is not None and ivt.status_words(reading, ivt.Levels()) == words


@pytest.mark.parametrize("line", [b"R:12,10;- 1,9;16;11,84;14,02;- 2,4;", b"12;1;2;3;4;5;6;",
                                  b"R:12;x;1;2;3;4;5;", b""])
def test_fewer_than_seven_numbers_is_no_reading(line: bytes) -> None:
    assert ivt.parse(line) is None


@given(st.binary(max_size=80))
def test_any_line_is_a_reading_or_none(line: bytes) -> None:
    reading = ivt.parse(line)
    if reading is not None:
        assert set(ivt.readings(reading)) >= {"battery.voltage", "battery.temperature"}
        assert ivt.status_words(reading, ivt.Levels())[0] in ("OL", "OB")


def test_levels_from_ups_conf() -> None:
    found = ivt.levels({"override.battery.voltage.nominal": "24",
                        "default.battery.voltage.nominal": "12",
                        "default.battery.voltage.low": "21,6"})
    assert (found.nominal, found.low) == (24.0, 21.0)  # strtod stops at the comma
    with pytest.raises(ValueError, match="Nominal battery voltage must be higher"):
        ivt.levels({"default.battery.voltage.low": "12"})
