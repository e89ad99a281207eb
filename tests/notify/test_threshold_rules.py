"""[[notify.threshold]] rules, pure: raise once, clear once, and no storm from a flapping value."""

from __future__ import annotations

import itertools
from types import MappingProxyType

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nutrio import conf
from nutrio.protocol.notify.events import Alert, NotifyType, message_for, webhook_body
from nutrio.protocol.notify.thresholds import Crossing, ThresholdBook, ThresholdRule

LOAD = ThresholdRule(name="load_high", variable="ups.load", above=80, seconds=30)


def load(value: str) -> MappingProxyType[str, str]:
    return MappingProxyType({"ups.load": value, "battery.runtime": "1200"})


def run(book: ThresholdBook, timeline: list[tuple[float, str | None]],
        ups: str = "rack") -> list[tuple[float, bool]]:
    """Feed (time, ups.load or None) readings in order, plus each deadline that falls
    between two of them, as the actor does; (time, raised) of each crossing."""
    out: list[tuple[float, bool]] = []
    current = None
    for at, value in timeline:
        while (due := book.next_deadline()) is not None and due < at:
            out += [(due, c.raised) for c in book.observe({ups: current}, due)]
        current = None if value is None else load(value)
        out += [(at, c.raised) for c in book.observe({ups: current}, at)]
    return out


def test_a_value_past_the_limit_for_the_whole_time_raises_once_then_clears_once() -> None:
    book = ThresholdBook([LOAD])
    timeline = [(0, "50"), (10, "85"), (20, "90"), (39, "95"), (45, "91"), (60, "40"),
                (70, "30"), (95, "35"), (200, "20")]
    assert run(book, timeline) == [(40, True), (90, False)]


def test_a_value_that_flaps_faster_than_the_time_never_raises() -> None:
    book = ThresholdBook([LOAD])
    # above for 20 s, back for 1 s, again and again: upssched's cancelled timer
    timeline = [(t, "95" if t % 21 else "50") for t in range(400)]
    assert run(book, timeline) == []


def test_a_raised_rule_stays_raised_through_short_dips() -> None:
    book = ThresholdBook([LOAD])
    timeline = [(0, "90"), (30, "90")] + [(t, "95" if t % 21 else "50") for t in range(31, 400)]
    assert run(book, timeline) == [(30, True)]
    assert book.raised() == [("load_high", "rack")]


def test_a_reading_that_cannot_be_judged_forgets_the_wait_and_keeps_the_state() -> None:
    book = ThresholdBook([LOAD])
    # stale at 20 s: the 30 s start over at 25 s
    timeline = [(0, "90"), (20, None), (25, "90"), (54, "90"), (56, "90")]
    assert run(book, timeline) == [(55, True)]
    assert run(book, [(60, None), (500, None)]) == []  # no data: still raised
    assert book.raised() == [("load_high", "rack")]


@pytest.mark.parametrize("value", ["", "n/a", "nan", "12%"])
def test_a_value_that_is_not_a_number_proves_nothing(value: str) -> None:
    assert LOAD.holds(load(value)) is None
    assert LOAD.holds(MappingProxyType({"ups.status": "OL"})) is None
    assert LOAD.holds(None) is None


def test_below_rules_and_the_limit_itself() -> None:
    runtime = ThresholdRule(name="runtime", variable="battery.runtime", below=600, seconds=0)
    assert runtime.holds(MappingProxyType({"battery.runtime": "599"})) is True
    assert runtime.holds(MappingProxyType({"battery.runtime": "600"})) is False
    assert LOAD.holds(load("80")) is False and LOAD.holds(load("80.5")) is True


def test_a_star_rule_watches_each_ups_apart() -> None:
    book = ThresholdBook([ThresholdRule(name="hot", variable="ups.load", above=80, seconds=0)])
    crossings = book.observe({"a": load("90"), "b": load("10")}, 0)
    assert [(c.ups, c.raised) for c in crossings] == [("a", True)]
    crossings = book.observe({"a": load("10"), "b": load("90")}, 1)
    assert sorted((c.ups, c.raised) for c in crossings) == [("a", False), ("b", True)]


