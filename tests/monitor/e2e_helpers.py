"""Pieces for end-to-end monitor tests: `nutrio run` processes and recording scripts.

Each host is a real ``nutrio run --config FILE`` subprocess; its SHUTDOWNCMD,
NOTIFYCMD and CMDSCRIPT are small shell scripts that append one line per call
(``<what> <UPSNAME> <wall time>``) to a file, so a test reads back what each
host did and when, across processes.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.paths import ROOT
from tests.realnut import free_port, wait_port

USERS = """
[users.monuser]
password = "pass"
upsmon = "primary"

[users.secuser]
password = "sec"
upsmon = "secondary"
"""


def wait_until(predicate: Callable[[], object], timeout: float, every: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return bool(predicate())


def recorder(path: Path, record: Path, what: str) -> Path:
    """A script appending ``what UPSNAME NOTIFYTYPE time`` to *record* on each run."""
    line = f'"{what} ${{UPSNAME:--}} ${{NOTIFYTYPE:--}} $1 $(date +%s.%N)"'
    path.write_text(f"#!/bin/sh\necho {line} >> {record}\n")
    path.chmod(0o755)
    return path


@dataclass(frozen=True, slots=True)
class Call:
    """One recorded script run."""

    what: str  # "shutdown", "notify" or "cmdscript"
    ups: str  # UPSNAME, "-" when unset or empty
    type: str  # NOTIFYTYPE
    arg: str  # the script's first argument (the CMDSCRIPT timer name)
    at: float  # wall time

    @property
    def upsname(self) -> str:
        return self.ups.split("@")[0]


@dataclass
class Host:
    """One `nutrio run` process and the file its scripts write to."""

    name: str
    dir: Path
    record: Path
    port: int
    address: str = "127.0.0.1"
    proc: subprocess.Popen[bytes] | None = None

    def calls(self, what: str | None = None) -> list[Call]:
        if not self.record.exists():
            return []
        found = []
        for line in self.record.read_text().splitlines():
            parts = line.split()
            if len(parts) < 4:
                continue
            # the middle argument may be empty (NOTIFYCMD's $1 is the message: several words)
            call = Call(what=parts[0], ups=parts[1], type=parts[2], arg=" ".join(parts[3:-1]),
                        at=float(parts[-1]))
            if what is None or call.what == what:
                found.append(call)
        return found

    def shutdowns(self) -> list[float]:
        return [c.at for c in self.calls("shutdown")]

    def notes(self) -> list[tuple[str, str]]:
        """(NOTIFYTYPE, upsname) of each NOTIFYCMD run, in order."""
        return [(c.type, c.upsname) for c in self.calls("notify")]

    def types(self) -> list[str]:
        return [c.type for c in self.calls("notify")]

    def first(self, notify_type: str) -> float:
        return next(c.at for c in self.calls("notify") if c.type == notify_type)

    def log_tail(self, chars: int = 4000) -> str:
        path = self.dir / "nutrio.log"
        return path.read_text(errors="replace")[-chars:] if path.exists() else ""

    def kill(self) -> None:
        """SIGKILL: the host (and its upsd) vanish without a goodbye."""
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait()


def monitor_section(systems: list[tuple[str, str]], *, record_dir: Path, record: Path,
                    minsupplies: int = 1, deadtime: float = 15, hostsync: float = 15,
                    finaldelay: float = 0, extra: str = "") -> str:
    """[monitor] with ``(system, role)`` entries, recording scripts and 1 s polls.

    Every notify type that matters here is flagged EXEC so NOTIFYCMD records it.
    """
    shutdown = recorder(record_dir / "shutdown.sh", record, "shutdown")
    notify = recorder(record_dir / "notify.sh", record, "notify")
    entries = ""
    for system, role in systems:
        user, password = ("monuser", "pass") if role == "primary" else ("secuser", "sec")
        entries += (f'[[monitor.ups]]\nsystem = "{system}"\npowervalue = 1\nuser = "{user}"\n'
                    f'password = "{password}"\nrole = "{role}"\n\n')
    flags = "".join(f'{t} = ["EXEC"]\n' for t in (
        "ONLINE", "ONBATT", "LOWBATT", "FSD", "COMMOK", "COMMBAD", "SHUTDOWN", "NOCOMM",
        "SHUTDOWN_HOSTSYNC"))
    return (f"[monitor]\nminsupplies = {minsupplies}\nshutdowncmd = \"{shutdown}\"\n"
            f"pollfreq = 1\npollfreqalert = 1\ndeadtime = {deadtime}\nhostsync = {hostsync}\n"
            f"finaldelay = {finaldelay}\npowerdownflag = \"{record_dir / 'killpower'}\"\n"
            f"{extra}\n{entries}"
            f"[notify]\nnotifycmd = \"{notify}\"\n\n[notify.flags]\n{flags}\n")


def devices_section(tmp: Path, seqs: dict[str, str]) -> str:
    """[devices.NAME] dummy-ups tables playing each ``.seq`` text."""
    out = ""
    for name, seq in seqs.items():
        (tmp / f"{name}.seq").write_text(seq)
        out += f'[devices.{name}]\ndriver = "dummy-ups"\nport = "{name}.seq"\n\n'
    return out


def new_host(base: Path, name: str, address: str = "127.0.0.1") -> Host:
    home = base / name
    home.mkdir()
    return Host(name=name, dir=home, record=home / "calls", port=free_port(), address=address)


def server_section(host: Host) -> str:
    return f'[server]\nlisten = ["{host.address}:{host.port}"]\n\n'


def start(host: Host, config: str) -> Host:
    """Write nutrio.toml and start `nutrio run` on it (no wait: see :func:`wait_ready`)."""
    path = host.dir / "nutrio.toml"
    path.write_text(config)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with (host.dir / "nutrio.log").open("wb") as log:
        host.proc = subprocess.Popen(
            [sys.executable, "-m", "nutrio", "run", "--config", str(path), "--log-format", "json"],
            env=env, cwd=host.dir, stdout=subprocess.DEVNULL, stderr=log)
    return host


def wait_ready(host: Host, timeout: float = 20) -> None:
    """Until the host's listener accepts connections (its tree is up)."""
    assert host.proc is not None
    try:
        _wait_address(host.address, host.port, timeout)
    except TimeoutError:
        raise AssertionError(f"{host.name} never came up:\n{host.log_tail()}") from None


def _wait_address(address: str, port: int, timeout: float) -> None:
    import socket

    if address == "127.0.0.1":
        wait_port(port, timeout)
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection((address, port), 0.2):
            return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on {address}:{port}")


def stop(host: Host) -> None:
    proc = host.proc
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextlib.contextmanager
def running(*hosts: Host) -> Iterator[tuple[Host, ...]]:
    """Stop every started host at the end, whatever happened."""
    try:
        yield hosts
    finally:
        for host in hosts:
            stop(host)


def log_events(log: Path, name: str) -> list[dict[str, Any]]:
    """The JSON lines of a `nutrio run` log whose event is *name*."""
    found = []
    for line in log.read_text(errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and entry.get("event") == name:
            found.append(entry)
    return found
