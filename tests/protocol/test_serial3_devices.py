"""The pure parts of upscode2, mge-utalk and belkin: what each reply makes of the
variables, checked on the library's dump values, and that no reply text raises."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from nutrio.protocol.devices import belkin, mge_utalk
from nutrio.protocol.devices.dummy.devfile import DeviceVars
from nutrio.protocol.devices.upscode2 import NOMINAL, SIMPLE, UpsCodeReading

_R3000_UPDS = {"STAT": "00", "STBO": "00", "STLR": "NO", "BTIME": "7", "MIUL1": "121",
               "MBIII": "0.372", "MBUUU": "55.2", "MOIL1": "15.15", "MOPL1": "1.81",
               "MOFFF": "60.0"}
_R3000_UPDV = {"NBAHN": "17", "NOINN": "25", "NOPNN": "2.25", "NOSNN": "3.0", "NOFLL": "57"}


def _r3000(status: dict[str, str] | None = None) -> DeviceVars:
    state, reading = DeviceVars(), UpsCodeReading()
    for table, pairs in ((SIMPLE, {**_R3000_UPDS, **(status or {})}), (NOMINAL, _R3000_UPDV)):
        for code, value in pairs.items():
            assert reading.take(state, table, code, value) is (code in ("MOFFF", "NOFLL"))
    reading.finish(state)
    return state


def test_upscode2_works_out_the_r3000_dump_values() -> None:
    state = _r3000()
    assert state.get("battery.charge") == "92.7"  # from the charging current
    assert state.get("ups.load") == "60.6"
    assert state.get("battery.runtime") == "420"
    assert state.get("output.realpower") == "1810.00"
    assert state.get("output.realpower.nominal") == "2250.00"
    assert state.get("ups.power.nominal") == "3000.00"
    assert state.get("ups.status") == "OL"
    assert (state.get("input.phases"), state.get("output.phases")) == ("1", "1")


def test_upscode2_status_codes_and_lists_raise_their_words() -> None:
    state = _r3000({"STBO": "11", "STAT": "BL", "STLR": "SU"})
    assert state.get("ups.status") == "OB LB BOOST"
    assert _r3000({"STAT": "OL", "STLR": "SD"}).get("ups.status") == "OL TRIM OVER"


def test_upscode2_three_phase_units_get_l1_names() -> None:
    state, reading = DeviceVars(), UpsCodeReading()
    for code, value in {"MOUL1": "230", "MOUL3": "231", "MOIL1": "3"}.items():
        reading.take(state, SIMPLE, code, value)
    reading.finish(state)
    assert state.get("output.voltage") is None
    assert state.get("output.L1-N.voltage") == "230.00"
    assert state.get("output.phases") == "3"
    reading.take(state, SIMPLE, "MOIL1", "4")
    assert state.get("output.L1.current") == "4.00"


@given(st.text(max_size=12), st.text(max_size=12))
def test_upscode2_any_pair_is_taken_or_refused_without_raising(code: str, value: str) -> None:
    state, reading = DeviceVars(), UpsCodeReading()
    assert reading.take(state, SIMPLE, code, value) in (True, False, None)
    reading.finish(state)


def test_mge_utalk_names_and_scales_as_nut() -> None:
    assert mge_utalk.identify("Evolutio 2200 20") == ("Evolution 2200", "20")
    assert mge_utalk.identify("extreme 1500 3") == ("Pulsar EXtreme 1500", "3")
    assert mge_utalk.identify("COMET") == ("COMET", "unknown")
    assert mge_utalk.identify_legacy("3000 51 7") == "Pulsar ESV 11+"
    assert mge_utalk.multiplier_table("2 3") == 3
    assert mge_utalk.multiplier_table("2 7") is None
    current = next(i for i in mge_utalk.ITEMS if i.var == "output.current")
    frequency = next(i for i in mge_utalk.ITEMS if i.var == "input.frequency")
    runtime = next(i for i in mge_utalk.ITEMS if i.var == "battery.runtime")
    assert mge_utalk.extract("470", current, 3) == "004.7"
    assert mge_utalk.extract("500", frequency, 1) == "50.00"
    assert mge_utalk.extract("768", runtime, 0) == "00768"


def test_mge_utalk_status_bits_count_from_the_left_as_mge_writes_them() -> None:
    words, ok = mge_utalk.status_words("00001100", "10000000", "00001000 00000001", "00000011")
    assert ok
    assert words == ["OB", "LB", "DISCHRG", "BOOST", "OB", "LB", "BYPASS", "BYPASS"]
    assert mge_utalk.status_words("0000", "", "", "") == ([], False)


@given(st.text(max_size=20), st.text(max_size=20), st.text(max_size=20), st.text(max_size=20))
def test_mge_utalk_any_replies_give_words_without_raising(a: str, b: str, c: str, d: str) -> None:
    words, _ = mge_utalk.status_words(a, b, c, d)
    assert all(isinstance(w, str) for w in words)
    for item in mge_utalk.ITEMS:
        mge_utalk.extract(a, item, 3)
    mge_utalk.identify(a)
    mge_utalk.identify_legacy(b)


def test_belkin_requests_and_the_reused_field_buffer() -> None:
    assert belkin.request("P", "STA") == b"~00P003STA"
    assert belkin.request("S", "ROF", "1;1") == b"~00S006ROF1;1"
    fields = belkin.Fields()
    words, beeper = belkin.read_status(fields, "0;1;0;0;0;1;0;0")
    assert words == ["OFF", "OB"]
    assert beeper == "enabled"  # no field 16: the buffer keeps field 2, read last ("1")
    assert belkin.read_status(belkin.Fields(), "0;0;0")[1] == "disabled"  # field 2: "0"
    low, values = belkin.read_battery(belkin.Fields(), "0;0;0;0;0;0;130;0;50;15")
    assert low and values["battery.voltage"] == "13.0" and values["battery.charge"] == "15"
    assert belkin.read_rating(belkin.Fields(), "230;50;625;400;12;7;0;187;280;0") == {
        "input.transfer.low": "212", "input.transfer.high": "246"}


@given(st.text(max_size=40))
def test_belkin_any_reply_reads_without_raising(reply: str) -> None:
    fields = belkin.Fields()
    belkin.read_status(fields, reply)
    belkin.read_battery(fields, reply)
    belkin.read_input(fields, reply)
    belkin.read_output(fields, reply)
    belkin.test_result(fields, reply)