def test_a_named_rule_ignores_the_other_upses_and_the_case_of_the_name() -> None:
    rule = ThresholdRule(name="hot", ups="Rack", variable="ups.load", above=80, seconds=0)
    book = ThresholdBook([rule])
    assert [c.ups for c in book.observe({"rack": load("90"), "other": load("90")}, 0)] == ["rack"]


def test_the_next_deadline_is_when_a_pending_change_is_due() -> None:
    book = ThresholdBook([LOAD])
    assert book.next_deadline() is None
    book.observe({"rack": load("90")}, 100)
    assert book.next_deadline() == 130
    book.observe({"rack": load("50")}, 110)
    assert book.next_deadline() is None


def test_crossings_become_threshold_events_with_the_rules_name_and_text() -> None:
    own = ThresholdRule(name="load_high", variable="ups.load", above=80, seconds=30,
                        message="rack overloaded", cleared_message="rack fine")
    raised = Crossing(rule=LOAD, ups="rack", raised=True, value="91").notification(at=1.0)
    cleared = Crossing(rule=own, ups="rack", raised=False, value="20").notification(at=2.0)
    assert (raised.type, raised.event) == (NotifyType.THRESHOLD, "threshold.load_high")
    assert (cleared.type, cleared.event) == (NotifyType.NOTTHRESHOLD, "threshold.load_high.cleared")
    assert message_for(raised) == "UPS rack: ups.load above 80 for 30 s (now 91)"
    assert message_for(cleared) == "UPS rack: rack fine"
    # NOTIFYMSG THRESHOLD works as for NUT's types: the rule's text is the second %s
    wrapped = message_for(raised, {"THRESHOLD": "%s -> %s!"})
    assert wrapped == "rack -> ups.load above 80 for 30 s (now 91)!"
    body = webhook_body(Alert(notification=raised))
    assert body["type"] == "THRESHOLD" and body["event"] == "threshold.load_high"


readings = st.lists(st.tuples(st.integers(1, 20), st.sampled_from(["10", "90", None])),
                    max_size=60)


@given(readings)
def test_any_timeline_raises_and_clears_in_turn_and_only_after_the_full_time(
    steps: list[tuple[int, str | None]],
) -> None:
    book = ThresholdBook([ThresholdRule(name="r", variable="ups.load", above=80, seconds=15)])
    at, timeline = 0, []
    for gap, value in steps:
        at += gap
        timeline.append((at, value))
    crossings = run(book, timeline)
    assert [raised for _, raised in crossings] == [i % 2 == 0 for i in range(len(crossings))]
    for (when, _), (later, _) in itertools.pairwise(crossings):
        assert later - when >= 15  # each state held at least the rule's time


@pytest.mark.parametrize(("rule", "message"), [
    ('name = "x"\nvariable = "ups.load"\n', "notify.threshold[0].above: missing required key"),
    ('name = "x"\nvariable = "ups.load"\nabove = 1\nbelow = 2\n',
     "notify.threshold[0].below: give only one of above and below"),
    ('name = "x"\nvariable = "ups.load"\nabove = 1\nseconds = -1\n',
     "notify.threshold[0].seconds: must be at least 0"),
    ('name = "x"\nvariable = "ups.load"\nabove = 1\nwhen = 3\n',
     "notify.threshold[0].when: unknown key"),
])  # fmt: skip
def test_a_broken_rule_is_refused_naming_its_key(rule: str, message: str) -> None:
    with pytest.raises(conf.ConfigError) as info:
        conf.loads(f"[[notify.threshold]]\n{rule}")
    assert message in str(info.value)


def test_two_rules_with_one_name_are_refused() -> None:
    text = '[[notify.threshold]]\nname = "x"\nvariable = "a"\nabove = 1\n' * 2
    with pytest.raises(conf.ConfigError, match="two rules are named 'x'"):
        conf.loads(text)


def test_a_rule_for_a_device_this_nutrio_does_not_have_is_refused() -> None:
    devices = '[devices.rack]\ndriver = "dummy-ups"\nport = "rack.dev"\n'
    rule = '[[notify.threshold]]\nname = "x"\nvariable = "ups.load"\nabove = 80\nups = "{}"\n'
    assert conf.loads(devices + rule.format("RACK")).notify.thresholds[0].ups == "RACK"
    with pytest.raises(conf.ConfigError, match=r"threshold\[0\]\.ups: no device 'ups@remote'"):
        conf.loads(devices + rule.format("ups@remote"))
