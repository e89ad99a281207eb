"""A driver that polls less often than upsd's MAXAGE stays fresh, as in the real NUT.

NUT's upsd pings a quiet driver after a third of MAXAGE and the driver answers
between its polls, so a dummy-ups with ``pollinterval`` well above MAXAGE is
never DATA-STALE. nutrio's actor vouches for its data the same way. Both
sides run the same dump with MAXAGE 3 and pollinterval 7; upsc asks both
every half second for two poll cycles.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.paths import DATA, ROOT
from tests.realnut import free_port, real_nut, requires_real_nut, wait_port

pytestmark = [pytest.mark.e2e, requires_real_nut]

DUMP = DATA / "ddl" / "APC__APC__Smart-UPS_1000__snmp-ups__2.7.4__01.dev"
MAXAGE, POLLINTERVAL = 3, 7


def _status(port: int, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(["upsc", f"ups1@127.0.0.1:{port}", "ups.status"],
                          capture_output=True, text=True, env=env, timeout=10)
    return (done.stdout or done.stderr).strip()


def _nutrio(tmp: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    (tmp / DUMP.name).write_bytes(DUMP.read_bytes())
    config = tmp / "nutrio.toml"
    config.write_text(
        f'[server]\nlisten = ["127.0.0.1:{port}"]\nmaxage = {MAXAGE}\n\n'
        f'[devices.ups1]\ndriver = "dummy-ups"\nport = "{DUMP.name}"\n'
        f"pollinterval = {POLLINTERVAL}\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "nutrio", "run", "--config", str(config), "--log-format", "json"],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    wait_port(port, timeout=20)
    return proc, port


def test_pollinterval_above_maxage_never_reads_data_stale(tmp_path: Path) -> None:
    proc, port = _nutrio(tmp_path)
    try:
        with real_nut({"ups1": DUMP}, ups_extra={"ups1": f"    pollinterval = {POLLINTERVAL}"},
                      upsd_extra=f"MAXAGE {MAXAGE}") as nut:
            seen: list[tuple[float, str, str]] = []
            started = time.monotonic()
            while (elapsed := time.monotonic() - started) < 2 * POLLINTERVAL:
                seen.append((round(elapsed, 1), _status(nut.port, nut.env), _status(port)))
                time.sleep(0.5)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
    real = {r for _, r, _ in seen}
    assert real == {"OB"}, seen  # the oracle: the real driver is never stale (the dump is on battery)
    assert [n for _, _, n in seen] == [r for _, r, _ in seen], seen
