"""Pieces for end-to-end monitor tests: `nutrio run` processes and recording scripts.

Each host is a real ``nutrio run --config FILE`` subprocess; its SHUTDOWNCMD,
NOTIFYCMD and CMDSCRIPT are small shell scripts that append one line per call
(``<what> <UPSNAME> <wall time>``) to a file, so a test reads back what each
host did and when, across processes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.nutriorun import start_nutrio
from tests.nutriorun import wait_ready as nutrio_ready
from tests.procs import AddressInUse, Proc, pick_port, wait_until

__all__ = [
    "USERS", "Call", "Host", "devices_section", "monitor_section", "new_host", "recorder",
    "follow", "running", "server_section", "start", "stop", "wait_ready", "wait_until",
]

USERS = """
[users.monuser]
password = "pass"
upsmon = "primary"

[users.secuser]
password = "sec"
upsmon = "secondary"
"""


def recorder(path: Path, record: Path, what: str) -> Path:
    """A script appending ``what UPSNAME NOTIFYTYPE time`` to *record* on each run."""
    line = f'"{what} ${{UPSNAME:--}} ${{NOTIFYTYPE:--}} $1 $(date +%s.%N)"'
    # written aside and renamed into place: a config built again while nutrio runs the
    # script would otherwise open a file being executed (ETXTBSY)
    fresh = path.with_name(path.name + ".new")
    fresh.write_text(f"#!/bin/sh\necho {line} >> {record}\n")
    fresh.chmod(0o755)
    fresh.replace(path)
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
    """One `nutrio run` process and the file its scripts write to.

    ``port`` was free when the host was made; if another process takes it before
    nutrio binds it, :func:`wait_ready` moves the host (its config) to another one."""

    name: str
    dir: Path
    record: Path
    port: int
    address: str = "127.0.0.1"
    proc: Proc | None = None
    moved_from: list[int] = field(default_factory=list)  # ports it could not bind

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
        return self.proc.stderr()[-chars:] if self.proc is not None else ""

    def events(self, *names: str) -> list[dict[str, Any]]:
        """Its JSON log lines so far; only events named *names* if given."""
        return self.proc.events(*names) if self.proc is not None else []

    def kill(self) -> None:
        """SIGKILL: the host (and its upsd) vanish without a goodbye."""
        assert self.proc is not None
        self.proc.kill()


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
    return Host(name=name, dir=home, record=home / "calls", port=pick_port(address),
                address=address)


def server_section(host: Host) -> str:
    return f'[server]\nlisten = ["{host.address}:{host.port}"]\n\n'


def start(host: Host, config: str) -> Host:
    """Write nutrio.toml and start `nutrio run` on it (no wait: see :func:`wait_ready`)."""
    path = host.dir / "nutrio.toml"
    path.write_text(config)
    host.proc = start_nutrio(path, listen=None, cwd=host.dir)
    return host


def wait_ready(host: Host, timeout: float = 20, attempts: int = 5) -> None:
    """Until the host's tree is up (its ``nutrio.ready`` line). If its port was taken
    in the meantime, the host moves to another port: its config (where the port
    appears as ``:PORT``, its own listen address and systems) is rewritten and
    nutrio started again."""
    assert host.proc is not None
    for _ in range(attempts):
        try:
            nutrio_ready(host.proc, timeout)
            return
        except AddressInUse:
            host.moved_from.append(host.port)
            host.port = pick_port(host.address)
            _restart_moved(host, host)
    raise AssertionError(f"{host.name} found no free port in {attempts} attempts")


def follow(server: Host, *hosts: Host) -> None:
    """Restart each of *hosts* that monitors *server* on a port it had to leave
    (see :func:`wait_ready`) with its config pointing at the new one."""
    for host in hosts:
        _restart_moved(host, server)


def _restart_moved(host: Host, server: Host) -> None:
    path = host.dir / "nutrio.toml"
    config = path.read_text()
    for old in server.moved_from:
        config = config.replace(f"{server.address}:{old}", f"{server.address}:{server.port}")
    if config != path.read_text():
        stop(host)
        start(host, config)


def stop(host: Host) -> None:
    if host.proc is not None:
        host.proc.stop(10)


@contextlib.contextmanager
def running(*hosts: Host) -> Iterator[tuple[Host, ...]]:
    """Stop every started host at the end, whatever happened."""
    try:
        yield hosts
    finally:
        for host in hosts:
            stop(host)

