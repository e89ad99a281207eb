"""upsmon's decisions, case by case: notify edges, critical UPSes, the power sum."""

from __future__ import annotations

import subprocess
import sys

import pytest

from nutrio.protocol.notify.events import NotifyType as N
from nutrio.protocol.upsmon.critical import assess, critical_reason, primaries, secondaries_gone
from nutrio.protocol.upsmon.state import (
    Comm,
    Monitor,
    Settings,
    new_monitor,
    observe_failure,
    observe_status,
    power_config_error,
    wants_alert_polling,
)

A = "a@host"


def one(primary: bool = True, pv: int = 1, **settings: object) -> Monitor:
    return new_monitor(Settings(**settings), [(A, pv, primary)])  # type: ignore[arg-type]


def feed(monitor: Monitor, *events: tuple[float, str | None]) -> tuple[Monitor, list[N]]:
    """Apply (time, status) events; None is a failed poll. Returns all notify types."""
    seen: list[N] = []
    for at, status in events:
        step = (observe_failure(monitor, A, at) if status is None
                else observe_status(monitor, A, status, at))
        monitor = step.monitor
        seen += [n.type for n in step.notices]
    return monitor, seen


def test_protocol_module_stays_pure():
    code = "import protocol.upsmon.state, protocol.upsmon.critical, protocol.upsmon.shutdown_pipe, sys; print('trio' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# -- notify edges -------------------------------------------------------------------


def test_first_online_at_start_is_quiet_but_onbatt_is_not():
    _, quiet = feed(one(), (0, "OL"))
    _, loud = feed(one(), (0, "OB"))
    assert quiet == []
    assert loud == [N.ONBATT]


def test_power_failure_and_return_notify_each_edge_once():
    _, seen = feed(one(), (0, "OL"), (5, "OB DISCHRG"), (10, "OB DISCHRG"), (15, "OB LB"),
                   (20, "OB LB"), (25, "OL CHRG"), (30, "OL"))
    assert seen == [N.ONBATT, N.LOWBATT, N.ONLINE]


def test_comm_loss_gives_commbad_once_then_nocomm_after_nocommwarntime():
    mon, seen = feed(one(nocommwarntime=300), (0, "OL"), (5, None), (10, None), (299, None),
                     (306, None), (400, None), (607, None))
    assert seen == [N.COMMBAD, N.NOCOMM, N.NOCOMM]
    _, back = feed(mon, (610, "OL"))
    assert back == [N.COMMOK]


def test_no_commok_on_the_first_contact_but_commbad_when_it_never_answered():
    _, seen = feed(one(), (0, None), (5, "OL"))
    _, first = feed(one(), (0, "OL"))
    assert seen == [N.COMMBAD, N.COMMOK]
    assert first == []


def test_empty_status_counts_as_lost_communication():
    _, seen = feed(one(), (0, "OL"), (5, ""))
    assert seen == [N.COMMBAD]


def test_replbatt_repeats_only_every_rbwarntime():
    _, seen = feed(one(rbwarntime=100), (0, "OL RB"), (50, "OL RB"), (101, "OL RB"), (150, "OL RB"))
    assert seen == [N.REPLBATT, N.REPLBATT]


@pytest.mark.parametrize(("word", "on", "off"), [
    ("CAL", N.CAL, N.NOTCAL), ("OFF", N.OFF, N.NOTOFF), ("BYPASS", N.BYPASS, N.NOTBYPASS),
    ("ECO", N.ECO, N.NOTECO), ("ALARM", N.ALARM, N.NOTALARM), ("OVER", N.OVER, N.NOTOVER),
    ("TRIM", N.TRIM, N.NOTTRIM), ("BOOST", N.BOOST, N.NOTBOOST),
])
def test_state_words_notify_when_they_come_and_go(word, on, off):
    _, seen = feed(one(), (0, "OL"), (1, f"OL {word}"), (2, f"OL {word}"), (3, "OL"), (4, "OL"))
    assert seen == [on, off]


def test_unknown_status_words_notify_other_with_the_words():
    mon = one()
    step = observe_status(mon, A, "OL WEIRD", 0)
    assert [(n.type, n.detail) for n in step.notices] == [(N.OTHER, "WEIRD")]
    assert [n.type for n in observe_status(step.monitor, A, "OL", 1).notices] == [N.NOTOTHER]


def test_fsd_notifies_once_and_is_forgotten_when_gone():
    mon, seen = feed(one(), (0, "OL"), (1, "FSD OL"), (2, "FSD OL"), (3, "OL"))
    assert seen == [N.FSD]
    assert "FSD" not in mon.get(A).flags


# -- critical UPSes -------------------------------------------------------------------


def test_primary_on_battery_low_battery_is_critical_at_once():
    mon, _ = feed(one(primary=True), (0, "OB LB"))
    verdict = assess(mon, 0)
    assert verdict.shutdown and verdict.critical == ((A, "onbatt-lowbatt"),)


def test_secondary_waits_hostsync_for_the_primary_to_set_fsd():
    mon, _ = feed(one(primary=False, hostsync=15), (0, "OB"), (5, "OB LB"), (10, "OB LB"))
    assert not assess(mon, 20).shutdown
    assert assess(mon, 20.5).critical == ((A, "primary-gave-no-fsd"),)


def test_secondary_shuts_down_on_fsd_at_once():
    mon, _ = feed(one(primary=False), (0, "OL"), (5, "FSD OL"))
    assert assess(mon, 5).critical == ((A, "fsd"),)


