"""`nutrio drivers` (upsdrvctl): the control socket on a real tree, and end to end.

In-process tests run nutrio.app's Tree and the control actor under Trio and
talk to the socket with the CLI's own client (in a worker thread, as a
separate program would). The end-to-end test runs the service as a real
subprocess and drives it with the `drivers` command and NUT's real upsc.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import stat
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import trio

from nutrio import conf, drivers_ctl
from nutrio import tree as app
from nutrio.actors.control import ErrorBook, control_socket_path, run_control
from tests.paths import DATA
from tests.realnut import free_port, wait_port

ROOT = Path(__file__).resolve().parents[2]
DUMP = DATA / "ddl" / "APC__APC__Smart-UPS_1000__snmp-ups__2.7.4__01.dev"


def _config(tmp: Path, port: int = 3493, *, missing: bool = False) -> conf.Config:
    shutil.copyfile(DUMP, tmp / "ups.dev")
    text = (
        f'[server]\nlisten = ["127.0.0.1:{port}"]\nstatepath = "state"\n\n'
        '[devices.ups1]\ndriver = "dummy-ups"\nport = "ups.dev"\ndesc = "first"\n\n'
        '[devices.ups2]\ndriver = "dummy-ups"\nport = "ups.dev"\n'
    )
    if missing:
        text += '\n[devices.gone]\ndriver = "dummy-ups"\nport = "absent.dev"\n'
    path = tmp / "nutrio.toml"
    path.write_text(text)
    return conf.load(path)


class Running:
    def __init__(self, tree: app.Tree, path: Path) -> None:
        self.tree, self.path = tree, path

    async def ask(self, op: str, ups: str | None = None) -> dict[str, Any]:
        return await trio.to_thread.run_sync(drivers_ctl.request, self.path, op, ups)

    async def state(self, ups: str) -> str:
        reply = await self.ask("status", ups)
        return str(reply["drivers"][0]["state"])


@pytest.fixture
async def running(tmp_path: Path, nursery: trio.Nursery) -> AsyncIterator[Running]:
    config = _config(tmp_path)
    tree = app.Tree(config, (("127.0.0.1", 0),), None)
    tree.errors = ErrorBook()  # type: ignore[attr-defined]
    await nursery.start(tree.root.run, tree.children())
    path = control_socket_path(config.server.statepath, config.source)
    await nursery.start(run_control, tree, path)
    yield Running(tree, path)
    await tree.root.stop()


async def until_state(run: Running, ups: str, wanted: str) -> None:
    with trio.fail_after(15):
        while await run.state(ups) != wanted:
            await trio.sleep(0.05)


async def test_status_lists_every_configured_driver_running(running: Running) -> None:
    reply = await running.ask("status")
    assert reply["ok"] and [d["ups"] for d in reply["drivers"]] == ["ups1", "ups2"]
    first = reply["drivers"][0]
    assert (first["driver"], first["port"], first["state"], first["restarts"]) == (
        "dummy-ups", "ups.dev", "running", 0)
    assert first["age"] is not None and first["last_error"] is None


async def test_stop_then_start_one_driver(running: Running) -> None:
    reply = await running.ask("stop", "ups1")
    assert reply["done"] == ["ups1: stopped"] and reply["drivers"][0]["state"] == "stopped"
    handle = running.tree.registry.get("ups1")
    assert handle is not None and not handle.snapshot.connected  # upsd: DRIVER-NOT-CONNECTED
    assert await running.state("ups2") == "running"  # the others keep going
    assert (await running.ask("stop", "ups1"))["done"] == ["ups1: already stopped"]
    assert (await running.ask("start", "ups1"))["done"] == ["ups1: started"]
    await until_state(running, "ups1", "running")
    assert (await running.ask("start", "ups1"))["done"] == ["ups1: already running"]


async def test_stop_and_start_all(running: Running) -> None:
    assert (await running.ask("stop"))["done"] == ["ups1: stopped", "ups2: stopped"]
    assert (await running.ask("start"))["done"] == ["ups1: started", "ups2: started"]
    await until_state(running, "ups2", "running")


async def test_unknown_ups_and_bad_requests_are_refused(running: Running) -> None:
    reply = await running.ask("stop", "nosuch")
    assert not reply["ok"] and "nosuch" in reply["error"]
    assert not (await running.ask("reboot"))["ok"]
    raw = await trio.to_thread.run_sync(_raw_exchange, running.path, b"not json\n")
    assert b'"ok": false' in raw


def _raw_exchange(path: Path, data: bytes) -> bytes:
    import socket

    with socket.socket(socket.AF_UNIX) as sock:
        sock.settimeout(10)
        sock.connect(str(path))
        sock.sendall(data)
        return sock.recv(4096)


def _hang_up(path: Path) -> None:
    import socket

    with socket.socket(socket.AF_UNIX) as sock:
        sock.connect(str(path))  # and close without a word


async def test_a_client_that_hangs_up_does_not_end_the_control_socket(running: Running) -> None:
    for _ in range(3):
        await trio.to_thread.run_sync(_hang_up, running.path)
    await trio.sleep(0.2)
    assert (await running.ask("status"))["ok"]


async def test_control_socket_is_owner_only(running: Running) -> None:
    assert stat.S_IMODE(os.stat(running.path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(running.path.parent).st_mode) & 0o077 == 0


async def test_a_driver_that_cannot_start_shows_restarting_and_its_error(
    tmp_path: Path, nursery: trio.Nursery
) -> None:
    config = _config(tmp_path, missing=True)
    tree = app.Tree(config, (("127.0.0.1", 0),), None)
    tree.errors = ErrorBook()  # type: ignore[attr-defined]
    await nursery.start(tree.root.run, tree.children())
    path = tmp_path / "ctl" / "nutrio.ctl"
    await nursery.start(run_control, tree, path)
    run = Running(tree, path)
    await run.ask("stop", "gone")
    await run.ask("start", "gone")  # now under the control socket's error watch
    with trio.fail_after(15):
        while True:
            info = (await run.ask("status", "gone"))["drivers"][0]
            if info["last_error"] and info["restarts"] >= 1:
                break
            await trio.sleep(0.05)
    assert info["state"] in ("restarting", "down", "starting")
    assert "DriverIOError" in info["last_error"] and "absent.dev" in info["last_error"]
    await tree.root.stop()


def test_status_table_reads_like_the_readme() -> None:
    table = drivers_ctl.format_status([
        {"ups": "rack", "driver": "snmp-ups", "port": "10.0.0.7", "state": "running",
         "restarts": 0, "age": 0.83, "last_error": None},
        {"ups": "spare", "driver": "dummy-ups", "port": "spare.dev", "state": "stopped",
         "restarts": 0, "age": None, "last_error": None},
    ])
    lines = table.splitlines()
    assert lines[0].split() == ["UPS", "DRIVER", "PORT", "STATE", "RESTARTS", "AGE", "LAST", "ERROR"]
    assert lines[1].split() == ["rack", "snmp-ups", "10.0.0.7", "running", "0", "0.8s", "-"]
    assert lines[2].split()[3:] == ["stopped", "0", "-", "-"]


def _cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="nutrio")
    drivers_ctl.add_parser(parser.add_subparsers(dest="command"))
    ns = parser.parse_args(argv)
    return int(ns.handler(ns))


def test_list_prints_devices_and_driver_kinds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = _config(tmp_path)
    assert _cli(["drivers", "--config", str(config.source), "list"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["UPS", "DRIVER", "PORT", "DESC"]
    assert out[1].split() == ["ups1", "dummy-ups", "ups.dev", "first"]
    assert _cli(["drivers", "list", "--kinds"]) == 0
    kinds = capsys.readouterr().out
    assert "snmp-ups: mibs" in kinds and "dummy-ups: mode" in kinds


def test_status_without_a_running_nutrio_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = _config(tmp_path)
    assert _cli(["drivers", "--config", str(config.source), "status"]) == 1
    assert "cannot reach the running nutrio" in capsys.readouterr().err


# -- end to end ---------------------------------------------------------------


def _cli_has_drivers() -> bool:
    from nutrio import cli

    try:
        cli.build_parser().parse_args(["drivers", "list"])
    except SystemExit:
        return False
    return True


@pytest.fixture
def service(tmp_path: Path) -> Iterator[tuple[Path, int]]:
    """The service as its own process: `nutrio run` once wired, else run_service directly."""
    port = free_port()
    config = _config(tmp_path, port)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    argv = [sys.executable, "-m", "nutrio", "run", "--config", str(config.source), "--log-format", "json"]
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_port(port, timeout=20)
        yield Path(config.source or ""), port
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
    assert not control_socket_path(config.server.statepath, config.source).exists()


def _drivers(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    code = (
        "import argparse, sys; from nutrio import drivers_ctl; p = argparse.ArgumentParser(prog='nutrio'); "
        "drivers_ctl.add_parser(p.add_subparsers(dest='command')); ns = p.parse_args(sys.argv[1:]); "
        "sys.exit(ns.handler(ns))"
    )
    argv = [sys.executable, "-c", code, "drivers", "--config", str(config), *args]
    if _cli_has_drivers():
        argv = [sys.executable, "-m", "nutrio", "drivers", "--config", str(config), *args]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(argv, capture_output=True, text=True, env=env, timeout=30, check=False)


def _upsc(target: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["upsc", target, "ups.status"], capture_output=True, text=True, timeout=20, check=False)


@pytest.mark.e2e
@pytest.mark.skipif(shutil.which("upsc") is None, reason="NUT's upsc is not installed")
def test_drivers_stop_and_start_a_running_service_seen_by_real_upsc(service: tuple[Path, int]) -> None:
    config, port = service
    status = _drivers(config, "status")
    assert status.returncode == 0, status.stderr
    assert [line.split()[3] for line in status.stdout.splitlines()[1:]] == ["running", "running"]
    assert _upsc(f"ups1@127.0.0.1:{port}").stdout.strip() == "OB"

    stopped = _drivers(config, "stop", "ups1")
    assert stopped.returncode == 0 and stopped.stdout.splitlines()[0] == "ups1: stopped"
    upsc = _upsc(f"ups1@127.0.0.1:{port}")
    assert upsc.returncode != 0 and "Driver not connected" in upsc.stderr
    assert _upsc(f"ups2@127.0.0.1:{port}").stdout.strip() == "OB"

    assert _drivers(config, "start", "ups1").stdout.splitlines()[0] == "ups1: started"
    assert _upsc(f"ups1@127.0.0.1:{port}").stdout.strip() == "OB"
    assert _drivers(config, "stop", "nosuch").returncode == 1
