"""NUT 2.8.5's client environment: NUT_DEFAULT_CONNECT_TIMEOUT and NUT_DEBUG_LEVEL.

The installed NUT 2.8.0 clients read neither variable, so their output is
the oracle only for what must not change (stdout, the errors); what the
variables add is checked against the v2.8.5 source (clients/upsclient.c
``upscli_init_default_connect_timeout`` and ``upscli_tryconnect``,
common/common.c ``vupslog`` and ``upsdebugx``): the same texts, in the same
order, with the same line prefix.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nutrio.protocol.client.environment import connect_timeout, debug_level, debug_line
from tests.clients._compare import mask_versions
from tests.paths import DATA, ROOT
from tests.procs import wait_until
from tests.realnut import RealNut, real_nut, requires_real_nut

OURS = [sys.executable, "-m", "nutrio"]
NOT_RECOGNIZED = "upscli_init_default_connect_timeout: NUT_DEFAULT_CONNECT_TIMEOUT='{}' value was not recognized, ignored"


# -- parsing (pure) --------------------------------------------------------------


@pytest.mark.parametrize(("text", "seconds", "source"), [
    (None, 10.0, "default_secs"),
    ("2.5", 2.5, "envvar_secs"),
    (" 3 ", 3.0, "envvar_secs"),
    ("1e1", 10.0, "envvar_secs"),
    ("+.5", 0.5, "envvar_secs"),
    ("0", None, "envvar_secs"),  # 0: as long as the system lets a connect wait
])
def test_connect_timeout_accepted(text: str | None, seconds: float | None, source: str) -> None:
    chosen = connect_timeout(text)
    assert (chosen.seconds, chosen.source, chosen.warnings) == (seconds, source, ())


@pytest.mark.parametrize("text", ["", "abc", "-1", "5s", "0x10", "1e400", "1e-400", "1..2", "inf", "nan", "1,5"])
def test_connect_timeout_refused_keeps_the_default_with_nuts_warning(text: str) -> None:
    chosen = connect_timeout(text)
    assert (chosen.seconds, chosen.source) == (10.0, "default_secs")
    assert chosen.warnings == (NOT_RECOGNIZED.format(text),)


def test_connect_timeout_debug_line_text() -> None:
    assert connect_timeout("2.25").debug_message() == (
        "upscli_init_default_connect_timeout: upscli_default_connect_timeout=2.250000 sec assigned from: envvar_secs")
    assert connect_timeout(None).debug_message().endswith("=10.000000 sec assigned from: default_secs")


@given(st.text(max_size=20))
def test_any_connect_timeout_text_gives_a_choice_never_an_exception(text: str) -> None:
    chosen = connect_timeout(text)
    assert chosen.seconds is None or chosen.seconds >= 0
    assert (chosen.source == "envvar_secs") == (chosen.warnings == ())


@pytest.mark.parametrize(("text", "level"), [
    (None, 0), ("1", 1), (" 2 ", 2), ("+4", 4), ("0", 0), ("-3", 0), ("x", 0), ("1.5", 0), ("", 0),
    ("99999999999", 0),
])
def test_debug_level(text: str | None, level: int) -> None:
    assert debug_level(text) == level


def test_debug_line_layout() -> None:
    assert debug_line(1.5, "hello", 1, ":upsc") == "   1.500000\t[D1:upsc] hello\n"
    assert debug_line(12345.0000004, "Error: x") == "12345.000000\tError: x\n"


# -- connecting with a timeout ---------------------------------------------------


@contextlib.contextmanager
def black_hole() -> Iterator[int]:
    """A port whose accept queue is full: a new connect waits and never completes."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(3):
        filler = socket.socket()
        filler.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            filler.connect(("127.0.0.1", port))
        fillers.append(filler)
    time.sleep(0.1)
    try:
        yield port
    finally:
        for sock in [*fillers, listener]:
            sock.close()


TIMED_OUT = [
    "upscli_tryconnect: Connection to host timed out: '127.0.0.1'",
    "Error: Connection failure: Connection timed out",
]


@pytest.mark.parametrize("argv", [
    ["upsc", "ups@127.0.0.1:{P}"],
    ["upsc", "-l", "127.0.0.1:{P}"],
    ["upscmd", "-l", "ups@127.0.0.1:{P}"],
    ["upsrw", "ups@127.0.0.1:{P}"],
], ids=lambda a: " ".join(a[:2]))
def test_a_connect_that_hangs_ends_after_nut_default_connect_timeout(argv: list[str]) -> None:
    """upsclient.c 2.8.5 logs the timed-out address, then the tool reports the failure: two lines."""
    env = {**os.environ, "NUT_DEFAULT_CONNECT_TIMEOUT": "0.5"}
    with black_hole() as port:
        started = time.monotonic()
        done = subprocess.run([*OURS, *(a.format(P=port) for a in argv)], capture_output=True, text=True,
                              env=env, cwd=ROOT, timeout=30)
        took = time.monotonic() - started
    assert (done.returncode, done.stdout, done.stderr.splitlines()) == (1, "", TIMED_OUT)
    assert 0.5 <= took < 5


