"""`nutrio run` as root with run_as_user: only the shutdown helper keeps uid 0.

The power fails in a dummy-ups .seq file; nutrio's own monitor (primary, on
its own upsd) decides to shut down and the root helper runs the test
SHUTDOWNCMD, which records the uid it ran as.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.nutriorun import nutrio_env, start_nutrio, start_on_free_port
from tests.procs import Proc, wait_until

#: where the port goes in a config: the port is known once nutrio could bind it
PORT = "@PORT@"

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root to drop privileges"),
    pytest.mark.e2e,
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


def _start(config: Path, text: str) -> Proc:
    """`nutrio run` as root on *text* written to *config* with its port in place of
    PORT (world-readable: the dropped tree re-reads it); ready."""
    def launch(port: int) -> Proc:
        config.write_text(text.replace(PORT, str(port)))
        config.chmod(0o644)
        return start_nutrio(config, listen=None, cwd=Path("/"))

    return start_on_free_port(launch)


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
    record = world / "shutdowns"
    script = world / "shutdown.sh"
    script.write_text(f"#!/bin/sh\nid -u >> {record}\n")
    script.chmod(0o755)
    (world / "ups.seq").write_text("ups.status: OL\nTIMER 4\nups.status: OB LB DISCHRG\n"
                                   "TIMER 100000\n")
    (world / "ups.seq").chmod(0o644)
    proc = _start(world / "nutrio.toml", f"""
[server]
listen = ["127.0.0.1:{PORT}"]
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
system = "ups@127.0.0.1:{PORT}"
user = "monuser"
password = "pass"
role = "primary"
""")
    try:
        assert wait_until(lambda: uids(proc.pid)[0] != 0, 10), "nutrio never dropped root"
        helpers = children(proc.pid)
        assert len(helpers) == 1
        assert uids(proc.pid) == [65534] * 4  # nobody: real, effective, saved, fs
        assert uids(helpers[0]) == [0] * 4
        assert wait_until(record.exists, 20), proc.stderr()[-3000:]
        time.sleep(2)  # anything more would show up now
        assert record.read_text().split() == ["0"]  # once, as root
        assert (world / "killpower").exists()
        assert wait_until(lambda: not Path(f"/proc/{helpers[0]}").exists()
                          or "Z" in Path(f"/proc/{helpers[0]}/stat").read_text().split(")")[1][:3],
                          5)
        assert proc.alive()  # nutrio itself keeps serving
    finally:
        proc.stop()


def test_a_root_owned_statepath_is_handed_to_run_as_user(world: Path):
    """systemd's RuntimeDirectory belongs to root (0700): the dropped tree must still put
    its control socket there, so `nutrio drivers status` reaches the service."""
    state = world / "run"
    state.mkdir(mode=0o700)
    (world / "ups.dev").write_text("ups.status: OL\n")
    (world / "ups.dev").chmod(0o644)
    config = world / "nutrio.toml"
    proc = _start(config, f"""
[server]
listen = ["127.0.0.1:{PORT}"]
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
system = "ups@127.0.0.1:{PORT}"
user = "monuser"
password = "pass"
role = "primary"
""")
    try:
        assert wait_until((state / "nutrio.ctl").exists, 15), proc.stderr()[-3000:]
        status = subprocess.run([sys.executable, "-m", "nutrio", "drivers", "status",
                                 "--config", str(config)], env=nutrio_env(), capture_output=True,
                                text=True, timeout=30)
    finally:
        proc.stop()
    assert state.stat().st_uid == 65534
    assert status.returncode == 0 and "running" in status.stdout, status.stderr
    assert "Traceback" not in proc.stderr()
