"""protocol.devices.apcupsd: NIS records read as NUT 2.8.0's apcupsd-ups reads them (pure).

The values are what the real apcupsd-ups served for the same records of a real
apcupsd (tests/drivers/test_apcupsd_vs_real_nut.py compares them side by side).
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nutrio.protocol.devices import apcupsd
from nutrio.protocol.devices.dummy.devfile import DeviceVars


def frame(*lines: bytes) -> bytes:
    return b"".join(len(line).to_bytes(2, "big") + line for line in lines) + b"\0\0"


def read(*lines: str) -> DeviceVars:
    state = DeviceVars()
    for line in lines:
        apcupsd.apply_record(state, *apcupsd.split_record(line.encode()))
    return state


def test_modules_are_pure() -> None:
    code = "import sys, protocol.devices.apcupsd; assert 'trio' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=".")


@pytest.mark.parametrize("cut", [1, 2, 3, 7, 1000])
def test_records_come_whole_however_the_bytes_are_cut(cut) -> None:
    data = frame(b"MODEL    : Smart-UPS 1000\n", b"STATUS   : ONLINE \n") + b"\0\x05extra"
    reader, found = apcupsd.NisReader(), []
    for at in range(0, len(data), cut):
        reader.feed(data[at:at + cut])
        found += reader.records()
    assert found == [b"MODEL    : Smart-UPS 1000\n", b"STATUS   : ONLINE \n"]
    assert reader.ended


def test_a_record_longer_than_nuts_buffer_is_an_error() -> None:
    reader = apcupsd.NisReader()
    reader.feed(b"\x04\x00" + b"x" * 1024)
    with pytest.raises(apcupsd.NisError):
        reader.records()


@pytest.mark.parametrize(("record", "split"), [
    (b"STATUS   : ONLINE \n", ("STATUS", "ONLINE ")),
    (b"STARTTIME: 2026-12-07 05:58:21 +0000  \n", ("STARTTIME", "2026-12-07 05:58:21 +0000  ")),
    (b"END APC  : 2026-12-07\n", ("END", "APC  : 2026-12-07")),
    (b"UPSMODE  : \n", ("UPSMODE", "")),
])
def test_a_record_splits_as_strtok_splits_it(record, split) -> None:
    assert apcupsd.split_record(record) == split


@pytest.mark.parametrize("record", [b"\n", b"SHARE\n", b"SHARE:\n", b"   \n"])
def test_a_record_without_a_value_is_an_error(record) -> None:
    with pytest.raises(apcupsd.NisError):
        apcupsd.split_record(record)


def test_values_take_nuts_shapes() -> None:
    state = read("MODEL    : Smart-UPS 1000", "TIMELEFT : 45.0 Minutes",
                 "MINTIMEL : 3 Minutes", "SENSE    : High", "LOADPCT  : 21.3 Percent",
                 "DATE     : 2026-12-07 05:58:25 +0000  ", "BATTDATE : 11/29/21",
                 "LASTXFER : Automatic or explicit self test", "OUTCURNT : 1.234 Amps",
                 "STESTI   : OFF")
    assert state.get("ups.mfr") == "APC"
    assert state.get("battery.runtime") == "2700.0" and state.get("battery.runtime.low") == "180"
    assert state.get("input.sensitivity") == "H" and state.get("ups.load") == "21.3"
    assert (state.get("ups.date"), state.get("ups.time")) == ("2026-12-07", "05:58:25")
    assert state.get("battery.date") == "11/29/21"
    assert state.get("input.transfer.reason") == "Automatic or explicit self test"
    assert state.get("output.current") == "1.23" and state.get("ups.test.interval") == "0"


@pytest.mark.parametrize(("firmware", "head", "tail"), [
    ("652.13.I", "652.13.I", None), ("UPS 08.3 / ID18", "UPS 08.3", "ID18"),
    ("925.T2/USB", "925.T2/USB", "USB"), ("x /   ", "x", None), ("  / y", "/ y", "y"),
])
def test_firmware_splits_at_the_slash(firmware, head, tail) -> None:
    state = read(f"FIRMWARE : {firmware}")
    assert (state.get("ups.firmware"), state.get("ups.firmware.aux")) == (head, tail)


@pytest.mark.parametrize(("status", "words"), [
    ("ONLINE ", "OL"), ("ONBATT LOWBATT ", "OB LB"), ("ONLINE REPLACEBATT TRIM", "OL RB TRIM"),
    ("COMMLOST", "OFF"), ("COMMLOST ", ""), ("SELFTEST", "OB"),
    ("ONBATT LOWBATT SHUTTING DOWN ", "OB LB"), ("CAL ONLINE NOBATT", "CAL OL BYPASS"),
])
def test_status_flags_become_nuts_words(status, words) -> None:
    assert read(f"STATUS   : {status}").get("ups.status") == words


def test_each_poll_forgets_all_but_the_kept_and_preserved() -> None:
    state = read("MODEL    : Smart-UPS 1000", "LINEV    : 230.4 Volts",
                 "BCHARGE  : 100.0 Percent", "NOMPOWER : 600 Watts")
    apcupsd.forget(state)
    assert state.get("input.voltage") is None
    assert [state.get(n) for n in ("ups.model", "battery.charge", "ups.realpower.nominal")] \
        == ["Smart-UPS 1000", "100.0", "600.0"]


@given(st.binary(max_size=200))
def test_any_bytes_give_records_or_a_nis_error(data: bytes) -> None:
    reader = apcupsd.NisReader()
    reader.feed(data)
    try:
        for record in reader.records():
            apcupsd.apply_record(DeviceVars(), *apcupsd.split_record(record))
    except apcupsd.NisError:
        pass
