"""`nutrio upslog` and the real /usr/bin/upslog, against the real upsd and against `nutrio run`.

All four pairings serve the same dump; with NUT's default format every
line must be the same once the timestamp (its first two words) is cut off.
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

from tests.nutriorun import nutrio_run
from tests.paths import DATA, ROOT
from tests.procs import wait_until
from tests.realnut import real_nut, requires_real_nut, wait_served

pytestmark = [requires_real_nut, pytest.mark.e2e]

DUMP = DATA / "ddl/APC__APC__Smart-UPS_5000_RM__apcsmart__2.6.3__01.dev"
REAL = ["upslog"]
OURS = [sys.executable, "-m", "nutrio.clients.upslog"]


def pidfile(name: str) -> str:
    return str(Path(tempfile.gettempdir()) / f"nutrio-upslog-test-{os.getpid()}-{name}.pid")


@pytest.fixture(autouse=True, scope="module")
def _remove_pidfiles() -> Iterator[None]:
    yield
    for path in Path(tempfile.gettempdir()).glob(f"nutrio-upslog-test-{os.getpid()}-*.pid"):
        path.unlink(missing_ok=True)


def start(prog: list[str], *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    env = {**(env or os.environ), "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([*prog, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def stop(proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=20)
    return proc.returncode, out, err


def handles_signals(proc: subprocess.Popen[str]) -> bool:
    """Whether *proc* blocks or catches SIGUSR1 (it has set itself up; a Python upslog
    on a loaded machine can take longer than any fixed sleep), or has ended."""
    if proc.poll() is not None:
        return True
    bit = 1 << (signal.SIGUSR1 - 1)
    status = Path(f"/proc/{proc.pid}/status").read_text().splitlines()
    return any(int(line.split()[1], 16) & bit for line in status
               if line.startswith(("SigBlk:", "SigCgt:")))


def run_for(seconds: float, procs: list[subprocess.Popen[str]]) -> list[tuple[int, str, str]]:
    """Let them run *seconds* once each has set itself up; stop them; what each said."""
    for proc in procs:
        wait_until(lambda proc=proc: handles_signals(proc), timeout=20.0)
    time.sleep(seconds)
    return [stop(p) for p in procs]


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def payloads(out: str) -> list[str]:
    """The log lines without their timestamp (banner and "logging status" dropped)."""
    lines = out.splitlines()
    assert lines[0].startswith("Network UPS Tools upslog ")
    assert lines[1].startswith("logging status of ")
    return [line.split(" ", 2)[2] for line in lines[2:]]


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, dict[str, str]]]:
    tmp = tmp_path_factory.mktemp("upslog")
    with real_nut({"ups1": DUMP}) as nut, nutrio_run(tmp, {"ups1": DUMP}) as ours:
        assert wait_served(ours.port, "ups1"), ours.proc.describe()
        yield f"ups1@127.0.0.1:{nut.port}", f"ups1@{ours.host}", nut.env


def test_default_format_lines_match_real_upslog_on_both_servers(servers: tuple[str, str, dict[str, str]]) -> None:
    real_ups, our_ups, env = servers
    runs = {
        ("real", "real upsd"): start(REAL, "-s", real_ups, "-l", "-", "-i", "1", "-p", pidfile("a"), env=env),
        ("real", "nutrio"): start(REAL, "-s", our_ups, "-l", "-", "-i", "1", "-p", pidfile("b"), env=env),
        ("ours", "real upsd"): start(OURS, "-s", real_ups, "-l", "-", "-i", "1", "-p", pidfile("c")),
        ("ours", "nutrio"): start(OURS, "-s", our_ups, "-l", "-", "-i", "1", "-p", pidfile("d")),
    }
    results = dict(zip(runs, run_for(3.2, list(runs.values())), strict=True))
    expected = payloads(results[("real", "real upsd")][1])
    assert len(expected) >= 3 and expected[0] == "NA 224.9 069.6 [OL] 027.4 50.00"
    for key, (code, out, err) in results.items():
        assert code == 0, key
        lines = payloads(out)
        assert len(lines) >= 3, key
        assert set(lines) == {expected[0]}, key
        assert err.endswith("Signal 15: exiting\n"), (key, err)


@pytest.mark.parametrize(
    "args",
    [
        ("-h",),
        ("-V",),
        ("-l", "-"),
        ("-x", "-s", "ups1"),
        ("-s", "bad@@x:y", "-l", "-"),
        ("-s", "ups1@127.0.0.1:1", "-l", "-", "-u", "no-such-user-here"),
        ("-s", "ups1@127.0.0.1:1", "-l", "/nonexistent/dir/log"),
        ("ups1@127.0.0.1:1", "-"),
    ],
)
def test_options_and_errors_print_what_real_upslog_prints(args: tuple[str, ...]) -> None:
    real = subprocess.run(["upslog", *args], check=False, capture_output=True, text=True, timeout=20)
    ours = subprocess.run([*OURS, *args], check=False, capture_output=True, text=True, timeout=20,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    version = real.stdout.splitlines()[0].rsplit(" ", 1)[1]
    ours_out = ours.stdout.replace(ours.stdout.splitlines()[0], f"Network UPS Tools upslog {version}", 1)
    assert (ours.returncode, ours_out, ours.stderr) == (real.returncode, real.stdout, real.stderr)


def test_old_positional_form_joins_the_format_words(servers: tuple[str, str, dict[str, str]]) -> None:
    real_ups, _our_ups, env = servers
    args = (real_ups, "-", "1", "%VAR", "ups.load%", "x")
    results = run_for(1.5, [start(REAL, *args, env=env), start(OURS, *args)])
    (_, real_out, _), (_, our_out, _) = results
    assert real_out.splitlines()[2] == our_out.splitlines()[2] == "069.6 x "


def test_connection_refused_logs_na_lines_like_real_upslog() -> None:
    args = ("-s", "ups1@127.0.0.1:1", "-l", "-", "-i", "1", "-p", pidfile("refused"))
    (_, out_r, err_r), (_, out_o, err_o) = run_for(1.5, [start(REAL, *args), start(OURS, *args)])
    assert payloads(out_r)[0] == payloads(out_o)[0] == "NA NA NA [NA] NA NA"
    assert err_r == err_o == (
        "Warning: initial connect failed: Connection failure: Connection refused\nSignal 15: exiting\n"
    )


def test_usr1_hup_and_term_each_write_a_line_like_real_upslog(servers: tuple[str, str, dict[str, str]]) -> None:
    real_ups, _our_ups, env = servers
    procs = [start(prog, "-s", real_ups, "-l", "-", "-i", "30", "-p", pidfile(f"sig{i}"), env=env)
             for i, prog in enumerate((REAL, OURS))]
    for proc in procs:
        wait_until(lambda proc=proc: handles_signals(proc), timeout=20.0)
    time.sleep(1.5)
    for signum in (signal.SIGUSR1, signal.SIGHUP):
        for p in procs:
            p.send_signal(signum)
        time.sleep(0.5)
    (rc_r, out_r, err_r), (rc_o, out_o, err_o) = [stop(p) for p in procs]
    assert rc_r == rc_o == 0
    assert payloads(out_r) == payloads(out_o) and len(payloads(out_o)) == 4  # start, USR1, HUP, TERM
    assert err_r == err_o == (
        "Init SSL without certificate database\nSignal 1: reopening log file\nlogging to stdout\n"
        "Signal 15: exiting\n"
    )


def test_background_file_log_follows_rename_and_writes_pid(servers: tuple[str, str, dict[str, str]]) -> None:
    real_ups, _our_ups, _env = servers
    tmp_path = Path(tempfile.mkdtemp(prefix="upslog-bg-"))
    os.chmod(tmp_path, 0o777)  # as root, upslog switches to user "nut" after opening the log
    log, pidfile = tmp_path / "ups.log", tmp_path / "upslog.pid"
    out = subprocess.run([*OURS, "-s", real_ups, "-l", str(log), "-i", "1", "-p", str(pidfile)],
                         check=False, capture_output=True, text=True, timeout=20, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert (out.returncode, out.stdout) == (0, "")  # the banner dies with stdio's buffer, as in C
    assert wait_until(lambda: pidfile.exists() and _lines(log), 10)
    pid = int(pidfile.read_text())
    try:
        os.rename(log, tmp_path / "ups.log.1")
        assert wait_until(lambda: _lines(log), 10)  # the next line goes to a new ups.log
    finally:
        os.kill(pid, signal.SIGTERM)
    old, new = (tmp_path / "ups.log.1").read_text().splitlines(), log.read_text().splitlines()
    shutil.rmtree(tmp_path)
    assert old and new
    assert {line.split(" ", 2)[2] for line in old + new} == {"NA 224.9 069.6 [OL] 027.4 50.00"}
