"""`nutrio upsmon -c fsd|stop|reload` and SIGUSR1, end to end on `nutrio run` processes.

Each test runs `nutrio run --config FILE` as a subprocess serving one dummy-ups
UPS on line and (mostly) monitoring it as primary, with recording SHUTDOWNCMD
and NOTIFYCMD scripts (e2e_helpers). The command is the real CLI in its own
process, finding the tree from the same config file, as an operator's script
would. The real NUT 2.8.0 upsmon is the oracle for what a user FSD does on a
primary: FSD on its UPS, a SHUTDOWN notice and nothing else, SHUTDOWNCMD once.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from e2e_helpers import (
    USERS,
    Host,
    devices_section,
    monitor_section,
    new_host,
    recorder,
    running,
    server_section,
    start,
    wait_ready,
    wait_until,
)

from nutrio import drivers_ctl
from nutrio.actors.control import control_socket_path
from tests.paths import ROOT
from tests.realnut import requires_real_nut

#: seconds a host may take to start, or a shutdown to run, on two busy cores
START = 20
ON_LINE = "ups.status: OL\nTIMER 100000\n"
#: What NOTIFYCMD sees on a primary after `upsmon -c fsd` (the real upsmon 2.8.0 agrees:
#: its own FSD is set, not observed, so no FSD notice; test_real_upsmon_user_fsd).
USER_FSD_NOTICES = ["SHUTDOWN"]
UPSMON = Path("/lib/nut/upsmon")


def nutrio_upsmon(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nutrio", "upsmon", *args], capture_output=True, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=60, check=False,
    )  # fmt: skip


def primary_host(tmp: Path, *, hostsync: float = 15) -> Host:
    """A host serving ``ups`` (on line) and monitoring it as its primary."""
    host = new_host(tmp, "primary")
    system = f"ups@127.0.0.1:{host.port}"
    config = (server_section(host) + devices_section(host.dir, {"ups": ON_LINE}) + USERS
              + monitor_section([(system, "primary")], record_dir=host.dir, record=host.record,
                                hostsync=hostsync))
    return start(host, config)


def config_of(host: Host) -> str:
    return str(host.dir / "nutrio.toml")


def control_path(host: Host) -> Path:
    return control_socket_path(None, host.dir / "nutrio.toml")


def ready(host: Host) -> None:
    """upsd answers and the control socket (opened just after the tree) is there."""
    wait_ready(host, START)
    assert wait_until(control_path(host).exists, START), host.log_tail()


def ask(port: int, line: str) -> str:
    with socket.create_connection(("127.0.0.1", port), 5) as sock:
        sock.sendall(f"{line}\n".encode())
        return sock.makefile().readline().strip()


def ups_status(port: int) -> str:
    reply = ask(port, "GET VAR ups ups.status")  # VAR ups ups.status "FSD OL"
    match = re.fullmatch(r'VAR ups ups\.status "(.*)"', reply)
    assert match, reply
    return match.group(1)


def logged_in(port: int) -> bool:
    """Our monitor's LOGIN is in (so its FSD goes out on a live session)."""
    return ask(port, "GET NUMLOGINS ups") == "NUMLOGINS ups 1"


def events(host: Host, name: str) -> list[dict[str, Any]]:
    """The JSON log lines of ``host`` whose event is ``name``."""
    return host.events(name)


def assert_forced_shutdown(host: Host, source: str) -> None:
    """FSD on the UPS, SHUTDOWN notified, SHUTDOWNCMD once, the cause logged."""
    assert wait_until(host.shutdowns, START), host.log_tail()
    assert ups_status(host.port).split()[0] == "FSD"
    assert wait_until(lambda: host.types() == USER_FSD_NOTICES, 5), host.types()
    assert [c.upsname for c in host.calls("notify")] == ["-"]  # SHUTDOWN names no UPS
    requested = events(host, "upsmon.fsd_requested")
    assert [e["source"] for e in requested] == [source]
    assert requested[0]["primary_for"] == [f"ups@127.0.0.1:{host.port}"]
    assert events(host, "upsmon.power_insufficient") == []  # the user's, not the power's
    assert (host.dir / "killpower").exists()  # POWERDOWNFLAG, as for a critical UPS


