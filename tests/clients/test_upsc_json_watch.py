"""`nutrio upsc --json` and `--watch`, against the real upsd; plain upsc untouched."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Iterator

import pytest

from nutrio.clients.upsc_extra import maybe_extended, render_frame
from nutrio.clients.watch_screen import render_block
from tests.paths import DATA, ROOT
from tests.realnut import RealNut, real_nut, requires_real_nut

DUMP = DATA / "ddl/APC__APC__Smart-UPS_5000_RM__apcsmart__2.6.3__01.dev"
EXTRA = [sys.executable, "-m", "nutrio.clients.upsc_extra"]
# LINES and COLUMNS would override the pseudo-terminal's size (shutil reads them first)
ENV = {**{k: v for k, v in os.environ.items() if k not in ("LINES", "COLUMNS")},
       "PYTHONPATH": str(ROOT)}


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


@pytest.mark.e2e
@requires_real_nut
def test_json_prints_one_object_equal_to_upscs_variables(nut: RealNut) -> None:
    out = subprocess.run([*EXTRA, "--json", f"ups1@127.0.0.1:{nut.port}"], check=False, capture_output=True, text=True,
                         env=ENV, timeout=20)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == upsc_vars(nut)
    assert list(json.loads(out.stdout)) == list(upsc_vars(nut))  # upsd's order


@pytest.mark.e2e
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


def watch_on_a_terminal(nut: RealNut, seconds: float, size: tuple[int, int] | None = None) -> bytes:
    """What `--watch` shows on a pseudo-terminal (of *size* rows, columns) in *seconds*; Ctrl-C ends it."""
    main, child = pty.openpty()
    if size is not None:
        fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", *size, 0, 0))
    proc = subprocess.Popen([*EXTRA, "--watch", "-n", "0.5", f"ups1@127.0.0.1:{nut.port}"],
                            stdin=child, stdout=child, stderr=child, env=ENV, start_new_session=True)
    os.close(child)
    try:
        screen = read_for(main, seconds)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(main)
    return screen


@pytest.mark.e2e
@requires_real_nut
def test_watch_redraws_in_place_on_a_terminal(nut: RealNut) -> None:
    text = watch_on_a_terminal(nut, 3.0).decode()
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


# -- fitting the terminal, plain text on a pipe ------------------------------------

MANY = {f"x.var{i:02d}": str(i) for i in range(20)} | {
    "ups.load": "41", "battery.runtime": "900", "ups.status": "OB DISCHRG", "battery.charge": "87",
}


def test_frame_fits_the_terminal_with_status_and_key_variables_first() -> None:
    frame = render_frame("ups1@h", 2.0, 0.0, MANY, {}, size=(60, 12))
    rows = frame.split("\n")
    assert len(rows) == 12 and rows[-1] == "\x1b[J"  # 11 lines, the last row left for the cursor
    assert rows[1] == "\x1b[1mStatus:\x1b[0m OB DISCHRG\x1b[K" and rows[2] == "\x1b[K"
    assert [r.split(":")[0] for r in rows[3:7]] == ["ups.status", "battery.charge", "battery.runtime", "ups.load"]
    assert rows[3:10] == [f"{n}: {MANY[n]}\x1b[K" for n in
                          ["ups.status", "battery.charge", "battery.runtime", "ups.load", "x.var00", "x.var01",
                           "x.var02"]]
    assert rows[10] == "... 17 more not shown (the terminal has 12 lines)\x1b[K"


def test_frame_cuts_lines_at_the_terminal_width() -> None:
    frame = render_frame("a-rather-long-name@a-rather-long-host", 2.0, 0.0, {"ups.mfr": "M" * 100}, {},
                         size=(30, 24))
    visible = [row.replace("\x1b[1m", "").replace("\x1b[0m", "").replace("\x1b[K", "").replace("\x1b[J", "")
               for row in frame.split("\n")]
    assert max(len(v) for v in visible) == 30
    assert "ups.mfr: " + "M" * 21 in visible


def test_everything_fits_in_a_tall_terminal() -> None:
    frame = render_frame("u", 2.0, 0.0, MANY, {}, size=(80, 40))
    assert "more not shown" not in frame and frame.count("\n") == 3 + len(MANY)


def test_a_pipe_gets_plain_blocks_with_every_variable() -> None:
    block = render_block("ups1@h", 2.0, 0.0, MANY)
    assert "\x1b" not in block and block.endswith("\n\n")
    lines = block.split("\n")
    assert lines[1] == "Status: OB DISCHRG" and lines[2] == "ups.status: OB DISCHRG"
    assert len(lines) == 2 + len(MANY) + 2
    assert render_block("u", 1.0, 0.0, {}, "Data stale").split("\n")[1] == "Error: Data stale"


@pytest.mark.e2e
@requires_real_nut
def test_watch_in_a_small_terminal_never_scrolls(nut: RealNut) -> None:
    frames = watch_on_a_terminal(nut, 2.5, size=(10, 50)).decode().split("\x1b[H")[1:]
    assert len(frames) >= 2
    rows = frames[1].replace("\r", "").split("\n")
    assert len(rows) <= 10 and "Status:\x1b[0m OL" in rows[1]
    assert rows[3].startswith("ups.status: ") and "more not shown (the terminal has 10 lines)" in frames[1]
    assert all(len(r.replace("\x1b[K", "").replace("\x1b[J", "")) <= 50 for r in rows[2:])


@pytest.mark.e2e
@requires_real_nut
def test_watch_into_a_pipe_prints_plain_blocks_and_stops_when_the_reader_goes(nut: RealNut) -> None:
    cmd = " ".join([*EXTRA, "--watch", "-n", "0.3", f"ups1@127.0.0.1:{nut.port}"])
    done = subprocess.run(["bash", "-c", f"{cmd} | head -120; echo \"status=${{PIPESTATUS[0]}}\" >&2"],
                          capture_output=True, text=True, env=ENV, timeout=30)
    assert "\x1b" not in done.stdout
    blocks = done.stdout.split("\n\n")
    assert len(blocks) >= 2 and blocks[0].split("\n")[1] == "Status: OL"
    served = upsc_vars(nut)
    first = [n for n in ("ups.status", "battery.charge", "battery.runtime", "input.voltage", "output.voltage",
                         "ups.load") if n in served]
    order = first + [n for n in served if n not in first]
    assert blocks[0].split("\n")[2:] == [f"{n}: {served[n]}" for n in order]
    assert done.stderr == "status=0\n"  # quiet, and over once head has its lines
