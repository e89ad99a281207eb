"""Failures an operator meets at start: one line on stderr, exit status 1, nothing started.

A port another program holds, a second `nutrio run` of the same configuration, a
device file that is not there (issue 14).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.nutriorun import start_nutrio, wait_ready
from tests.paths import ROOT
from tests.procs import wait_until

pytestmark = pytest.mark.e2e

NUTRIO = [sys.executable, "-m", "nutrio"]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def _config(tmp_path: Path, listen: list[str], *, extra: str = "", port_file: str = "ups.dev",
            write_dev: bool = True) -> Path:
    if write_dev:
        (tmp_path / "ups.dev").write_text("ups.status: OL\n")
    config = tmp_path / "nutrio.toml"
    config.write_text(
        f'[server]\nlisten = {json.dumps(listen)}\nstatepath = "{tmp_path}"\n{extra}\n'
        f'[devices.ups]\ndriver = "dummy-ups"\nport = "{port_file}"\n')
    return config


def _run_until_exit(config: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*NUTRIO, "run", "--config", str(config), "--log-format", "json"],
                          capture_output=True, text=True, env=ENV, timeout=60)


def _events(stderr: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in stderr.splitlines()]


@pytest.fixture
def held_port() -> Iterator[int]:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield holder.getsockname()[1]


def test_a_port_in_use_is_one_line_naming_it_and_exit_1(tmp_path: Path, held_port: int) -> None:
    done = _run_until_exit(_config(tmp_path, [f"127.0.0.1:{held_port}"]))
    assert done.returncode == 1
    [line] = _events(done.stderr)
    assert line["event"] == "listener.bind_failed" and line["level"] == "error"
    assert (line["host"], line["port"], line["error"]) == ("127.0.0.1", held_port,
                                                          "Address already in use")


def test_allow_not_all_listeners_serves_on_the_addresses_it_could_bind(
        tmp_path: Path, held_port: int) -> None:
    config = _config(tmp_path, [f"127.0.0.1:{held_port}"], extra="allow_not_all_listeners = true")
    proc = start_nutrio(config, "--listen", "127.0.0.1:0", listen=f"127.0.0.1:{held_port}",
                        env=ENV)
    try:
        [good] = proc.wait_for_event("nutrio.ready")["ports"]
        with socket.create_connection(("127.0.0.1", good), timeout=5) as conn:
            conn.sendall(b"GET VAR ups ups.status\n")
            assert conn.recv(100) == b'VAR ups ups.status "OL"\n'
    finally:
        code = proc.stop(40)
    assert [e["port"] for e in proc.events("listener.bind_failed")] == [held_port]
    assert code == 0


def test_a_second_nutrio_run_of_the_same_config_is_refused_in_one_line(tmp_path: Path) -> None:
    # the second run is refused before it looks at any port: the first one's
    # control socket answers (the config's own port is never bound here)
    config = _config(tmp_path, ["127.0.0.1:3493"])
    first = start_nutrio(config, env=ENV)
    try:
        wait_ready(first)
        wait_until(lambda: (tmp_path / "nutrio.ctl").exists())
        done = _run_until_exit(config)
    finally:
        first.stop(40)
    assert done.returncode == 1
    [line] = _events(done.stderr)
    assert line["event"] == "nutrio.already_running" and line["pid"] == first.pid


def test_a_missing_device_file_is_a_check_config_warning_and_one_line_per_restart(
        tmp_path: Path) -> None:
    config = _config(tmp_path, ["127.0.0.1:3493"], port_file="gone.dev", write_dev=False)
    checked = subprocess.run([*NUTRIO, "check-config", str(config)], capture_output=True,
                             text=True, env=ENV, timeout=60)
    assert checked.returncode == 0
    assert checked.stderr == (f"nutrio: warning: {config}: devices.ups.port: {tmp_path / 'gone.dev'}"
                              " does not exist; its driver reports the UPS as not connected until"
                              " it does\n")
    proc = start_nutrio(config, env=ENV)  # on a port of its own (--listen 127.0.0.1:0)
    try:
        wait_ready(proc)
        wait_until(lambda: len(_crashes(proc.events("actor.crashed"))) >= 3)
    finally:
        proc.stop(40)
    assert "Traceback" not in proc.stderr()
    events = _events(proc.stderr())  # every line is one JSON event: no traceback lines between
    crashed = _crashes(events)
    assert len(crashed) >= 3
    assert all("exception" not in e and "cannot read" in str(e["error"]) for e in crashed)


def _crashes(events: list[dict[str, object]]) -> list[dict[str, object]]:
    return [e for e in events if e["event"] == "actor.crashed" and e["actor"] == "driver:ups"]
