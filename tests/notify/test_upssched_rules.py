"""upssched's rule matching and timer table, pure (checked against upssched 2.8.0)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from nutrio.conf.model import SchedulerRule
from nutrio.protocol.notify.events import Notification, NotifyType
from nutrio.protocol.upsmon.upssched import (
    CancelTimer,
    CmdscriptCall,
    Execute,
    StartTimer,
    TimerTable,
    actions_for,
)

RULES = (
    SchedulerRule(notify_type="ONBATT", action="START-TIMER", timer="onbatt", seconds=30),
    SchedulerRule(notify_type="ONLINE", action="CANCEL-TIMER", timer="onbatt", command="back"),
    SchedulerRule(notify_type="LOWBATT", ups="ups1@h", action="EXECUTE", command="low now"),
    SchedulerRule(notify_type="lowbatt", action="EXECUTE", command="lower"),
)
CAUSE = Notification(type=NotifyType.ONBATT, ups="a@h", at=0.0)


def test_rules_match_in_file_order_and_type_case_does_not_matter() -> None:
    assert actions_for(RULES, "LOWBATT", "ups1@h") == (
        Execute(command="low now"),
        Execute(command="lower"),
    )


def test_a_named_ups_matches_only_itself() -> None:
    assert actions_for(RULES, "LOWBATT", "ups1@other") == (Execute(command="lower"),)


def test_wildcard_rules_match_every_ups() -> None:
    assert actions_for(RULES, "ONBATT", "x@y") == (StartTimer(timer="onbatt", seconds=30),)
    assert actions_for(RULES, "ONLINE", "x@y") == (CancelTimer(timer="onbatt", command="back"),)
    assert actions_for(RULES, "COMMBAD", "x@y") == ()


def test_negative_delay_is_ignored_like_upssched() -> None:
    bad = SchedulerRule(notify_type="ONBATT", action="START-TIMER", timer="t", seconds=-1)
    assert actions_for((bad,), "ONBATT", "u") == ()


def test_cancel_in_time_leaves_nothing_to_run() -> None:
    table, calls = TimerTable().apply(StartTimer(timer="onbatt", seconds=30), 0.0, CAUSE)
    assert calls == () and table.next_deadline() == 30.0
    table, calls = table.apply(CancelTimer(timer="onbatt", command="back"), 10.0, CAUSE)
    assert calls == () and table.timers == ()
    assert table.pop_due(100.0) == (table, ())


def test_a_timer_left_running_fires_once_with_its_name() -> None:
    table, _ = TimerTable().apply(StartTimer(timer="onbatt", seconds=30), 0.0, CAUSE)
    assert table.pop_due(29.9)[1] == ()
    table, fired = table.pop_due(30.0)
    assert fired == (CmdscriptCall(argument="onbatt", reason="timer", cause=CAUSE),)
    assert table.pop_due(1000.0)[1] == ()


def test_cancel_after_the_timer_fired_runs_the_cancel_command() -> None:
    table, calls = TimerTable().apply(CancelTimer(timer="onbatt", command="back"), 0.0, CAUSE)
    assert calls == (CmdscriptCall(argument="back", reason="cancel", cause=CAUSE),)
    _, calls = table.apply(CancelTimer(timer="onbatt"), 0.0, CAUSE)
    assert calls == ()


def test_two_starts_make_two_timers_and_one_cancel_removes_the_oldest() -> None:
    other = Notification(type=NotifyType.ONBATT, ups="b@h", at=1.0)
    table, _ = TimerTable().apply(StartTimer(timer="t", seconds=2), 0.0, CAUSE)
    table, _ = table.apply(StartTimer(timer="t", seconds=2), 0.5, other)
    table, _ = table.apply(CancelTimer(timer="t"), 1.0, CAUSE)
    _, fired = table.pop_due(3.0)
    assert fired == (CmdscriptCall(argument="t", reason="timer", cause=other),)


def test_execute_runs_at_once() -> None:
    table, calls = TimerTable().apply(Execute(command="page"), 0.0, CAUSE)
    assert calls == (CmdscriptCall(argument="page", reason="execute", cause=CAUSE),)
    assert table.timers == ()


# A reference model: a list of (name, deadline), the way upssched's linked list works.
ops = st.lists(
    st.one_of(
        st.tuples(st.just("start"), st.sampled_from("ab"), st.integers(0, 5)),
        st.tuples(st.just("cancel"), st.sampled_from("ab"), st.just(0)),
        st.tuples(st.just("wait"), st.just(""), st.integers(0, 4)),
    ),
    max_size=30,
)


@given(ops)
def test_timer_table_matches_a_linked_list_model(script: list[tuple[str, str, int]]) -> None:
    table, now = TimerTable(), 0
    model: list[tuple[str, int]] = []
    fired: list[str] = []
    model_fired: list[str] = []
    for op, name, value in script:
        if op == "start":
            table, _ = table.apply(StartTimer(timer=name, seconds=value), now, CAUSE)
            model.append((name, now + value))
        elif op == "cancel":
            table, _ = table.apply(CancelTimer(timer=name), now, CAUSE)
            for entry in model:
                if entry[0] == name:
                    model.remove(entry)
                    break
        else:
            now += value
            table, calls = table.pop_due(now)
            fired += [c.argument for c in calls]
            due = sorted((e for e in model if e[1] <= now), key=lambda e: e[1])
            model_fired += [e[0] for e in due]
            model = [e for e in model if e[1] > now]
        assert list(table.names()) == [e[0] for e in model]
    assert fired == model_fired
