"""On a terminal, upscmd and upsrw ask for username, password (not echoed) and value like NUT's.

Both tools run on a pseudo-terminal; answers are typed only once each prompt
has appeared (getpass flushes input typed ahead), and the whole terminal
transcript is compared.
"""

from __future__ import annotations

import os
import pty
import select
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.paths import DATA
from tests.realnut import RealNut, real_nut, requires_real_nut

pytestmark = [requires_real_nut, pytest.mark.realnut, pytest.mark.e2e]

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def nut() -> Iterator[RealNut]:
    with real_nut({"edge": DATA / "edge" / "edge-cases.dev"}) as running:
        yield running


def _read_until(fd: int, transcript: bytearray, wanted: bytes | None, deadline: float) -> None:
    """Read until *wanted* shows up, or (None) until the program closes the terminal."""
    while wanted is None or wanted not in transcript:
        assert time.monotonic() < deadline, f"waited for {wanted!r}; got {bytes(transcript)!r}"
        if select.select([fd], [], [], 0.1)[0]:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # EIO: the child closed the terminal
                return
            if not chunk:
                return
            transcript += chunk


def converse(argv: list[str], env: dict[str, str], dialogue: list[tuple[bytes, bytes]]) -> tuple[int, bytes]:
    """Run *argv* on a pty; for each (prompt, answer), wait for the prompt, type the answer."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: become the program
        os.chdir(ROOT)
        os.execvpe(argv[0], argv, env)
    transcript = bytearray()
    deadline = time.monotonic() + 20
    try:
        for prompt, answer in dialogue:
            _read_until(fd, transcript, prompt, deadline)
            time.sleep(0.05)  # let the program switch echo off after printing the prompt
            os.write(fd, answer)
        _read_until(fd, transcript, None, deadline)
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    return os.waitstatus_to_exitcode(status), bytes(transcript)


CASES = [
    ("upscmd", ["edge@{H}", "load.off"], [(b"Username (", b"admin\n"), (b"Password: ", b"secret\n")]),
    ("upscmd", ["edge@{H}", "load.off"], [(b"Username (", b"admin\n"), (b"Password: ", b"wrong\n")]),
    ("upsrw", ["-s", "ups.mfr", "edge@{H}"],
     [(b"Username (", b"admin\n"), (b"Password: ", b"secret\n"), (b"new value", b"typed on a tty\n")]),
]


@pytest.mark.parametrize(("prog", "args", "dialogue"), CASES)
def test_terminal_dialogue_matches_nut(
    nut: RealNut, prog: str, args: list[str], dialogue: list[tuple[bytes, bytes]]
) -> None:
    filled = [a.format(H=f"127.0.0.1:{nut.port}") for a in args]
    real = converse([prog, *filled], nut.env, dialogue)
    ours = converse([sys.executable, "-m", f"nutrio.clients.{prog}", *filled], nut.env, dialogue)
    assert b"secret" not in real[1] and b"wrong" not in real[1]  # the password is not echoed
    assert ours == real
