"""Crash-only: kill -9 the whole `nutrio run` and start it again.

It must come back on the same port (past the dead run's control socket),
its drivers serve again, a client loop sees errors only during the gap,
the monitors log in again, and the upslog stats file keeps one line per
interval: no line torn, lost or written twice, except the interval in which
no process ran.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from itertools import pairwise
from pathlib import Path

import pytest

from bench.chaos import (
    SLACK,
    UPSES,
    Client,
    Feeder,
    free_port,
    read_calls,
    read_events,
    start_nutrio,
    stop_nutrio,
    wait_port,
    write_config,
)
from tests.procs import wait_until

pytestmark = pytest.mark.e2e

RUN = 4.0  # seconds of each incarnation
INTERVAL = 1.0  # the stats log's interval


def _stats_lines(path: Path) -> list[dict[str, object]]:
    lines = path.read_text().splitlines()
    return [json.loads(line) for line in lines]  # a torn line would not parse


def test_kill_9_of_the_whole_run_and_a_restart_lose_only_the_gap(tmp_path: Path) -> None:
    port = free_port()
    stats = tmp_path / "stats.jsonl"
    entry = f'[[log.entry]]\nups = "c1"\ninterval = {INTERVAL}\nformat = "jsonl"\nfile = "{stats}"\n'
    config = write_config(tmp_path, port, extra=entry)
    feeder = Feeder(tmp_path, fail_at=None)
    halt = threading.Event()
    client = Client(0, port, halt)
    first = start_nutrio(config, tmp_path / "first.log")
    second = None
    try:
        wait_port(port, 20)
        feeder.start()
        client.start()
        time.sleep(RUN)
        # the first incarnation must have logged before it dies, or there is no gap to
        # find: on a loaded machine its first stats line came after RUN seconds
        assert wait_until(lambda: stats.exists() and stats.read_text().count("\n") >= 2,
                          timeout=20), "the first run never logged"
        killed_at = time.time()
        os.killpg(first.pid, signal.SIGKILL)  # the process and anything it started
        first.wait()
        time.sleep(1.0)
        restarted_at = time.time()
        second = start_nutrio(config, tmp_path / "second.log")
        wait_port(port, 20)
        ready_at = time.time()
        time.sleep(RUN)
        halt.set()
        client.join(10)
    finally:
        halt.set()
        feeder.halt.set()
        code = stop_nutrio(second) if second is not None else None
        stop_nutrio(first)
    assert first.returncode == -signal.SIGKILL
    assert code == 0  # the second run stops cleanly

    # it came back: every driver and monitor started, nothing crashed
    events = read_events(tmp_path / "second.log")
    names = [e["event"] for e in events]
    assert "nutrio.ready" in names and "actor.crashed" not in names
    started = {e["actor"] for e in events if e["event"] == "actor.started" and "supervisor" in e}
    assert {f"driver:{u}" for u in UPSES} <= started
    logged_in = {e["actor"] for e in events if e["event"] == "monitor.logged_in"}
    assert logged_in == {f"monitor:doomed@127.0.0.1:{port}", f"monitor:flappy@127.0.0.1:{port}"}

    # the client: errors only between the kill and the restart, then answers for every UPS
    errors = [s for s in client.seen if s.error is not None]
    assert errors, "the kill went unnoticed"
    assert all(killed_at - 0.1 <= s.at <= ready_at + SLACK for s in errors), errors
    late = [s for s in client.seen if s.at > ready_at + SLACK]
    assert {s.ups for s in late if s.value is not None} == set(UPSES)
    assert client.connects >= 2

    # the stats log: one parseable line per interval, strictly increasing, one gap
    lines = _stats_lines(stats)
    epochs = [float(line["epoch"]) for line in lines]  # type: ignore[arg-type]
    assert all(b > a for a, b in pairwise(epochs)), epochs  # no duplicate
    # the gap is the step across the kill: with bytecode cached, nutrio starts in well
    # under half a second, so that step can be as short as 1.4 s (1 s dead, then start)
    gaps = [(a, b) for a, b in pairwise(epochs) if a <= killed_at < b]
    assert len(gaps) == 1, (gaps, killed_at, epochs)
    before, after = gaps[0]
    others = [b - a for a, b in pairwise(epochs) if (a, b) != (before, after)]
    assert all(step < INTERVAL + 0.5 for step in others), (others, epochs)  # no other gap
    print(f"crash-only restart: back {ready_at - killed_at:.2f} s after the kill "
          f"(1 s dead, then start-up {ready_at - restarted_at:.2f} s); client errors {len(errors)} "
          f"from +{errors[0].at - killed_at:.2f} to +{errors[-1].at - killed_at:.2f} s; "
          f"stats lines {len(lines)}, one gap of {after - before:.2f} s, "
          f"other intervals {min(b - a for a, b in pairwise(epochs)):.3f}"
          f"..{max(b - a for a, b in pairwise(epochs) if (a, b) != (before, after)):.3f} s")
    assert before <= killed_at and after >= restarted_at  # the gap is the dead interval
    assert after - ready_at < INTERVAL + SLACK  # the restarted logger wrote at once
    assert all(b - a > INTERVAL - 0.5 for a, b in pairwise(epochs))  # none bunched up
    assert sum(e < killed_at for e in epochs) >= RUN - 1
    assert sum(e > restarted_at for e in epochs) >= RUN - 1
    assert {line["state"] for line in lines} == {"ok"}
    assert not [c for c in read_calls(tmp_path / "calls") if c[0] == "shutdown"]
