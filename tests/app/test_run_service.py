"""`nutrio run` as a real subprocess: a driver killed by fault injection comes back."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.paths import DATA
from tests.realnut import free_port, wait_port

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]


def _events(stderr: str) -> list[dict]:
    out = []
    for line in stderr.splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            pass
    return out


def _ask(port: int, line: str) -> str:
    with socket.create_connection(("127.0.0.1", port), 5) as sock:
        sock.sendall(line.encode() + b"\n")
        return sock.recv(4096).decode()


def _start(tmp_path: Path, *extra: str) -> tuple[subprocess.Popen[str], int]:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "nutrio", "run", "--listen", f"127.0.0.1:{port}",
         "--log-format", "json", *extra],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    wait_port(port, timeout=20)
    return proc, port


def _stop(proc: subprocess.Popen[str]) -> tuple[int, str]:
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=20)
    return proc.returncode, err


def test_default_config_serves_the_dummy_ups_and_stops_cleanly(tmp_path: Path) -> None:
    proc, port = _start(tmp_path)
    try:
        reply = _ask(port, "GET VAR dummy ups.status")
    finally:
        code, err = _stop(proc)
    assert reply.startswith('VAR dummy ups.status "O'), reply
    assert code == 0, err
    events = [e["event"] for e in _events(err)]
    assert "nutrio.ready" in events
    assert events[-1] == "nutrio.stopped"


def test_driver_killed_by_chaos_is_restarted_and_publishes_again(tmp_path: Path) -> None:
    chaos = tmp_path / "chaos.toml"
    chaos.write_text(
        '[chaos]\nseed = 1\n[[chaos.fault]]\ntarget = "driver:dummy"\nkind = "crash"\n'
        "after_seconds = 1.0\ntimes = 1\n"
    )
    proc, port = _start(tmp_path, "--chaos", str(chaos))
    try:
        time.sleep(4)  # the crash fires at 1 s; the restart back-off is well under a second
        reply = _ask(port, "GET VAR dummy ups.status")
    finally:
        code, err = _stop(proc)
    events = _events(err)
    driver = [e for e in events if e.get("actor") == "driver:dummy"]
    kinds = [e["event"] for e in driver]
    assert "chaos.injected" in [e["event"] for e in events]
    assert "actor.crashed" in kinds, kinds
    assert "actor.restarting" in kinds, kinds
    crash_at = kinds.index("actor.crashed")
    assert "actor.started" in kinds[crash_at:], kinds
    restarting = next(e for e in driver if e["event"] == "actor.restarting")
    assert restarting["attempt"] == 1 and restarting["delay"] >= 0
    assert reply.startswith('VAR dummy ups.status "'), reply
    assert code == 0


def _list_ups(port: int) -> str:
    with socket.create_connection(("127.0.0.1", port), 5) as sock:
        sock.sendall(b"LIST UPS\n")
        buf = b""
        while b"END LIST UPS" not in buf:
            chunk = sock.recv(4096)
            if not chunk:
                break
            buf += chunk
        return buf.decode()


def _run_config(config: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "nutrio", "run", "--config", str(config), "--log-format", "json"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def test_sighup_reload_adds_and_removes_devices_and_keeps_the_rest(tmp_path: Path) -> None:
    dev = DATA / "edge/edge-cases.dev"
    port = free_port()
    config = tmp_path / "nutrio.toml"

    def write(*names: str) -> None:
        tables = "".join(f'[devices.{n}]\ndriver = "dummy-ups"\nport = "{dev}"\ndesc = "{n}"\n' for n in names)
        config.write_text(f'[server]\nlisten = ["127.0.0.1:{port}"]\n{tables}')

    write("keep", "old")
    proc = _run_config(config)
    try:
        wait_port(port, timeout=20)
        before = _list_ups(port)
        with socket.create_connection(("127.0.0.1", port), 5) as kept:
            write("keep", "new")
            proc.send_signal(signal.SIGHUP)
            deadline = time.monotonic() + 10
            after = before
            while time.monotonic() < deadline and "UPS new" not in after:
                time.sleep(0.2)
                after = _list_ups(port)
            kept.sendall(b"GET VAR keep ups.status\n")
            still_there = kept.recv(4096).decode()
    finally:
        code, err = _stop(proc)
    assert 'UPS old "old"' in before and 'UPS keep "keep"' in before
    assert 'UPS new "new"' in after and "UPS old" not in after, after
    assert still_there.startswith('VAR keep ups.status "OL CHRG"'), still_there
    events = [e["event"] for e in _events(err)]
    assert "config.reloaded" in events and "config.device_added" in events
    assert code == 0


def test_sighup_reload_keeps_a_changed_device_in_its_list_ups_place(tmp_path: Path) -> None:
    """upsd updates a changed UPS in place; a restarted driver must not move it to the end."""
    dev = DATA / "edge/edge-cases.dev"
    port = free_port()
    config = tmp_path / "nutrio.toml"

    def write(descs: dict[str, str]) -> None:
        tables = "".join(
            f'[devices.{n}]\ndriver = "dummy-ups"\nport = "{dev}"\ndesc = "{d}"\n'
            for n, d in descs.items()
        )
        config.write_text(f'[server]\nlisten = ["127.0.0.1:{port}"]\n{tables}')

    write({"a": "one", "b": "two", "c": "three"})
    proc = _run_config(config)
    try:
        wait_port(port, timeout=20)
        write({"a": "one", "b": "changed", "c": "three"})
        proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 10
        after = ""
        while time.monotonic() < deadline and "changed" not in after:
            time.sleep(0.2)
            after = _list_ups(port)
    finally:
        code, err = _stop(proc)
    names = [ln.split()[1] for ln in after.splitlines() if ln.startswith("UPS ")]
    assert names == ["a", "b", "c"], after
    assert 'UPS b "changed"' in after
    assert code == 0, err


def test_a_connection_fault_under_nutrio_run_drops_one_client_only(tmp_path: Path) -> None:
    """The tree hands its chaos plan to the listeners: the third connection (the first is
    wait_port's probe) is dropped unanswered, the ones around it are served."""
    chaos = tmp_path / "chaos.toml"
    chaos.write_text('[chaos]\nseed = 1\n[[chaos.fault]]\ntarget = "listener:*"\nkind = "drop"\n'
                     "after_messages = 2\ntimes = 1\n")
    proc, port = _start(tmp_path, "--chaos", str(chaos))
    try:
        before = _ask(port, "GET VAR dummy ups.status")
        try:  # closed unread: an empty read, or a reset
            dropped = _ask(port, "GET VAR dummy ups.status")
        except ConnectionResetError:
            dropped = ""
        after = _ask(port, "GET VAR dummy ups.status")
    finally:
        code, err = _stop(proc)
    assert before.startswith("VAR dummy ups.status") and after.startswith("VAR dummy ups.status")
    assert dropped == ""
    reasons = [e.get("reason") for e in _events(err) if e["event"] == "client.disconnected"]
    assert reasons.count("chaos drop") == 1, reasons
    assert code == 0