def _asleep_in_sigtimedwait(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/wchan").read_text().startswith("do_sigtimedwait")
    except OSError:
        return False


def test_upslog_first_connect_times_out_and_it_carries_on() -> None:
    env = {**os.environ, "NUT_DEFAULT_CONNECT_TIMEOUT": "0.3"}
    with black_hole() as port:
        proc = subprocess.Popen([*OURS, "upslog", "-s", f"ups@127.0.0.1:{port}", "-l", "-", "-i", "10"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
        assert proc.stderr is not None
        # until the first line's reconnect has timed out too (not a fixed sleep: a busy
        # machine may take longer than the timeouts add up to)
        seen = [proc.stderr.readline().rstrip("\n") for _ in range(3)]
        assert proc.stdout is not None
        first = proc.stdout.readline()  # that line is written
        # a signal during the sleep writes a last line; one during the work would not
        assert wait_until(lambda: _asleep_in_sigtimedwait(proc.pid))
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=20)
        out = first + out
    assert proc.returncode == 0
    # the first connect, the first line's reconnect, the last line's (SIGTERM) reconnect
    assert seen + err.splitlines() == [
        TIMED_OUT[0], "Warning: initial connect failed: Connection failure: Connection timed out",
        TIMED_OUT[0], TIMED_OUT[0], "Signal 15: exiting"]
    assert out.splitlines()[-1].endswith("NA NA NA [NA] NA NA")  # logged, with nothing known


# -- against a real upsd: stdout untouched, stderr as 2.8.5 --------------------------


@pytest.fixture(scope="module")
def nut() -> Iterator[RealNut]:
    with real_nut({"eaton": DATA / "ddl" / "Eaton__Eaton__5PX_2000__usbhid-ups__2.7.4__01.dev"}) as running:
        yield running


def run(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(argv, capture_output=True, env=env, cwd=ROOT, timeout=30)


@pytest.mark.e2e
@requires_real_nut
def test_a_bad_timeout_value_is_one_warning_line_and_changes_nothing_else(nut: RealNut) -> None:
    env = {**nut.env, "NUT_DEFAULT_CONNECT_TIMEOUT": "soon"}
    real = run(["upsc", "-l", f"127.0.0.1:{nut.port}"], nut.env)
    ours = run([*OURS, "upsc", "-l", f"127.0.0.1:{nut.port}"], env)
    assert (ours.returncode, ours.stdout) == (real.returncode, real.stdout) == (0, b"eaton\n")
    assert ours.stderr == NOT_RECOGNIZED.format("soon").encode() + b"\n" + real.stderr


STAMP = re.compile(r"^ {0,3}\d+\.\d{6}\t")


def debug_lines(stderr: bytes) -> list[str]:
    """Stderr without the time stamps; each line must have one (a message may span lines)."""
    text = stderr.decode()
    records = re.split(r"\n(?= {0,3}\d+\.\d{6}\t)", text.rstrip("\n"))
    assert all(STAMP.match(r) for r in records), text
    return [STAMP.sub("", r) for r in records]


@pytest.mark.e2e
@requires_real_nut
def test_nut_debug_level_prints_the_clients_debug_lines(nut: RealNut) -> None:
    target = f"eaton@127.0.0.1:{nut.port}"
    env = {**nut.env, "NUT_DEBUG_LEVEL": "1"}
    real = run(["upsc", target, "ups.status"], nut.env)
    ours = run([*OURS, "upsc", target, "ups.status"], env)
    assert (ours.returncode, ours.stdout) == (real.returncode, real.stdout)
    assert debug_lines(ours.stderr) == [
        "[D1] Defaulting debug verbosity to NUT_DEBUG_LEVEL=1 since none was requested by command-line options",
        "[D1:upsc] Starting NUT client: upsc",
        "[D1:upsc:libupsclient] upscli_init_default_connect_timeout: upscli_default_connect_timeout=10.000000 sec "
        "assigned from: default_secs",
        f"[D1:{target}] upsname='eaton' hostname='127.0.0.1' port='{nut.port}'",
        "Init SSL without certificate database",
        f"[D1:libupsclient:{target}] upscli_init: completed",
        f"[D1:{target}] Calling printvar(ups.status)",
        "[D1:upsc:libupsclient] upscli_disconnect: We logged out, and server said 'OK Goodbye\n' nicely, as expected",
        "[D1:upsc] clean_exit: finished, exiting",
    ]


@pytest.mark.e2e
@requires_real_nut
def test_debug_lines_put_errors_in_their_place(nut: RealNut) -> None:
    """fatalx's line is stamped too, and clean_exit (the disconnect) comes after it."""
    target = f"nosuch@127.0.0.1:{nut.port}"
    ours = run([*OURS, "upscmd", "-l", target], {**nut.env, "NUT_DEBUG_LEVEL": "2"})
    real = run(["upscmd", "-l", target], nut.env)
    assert (ours.returncode, ours.stdout) == (real.returncode, real.stdout) == (1, b"")
    assert debug_lines(ours.stderr)[-3:] == [
        "Error: Unknown UPS",
        f"[D1:libupsclient:{target}] upscli_disconnect: We logged out, and server said 'OK Goodbye\n' nicely, "
        "as expected",
        f"[D1:{target}] clean_exit: finished, exiting",
    ]
    assert mask_versions(real.stderr) == b"Error: Unknown UPS\n"


def test_the_pure_client_modules_import_no_trio_and_no_sockets() -> None:
    code = ("import sys, nutrio.protocol.client.environment, nutrio.protocol.client.upsc_json; "
            "sys.exit(bool({'trio', 'socket'} & set(sys.modules)))")
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT, timeout=30).returncode == 0