def test_comm_lost_while_on_battery_is_critical_only_after_deadtime():
    mon, _ = feed(one(deadtime=15), (0, "OB"), (5, None), (10, None))
    assert not assess(mon, 15).shutdown
    late = assess(mon, 15.1)
    assert late.shutdown and "LB" in late.monitor.get(A).flags  # promoted to OB LB


def test_comm_lost_while_online_never_shuts_down():
    mon, _ = feed(one(deadtime=15), (0, "OL"), (5, None))
    assert not assess(mon, 10_000).shutdown


def test_calibration_on_battery_is_not_an_outage_unless_communication_dies():
    mon, _ = feed(one(deadtime=15), (0, "OB LB CAL"))
    assert not assess(mon, 1).shutdown
    mon, _ = feed(mon, (5, None))
    assert not assess(mon, 15).shutdown
    assert assess(mon, 15.5).critical == ((A, "lost-while-cal"),)


@pytest.mark.parametrize(("offduration", "critical_at"), [(0, 0.0), (30, 30.5)])
def test_off_counts_as_lost_feed_after_offduration(offduration, critical_at):
    mon, _ = feed(one(offduration=offduration), (0, "OFF"))
    assert assess(mon, critical_at).critical == ((A, "off"),)
    if critical_at:
        assert not assess(mon, critical_at - 1).shutdown


def test_off_is_ignored_with_negative_offduration():
    mon, _ = feed(one(offduration=-1), (0, "OFF"))
    assert not assess(mon, 1000).shutdown


def test_oblbduration_delays_the_low_battery_verdict():
    mon, _ = feed(one(oblbduration=20), (0, "OB LB"))
    assert not assess(mon, 19).shutdown
    assert assess(mon, 20).shutdown


def test_overload_matters_only_without_communication_and_overduration():
    mon, _ = feed(one(overduration=10), (0, "OL OVER"))
    assert not assess(mon, 100).shutdown
    mon, _ = feed(mon, (101, "OL OVER"), (102, None))
    assert assess(mon, 111.5).critical == ((A, "lost-while-over"),)


def test_alarm_with_lost_communication_depends_on_alarmcritical():
    for flag, expected in ((True, True), (False, False)):
        mon, _ = feed(one(alarmcritical=flag, deadtime=15), (0, "OL ALARM"), (1, None))
        assert assess(mon, 16).shutdown is expected


def test_word_order_quirk_lb_before_ob_keeps_the_old_timer():
    # upsmon updates the timer after each word: "LB OB" after "OB" finds
    # OB+LB already after its first word, so the wait runs from the "OB" poll
    mon, _ = feed(one(primary=False, hostsync=15), (0, "OB"), (10, "LB OB"))
    assert mon.get(A).last_noncrit == 0
    mon2, _ = feed(one(primary=False, hostsync=15), (0, "OB"), (10, "OB LB"))
    assert mon2.get(A).last_noncrit == 10


# -- the power sum --------------------------------------------------------------------


def big_box() -> Monitor:
    return new_monitor(Settings(minsupplies=2),
                       [(f"u{i}@h", 1, True) for i in range(3)])


@pytest.mark.parametrize("lost", [(), (0,), (1,), (2,), (0, 1), (0, 2), (1, 2), (0, 1, 2)])
def test_big_box_survives_one_lost_supply_and_shuts_down_on_two(lost):
    mon = big_box()
    for i in range(3):
        mon = observe_status(mon, f"u{i}@h", "OB LB" if i in lost else "OL", 0).monitor
    verdict = assess(mon, 0)
    assert verdict.power == 3 - len(lost)
    assert verdict.shutdown is (len(lost) >= 2)


def test_monitor_only_ups_never_counts():
    mon = new_monitor(Settings(minsupplies=1), [("feed@h", 1, True), ("other@h", 0, False)])
    mon = observe_status(mon, "other@h", "FSD OB LB", 0).monitor
    assert not assess(mon, 0).shutdown
    mon = observe_status(mon, "feed@h", "OB LB", 0).monitor
    assert assess(mon, 0).shutdown


def test_minsupplies_zero_never_shuts_down():
    mon, _ = feed(one(minsupplies=0), (0, "FSD OB LB"))
    assert not assess(mon, 0).shutdown


def test_power_config_error_when_values_cannot_reach_minsupplies():
    assert power_config_error(new_monitor(Settings(minsupplies=2), [(A, 1, True)]))
    assert power_config_error(new_monitor(Settings(minsupplies=1), [(A, 1, True)])) is None


def test_ups_never_heard_from_counts_as_fed():
    mon = one()
    assert not assess(mon, 1e9).shutdown
    assert mon.get(A).comm == Comm.NEVER


def test_helpers_for_the_primary_and_polling():
    mon = new_monitor(Settings(), [("p@h", 1, True), ("s@h", 1, False)])
    assert primaries(mon) == ("p@h",)
    assert secondaries_gone([1, None]) and not secondaries_gone([1, 2])
    assert wants_alert_polling(observe_status(mon, "p@h", "OB", 0).monitor.get("p@h"))
    assert critical_reason(mon.get("s@h"), mon.settings, 0) is None


def test_secondary_back_from_the_dead_on_battery_keeps_its_old_timer():
    # promoted to OB LB while silent; the real "OB LB" that follows finds the
    # flags already critical, so HOSTSYNC counts from the last good "OB" poll
    mon, _ = feed(one(primary=False, deadtime=5, hostsync=15), (0, "OB"))
    mon = assess(mon, 11).monitor
    mon, _ = feed(mon, (11, "OB LB"))
    assert mon.get(A).last_noncrit == 0
    assert assess(mon, 15.5).critical == ((A, "primary-gave-no-fsd"),)
