"""Failures an operator meets at start: one line on stderr, exit status 1, nothing started.

A port another program holds, a second `nutrio run` of the same configuration, a
device file that is not there (issue 14).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.paths import ROOT
from tests.realnut import free_port, wait_port

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
    good = free_port()
    config = _config(tmp_path, [f"127.0.0.1:{held_port}", f"127.0.0.1:{good}"],
                     extra="allow_not_all_listeners = true")
    proc = subprocess.Popen([*NUTRIO, "run", "--config", str(config), "--log-format", "json"],
                            stderr=subprocess.PIPE, text=True, env=ENV)
    try:
        wait_port(good, timeout=20)
        with socket.create_connection(("127.0.0.1", good), timeout=5) as conn:
            conn.sendall(b"GET VAR ups ups.status\n")
            assert conn.recv(100) == b'VAR ups ups.status "OL"\n'
    finally:
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=40)
    failed = [e for e in _events(stderr) if e["event"] == "listener.bind_failed"]
    assert [e["port"] for e in failed] == [held_port]
    assert proc.returncode == 0


def test_a_second_nutrio_run_of_the_same_config_is_refused_in_one_line(tmp_path: Path) -> None:
    port = free_port()
    config = _config(tmp_path, [f"127.0.0.1:{port}"])
    first = subprocess.Popen([*NUTRIO, "run", "--config", str(config), "--log-format", "json"],
                             stderr=subprocess.DEVNULL, env=ENV)
    try:
        wait_port(port, timeout=20)
        deadline = time.monotonic() + 20
        while not (tmp_path / "nutrio.ctl").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        done = _run_until_exit(config)
    finally:
        first.send_signal(signal.SIGTERM)
        first.wait(40)
    assert done.returncode == 1
    [line] = _events(done.stderr)
    assert line["event"] == "nutrio.already_running" and line["pid"] == first.pid


def test_a_missing_device_file_is_a_check_config_warning_and_one_line_per_restart(
        tmp_path: Path) -> None:
    port = free_port()
    config = _config(tmp_path, [f"127.0.0.1:{port}"], port_file="gone.dev", write_dev=False)
    checked = subprocess.run([*NUTRIO, "check-config", str(config)], capture_output=True,
                             text=True, env=ENV, timeout=60)
    assert checked.returncode == 0
    assert checked.stderr == (f"nutrio: warning: {config}: devices.ups.port: {tmp_path / 'gone.dev'}"
                              " does not exist; its driver reports the UPS as not connected until"
                              " it does\n")
    proc = subprocess.Popen([*NUTRIO, "run", "--config", str(config), "--log-format", "json"],
                            stderr=subprocess.PIPE, text=True, env=ENV)
    try:
        wait_port(port, timeout=20)
        time.sleep(2)  # a few restarts of the driver (back-off 0.1 s doubling)
    finally:
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=40)
    assert "Traceback" not in stderr
    events = _events(stderr)  # every line is one JSON event: no traceback lines between
    crashed = [e for e in events if e["event"] == "actor.crashed" and e["actor"] == "driver:ups"]
    assert len(crashed) >= 3
    assert all("exception" not in e and "cannot read" in str(e["error"]) for e in crashed)
