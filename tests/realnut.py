"""Start the real NUT 2.8 (dummy-ups + upsd from Debian) in a private directory.

Tests use it as the oracle. Each instance has its own NUT_CONFPATH and
NUT_STATEPATH and a free port on 127.0.0.1, so instances run side by side.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest

SBIN = Path("/lib/nut")
DUMMY_UPS = SBIN / "dummy-ups"
UPSD = SBIN / "upsd"


def have_real_nut() -> bool:
    return DUMMY_UPS.exists() and UPSD.exists() and shutil.which("upsc") is not None


requires_real_nut = pytest.mark.skipif(
    not have_real_nut(),
    reason="real NUT 2.8 binaries absent (apt-get install -y nut-client nut-server)",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")


@dataclass
class RealNut:
    """A running real upsd with dummy-ups drivers; ``port`` is upsd's port."""

    confdir: Path
    port: int
    env: dict[str, str]
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def upsc(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["upsc", *args], capture_output=True, text=True, env=self.env, timeout=20)

    def run(self, prog: str, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([prog, *args], capture_output=True, text=True, env=self.env, timeout=20)


def _write(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(0o640)


DEFAULT_USERS = """
[admin]
    password = secret
    actions = SET FSD
    instcmds = ALL
[monuser]
    password = pass
    upsmon primary
[helper]
    password = help
    instcmds = test.battery.start
"""


@contextlib.contextmanager
def real_nut(
    devices: Mapping[str, Path | str],
    *,
    users: str = DEFAULT_USERS,
    ups_extra: Mapping[str, str] | None = None,
    upsd_extra: str = "",
    settle: float = 1.5,
    preexec_fn: Callable[[], object] | None = None,
) -> Iterator[RealNut]:
    """Serve each ``name -> .dev/.seq file`` with real dummy-ups behind real upsd.

    ``ups_extra`` adds raw ups.conf lines per UPS name (e.g. ``mode = dummy-loop``).
    """
    tmp = Path(tempfile.mkdtemp(prefix="realnut-"))
    conf, state = tmp / "etc", tmp / "state"
    conf.mkdir()
    state.mkdir()
    os.chmod(state, 0o777)
    port = free_port()
    ups_conf = []
    for name, src in devices.items():
        src = Path(src)
        dst = conf / src.name
        shutil.copyfile(src, dst)
        extra = (ups_extra or {}).get(name, "")
        ups_conf.append(f"[{name}]\n    driver = dummy-ups\n    port = {dst.name}\n    desc = \"test\"\n{extra}\n")
    _write(conf / "nut.conf", "MODE=standalone\n")
    _write(conf / "ups.conf", "".join(ups_conf))
    _write(conf / "upsd.conf", f"LISTEN 127.0.0.1 {port}\nMAXAGE 15\n{upsd_extra}\n")
    _write(conf / "upsd.users", users)
    env = {**os.environ, "NUT_CONFPATH": str(conf), "NUT_STATEPATH": str(state)}
    nut = RealNut(conf, port, env)
    try:
        for name in devices:
            nut.procs.append(
                subprocess.Popen(
                    [str(DUMMY_UPS), "-a", name, "-u", "root", "-F"],
                    env=env, cwd=conf, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                )
            )
        _wait_sockets(state, list(devices))
        nut.procs.append(
            subprocess.Popen(
                [str(UPSD), "-u", "root", "-F"],
                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                preexec_fn=preexec_fn,
            )
        )
        wait_port(port)
        time.sleep(settle)
        yield nut
    finally:
        for proc in reversed(nut.procs):
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)
        for proc in nut.procs:
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)


def _wait_sockets(state: Path, names: list[str], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(any(state.glob(f"dummy-ups-{n}")) for n in names):
            return
        time.sleep(0.05)
    raise TimeoutError(f"dummy-ups sockets not ready in {state}")
