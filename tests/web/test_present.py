"""Status in words and colour, the bars, and the admin's value checks (pure)."""

from __future__ import annotations

from types import MappingProxyType

import pytest

from nutrio.actors.web.present import (
    api_payload,
    gauges_of,
    live_payload,
    status_level,
    status_words,
    validate_value,
    view_of,
    writable_vars,
)
from nutrio.actors.web.status import age_text, describe_status
from nutrio.protocol.common.state import UpsData, UpsSnapshot, VarInfo, freeze_vars


def data(values: dict[str, str], info: dict[str, VarInfo] | None = None) -> UpsData:
    return UpsData(vars=freeze_vars(values), info=MappingProxyType(info or {}),
                   commands=("load.off", "test.battery.start"))


def snap(values: dict[str, str], **kw: bool) -> UpsSnapshot:
    return UpsSnapshot(ups="ups1", seq=3, taken_at=1.0, data=data(values), **kw)


@pytest.mark.parametrize(("status", "words"), [
    ("OL", "On line"), ("OB", "On battery"), ("LB", "Low battery"), ("CHRG", "Charging"),
    ("RB", "Replace battery"), ("FSD", "Forced shutdown"), ("OFF", "Offline"),
    ("BYPASS", "On bypass"), ("OVER", "Overloaded"), ("TRIM", "Trimming voltage"),
])
def test_each_status_flag_reads_as_words(status: str, words: str) -> None:
    assert status_words(status) == ((status, words),)


def test_status_text_joins_flags_and_keeps_unknown_ones() -> None:
    view = view_of(snap({"ups.status": "OB LB WEIRD"}))
    assert view.status_text == "On battery, Low battery, WEIRD"


@pytest.mark.parametrize(("status", "level"), [
    ("OL", "ok"), ("OL CHRG", "ok"), ("OB DISCHRG", "warn"), ("OL BYPASS", "warn"),
    ("OB LB", "bad"), ("FSD OB LB", "bad"), ("OL RB", "bad"), ("", "unknown"),
])
def test_status_colour_follows_the_worst_flag(status: str, level: str) -> None:
    assert status_level(status) == level


def test_a_ups_without_driver_or_with_stale_data_is_grey_and_says_so() -> None:
    down = view_of(snap({"ups.status": "OL"}, connected=False))
    stale = view_of(snap({"ups.status": "OL"}, stale=True))
    assert (down.status_class, down.status_text) == ("unknown", "Driver not connected")
    assert (stale.status_class, stale.status_text) == ("unknown", "Data stale")


def test_gauges_show_charge_runtime_load_and_voltages() -> None:
    gauges = {g.key: g for g in gauges_of(data({
        "battery.charge": "15", "battery.charge.low": "20", "battery.runtime": "1830",
        "ups.load": "50", "input.voltage": "231.5", "input.voltage.nominal": "230",
        "output.voltage": "150", "output.voltage.nominal": "230"}))}
    assert list(gauges) == ["battery.charge", "battery.runtime", "ups.load", "input.voltage",
                            "output.voltage"]
    assert (gauges["battery.charge"].percent, gauges["battery.charge"].level) == (15.0, "bad")
    assert gauges["battery.runtime"].text == "30 min 30 s"
    assert gauges["ups.load"].level == "ok"
    assert gauges["input.voltage"].level == "ok"
    assert gauges["output.voltage"].level == "bad"  # far below the nominal window


def test_missing_or_garbled_values_draw_no_bar() -> None:
    assert gauges_of(data({"battery.charge": "n/a", "ups.status": "OL"})) == ()


def test_gauge_fill_stays_within_the_bar() -> None:
    (load,) = gauges_of(data({"ups.load": "180"}))
    assert load.percent == 100.0 and load.level == "bad"


INFO = {
    "input.sensitivity": VarInfo(rw=True, enums=("L", "M", "H")),
    "ups.delay.shutdown": VarInfo(rw=True, ranges=((0, 600),)),
    "ups.id": VarInfo(rw=True, string_len=8),
    "battery.charge.low": VarInfo(rw=True, number=True),
    "ups.model": VarInfo(),
}
VALUES = {"input.sensitivity": "M", "ups.delay.shutdown": "20", "ups.id": "rack",
          "battery.charge.low": "20", "ups.model": "X"}


