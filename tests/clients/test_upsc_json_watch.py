"""`nutrio upsc --json` and `--watch`, against the real upsd; plain upsc untouched."""

from __future__ import annotations

import json
import os
import pty
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from nutrio.clients.upsc_extra import maybe_extended, render_frame
from tests.paths import DATA, ROOT
from tests.realnut import RealNut, real_nut, requires_real_nut

DUMP = DATA / "ddl/APC__APC__Smart-UPS_5000_RM__apcsmart__2.6.3__01.dev"
EXTRA = [sys.executable, "-m", "nutrio.clients.upsc_extra"]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


@pytest.fixture(scope="module")
def nut() -> Iterator[RealNut]:
    with real_nut({"ups1": DUMP}) as running:
        yield running


def upsc_vars(nut: RealNut) -> dict[str, str]:
    out = nut.upsc(f"ups1@127.0.0.1:{nut.port}").stdout
    return dict(line.split(": ", 1) for line in out.splitlines())


def test_plain_upsc_arguments_are_not_taken() -> None:
    assert maybe_extended(["ups1@localhost"]) is None
    assert maybe_extended(["-l", "localhost"]) is None


@requires_real_nut
def test_json_prints_one_object_equal_to_upscs_variables(nut: RealNut) -> None:
    out = subprocess.run([*EXTRA, "--json", f"ups1@127.0.0.1:{nut.port}"], check=False, capture_output=True, text=True,
                         env=ENV, timeout=20)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == upsc_vars(nut)
    assert list(json.loads(out.stdout)) == list(upsc_vars(nut))  # upsd's order


@requires_real_nut
def test_json_single_variable_and_unknown_ups(nut: RealNut) -> None:
    one = subprocess.run([*EXTRA, "--json", f"ups1@127.0.0.1:{nut.port}", "ups.load"], check=False, capture_output=True,
                         text=True, env=ENV, timeout=20)
    assert json.loads(one.stdout) == {"ups.load": upsc_vars(nut)["ups.load"]}
    bad = subprocess.run([*EXTRA, "--json", f"nosuch@127.0.0.1:{nut.port}"], check=False, capture_output=True, text=True,
                         env=ENV, timeout=20)
    real = nut.upsc(f"nosuch@127.0.0.1:{nut.port}")
    assert (bad.returncode, bad.stdout) == (real.returncode, "")
    assert bad.stderr.splitlines()[-1] == real.stderr.splitlines()[-1] == "Error: Unknown UPS"


def read_for(fd: int, seconds: float) -> bytes:
    data = b""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            data += chunk
    return data


@requires_real_nut
def test_watch_redraws_in_place_on_a_terminal(nut: RealNut) -> None:
    main, child = pty.openpty()
    proc = subprocess.Popen([*EXTRA, "--watch", "-n", "0.5", f"ups1@127.0.0.1:{nut.port}"],
                            stdin=child, stdout=child, stderr=child, env=ENV, start_new_session=True)
    os.close(child)
    try:
        screen = read_for(main, 3.0)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(main)
    text = screen.decode()
    assert text.startswith("\x1b[H\x1b[2J")  # first frame clears the screen
    frames = text.split("\x1b[H")[1:]
    assert len(frames) >= 3  # redrawn in place, not scrolled
    assert "ups.load: 069.6\x1b[K" in frames[1] and "Status:\x1b[0m OL" in frames[1]
    assert frames[1].rstrip("\n").endswith("\x1b[J")


def test_watch_frame_marks_changed_values_and_errors() -> None:
    frame = render_frame("ups1@h", 2.0, 0.0, {"ups.status": "OB", "ups.load": "7"}, {"ups.status": "OL", "ups.load": "7"})
    lines = frame.split("\n")
    assert lines[0].startswith("\x1b[1mEvery 2s: upsc ups1@h")
    assert "ups.status: \x1b[7mOB\x1b[0m\x1b[K" in lines
    assert "ups.load: 7\x1b[K" in lines
    assert "Error: Data stale\x1b[K" in render_frame("u", 1.0, 0.0, {}, {}, "Data stale")
