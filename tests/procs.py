"""One way for tests to run a process: start it, wait for what it prints, stop it.

A process writes its stdout and stderr to files in a directory the test owns
(a pipe nobody reads would stall a chatty server), so a test can read them at
any time and a failure message can show what the process said. Waits poll
fast against a deadline and fail with the process's output, never after a
fixed sleep.

    proc = start([UPSD, "-F"], logdir=tmp_path, env=env)
    proc.wait_for_line(lambda line: line.startswith("listening on"))
    ...
    proc.stop()                       # SIGTERM, a grace period, then SIGKILL

Ports: a server that can bind port 0 and report it should (``nutrio run``
logs ``nutrio.ready`` with ``ports``); one that cannot (NUT's upsd) is started
through :func:`on_free_port`, which picks a port and starts again with another
one if the bind lost a race.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import random
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TypeVar

T = TypeVar("T")

#: generous: a cold interpreter on a busy 2-core machine
DEADLINE = 30.0
#: how often waits look again; cheap checks, so short
POLL = 0.02

__all__ = [
    "DEADLINE", "AddressInUse", "Proc", "ProcessFailed", "json_lines", "on_free_port",
    "pick_port", "refusing_port", "running", "start", "wait_port", "wait_until",
]


class ProcessFailed(AssertionError):
    """A process exited, or did not say what was awaited, before the deadline."""


class AddressInUse(Exception):
    """The port picked for a server was taken before the server could bind it."""


def wait_until(predicate: Callable[[], T], timeout: float = DEADLINE, every: float = POLL) -> T:
    """Poll *predicate* until it returns something true; return that, or the last
    (false) value once *timeout* seconds have passed. ``assert wait_until(...)``."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(every)


def json_lines(text: str) -> list[dict[str, Any]]:
    """The JSON objects among *text*'s lines (a structlog JSON log); other lines skipped."""
    out = []
    for line in text.splitlines():
        if line.startswith("{"):
            with contextlib.suppress(ValueError):
                out.append(json.loads(line))
    return out


