"""A log that cannot be written never stops nutrio: upsd serves, SIGTERM stops it.

The real upsd keeps serving when its log fails; nutrio used to stop accepting
clients and ignore SIGTERM once a write to stderr failed (issue 13, defect 1).
"""

from __future__ import annotations

import io
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import structlog

from nutrio.logs import LossyPrinter, configure_logging, write_errors
from tests.nutriorun import wait_ready
from tests.paths import ROOT
from tests.procs import start
from tests.realnut import free_port, wait_port

pytestmark = pytest.mark.e2e

DEV = "ups.status: OL\nbattery.charge: 100\n"


def _config(tmp_path: Path, port: int) -> Path:
    (tmp_path / "ups.dev").write_text(DEV)
    config = tmp_path / "nutrio.toml"
    config.write_text(
        f'[server]\nlisten = ["127.0.0.1:{port}"]\nauth_penalty = 0\n\n'
        '[devices.ups]\ndriver = "dummy-ups"\nport = "ups.dev"\n\n'
        '[users.admin]\npassword = "secret"\nactions = ["SET"]\n')
    return config


NUTRIO_RUN = (sys.executable, "-m", "nutrio", "run")


def _start(config: Path, stderr: object, prefix: tuple[str, ...] = ()) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [*prefix, sys.executable, "-m", "nutrio", "run", "--config", str(config),
         "--log-format", "json"],
        env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=config.parent,
        stdout=subprocess.DEVNULL, stderr=stderr)  # type: ignore[arg-type]


def _ask(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        conn.sendall(request)
        conn.shutdown(socket.SHUT_WR)
        reply = b""
        while chunk := conn.recv(65536):
            reply += chunk
        return reply


def _stop(proc: subprocess.Popen[bytes]) -> int:
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(35)  # STOP_DEADLINE (30 s) and a margin
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise AssertionError("SIGTERM did not stop nutrio run") from None


def test_stderr_on_dev_full_neither_stops_the_start_nor_upsd(tmp_path: Path) -> None:
    port = free_port()
    with open("/dev/full", "w") as full:
        proc = _start(_config(tmp_path, port), full)
    try:
        wait_port(port, timeout=20)
        assert _ask(port, b"GET VAR ups ups.status\n") == b'VAR ups ups.status "OL"\n'
    finally:
        code = _stop(proc)
    assert code == 0


def test_a_log_file_past_its_size_limit_leaves_upsd_serving(tmp_path: Path) -> None:
    limit = 40_000
    config = _config(tmp_path, 3493)  # the config's port is replaced: --listen 127.0.0.1:0
    proc = start(["prlimit", f"--fsize={limit}", *NUTRIO_RUN, "--config", str(config),
                  "--listen", "127.0.0.1:0", "--log-format", "json"],
                 logdir=tmp_path, name="nutrio", env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        [port] = wait_ready(proc)
        wrong = b"USERNAME admin\nPASSWORD wrong\nLOGIN ups\nLOGOUT\n"
        for _ in range(300):  # each failed login is a warning line: the file fills up
            _ask(port, wrong)
        assert proc.err.stat().st_size > limit - 2_000, "the log never reached its limit"
        assert _ask(port, b"GET VAR ups ups.status\n") == b'VAR ups ups.status "OL"\n'
    finally:
        code = proc.stop(35)  # STOP_DEADLINE (30 s) and a margin
    assert code == 0
    assert proc.err.stat().st_size <= limit


def test_the_printer_counts_lost_lines_and_reports_them_once_writing_works() -> None:
    class Flaky(io.StringIO):
        broken = True

        def write(self, text: str) -> int:
            if self.broken:
                raise OSError(28, "No space left on device")
            return super().write(text)

    stream = Flaky()
    configure_logging("json", stream=stream)
    try:
        log = structlog.get_logger()
        log.info("one")
        log.info("two")
        assert write_errors() == 2 and stream.getvalue() == ""
        stream.broken = False
        log.info("three")
        lines = stream.getvalue().splitlines()
        assert '"event": "three"' in lines[0] and '"event": "log.lines_lost"' in lines[1]
        assert '"count": 2' in lines[1] and len(lines) == 2
        log.info("four")
        assert len(stream.getvalue().splitlines()) == 3  # reported once
    finally:
        configure_logging("json", stream=sys.stderr)


def test_a_closed_stream_is_a_lost_line_not_an_error() -> None:
    stream = io.StringIO()
    printer = LossyPrinter(stream)
    stream.close()
    printer.msg("lost")
    assert printer.errors == 1
