"""The chaos suite: `nutrio run` under load while a seeded plan crashes, freezes and drops.

The CI version of ``python -m bench.chaos`` (same harness, 22 s instead of
minutes), plus the pieces that make it trustworthy: the checks catch each
kind of violation they claim to, a give-up happens only past the intensity,
and the same seed gives the same faults.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import trio
import trio.testing
from structlog.testing import capture_logs

from bench.chaos import (
    Outages,
    Report,
    Seen,
    check_clients,
    check_shutdown,
    check_supervision,
    free_port,
    make_plan,
    plan_toml,
    read_events,
    run_chaos,
    start_nutrio,
    stop_nutrio,
    write_config,
)
from nutrio import conf
from nutrio.supervisor import ChildSpec, Supervisor, current_child
from nutrio.supervisor.chaos import Chaos, ChaosPlan, FaultSpec
from nutrio.tree import Tree, chaos_from_config

CI_SEED = 7
CI_DURATION = 22.0


@pytest.mark.e2e
def test_chaos_run_under_load_keeps_every_invariant(tmp_path: Path) -> None:
    report = run_chaos(tmp_path, seed=CI_SEED, duration=CI_DURATION)
    print(report.summary())  # shown with -s, and in the failure output
    assert report.violations == [], report.summary()
    # the faults really bit: otherwise "0 violations" proves nothing
    assert report.faults["crash"] >= 6 and report.faults["freeze"] >= 1, report.summary()
    assert report.faults["drop"] >= 1 and report.faults["delay"] >= 1, report.summary()
    assert report.restarts >= 6, report.summary()
    assert report.errors["DRIVER-NOT-CONNECTED"] > 0, report.summary()
    assert report.errors["DATA-STALE"] > 0, report.summary()  # the frozen driver
    assert report.errors["connection"] > 0, report.summary()  # the listener crash
    assert any(a.startswith("listener:") for a in report.fault_sequence), report.summary()
    assert any(a.startswith("monitor:") or a == "upsmon" for a in report.fault_sequence)
    assert len(report.shutdowns) == 1, report.summary()


@pytest.mark.e2e
def test_a_crash_loop_in_upsd_gives_up_past_the_intensities_and_nutrio_exits(
        tmp_path: Path) -> None:
    port = free_port()
    crash_loop = (f'[chaos]\nseed = 1\n[[chaos.fault]]\ntarget = "listener:127.0.0.1:{port}"\n'
                  'kind = "crash"\nafter_seconds = 0.05\n')
    proc = start_nutrio(write_config(tmp_path, port, chaos=crash_loop), tmp_path / "nutrio.log")
    try:
        code = proc.wait(60)
    finally:
        stop_nutrio(proc)
    assert code != 0  # escalated: crash-only, the service manager starts it again
    events = read_events(tmp_path / "nutrio.log")
    report = Report(seed=1, duration=0)
    check_supervision(events, report, end=time.time())
    assert report.violations == [], report.summary()
    gave_up = [e["supervisor"] for e in events if e["event"] == "supervisor.gave_up"]
    assert gave_up == ["upsd"] * 4 + ["root"], gave_up  # root intensity 3: the 4th gives up
    root_gave_up = next(e for e in events if e["event"] == "supervisor.gave_up"
                        and e["supervisor"] == "root")
    crashes = [e for e in events if e["event"] == "actor.crashed" and e["supervisor"] == "upsd"
               and e["at"] <= root_gave_up["at"]]
    assert len(crashes) == 4 * 6  # upsd intensity 5: its 6th crash gives up
    assert [e["event"] for e in events][-1] == "nutrio.gave_up"  # one clean last line, exit 1
    assert code == 1


# -- the checks can fail -------------------------------------------------------------


def _event(name: str, at: float, actor: str = "driver:c1", **fields: object) -> dict[str, object]:
    return {"event": name, "at": at, "actor": actor, "supervisor": "drivers", **fields}


def test_check_flags_a_slow_restart_and_a_restart_that_never_came() -> None:
    events = [
        _event("actor.crashed", 10.0), _event("actor.restarting", 10.0, delay=0.1),
        _event("actor.started", 14.0),
        _event("actor.crashed", 20.0, actor="driver:c2"),
        _event("actor.restarting", 20.0, actor="driver:c2", delay=0.1),
    ]
    report = Report(seed=0, duration=0)
    check_supervision(events, report, end=30.0)
    assert len(report.violations) == 2, report.violations
    assert report.recoveries == [4.0]


def test_check_flags_a_give_up_within_the_intensity() -> None:
    events = [_event("actor.crashed", 1.0), _event("supervisor.gave_up", 1.0, actor="driver:c1")]
    report = Report(seed=0, duration=0)
    check_supervision(events, report, end=2.0)
    assert any("gave up after 1 crashes" in v for v in report.violations), report.violations


def test_check_flags_an_older_value_stale_data_and_a_silent_ups() -> None:
    outages = Outages()
    outages.frozen["driver:c2"].append((100.0, 104.0))
    seen = [
        Seen(100.0, 0, "c1", "ups.load", value="5"),
        Seen(100.5, 0, "c1", "ups.load", value="4"),  # went back
        Seen(102.0, 0, "c2", "ups.load", error="DATA-STALE"),  # frozen: fine
        Seen(110.0, 0, "c3", "ups.load", error="DATA-STALE"),  # nothing explains it
        Seen(110.1, 0, "c3", "ups.load", error="DRIVER-NOT-CONNECTED"),
        Seen(110.2, 0, "*", "*", error="connection: ConnectionResetError"),
        Seen(120.0, 0, "c1", "ups.load", value="9"),  # 19.5 s without c1
    ]
    report = Report(seed=0, duration=0)
    check_clients(seen, outages, report, since=100.0)
    text = "\n".join(report.violations)
    assert "went back 5 -> 4" in text
    assert "c3: DATA-STALE" in text and "c3: DRIVER-NOT-CONNECTED" in text
    assert "with the listener up" in text
    assert "no answer for c1" in text
    assert "c2" not in text


def test_check_flags_a_spurious_and_a_repeated_shutdown() -> None:
    spurious = Report(seed=0, duration=0)
    check_shutdown([("shutdown", "-", 5.0)], owed_at=None, report=spurious, end=50.0)
    assert spurious.violations == ["spurious shutdown: none was owed"]
    twice = Report(seed=0, duration=0)
    check_shutdown([("shutdown", "-", 12.0), ("shutdown", "-", 13.0)], owed_at=10.0,
                   report=twice, end=50.0)
    assert twice.violations == ["owed shutdown ran 2 times, not once"]


# -- reproducible -------------------------------------------------------------------


def test_same_seed_makes_the_same_plan_and_a_valid_chaos_table() -> None:
    assert make_plan(5, 22, 3493) == make_plan(5, 22, 3493)
    assert make_plan(5, 22, 3493) != make_plan(6, 22, 3493)
    loaded = conf.loads(f'[server]\nlisten = ["127.0.0.1:3493"]\n{plan_toml(5, make_plan(5, 22, 3493))}')
    assert loaded.chaos is not None and len(loaded.chaos.faults) == len(make_plan(5, 22, 3493))


async def _fault_sequence(seed: int) -> list[tuple[float, str, str]]:
    """Two pollers under a dice-driven plan, for 30 virtual seconds."""
    chaos = Chaos(ChaosPlan(seed=seed, faults=(
        FaultSpec(target="driver:*", kind="crash", probability=0.05),
        FaultSpec(target="driver:b", kind="delay", delay=0.5, probability=0.2),
        FaultSpec(target="listener:*", kind="crash", after_seconds=4.0, times=3),
    )))

    async def poller(*, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        task_status.started()
        while True:
            await current_child().before_poll()
            await trio.sleep(0.1)

    began = trio.current_time()
    sup = Supervisor("top", intensity=1000, period=1.0, chaos=chaos)
    children = [ChildSpec(i, poller) for i in ("driver:a", "driver:b", "listener:x")]
    def stamp(_logger: object, _name: str, event: dict[str, object]) -> dict[str, object]:
        event["now"] = trio.current_time()
        return event

    with capture_logs(processors=[stamp]) as logs:
        with trio.move_on_after(30):
            await sup.run(children)
    return [(round(e["now"] - began, 6), e["actor"], e["kind"])
            for e in logs if e["event"] == "chaos.injected"]


def _per_actor(sequence: list[tuple[float, str, str]]) -> dict[str, list[tuple[float, str]]]:
    """Each actor's faults in order; actors' faults at one instant interleave freely."""
    out: dict[str, list[tuple[float, str]]] = {}
    for at, actor, kind in sequence:
        out.setdefault(actor, []).append((at, kind))
    return out


async def test_same_seed_gives_the_same_fault_sequence(autojump_clock: trio.testing.MockClock) -> None:
    first = await _fault_sequence(11)
    again = await _fault_sequence(11)
    other = await _fault_sequence(12)
    assert len(first) > 10
    # Trio shuffles the order of ready tasks on purpose; each actor's faults
    # (what, and when on the clock) must still replay exactly
    assert _per_actor(first) == _per_actor(again)
    assert _per_actor(first) != _per_actor(other)


# -- regression: chaos reached only the drivers under `nutrio run` ---------------------


def test_the_tree_hands_its_chaos_to_the_root_children_too() -> None:
    config = conf.loads('[server]\nlisten = ["127.0.0.1:3493"]\n'
                        '[chaos]\nseed = 3\n[[chaos.fault]]\ntarget = "listener:*"\n'
                        'kind = "crash"\nafter_seconds = 1.0\n')
    chaos = chaos_from_config(config.chaos)
    tree = Tree(config, (), chaos)
    assert tree.root.chaos is chaos and tree.drivers.chaos is chaos
    assert tree.root.chaos.timer_faults("listener:127.0.0.1:3493") == ((0, 1.0),)

