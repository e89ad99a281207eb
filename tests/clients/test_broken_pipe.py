"""A reader that goes away (`nutrio upsc ups | head -1`) ends the clients as it ends NUT's.

Each case runs NUT 2.8.0's program and ours with stdout on a pipe whose
reading end is already closed, so every write to stdout fails, and compares
the exit status and stderr byte for byte. What NUT does there (measured):

- upsc's SSL library (NSS) ignores SIGPIPE once upsc has connected, so the
  writes fail quietly and upsc exits as usual (0, or 1 after its own error);
- before that (``-h``), and always in upscmd and upsrw, SIGPIPE kills the
  tool at once: status 141 to a shell, nothing on stderr;
- upslog after a good first connect logs into the void until told to stop;
  after a failed one SIGPIPE kills it at its first line.

Never a traceback.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from tests.clients._compare import mask_versions, shell_status
from tests.paths import DATA, ROOT
from tests.realnut import RealNut, free_port, real_nut, requires_real_nut

pytestmark = [requires_real_nut, pytest.mark.realnut, pytest.mark.e2e]

OURS = [sys.executable, "-m", "nutrio"]


@pytest.fixture(scope="module")
def nut() -> Iterator[RealNut]:
    with real_nut({"eaton": DATA / "ddl" / "Eaton__Eaton__5PX_2000__usbhid-ups__2.7.4__01.dev"}) as running:
        yield running


def into_closed_pipe(argv: list[str], env: dict[str, str], *, run_for: float | None = None) -> tuple[int, bytes]:
    """Run *argv* with stdout on a pipe nobody reads; (shell status, stderr).

    With *run_for*, a program still running after that many seconds gets
    SIGTERM (upslog's way to stop).
    """
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        proc = subprocess.Popen(argv, stdout=write_end, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                                env=env, cwd=ROOT, start_new_session=True)
    finally:
        os.close(write_end)
    if run_for is not None:
        time.sleep(run_for)
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=30)
    return shell_status(proc.returncode), mask_versions(stderr)


CASES = [
    ("upsc", ["eaton@{H}"]),
    ("upsc", ["eaton@{H}", "ups.status"]),
    ("upsc", ["-l", "{H}"]),
    ("upsc", ["-L", "{H}"]),
    ("upsc", ["-c", "eaton@{H}"]),
    ("upsc", ["nosuch@{H}"]),
    ("upsc", ["-h"]),
    ("upscmd", ["-l", "eaton@{H}"]),
    ("upscmd", ["-h"]),
    ("upsrw", ["eaton@{H}"]),
    ("upsrw", ["-V"]),
]


@pytest.mark.parametrize(("prog", "args"), CASES, ids=lambda c: " ".join(c) if isinstance(c, list) else c)
def test_closed_stdout_ends_the_client_as_it_ends_nuts(nut: RealNut, prog: str, args: list[str]) -> None:
    filled = [a.format(H=f"127.0.0.1:{nut.port}") for a in args]
    real = into_closed_pipe([prog, *filled], nut.env)
    ours = into_closed_pipe([*OURS, prog, *filled], nut.env)
    assert ours == real
    assert b"Traceback" not in ours[1] and ours[1].count(b"\n") <= 2


def test_upsc_piped_into_head_prints_one_line_and_exits_0(nut: RealNut) -> None:
    """The shell pipeline from the issue: no traceback, upsc's status 0, head got its line."""
    ours = " ".join(OURS)
    script = f"{ours} upsc eaton@127.0.0.1:{nut.port} | head -1; echo \"status=${{PIPESTATUS[0]}}\" >&2"
    done = subprocess.run(["bash", "-c", script], capture_output=True, env=nut.env, cwd=ROOT, timeout=30)
    assert done.stdout.count(b"\n") == 1 and done.stdout.startswith(b"battery.")
    assert done.stderr.splitlines()[-1] == b"status=0"
    assert b"Traceback" not in done.stderr


def test_upslog_connected_logs_into_a_closed_pipe_until_stopped(nut: RealNut) -> None:
    args = ["upslog", "-s", f"eaton@127.0.0.1:{nut.port}", "-l", "-", "-i", "1"]
    real = into_closed_pipe(args, nut.env, run_for=2.5)
    ours = into_closed_pipe([*OURS, *args], nut.env, run_for=2.5)
    assert ours == real == (0, b"Init SSL without certificate database\nSignal 15: exiting\n")


def test_upslog_without_a_first_connection_dies_of_the_closed_pipe(nut: RealNut) -> None:
    args = ["upslog", "-s", f"eaton@127.0.0.1:{free_port()}", "-l", "-", "-i", "1"]
    real = into_closed_pipe(args, nut.env, run_for=2.5)
    ours = into_closed_pipe([*OURS, *args], nut.env, run_for=2.5)
    assert ours == real
    assert ours == (141, b"Warning: initial connect failed: Connection failure: Connection refused\n")
