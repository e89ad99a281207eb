"""Helpers for the load suites: `nutrio run` with room for thousands of sockets,
its resident memory, its JSON log, and blocking NUT clients.

The server's log goes to a file, not a pipe: thousands of connect/disconnect
lines would fill a pipe nobody reads and stall the server under test.
"""

from __future__ import annotations

import contextlib
import json
import resource
import shutil
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

from tests.nutriorun import start_nutrio, wait_ready
from tests.paths import DATA
from tests.procs import Proc
from tests.realnut import wait_served

#: A real device dump with a long LIST VAR and a command (load.off).
BIG_DEV = DATA / "ddl/APC__APC__Smart-UPS_5000_RM__snmp-ups__2.8.0__01.dev"

ADMIN = ("admin", "secret")
USERS = """
[users.admin]
password = "secret"
actions = ["SET", "FSD"]
instcmds = ["all"]
"""

#: Events that must never appear in the server's log during a load run.
CRASH_EVENTS = frozenset({"actor.crashed", "client.crashed"})


def raise_nofile(want: int, pid: int = 0) -> int:
    """Lift the soft fd limit of *pid* (0: this process) to *want*, capped at the
    hard limit; return the new soft limit. Only that process changes: the
    machine's limits stay as they are."""
    soft, hard = resource.prlimit(pid, resource.RLIMIT_NOFILE)
    target = min(max(soft, want), hard)
    resource.prlimit(pid, resource.RLIMIT_NOFILE, (target, hard))
    return target


def rss_kib(pid: int) -> int:
    """Resident set size of *pid* in KiB (VmRSS)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise ValueError(f"no VmRSS for {pid}")


@dataclass
class Served:
    """A running `nutrio run`: its port, process and JSON log file."""

    proc: Proc
    port: int

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def log_path(self) -> Path:
        return self.proc.err

    def events(self, *names: str) -> list[dict[str, Any]]:
        """The JSON log so far, one dict per line; only events named *names* if given.

        Read line by line: a long soak logs millions of lines."""
        out = []
        with self.log_path.open(errors="replace") as lines:
            for line in lines:
                if names and not any(f'"{name}"' in line for name in names):
                    continue
                try:
                    event = json.loads(line)
                except ValueError:
                    event = {"event": "raw", "line": line}
                if not names or event.get("event") in names:
                    out.append(event)
        return out

    def crashes(self) -> list[dict[str, Any]]:
        return self.events(*CRASH_EVENTS)


@contextlib.contextmanager
def nutrio_served(tmp: Path, dev: Path = BIG_DEV, *, ups: str = "ups", server: str = "",
                  fds: int = 0, users: str = USERS) -> Iterator[Served]:
    """`nutrio run` serving *dev* as *ups* with dummy-ups; *server* adds [server] keys;
    *fds* lifts the subprocess's soft fd limit. Stopped with SIGTERM."""
    if dev.resolve() != (tmp / dev.name).resolve():
        shutil.copyfile(dev, tmp / dev.name)
    config = tmp / "nutrio.toml"
    config.write_text(
        f'[server]\n{server}\n\n'
        f'[devices.{ups}]\ndriver = "dummy-ups"\nport = "{dev.name}"\ndesc = "load test"\n\n{users}'
    )
    proc = start_nutrio(config, cwd=tmp)
    try:
        if fds:  # before it listens: its imports alone take far longer than this
            raise_nofile(fds, proc.pid)
        port = wait_ready(proc)[0]
        if not wait_served(port, ups, timeout=20):
            raise TimeoutError(f"{ups} never served on port {port}")
        yield Served(proc, port)
    finally:
        proc.stop(20)


class LineClient:
    """A blocking NUT client: one request line, its whole reply (up to END LIST)."""

    def __init__(self, port: int, host: str = "127.0.0.1", timeout: float = 10.0) -> None:
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.file = self.sock.makefile("rb")

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def ask(self, text: str) -> str:
        self.sock.sendall(text.encode() + b"\n")
        lines = [self.file.readline()]
        if lines[0].startswith(b"BEGIN LIST"):
            while lines[-1] and not lines[-1].startswith(b"END LIST"):
                lines.append(self.file.readline())
        return b"".join(lines).decode()

    def login(self, user: str, password: str) -> None:
        assert self.ask(f"USERNAME {user}") == "OK\n"
        assert self.ask(f"PASSWORD {password}") == "OK\n"

    def close(self) -> None:
        self.file.close()
        self.sock.close()
