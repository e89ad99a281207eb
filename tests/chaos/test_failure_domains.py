"""One failure domain per NUT layer: upsmon's and the web's crash loops never reach upsd.

NUT keeps upsd, upsmon and the CGI programs in separate processes; nutrio keeps
them in separate subtrees (nutrio/tree.py). Here every monitor and the web
actor crash a fraction of a second after each start for a whole minute, while
clients ask upsd for a variable every 50 ms: every request is answered, `nutrio
run` is still running at the end and stops cleanly on SIGTERM.
"""

from __future__ import annotations

import socket
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from bench.chaos import (
    Report,
    check_supervision,
    free_port,
    read_events,
    start_nutrio,
    stop_nutrio,
    wait_port,
    write_config,
)

pytestmark = pytest.mark.e2e

CRASH_LOOP_SECONDS = 60.0
CRASH_LOOPS = """
[chaos]
seed = 3
[[chaos.fault]]
target = "monitor:*"
kind = "crash"
after_seconds = 0.3
[[chaos.fault]]
target = "web"
kind = "crash"
after_seconds = 0.3
"""
WEB = '[web]\nenabled = true\nlisten = "127.0.0.1:0"\n'


class Asker(threading.Thread):
    """Asks upsd for a variable every 50 ms, on a fresh connection each time or on one."""

    def __init__(self, port: int, *, fresh: bool) -> None:
        super().__init__(daemon=True)
        self.port, self.fresh = port, fresh
        self.answers = 0
        self.failures: list[str] = []
        self.halt = threading.Event()

    def run(self) -> None:
        conn: socket.socket | None = None
        while not self.halt.wait(0.05):
            try:
                if conn is None:
                    conn = socket.create_connection(("127.0.0.1", self.port), timeout=2)
                conn.sendall(b"GET VAR doomed ups.status\n")
                reply = conn.recv(512)
                if not reply.startswith(b"VAR doomed ups.status "):
                    self.failures.append(f"{time.time():.2f} {reply!r}")
                self.answers += 1
            except OSError as exc:
                self.failures.append(f"{time.time():.2f} {exc!r}")
                conn = None
            if self.fresh and conn is not None:
                conn.close()
                conn = None


def test_monitor_and_web_crash_loops_leave_upsd_answering_for_a_minute(tmp_path: Path) -> None:
    port = free_port()
    config = write_config(tmp_path, port, chaos=CRASH_LOOPS, extra=WEB)
    proc = start_nutrio(config, tmp_path / "nutrio.log")
    askers = [Asker(port, fresh=True), Asker(port, fresh=False)]
    try:
        wait_port(port, 20)
        for asker in askers:
            asker.start()
        time.sleep(CRASH_LOOP_SECONDS)  # the point is a minute of wall time under crash loops
        still_running = proc.poll() is None
    finally:
        for asker in askers:
            asker.halt.set()
            if asker.is_alive():
                asker.join(5)
        code = stop_nutrio(proc)
    events = read_events(tmp_path / "nutrio.log")
    assert still_running, [e["event"] for e in events][-20:]
    assert code == 0  # SIGTERM: an orderly stop within the deadline
    for asker in askers:
        assert asker.failures == [] and asker.answers > 500, (asker.fresh, asker.failures[:5])
    crashed = Counter((e["supervisor"], e["actor"]) for e in events if e["event"] == "actor.crashed")
    # the loops really ran: each subtree gave up again and again and the root restarted it
    assert crashed[("root", "monitoring")] >= 3 and crashed[("root", "extras")] >= 3, crashed
    assert crashed[("extras", "web")] >= 10, crashed
    assert sum(n for (sup, actor), n in crashed.items() if actor.startswith("monitor:")) >= 10
    gave_up = Counter(e["supervisor"] for e in events if e["event"] == "supervisor.gave_up")
    assert gave_up["root"] == 0 and gave_up["upsd"] == 0 and gave_up["drivers"] == 0, gave_up
    assert not any(e["actor"].startswith("listener:") for e in events
                   if e["event"] == "actor.crashed"), "upsd crashed"
    report = Report(seed=3, duration=CRASH_LOOP_SECONDS)
    check_supervision(events, report, end=time.time())
    assert report.violations == [], report.summary()
