"""`nutrio run` as root with run_as_user: only the shutdown helper keeps uid 0.

The power fails in a dummy-ups .seq file; nutrio's own monitor (primary, on
its own upsd) decides to shut down and the root helper runs the test
SHUTDOWNCMD, which records the uid it ran as.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.realnut import free_port

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root to drop privileges"),
]


def uids(pid: int) -> list[int]:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Uid:"):
            return [int(x) for x in line.split()[1:]]
    raise AssertionError("no Uid line")


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def wait_until(predicate, timeout: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def _start(config: Path, log: Path) -> subprocess.Popen[bytes]:
    """`nutrio run` as root on *config* (world-readable: the dropped tree re-reads it)."""
    config.chmod(0o644)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "nutrio", "run", "--config", str(config),
                             "--log-format", "json"], env=env, cwd="/",
                            stdout=subprocess.DEVNULL, stderr=log.open("wb"))


@pytest.fixture
def world() -> Iterator[Path]:
    # world-readable: the unprivileged nutrio must still read the .seq file
    base = Path(tempfile.mkdtemp(prefix="nutrio-privsep-"))
    base.chmod(0o755)
    try:
        yield base
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_nutrio_run_keeps_root_only_in_the_helper_and_shuts_down_once(world: Path):
    port = free_port()
    record = world / "shutdowns"
    script = world / "shutdown.sh"
    script.write_text(f"#!/bin/sh\nid -u >> {record}\n")
    script.chmod(0o755)
    (world / "ups.seq").write_text("ups.status: OL\nTIMER 4\nups.status: OB LB DISCHRG\n"
                                   "TIMER 100000\n")
    (world / "ups.seq").chmod(0o644)
    config = world / "nutrio.toml"
    config.write_text(f"""
[server]
listen = ["127.0.0.1:{port}"]
[devices.ups]
driver = "dummy-ups"
port = "ups.seq"
[users.monuser]
password = "pass"
upsmon = "primary"
[monitor]
shutdowncmd = "{script}"
powerdownflag = "{world / 'killpower'}"
run_as_user = "nobody"
pollfreq = 1
pollfreqalert = 1
finaldelay = 0
[[monitor.ups]]
system = "ups@127.0.0.1:{port}"
user = "monuser"
password = "pass"
role = "primary"
""")
    proc = _start(config, world / "log")
    try:
        assert wait_until(lambda: uids(proc.pid)[0] != 0, 10), "nutrio never dropped root"
        helpers = children(proc.pid)
        assert len(helpers) == 1
        assert uids(proc.pid) == [65534] * 4  # nobody: real, effective, saved, fs
        assert uids(helpers[0]) == [0] * 4
        assert wait_until(record.exists, 20), (world / "log").read_text()[-3000:]
        time.sleep(2)  # anything more would show up now
        assert record.read_text().split() == ["0"]  # once, as root
        assert (world / "killpower").exists()
        assert wait_until(lambda: not Path(f"/proc/{helpers[0]}").exists()
                          or "Z" in Path(f"/proc/{helpers[0]}/stat").read_text().split(")")[1][:3],
                          5)
        assert proc.poll() is None  # nutrio itself keeps serving
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_a_root_owned_statepath_is_handed_to_run_as_user(world: Path):
    """systemd's RuntimeDirectory belongs to root (0700): the dropped tree must still put
    its control socket there, so `nutrio drivers status` reaches the service."""
    port = free_port()
    state = world / "run"
    state.mkdir(mode=0o700)
    (world / "ups.dev").write_text("ups.status: OL\n")
    (world / "ups.dev").chmod(0o644)
    config = world / "nutrio.toml"
    config.write_text(f"""
[server]
listen = ["127.0.0.1:{port}"]
statepath = "{state}"
[devices.ups]
driver = "dummy-ups"
port = "ups.dev"
[users.monuser]
password = "pass"
upsmon = "primary"
[monitor]
shutdowncmd = "/bin/true"
run_as_user = "nobody"
[[monitor.ups]]
system = "ups@127.0.0.1:{port}"
user = "monuser"
password = "pass"
role = "primary"
""")
    log = world / "log"
    proc = _start(config, log)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    try:
        assert wait_until((state / "nutrio.ctl").exists, 15), log.read_text()[-3000:]
        status = subprocess.run([sys.executable, "-m", "nutrio", "drivers", "status",
                                 "--config", str(config)], env=env, capture_output=True,
                                text=True, timeout=30)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)
    assert state.stat().st_uid == 65534
    assert status.returncode == 0 and "running" in status.stdout, status.stderr
    assert "Traceback" not in log.read_text()
