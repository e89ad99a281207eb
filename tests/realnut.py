"""Start the real NUT 2.8 (dummy-ups + upsd from Debian) in a private directory.

Tests use it as the oracle. Each instance has its own NUT_CONFPATH and
NUT_STATEPATH and its own port on 127.0.0.1, so instances run side by side.
upsd cannot bind port 0 and say which port it got, so it is started on a
picked port and started again on another one if it reports that the bind
failed (tests.procs.on_free_port).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.procs import AddressInUse, Proc, on_free_port, pick_port, start, wait_port, wait_until

__all__ = [
    "DEFAULT_USERS", "DUMMY_UPS", "SBIN", "UPSD", "RealNut", "free_port", "have_real_nut",
    "real_nut",
    "numlogins", "requires_real_nut", "start_upsd", "wait_port", "wait_served",
]

SBIN = Path("/lib/nut")
DUMMY_UPS = SBIN / "dummy-ups"
UPSD = SBIN / "upsd"


def have_real_nut() -> bool:
    return DUMMY_UPS.exists() and UPSD.exists() and shutil.which("upsc") is not None


requires_real_nut = pytest.mark.skipif(
    not have_real_nut(),
    reason="real NUT 2.8 binaries absent (apt-get install -y nut-client nut-server)",
)

#: A port that was free a moment ago. Racy: only for servers that cannot bind port 0
#: and report it; start those through tests.procs.on_free_port where you can.
free_port = pick_port


@dataclass
class RealNut:
    """A running real upsd with dummy-ups drivers; ``port`` is upsd's port."""

    confdir: Path
    port: int
    env: dict[str, str]
    procs: list[Proc] = field(default_factory=list)

    def upsc(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["upsc", *args], capture_output=True, text=True, env=self.env, timeout=20)

    def run(self, prog: str, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([prog, *args], capture_output=True, text=True, env=self.env, timeout=20)

    def stop(self) -> None:
        """SIGTERM to upsd, then to the drivers; SIGKILL to any still running after 5 s."""
        for proc in reversed(self.procs):
            proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            proc.stop(grace=5)


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


def start_upsd(conf: Path, env: dict[str, str], upsd_extra: str = "", *, logdir: Path,
               preexec_fn: Callable[[], object] | None = None) -> tuple[Proc, int]:
    """Real upsd on 127.0.0.1, listening; (its process, its port)."""
    def launch(port: int) -> tuple[Proc, int]:
        _write(conf / "upsd.conf", f"LISTEN 127.0.0.1 {port}\nMAXAGE 15\n{upsd_extra}\n")
        proc = start([UPSD, "-u", "root", "-F"], logdir=logdir, env=env, preexec_fn=preexec_fn)
        # upsd -F says "listening on ADDR port N" once bound, "not listening on ..." if not
        said = proc.wait_for_line(lambda s: "listening on 127.0.0.1" in s)
        if said.startswith("not listening"):
            proc.stop()
            raise AddressInUse(said)
        return proc, port

    return on_free_port(launch)


@contextlib.contextmanager
def real_nut(
    devices: Mapping[str, Path | str],
    *,
    users: str = DEFAULT_USERS,
    ups_extra: Mapping[str, str] | None = None,
    upsd_extra: str = "",
    preexec_fn: Callable[[], object] | None = None,
) -> Iterator[RealNut]:
    """Serve each ``name -> .dev/.seq file`` with real dummy-ups behind real upsd,
    once upsd serves every driver's data.

    ``ups_extra`` adds raw ups.conf lines per UPS name (e.g. ``mode = dummy-loop``).
    """
    tmp = Path(tempfile.mkdtemp(prefix="realnut-"))
    conf, state, logs = tmp / "etc", tmp / "state", tmp / "logs"
    conf.mkdir()
    state.mkdir()
    os.chmod(state, 0o777)
    ups_conf = []
    for name, src in devices.items():
        src = Path(src)
        dst = conf / src.name
        shutil.copyfile(src, dst)
        extra = (ups_extra or {}).get(name, "")
        ups_conf.append(f"[{name}]\n    driver = dummy-ups\n    port = {dst.name}\n    desc = \"test\"\n{extra}\n")
    _write(conf / "nut.conf", "MODE=standalone\n")
    _write(conf / "ups.conf", "".join(ups_conf))
    _write(conf / "upsd.users", users)
    env = {**os.environ, "NUT_CONFPATH": str(conf), "NUT_STATEPATH": str(state)}
    nut = RealNut(conf, 0, env)
    try:
        for name in devices:
            nut.procs.append(start([DUMMY_UPS, "-a", name, "-u", "root", "-F"], logdir=logs,
                                   name=f"dummy-ups-{name}", env=env, cwd=conf))
        _wait_sockets(state, list(devices))
        upsd, nut.port = start_upsd(conf, env, upsd_extra, logdir=logs, preexec_fn=preexec_fn)
        nut.procs.append(upsd)
        if not wait_served(nut.port, *devices):
            raise AssertionError(f"upsd never served {list(devices)}: {upsd.describe()}")
        yield nut
    finally:
        nut.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def _wait_sockets(state: Path, names: list[str], timeout: float = 20.0) -> None:
    if not wait_until(lambda: all(any(state.glob(f"dummy-ups-{n}")) for n in names), timeout):
        raise TimeoutError(f"dummy-ups sockets not ready in {state}")


def numlogins(port: int, ups: str, host: str = "127.0.0.1") -> int:
    """``GET NUMLOGINS``: how many clients are logged in to *ups* (-1 on an error reply)."""
    with socket.create_connection((host, port), 5) as sock:
        sock.sendall(f"GET NUMLOGINS {ups}\n".encode())
        reply = sock.makefile().readline().split()
    return int(reply[-1]) if reply[:1] == ["NUMLOGINS"] else -1


def wait_served(port: int, *names: str, timeout: float = 30.0, host: str = "127.0.0.1") -> bool:
    """Until the upsd on *port* serves every UPS's data (GET VAR ups.status answers a
    value): dummy-ups says ``WAIT`` until its first update has read the file, and upsd
    says DATA-STALE before the driver's dump. False if time ran out."""
    waiting = list(names)

    def served() -> bool:
        with contextlib.suppress(OSError), socket.create_connection((host, port), 5) as s:
            reader = s.makefile("rb")
            while waiting:
                s.sendall(f"GET VAR {waiting[0]} ups.status\n".encode())
                reply = reader.readline()
                if not reply.startswith(b"VAR ") or reply.endswith(b' "WAIT"\n'):
                    return False
                waiting.pop(0)
        return not waiting

    return wait_until(served, timeout, every=0.05)
