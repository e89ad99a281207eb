"""protocol.upsmon.state against a reference model written from upsmon's documentation.

The model keeps, per UPS, the last status and a few times, and decides in
one function what upsmon.conf(5) and upsmon(8) describe: FSD; OB+LB (at
once for a primary, after HOSTSYNC for a secondary, after OBLBDURATION when
set); silent past DEADTIME while last seen on battery (promoted to OB+LB),
calibrating, on bypass, OFF or in ALARM; OFF past OFFDURATION; overloaded
and silent past OVERDURATION. The shutdown is the power sum of the others
below MINSUPPLIES.

Generated statuses keep the driver's word order (OB/OL before LB) and never
put LB with OL or CAL: there upsmon's per-word timer has quirks that
test_upsmon.py pins down one by one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from hypothesis import given, settings
from hypothesis import strategies as st

from nutrio.protocol.upsmon.critical import assess
from nutrio.protocol.upsmon.state import Settings, new_monitor, observe_failure, observe_status

STATUSES = [
    "OL", "OL CHRG", "OB", "OB DISCHRG", "OB LB", "OB LB DISCHRG", "FSD OL", "FSD OB LB",
    "OL CAL", "OB CAL", "OL BYPASS", "OFF", "OL OFF", "OL ALARM", "OB ALARM", "OL OVER",
    "OB OVER", "OL RB", "OL TRIM", "OB BOOST", "",
]


@dataclass
class RefUps:
    pv: int
    primary: bool
    words: frozenset[str] = frozenset()  # last good status
    text: str = ""
    line: str | None = None  # the last OL/OB seen
    lb: bool = False  # LB flag: in the last status, or promoted
    good_at: float = -math.inf
    lost: bool = False  # the last poll failed
    noncrit_at: float = -math.inf
    off_since: float = -math.inf

    def critlike(self) -> bool:
        return self.line == "OB" and self.lb and "CAL" not in self.text


@dataclass
class Ref:
    s: Settings
    ups: list[RefUps] = field(default_factory=list)

    def status(self, u: RefUps, text: str, now: float) -> None:
        if not text:
            u.lost = True
            return
        # upsmon drops a vanished CAL before it reads the words, so only OB+LB count here
        before = u.line == "OB" and u.lb
        words = frozenset(text.split())
        if "OFF" in text and "OFF" not in u.text:
            u.off_since = now
        u.text, u.words, u.good_at, u.lost = text, words, now, False
        for w in text.split():
            if w in ("OL", "OB"):
                u.line = w
        u.lb = "LB" in text
        if not (before and u.critlike()):
            u.noncrit_at = now

    def critical(self, u: RefUps, now: float) -> bool:
        s, text = self.s, u.text
        dead = now - u.good_at > s.deadtime
        if dead and u.line == "OB":
            u.lb = True  # promotion sticks until the next good status
        if "FSD" in text:
            return True
        if u.lost:
            silent = now - u.good_at
            if "OVER" in u.words and s.overduration >= 0 and silent > s.overduration:
                return True
            if dead and ("CAL" in text or "BYPASS" in text
                         or ("OFF" in text and s.offduration >= 0)
                         or ("ALARM" in u.words and s.alarmcritical)):
                return True
        off_for = now - u.off_since
        if "OFF" in text and s.offduration >= 0 and (s.offduration == 0 or off_for > s.offduration):
            return True
        if not u.critlike():
            return False
        lasted = now - u.noncrit_at
        if s.oblbduration > 0 and lasted < s.oblbduration:
            return False
        return u.primary or lasted > s.hostsync

    def shutdown(self, now: float) -> bool:
        fed = sum(u.pv for u in self.ups if not self.critical(u, now))
        return fed < self.s.minsupplies


durations = st.sampled_from([-1.0, 0.0, 10.0, 30.0])
setting_values = st.builds(
    Settings,
    minsupplies=st.integers(0, 4),
    deadtime=st.sampled_from([5.0, 15.0, 25.0]),
    hostsync=st.sampled_from([0.0, 10.0, 15.0]),
    offduration=durations,
    oblbduration=st.sampled_from([0.0, 5.0, 20.0]),
    overduration=durations,
    alarmcritical=st.booleans(),
)
upses = st.lists(st.tuples(st.integers(0, 2), st.booleans()), min_size=1, max_size=4)
events = st.lists(
    st.tuples(st.sampled_from([0.0, 1.0, 5.0, 11.0, 16.0, 31.0]),  # time step
              st.integers(0, 3),  # which UPS
              st.one_of(st.none(), st.sampled_from(STATUSES))),  # None: just recalc
    max_size=40,
)


@settings(max_examples=400, deadline=None)
@given(setting_values, upses, events)
def test_shutdown_decision_matches_the_reference_model(s, ups, evs):
    names = [f"u{i}@h" for i in range(len(ups))]
    mon = new_monitor(s, [(n, pv, primary) for n, (pv, primary) in zip(names, ups, strict=True)])
    ref = Ref(s, [RefUps(pv=pv, primary=primary) for pv, primary in ups])
    now = 0.0
    for dt, index, status in evs:
        now += dt
        i = index % len(ups)
        if status is not None:
            step = (observe_status(mon, names[i], status, now) if status
                    else observe_failure(mon, names[i], now))
            mon = step.monitor
            ref.status(ref.ups[i], status, now)
        verdict = assess(mon, now)
        mon = verdict.monitor
        assert verdict.shutdown == ref.shutdown(now), (now, [(u.text, u.lost) for u in ref.ups])
        critical = {name for name, _ in verdict.critical}
        assert critical == {n for n, u in zip(names, ref.ups, strict=True) if ref.critical(u, now)}


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["OL", "OB", "OB LB", "FSD OB LB", "lost"]), min_size=3,
                max_size=3))
def test_big_box_with_minsupplies_two_needs_two_fed_supplies(states):
    """3 UPSes, one supply each, MINSUPPLIES 2: down only when two are lost."""
    s = Settings(minsupplies=2, deadtime=15)
    names = ["a@h", "b@h", "c@h"]
    mon = new_monitor(s, [(n, 1, True) for n in names])
    for name, state in zip(names, states, strict=True):
        mon = observe_status(mon, name, "OB" if state == "lost" else state, 0).monitor
        if state == "lost":
            mon = observe_failure(mon, name, 5).monitor
        else:  # the others keep answering
            mon = observe_status(mon, name, state, 12).monitor
    lost = sum(state in ("OB LB", "FSD OB LB", "lost") for state in states)
    lost_now = sum(state in ("OB LB", "FSD OB LB") for state in states)
    assert assess(mon, 10).shutdown is (lost_now >= 2)  # silent ones not yet dead
    assert assess(mon, 16).shutdown is (lost >= 2)  # past DEADTIME