@pytest.mark.e2e
def test_fsd_command_after_reload_forces_the_shutdown_once(tmp_path: Path):
    with running(primary_host(tmp_path)) as (host,):
        ready(host)
        # a [monitor] change restarts upsmon on reload: -c fsd must reach the new one
        path = host.dir / "nutrio.toml"
        path.write_text(path.read_text().replace("deadtime = 15", "deadtime = 16"))
        done = nutrio_upsmon("-c", "reload", "--config", config_of(host))
        assert done.returncode == 0, done.stderr
        assert wait_until(lambda: events(host, "config.reloaded"), START), host.log_tail()
        assert events(host, "config.monitor_reloaded"), host.log_tail()
        assert wait_until(lambda: logged_in(host.port), START), host.log_tail()
        assert host.shutdowns() == [] and ups_status(host.port) == "OL"

        done = nutrio_upsmon("-c", "fsd", "--config", config_of(host))
        assert done.returncode == 0, done.stderr
        assert f"setting FSD on ups@127.0.0.1:{host.port}" in done.stdout
        assert_forced_shutdown(host, "command")

        # a second request changes nothing: SHUTDOWNCMD ran exactly once
        again = nutrio_upsmon("-c", "fsd", "--config", config_of(host))
        assert again.returncode == 0 and "already under way" in again.stdout
        wait_until(lambda: len(host.shutdowns()) > 1, 1.5)
        assert len(host.shutdowns()) == 1
        assert [e["source"] for e in events(host, "upsmon.fsd_ignored")] == ["command"]

        done = nutrio_upsmon("-c", "stop", "--config", config_of(host))
        assert done.returncode == 0, done.stderr
        assert host.proc is not None and host.proc.wait(START) == 0


@pytest.mark.e2e
def test_sigusr1_from_nuts_own_upsmon_forces_the_shutdown(tmp_path: Path):
    with running(primary_host(tmp_path)) as (host,):
        ready(host)
        assert wait_until(lambda: logged_in(host.port), START), host.log_tail()
        assert host.proc is not None
        if UPSMON.exists():  # NUT's own `upsmon -c fsd -P PID` is a SIGUSR1
            done = subprocess.run([str(UPSMON), "-c", "fsd", "-P", str(host.proc.pid)],
                                  capture_output=True, text=True, timeout=20, check=False)
            assert done.returncode == 0, done.stderr
        else:
            host.proc.send_signal(signal.SIGUSR1)
        assert_forced_shutdown(host, "signal")
        wait_until(lambda: len(host.shutdowns()) > 1, 1.5)
        assert len(host.shutdowns()) == 1
        assert host.proc.poll() is None  # the tree stays up (upsd keeps serving FSD)


@pytest.mark.e2e
def test_without_monitor_fsd_is_refused_and_stop_ends_nutrio(tmp_path: Path):
    host = new_host(tmp_path, "server-only")
    config = server_section(host) + devices_section(host.dir, {"ups": ON_LINE}) + USERS
    with running(start(host, config)):
        ready(host)
        done = nutrio_upsmon("-c", "fsd", "--config", config_of(host))
        assert done.returncode == 1 and done.stdout == ""
        assert "no [monitor]" in done.stderr and config_of(host) in done.stderr
        # the running tree refuses too (a script that bypasses the CLI's check)
        socket_path = control_path(host)
        reply = drivers_ctl.request(socket_path, "fsd")
        assert reply["ok"] is False and "upsmon is not running" in reply["error"]
        assert host.proc is not None
        host.proc.send_signal(signal.SIGUSR1)  # no upsmon: logged, nothing else
        assert wait_until(lambda: len(events(host, "upsmon.fsd_refused")) == 2, 10)
        assert host.proc.poll() is None and ups_status(host.port) == "OL"
        assert [e["source"] for e in events(host, "upsmon.fsd_refused")] == ["command", "signal"]

        done = nutrio_upsmon("-c", "stop", "--config", config_of(host))
        assert done.returncode == 0, done.stderr
        assert f"SIGTERM to {host.proc.pid}" in done.stdout
        assert host.proc.wait(START) == 0
        assert not socket_path.exists()
        assert host.shutdowns() == [] and host.calls() == []

        # nothing runs any more: each command says so and fails, as upsmon does
        for command in ("stop", "reload"):
            done = nutrio_upsmon("-c", command, "--config", config_of(host))
            assert done.returncode == 1
            assert "no nutrio runs with" in done.stderr and str(socket_path) in done.stderr
        done = nutrio_upsmon("-c", "stop", "-P", str(host.proc.pid))
        assert done.returncode == 1 and f"no process {host.proc.pid}" in done.stderr


@pytest.mark.e2e
def test_fsd_with_no_nutrio_running_fails_clearly(tmp_path: Path):
    host = primary_host(tmp_path)  # written by start(): stop it at once, keep the config
    with running(host):
        pass
    done = nutrio_upsmon("-c", "fsd", "--config", config_of(host))
    assert done.returncode == 1 and done.stdout == ""
    assert "no nutrio runs with" in done.stderr
    assert host.shutdowns() == []
    bad = nutrio_upsmon("-c", "halt", "--config", config_of(host))
    assert bad.returncode == 2 and "invalid choice" in bad.stderr


# -- the oracle: NUT's upsmon does the same for its own `-c fsd` ------------------------


