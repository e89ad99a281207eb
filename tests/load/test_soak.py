"""60-second soak of `nutrio run`: mixed traffic, random disconnects, flat memory.

bench/soak.py runs the same for as long as asked (default 600 s). The
seconds can be changed here with NUTRIO_SOAK_SECONDS.
"""

from __future__ import annotations

import json
import os
import time

import pytest

from bench.soak import memory_ok, soak
from tests.load.loadkit import nutrio_served

pytestmark = pytest.mark.load

SECONDS = float(os.environ.get("NUTRIO_SOAK_SECONDS", "60"))


def test_sixty_second_soak_serves_everything_without_errors_or_memory_growth(tmp_path):
    with nutrio_served(tmp_path, fds=1000) as served:
        report = soak(served.port, seconds=SECONDS, conns=100, seed=7, think=0.005, cmd_rate=200,
                      pid=served.pid)
        time.sleep(0.5)
        crashes = served.crashes()
        refused = served.events("request.refused")
    print("\nsoak:", json.dumps(report))
    assert report["errors"] == 0, report["error_samples"]
    assert not crashes
    assert not refused and report["refused"] == 0  # 200 commands/s: the driver keeps up
    assert report["requests"] > 1000
    assert all(report["by_kind"].get(k, 0) > 0 for k in ("GET", "LIST", "SET", "INSTCMD"))
    assert report["reconnects"] > 0 and report["vanished"] > 0
    assert memory_ok(report), report