@dataclass
class Proc:
    """A started process and the files holding its output."""

    name: str
    popen: subprocess.Popen[bytes]
    out: Path
    err: Path
    argv: list[str] = field(default_factory=list)
    group: bool = False  # signals go to its whole process group (it forks helpers)

    @property
    def pid(self) -> int:
        return self.popen.pid

    @property
    def returncode(self) -> int | None:
        return self.popen.poll()

    def alive(self) -> bool:
        return self.popen.poll() is None

    def poll(self) -> int | None:
        """Its exit status, or None while it runs (as subprocess.Popen.poll)."""
        return self.popen.poll()

    def stdout(self) -> str:
        return self.out.read_text(errors="replace")

    def stderr(self) -> str:
        return self.err.read_text(errors="replace")

    def events(self, *names: str) -> list[dict[str, Any]]:
        """The JSON log lines on stderr so far; only events named *names* if given."""
        found = json_lines(self.stderr())
        return [e for e in found if not names or e.get("event") in names]

    def describe(self, chars: int = 3000) -> str:
        """Who it is, whether it ran, and the tail of what it printed: for failure messages."""
        state = "running" if self.alive() else f"exited {self.popen.returncode}"
        return (f"{self.name} (pid {self.pid}, {state})\n--- stdout\n{self.stdout()[-chars:]}"
                f"\n--- stderr\n{self.stderr()[-chars:]}")

    def wait_for_line(self, match: str | Callable[[str], bool], timeout: float = DEADLINE, *,
                      stream: str = "stderr") -> str:
        """The first line of *stream* ("stdout"/"stderr") containing *match* (or for which
        it is true); fails with the output if the process exits or time runs out first."""
        test = (lambda line: match in line) if isinstance(match, str) else match
        path = self.out if stream == "stdout" else self.err
        deadline = time.monotonic() + timeout
        with path.open("rb") as reader:
            pending = b""
            while True:
                exited = not self.alive()  # read after this: the last words are in the file
                pending += reader.read()
                *lines, pending = pending.split(b"\n")
                for raw in lines:
                    line = raw.decode(errors="replace")
                    if test(line):
                        return line
                if exited:
                    raise ProcessFailed(f"exited before printing {match!r}: {self.describe()}")
                if time.monotonic() >= deadline:
                    raise ProcessFailed(f"no {match!r} within {timeout} s: {self.describe()}")
                time.sleep(POLL)

    def wait_for_event(self, event: str, timeout: float = DEADLINE, **fields: object
                       ) -> dict[str, Any]:
        """The first JSON log line with this ``event`` (and these field values)."""
        def wanted(line: str) -> bool:
            if f'"{event}"' not in line:
                return False
            try:
                found = json.loads(line)
            except ValueError:
                return False
            return found.get("event") == event and all(found.get(k) == v for k, v in fields.items())

        return json.loads(self.wait_for_line(wanted, timeout))

    def wait(self, timeout: float = DEADLINE) -> int:
        """Its exit status; fails with the output if it still runs after *timeout*."""
        try:
            return self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            raise ProcessFailed(f"still running after {timeout} s: {self.describe()}") from None

    def send_signal(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            if self.group:
                os.killpg(self.pid, signum)
            else:
                self.popen.send_signal(signum)

    def kill(self) -> None:
        """SIGKILL: gone without a goodbye."""
        self.send_signal(signal.SIGKILL)
        self.popen.wait()

    def stop(self, grace: float = 10.0, signum: int = signal.SIGTERM) -> int:
        """Ask it to stop (SIGTERM), wait *grace* seconds, then SIGKILL; its exit status."""
        if self.alive():
            self.send_signal(signum)
        try:
            return self.popen.wait(grace)
        except subprocess.TimeoutExpired:
            self.kill()
            return self.popen.returncode


def start(argv: Sequence[str | os.PathLike[str]], *, logdir: Path, name: str | None = None,
          env: dict[str, str] | None = None, cwd: Path | None = None,
          stdin: int | IO[Any] | None = subprocess.DEVNULL, group: bool = False,
          **popen: Any) -> Proc:
    """Start *argv* with its stdout and stderr in ``logdir/<name>.out`` and ``.err``
    (``stderr=subprocess.STDOUT``: both in ``.out``); *group*: in a session of its
    own, stopped with every process it started."""
    args = [os.fspath(a) for a in argv]
    label = name or Path(args[0]).name
    logdir.mkdir(parents=True, exist_ok=True)
    out, err = _fresh(logdir, label, ".out"), _fresh(logdir, label, ".err")
    with out.open("wb") as out_file, err.open("wb") as err_file:
        popen.setdefault("stderr", err_file)  # a test may hand it a pipe of its own
        proc = subprocess.Popen(args, stdin=stdin, stdout=out_file, env=env, cwd=cwd,
                                start_new_session=group, **popen)
    return Proc(label, proc, out, err, args, group)


def _fresh(directory: Path, stem: str, suffix: str) -> Path:
    """``stem.suffix`` in *directory*, or ``stem-2.suffix``... if a previous run left one."""
    path, n = directory / f"{stem}{suffix}", 1
    while path.exists():
        n += 1
        path = directory / f"{stem}-{n}{suffix}"
    return path


@contextlib.contextmanager
def running(argv: Sequence[str | os.PathLike[str]], *, grace: float = 10.0,
            **kw: Any) -> Iterator[Proc]:
    """:func:`start`, and :meth:`Proc.stop` at the end whatever happened."""
    proc = start(argv, **kw)
    try:
        yield proc
    finally:
        proc.stop(grace)


#: Picked ports come from below the kernel's ephemeral range (32768 and up by
#: default), so no client connection's local port can take one before its server
#: binds it, and from a block of its own per pytest-xdist worker, so two workers
#: never pick the same one.
PORT_BLOCK = 1500
_FIRST_PORT = 12000
_worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
_block_start = _FIRST_PORT + PORT_BLOCK * (int(_worker) % 12 if _worker.isdigit() else 0)
#: a process that runs tests of its own (a scenario script) starts elsewhere in the block
_turn = itertools.count(random.randrange(PORT_BLOCK))


def pick_port(host: str = "127.0.0.1", kind: int = socket.SOCK_STREAM) -> int:
    """A port free right now in this worker's block: for a server that cannot bind
    port 0 and report it (start it through :func:`on_free_port`)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    for _ in range(PORT_BLOCK):
        port = _block_start + next(_turn) % PORT_BLOCK
        with socket.socket(family, kind) as s:
            try:
                s.bind((host, port))
            except OSError:
                continue
            return port
    raise OSError(f"no free port in {_block_start}-{_block_start + PORT_BLOCK - 1}")


def on_free_port(launch: Callable[[int], T], attempts: int = 5, host: str = "127.0.0.1") -> T:
    """``launch(port)`` with a picked port; again with another one while it raises
    :class:`AddressInUse` (the bind lost a race with another process)."""
    for _ in range(attempts - 1):
        with contextlib.suppress(AddressInUse):
            return launch(pick_port(host))
    return launch(pick_port(host))


@contextlib.contextmanager
def refusing_port(host: str = "127.0.0.1") -> Iterator[int]:
    """A port that refuses connections for the block: bound and never listening, so
    no other process can take it meanwhile (a "server down" without a race)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        yield int(sock.getsockname()[1])


def wait_port(port: int, timeout: float = DEADLINE, host: str = "127.0.0.1") -> None:
    """Until something accepts connections on *host*:*port*."""
    def accepts() -> bool:
        with contextlib.suppress(OSError), socket.create_connection((host, port), 0.5):
            return True
        return False

    if not wait_until(accepts, timeout):
        raise TimeoutError(f"nothing listens on {host}:{port}")