def _real_upsmon(tmp: Path, port: int, record: Path) -> subprocess.Popen[bytes]:
    """NUT's upsmon as primary of ``ups`` on our upsd, in a private /run/nut."""
    etc, state = tmp / "etc", tmp / "state"
    etc.mkdir()
    state.mkdir()
    notify = recorder(tmp / "notify.sh", record, "notify")
    shutdown = recorder(tmp / "shutdown.sh", record, "shutdown")
    flags = "".join(f"NOTIFYFLAG {t} SYSLOG+EXEC\n" for t in (
        "ONLINE", "ONBATT", "LOWBATT", "FSD", "COMMOK", "COMMBAD", "SHUTDOWN"))
    (etc / "upsmon.conf").write_text(
        f"MONITOR ups@127.0.0.1:{port} 1 monuser pass primary\nMINSUPPLIES 1\n"
        f'SHUTDOWNCMD "{shutdown}"\nNOTIFYCMD "{notify}"\n'
        "POLLFREQ 1\nPOLLFREQALERT 1\nHOSTSYNC 15\nDEADTIME 15\nFINALDELAY 0\n"
        f"RUN_AS_USER root\n{flags}")
    (etc / "upsmon.conf").chmod(0o640)
    env = {**os.environ, "NUT_CONFPATH": str(etc), "NUT_STATEPATH": str(state)}
    private = f"mkdir -p /run/nut && mount -t tmpfs nut-run /run/nut && exec {UPSMON} -D -F -u root"
    with (tmp / "upsmon.log").open("wb") as log:
        return subprocess.Popen(["unshare", "--mount", "--propagation", "private", "sh", "-c",
                                 private], env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)


@pytest.mark.e2e
@requires_real_nut
@pytest.mark.skipif(not UPSMON.exists(), reason="NUT's upsmon is not installed")
def test_real_upsmon_user_fsd(tmp_path: Path):
    if subprocess.run(["unshare", "--mount", "true"], capture_output=True).returncode != 0:
        pytest.skip("needs a private /run/nut (unshare --mount): upsmon writes its pid there")
    host = new_host(tmp_path, "server")
    config = server_section(host) + devices_section(host.dir, {"ups": ON_LINE}) + USERS
    with running(start(host, config)):
        ready(host)
        real = _real_upsmon(tmp_path, host.port, host.record)
        try:
            log = tmp_path / "upsmon.log"
            # the pid file is private: the forked monitoring child names itself in the log
            assert wait_until(lambda: re.search(r"Saving PID (\d+)", log.read_text()), START)
            pid = re.search(r"Saving PID (\d+)", log.read_text())
            assert pid is not None
            assert wait_until(lambda: logged_in(host.port), START), log.read_text()
            done = subprocess.run([str(UPSMON), "-c", "fsd", "-P", pid.group(1)],
                                  capture_output=True, text=True, timeout=20, check=False)
            assert done.returncode == 0, done.stderr
            assert wait_until(host.shutdowns, START), log.read_text()
            assert ups_status(host.port).split()[0] == "FSD"
            assert wait_until(lambda: host.types() == USER_FSD_NOTICES, 5), host.types()
            assert len(host.shutdowns()) == 1
            assert "User requested FSD" in log.read_text()
        finally:
            if real.poll() is None:
                os.killpg(real.pid, signal.SIGTERM)
            real.wait(10)


@requires_real_nut
@pytest.mark.parametrize("content", ["upsmon-shutdown-file\n", "something else\n", None])
def test_dash_k_reads_the_power_down_flag_as_upsmon_does(tmp_path: Path,
                                                         content: str | None) -> None:
    flag = tmp_path / "killpower"
    if content is not None:
        flag.write_text(content)
    (tmp_path / "upsmon.conf").write_text(f"POWERDOWNFLAG {flag}\n")
    (tmp_path / "upsmon.conf").chmod(0o600)
    # in a private /run/nut: an upsmon running elsewhere on this machine must not answer
    if subprocess.run(["unshare", "--mount", "true"], capture_output=True).returncode != 0:
        pytest.skip("needs a private /run/nut (unshare --mount): upsmon -K looks for a pid there")
    private = "mkdir -p /run/nut && mount -t tmpfs nut-run /run/nut && exec /lib/nut/upsmon -K"
    real = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", private],
                          env={**os.environ, "NUT_CONFPATH": str(tmp_path)},
                          capture_output=True, text=True, timeout=30)
    config = tmp_path / "nutrio.toml"
    config.write_text(f'[devices.a]\ndriver = "dummy-ups"\nport = "a.dev"\n[monitor]\n'
                      f'powerdownflag = "{flag}"\n[[monitor.ups]]\nsystem = "a@localhost"\n'
                      'user = "u"\npassword = "p"\nrole = "primary"\n')
    ours = nutrio_upsmon("-K", "--config", str(config))
    assert ours.returncode == real.returncode
    assert ours.stderr.splitlines()[-1] == real.stderr.splitlines()[-1]