@pytest.mark.parametrize(("name", "value"), [
    ("input.sensitivity", "H"), ("ups.delay.shutdown", "600"), ("ups.id", "12345678"),
    ("battery.charge.low", "25.5"), ("UPS.ID", "abc"),
])
def test_values_upsd_would_take_pass(name: str, value: str) -> None:
    assert validate_value(data(VALUES, INFO), name, value) is None


@pytest.mark.parametrize(("name", "value", "says"), [
    ("input.sensitivity", "X", "one of: L, M, H"),
    ("ups.delay.shutdown", "601", "0..600"),
    ("ups.id", "123456789", "at most 8 characters"),
    ("battery.charge.low", "lots", "not allowed"),
    ("ups.model", "Y", "read-only"),
    ("no.such.var", "1", "no such variable"),
])
def test_values_upsd_would_refuse_are_explained(name: str, value: str, says: str) -> None:
    problem = validate_value(data(VALUES, INFO), name, value)
    assert problem is not None and says in problem


def test_writable_variables_carry_their_limits() -> None:
    rows = {w.name: w for w in writable_vars(data(VALUES, INFO))}
    assert "ups.model" not in rows
    assert rows["input.sensitivity"].kind == "enum"
    assert rows["ups.delay.shutdown"].kind == "range"
    assert (rows["ups.id"].kind, rows["ups.id"].max_len) == ("string", 8)
    assert rows["battery.charge.low"].kind == "number"


def test_api_detail_lists_vars_commands_and_writable_limits() -> None:
    out = api_payload(view_of(UpsSnapshot(ups="u", seq=1, taken_at=0, data=data(VALUES, INFO))),
                      detail=True)
    assert out["vars"]["ups.id"] == "rack"
    assert out["commands"] == ["load.off", "test.battery.start"]
    assert out["writable"]["input.sensitivity"]["enums"] == ["L", "M", "H"]
    assert out["writable"]["ups.delay.shutdown"]["ranges"] == [[0, 600]]


def test_data_older_than_maxage_is_stale_grey_and_says_how_old() -> None:
    old = snap({"ups.status": "OL", "battery.charge": "90"})  # taken_at 1.0
    view = view_of(old, now=43.0, maxage=15.0, last_error="DriverIOError: gone")
    assert view.stale and not view.fresh and view.connected
    assert (view.status_class, view.status_text) == ("unknown", "Data stale")
    assert view.age == 42.0 and view.seen_text == "last seen 42 s ago"
    assert {g.level for g in view.gauges} == {"unknown"}  # the bars turn grey
    fresh = view_of(old, now=10.0, maxage=15.0)
    assert fresh.fresh and {g.level for g in fresh.gauges} == {"ok"}


def test_a_driver_that_never_read_its_device_has_no_age() -> None:
    empty = UpsSnapshot(ups="u", seq=1, taken_at=0.0, data=UpsData(vars=freeze_vars({})),
                        connected=False)
    view = view_of(empty, now=500.0)
    assert view.age is None and view.seen_text == "no data yet"


def test_the_api_and_live_events_carry_staleness_age_and_last_error() -> None:
    down = view_of(snap({"ups.status": "OL"}, connected=False), now=61.04,
                   last_error="DriverIOError: cannot stat demo.seq")
    api = api_payload(down, detail=False)
    live = live_payload(down)
    for out in (api, live):
        assert (out["connected"], out["stale"], out["age_seconds"]) == (False, True, 60.0)
        assert out["last_error"] == "DriverIOError: cannot stat demo.seq"
    assert live["fresh"] is False


@pytest.mark.parametrize(("seconds", "text"), [
    (None, "no data yet"), (0.4, "last seen 0 s ago"), (119, "last seen 119 s ago"),
    (120, "last seen 2 min ago"), (7260, "last seen 2 h 1 min ago"), (200000, "last seen 2 d ago"),
])
def test_ages_read_as_words(seconds: float | None, text: str) -> None:
    assert age_text(seconds) == text


def test_one_function_words_and_colours_every_status() -> None:
    shown = describe_status("OB LB", connected=True, stale=False)
    assert (shown.text, shown.level) == ("On battery, Low battery", "bad")
    assert describe_status("OB LB", connected=False, stale=False).level == "unknown"
    assert describe_status("", connected=True, stale=False).text == "No status"
