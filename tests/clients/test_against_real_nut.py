"""Our upsc/upscmd/upsrw print the same bytes and exit the same way as NUT 2.8.0's.

One real upsd (with real dummy-ups drivers) serves the whole module; each
case runs NUT's binary and ours with the same arguments and compares exit
status, stdout and stderr byte for byte (version strings masked).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.clients._compare import run_ours, run_ours_subprocess, run_real
from tests.paths import DATA
from tests.realnut import RealNut, free_port, real_nut, requires_real_nut

pytestmark = [requires_real_nut, pytest.mark.realnut, pytest.mark.e2e]

DEVICES = {
    "eaton": DATA / "ddl" / "Eaton__Eaton__5PX_2000__usbhid-ups__2.7.4__01.dev",
    "apc": DATA / "ddl" / "APC__APC__Back-UPS_BK650M2-CH__usbhid-ups__2.8.0__01.dev",
    "edge": DATA / "edge" / "edge-cases.dev",
}


@pytest.fixture(scope="module")
def nut() -> Iterator[RealNut]:
    with real_nut(DEVICES) as running:
        yield running


def same_as_nut(nut: RealNut, prog: str, args: list[str]) -> None:
    ours = run_ours(prog, args)
    real = run_real(prog, args, env=nut.env)
    assert (ours.status, ours.stdout.decode(errors="replace"), ours.stderr.decode(errors="replace")) == (
        real.status, real.stdout.decode(errors="replace"), real.stderr.decode(errors="replace"),
    )
    assert ours == real  # and byte for byte


# {H} is 127.0.0.1:<port of upsd>; {DEAD} a port where nothing listens
UPSC_CASES = [
    ["eaton@{H}"],
    ["apc@{H}"],
    ["edge@{H}"],
    ["edge@{H}", "ups.status"],
    ["edge@{H}", "ups.vendorid"],
    ["edge@{H}", "ups.id"],
    ["edge@{H}", "ups.load", "ignored.extra"],
    ["eaton@{H}", "no.such.var"],
    ["eaton@{H}", "nodot"],
    ["nosuch@{H}"],
    ["nosuch@{H}", "ups.status"],
    ["-l", "{H}"],
    ["-L", "{H}"],
    ["-lL", "{H}"],
    ["-c", "eaton@{H}"],
    ["-c", "nosuch@{H}"],
    ["eaton@[127.0.0.1]:{P}", "ups.status"],
    ["eaton@127.0.0.1:{P}junk", "ups.status"],
    ["@127.0.0.1:{P}"],
    ["eaton@127.0.0.1:{DEAD}"],
    ["-l", "127.0.0.1:{DEAD}"],
    ["eaton@no-such-host.invalid"],
    ["eaton@[::1"],
    ["eaton@127.0.0.1:"],
    ["eaton@127.0.0.1:0"],
    ["eaton@127.0.0.1:65536"],
    ["eaton@"],
    ["-l", ""],
    [""],
    [],
    ["-h"],
    ["-V"],
    ["-x"],
    ["--help"],
    ["-L", "-c", "eaton@{H}"],
]

UPSCMD_CASES = [
    ["-l", "eaton@{H}"],
    ["-l", "edge@{H}"],
    ["-l", "nosuch@{H}"],
    ["-u", "admin", "-p", "secret", "eaton@{H}", "load.off"],
    ["-u", "admin", "-p", "secret", "eaton@{H}", "load.off", "10"],
    ["-uadmin", "-psecret", "eaton@{H}", "bad.cmd"],
    ["-u", "admin", "-p", "secret", "eaton@{H}", "loadoff"],
    ["-u", "admin", "-p", "wrong", "eaton@{H}", "load.off"],
    ["-u", "nobody", "-p", "x", "eaton@{H}", "load.off"],
    ["-u", "helper", "-p", "help", "eaton@{H}", "load.off"],
    ["-u", "admin", "-p", "secret", "nosuch@{H}", "load.off"],
    ["-w", "-u", "admin", "-p", "secret", "eaton@{H}", "load.off"],
    ["-u", "admin", "-p", "secret", "eaton@127.0.0.1:{DEAD}", "load.off"],
    ["eaton@{H}"],
    [],
    ["-h"],
    ["-V"],
    ["-u"],
    ["-q"],
    ["-t", "abc", "eaton@{H}", "load.off"],
    ["-t", "-1", "eaton@{H}", "load.off"],
    ["-t", "99999999999", "eaton@{H}", "load.off"],
    ["-t", " 5", "-l", "eaton@{H}"],
    ["-h", "-t", "abc"],
    ["eaton@[::1", "load.off"],
]

UPSRW_CASES = [
    ["edge@{H}"],
    ["eaton@{H}"],
    ["-l", "apc@{H}"],
    ["nosuch@{H}"],
    ["-s", "ups.id=from test", "-u", "admin", "-p", "secret", "edge@{H}"],
    ["-s", 'ups.id=q"uo#te\\d', "-u", "admin", "-p", "secret", "edge@{H}"],
    ["-s", "upsid=x", "-u", "admin", "-p", "secret", "edge@{H}"],
    ["-s", "ups.id=x", "-u", "admin", "-p", "wrong", "edge@{H}"],
    ["-s", "no.such=x", "-u", "admin", "-p", "secret", "edge@{H}"],
    ["-s", "ups.id=x", "-u", "admin", "-p", "secret", "nosuch@{H}"],
    ["-w", "-s", "ups.id=tracked", "-u", "admin", "-p", "secret", "edge@{H}"],
    ["-s", "a.b=c", "-l", "edge@{H}"],
    ["-s", "ups.id=x", "-u", "admin", "-p", "secret", "edge@127.0.0.1:{DEAD}"],
    [],
    ["-h"],
    ["-V"],
    ["-s"],
    ["-t", "x", "edge@{H}"],
    ["edge@"],
]


def _fill(args: list[str], nut: RealNut, dead: int) -> list[str]:
    host = f"127.0.0.1:{nut.port}"
    return [a.format(H=host, P=nut.port, DEAD=dead) for a in args]


@pytest.fixture(scope="module")
def dead_port() -> int:
    return free_port()


@pytest.mark.parametrize("args", UPSC_CASES, ids=lambda a: " ".join(a) or "<none>")
def test_upsc_prints_what_nut_prints(nut: RealNut, dead_port: int, args: list[str]) -> None:
    same_as_nut(nut, "upsc", _fill(args, nut, dead_port))


@pytest.mark.parametrize("args", UPSCMD_CASES, ids=lambda a: " ".join(a) or "<none>")
def test_upscmd_prints_what_nut_prints(nut: RealNut, dead_port: int, args: list[str]) -> None:
    same_as_nut(nut, "upscmd", _fill(args, nut, dead_port))


@pytest.mark.parametrize("args", UPSRW_CASES, ids=lambda a: " ".join(a) or "<none>")
def test_upsrw_prints_what_nut_prints(nut: RealNut, dead_port: int, args: list[str]) -> None:
    same_as_nut(nut, "upsrw", _fill(args, nut, dead_port))


def test_upsrw_set_value_is_read_back_by_upsc(nut: RealNut) -> None:
    # (NUT 2.8.0 mangles quotes and '#' between upsd and the driver, so plain words)
    host = f"apc@127.0.0.1:{nut.port}"
    setting = run_ours("upsrw", ["-s", "battery.type=set  by nutrio", "-u", "admin", "-p", "secret", host])
    assert (setting.status, setting.stderr) == (0, b"OK\n")
    deadline = time.monotonic() + 5
    while run_real("upsc", [host, "battery.type"], env=nut.env).stdout != b"set  by nutrio\n":
        assert time.monotonic() < deadline, "the driver never took the new value"
        time.sleep(0.1)
    assert run_ours("upsc", [host, "battery.type"]).stdout == b"set  by nutrio\n"


# -- prompts: both tools run without a terminal and read stdin -------------

PROMPT_CASES = [
    ("upscmd", ["eaton@{H}", "load.off"], b"admin\nsecret\n"),
    ("upscmd", ["eaton@{H}", "load.off"], b""),
    ("upscmd", ["-u", "admin", "eaton@{H}", "load.off"], b"secret\n"),
    ("upscmd", ["-p", "secret", "eaton@{H}", "load.off"], b"\n"),
    ("upsrw", ["-s", "ups.id=p", "edge@{H}"], b"admin\nsecret\n"),
    ("upsrw", ["-s", "ups.id=p", "edge@{H}"], b""),
    ("upsrw", ["-s", "ups.id", "-u", "admin", "-p", "secret", "edge@{H}"], b"typed value\n"),
    ("upsrw", ["-s", "ups.id", "edge@{H}"], b"admin\nsecret\nvalue\n"),
]


@pytest.mark.parametrize(("prog", "args", "stdin"), PROMPT_CASES)
def test_prompts_read_stdin_like_nut(
    nut: RealNut, dead_port: int, prog: str, args: list[str], stdin: bytes
) -> None:
    filled = _fill(args, nut, dead_port)
    ours = run_ours_subprocess(prog, filled, stdin=stdin)
    real = run_real(prog, filled, env=nut.env, stdin=stdin)
    assert ours == real
