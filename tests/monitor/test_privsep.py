"""The root shutdown helper for real: only it keeps uid 0, it runs SHUTDOWNCMD once.

Runs as root (the test machine does): a stand-in main process starts the
helper, drops to ``nobody`` and then talks to it through the pipe.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from nutrio.protocol.upsmon.shutdown_pipe import SDMAGIC
from tests.procs import wait_until

ROOT = Path(__file__).resolve().parents[2]
MAIN = Path(__file__).with_name("privsep_main.py")

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root to drop privileges")


def uids(pid: int) -> list[int]:
    """Real, effective, saved and filesystem uid from /proc/<pid>/status."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Uid:"):
            return [int(x) for x in line.split()[1:]]
    raise AssertionError("no Uid line")


def gone(pid: int, timeout: float = 10.0) -> bool:
    def exited() -> bool:
        try:
            return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] == "Z"
        except FileNotFoundError:
            return True

    return wait_until(exited, timeout)


class Main:
    def __init__(self, tmp: Path) -> None:
        self.record = tmp / "shutdowns.log"
        self.flag = tmp / "killpower"
        script = tmp / "shutdown.sh"
        script.write_text(f"#!/bin/sh\nid -u >> {self.record}\n")
        script.chmod(0o755)
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.proc = subprocess.Popen(
            [sys.executable, str(MAIN), "nobody", str(script), str(self.flag)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env, cwd="/")
        self.hello = self.read()
        self.helper = int(self.hello["helper"])

    def read(self) -> dict[str, object]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        assert line, "main process died"
        return json.loads(line) if line.startswith("{") else {"text": line.strip()}

    def say(self, command: str) -> dict[str, object]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        return self.read() if command != "exit" else {}

    def shutdowns(self) -> list[str]:
        return self.record.read_text().split() if self.record.exists() else []

    def stop(self) -> None:
        for pid in (self.proc.pid, self.helper):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait(5)


@pytest.fixture
def main(tmp_path: Path) -> Iterator[Main]:
    tmp_path.chmod(0o755)
    m = Main(tmp_path)
    try:
        yield m
    finally:
        m.stop()


def test_only_the_helper_keeps_root_and_it_shuts_down_exactly_once(main: Main):
    nobody = 65534
    assert uids(main.proc.pid) == [nobody] * 4
    assert uids(main.helper) == [0] * 4
    assert main.say("alive") == {"alive": True}
    main.say("shutdown")
    assert gone(main.helper)
    assert main.shutdowns() == ["0"]  # ran once, as root, although asked twice
    assert main.flag.read_text() == SDMAGIC
    assert main.say("alive") == {"alive": False}


def test_garbage_on_the_pipe_makes_the_helper_exit_without_shutting_down(main: Main):
    main.say("garbage")
    assert gone(main.helper)
    assert main.shutdowns() == []
    assert not main.flag.exists()
    main.say("shutdown")  # too late: nobody listens any more
    assert main.shutdowns() == []


def test_helper_exits_without_shutdown_when_the_main_process_dies(main: Main):
    child = int(main.say("spawn")["child"])  # a child of ours must not keep the pipe open
    os.kill(main.proc.pid, signal.SIGKILL)
    try:
        assert gone(main.helper)
        assert not gone(child, timeout=0.2)
    finally:
        os.kill(child, signal.SIGKILL)
    assert main.shutdowns() == []


def test_old_powerdown_flag_is_cleared_at_start_only_when_it_is_ours(tmp_path: Path):
    tmp_path.chmod(0o755)
    (tmp_path / "killpower").write_text(SDMAGIC)
    m = Main(tmp_path)
    try:
        assert not m.flag.exists()
    finally:
        m.stop()
    m.flag.write_text("precious data")
    m = Main(tmp_path)
    try:
        assert m.flag.read_text() == "precious data"
    finally:
        m.stop()
