"""NUT's own clients (Debian's 2.8.0 upsc, upscmd, upsrw, upslog) against `nutrio run`.

The same command lines run against the real upsd + dummy-ups serving the same
dump; their output must be identical (the driver version lines aside).
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.nutriorun import SHARED, Nutrio, nutrio_run
from tests.procs import running, wait_until
from tests.realnut import RealNut, real_nut, requires_real_nut

pytestmark = [requires_real_nut, pytest.mark.e2e]

DUMP = SHARED / "data/ddl/APC__APC__Smart-UPS_1000__usbhid-ups__2.4.1__01.dev"
VERSION = re.compile(r"^(driver\.version(?:\.internal)?: ).*$", re.M)


@pytest.fixture(scope="module")
def ours(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Nutrio]:
    with nutrio_run(tmp_path_factory.mktemp("realclients"), {"ups1": DUMP}, desc="test") as srv:
        yield srv


@pytest.fixture(scope="module")
def theirs() -> Iterator[RealNut]:
    from tests.realnut import DEFAULT_USERS

    with real_nut({"ups1": DUMP}, users=DEFAULT_USERS) as nut:
        yield nut


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), capture_output=True, text=True, timeout=30)


def _same(args: list[str], ours: Nutrio, theirs: RealNut) -> str:
    def host_args(port: int) -> list[str]:
        return [a.replace("{H}", f"127.0.0.1:{port}") for a in args]

    mine = _run(*host_args(ours.port))
    real = _run(*host_args(theirs.port))
    masked = [
        (VERSION.sub(r"\1<v>", r.stdout).replace(str(p), "PORT"), r.stderr.replace(str(p), "PORT"), r.returncode)
        for r, p in ((mine, ours.port), (real, theirs.port))
    ]
    assert masked[0] == masked[1], args
    return mine.stdout + mine.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["upsc", "ups1@{H}"],
        ["upsc", "ups1@{H}", "ups.status"],
        ["upsc", "ups1@{H}", "no.such.var"],
        ["upsc", "nosuch@{H}"],
        ["upsc", "-l", "{H}"],
        ["upsc", "-L", "{H}"],
        ["upsc", "-c", "ups1@{H}"],
        ["upscmd", "-l", "ups1@{H}"],
        ["upsrw", "ups1@{H}"],
    ],
    ids=lambda a: " ".join(a),
)
def test_read_only_client_output_matches_real_upsd(args: list[str], ours: Nutrio, theirs: RealNut) -> None:
    _same(args, ours, theirs)


def test_upscmd_with_login_matches(ours: Nutrio, theirs: RealNut) -> None:
    _same(["upscmd", "-u", "admin", "-p", "secret", "ups1@{H}", "load.off"], ours, theirs)
    _same(["upscmd", "-u", "admin", "-p", "wrong", "ups1@{H}", "load.off"], ours, theirs)
    _same(["upscmd", "-u", "helper", "-p", "help", "ups1@{H}", "load.off"], ours, theirs)


def test_upsrw_set_matches_and_takes_effect(ours: Nutrio, theirs: RealNut) -> None:
    out = _same(["upsrw", "-s", "ups.delay.shutdown=30", "-u", "admin", "-p", "secret", "ups1@{H}"], ours, theirs)
    assert out.strip() == "OK"  # 2.8.0 prints SUCCESS only with -w (tracking)
    # dummy-ups applies a SET on its next update (every 2 s)
    assert wait_until(lambda: all(_run("upsc", f"ups1@127.0.0.1:{port}", "ups.delay.shutdown")
                                  .stdout.strip() == "30" for port in (ours.port, theirs.port)), 10)
    assert _same(["upsc", "ups1@{H}", "ups.delay.shutdown"], ours, theirs).splitlines()[0] == "30"


def test_upslog_logs_our_ups(ours: Nutrio, tmp_path: Path) -> None:
    with running(["upslog", "-s", f"ups1@127.0.0.1:{ours.port}", "-l", "-", "-i", "1",
                  "-f", "%VAR ups.status% %VAR battery.charge%"], logdir=tmp_path) as proc:
        proc.wait_for_line(lambda line: line[:2] in ("OL", "OB"), stream="stdout")
    out = proc.stdout()
    lines = [line for line in out.splitlines() if line.strip() and not line.startswith("Network UPS Tools")]
    assert lines, out
    status, charge = lines[-1].rsplit(" ", 1)
    assert status.split()[0] in {"OL", "OB"} and charge.isdigit(), lines
