"""The progress line: on a terminal only, for scans over a second, erased at the end."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from tests.nutriorun import nutrio_env

pytestmark = pytest.mark.e2e

#: no agent listens there in these tests: each address waits out its timeout
SILENT = "127.0.19.240/29"


def _scan_with_stderr(stderr: int) -> tuple[str, float]:
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "nutrio", "scan", "--snmp", SILENT,
                           "--timeout", "1.5"], env=nutrio_env(), stdout=subprocess.PIPE,
                          stderr=stderr, text=True, timeout=60)
    assert done.returncode == 0
    assert done.stdout == "# nutrio scan: nothing found\n"
    return done.stderr or "", time.monotonic() - started


def test_a_slow_scan_shows_progress_on_a_terminal_and_erases_it() -> None:
    controller, terminal = os.openpty()
    try:
        _, took = _scan_with_stderr(terminal)
        os.close(terminal)
        shown = b""
        while True:
            try:
                chunk = os.read(controller, 4096)
            except OSError:  # EIO: the other side is closed and drained
                break
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(controller)
    assert took > 1.5
    text = shown.decode()
    assert "\r\x1b[Knutrio scan: snmp " in text and "/6" in text, text
    assert text.endswith("\r\x1b[K"), text  # the last thing written erases the line


def test_without_a_terminal_nothing_goes_to_stderr() -> None:
    err, took = _scan_with_stderr(subprocess.PIPE)
    assert took > 1.5 and err == ""
