"""What systemd would be for `nutrio run`: a notify socket, a journal socket, a parser.

Both sockets are real AF_UNIX datagram sockets; a thread drains each one from
the start (the kernel queues only ~10 datagrams before a sender waits).
The journal parser is written here from the protocol's description, apart
from nutrio's encoder, so a test compares two independent readings.
"""

from __future__ import annotations

import array
import contextlib
import os
import shutil
import socket
import struct
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tests.nutriorun import nutrio_env, start_nutrio
from tests.paths import ROOT
from tests.procs import DEADLINE, Proc

TIMEOUT = DEADLINE
#: what the test's environment must not pass on to the nutrio under test
SYSTEMD_ENV = ("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "JOURNAL_STREAM",
               "NUTRIO_JOURNAL_SOCKET")


@dataclass
class Datagram:
    data: bytes
    fds: list[int] = field(default_factory=list)  # SCM_RIGHTS, for the journal's memfd form


class DatagramSink:
    """A bound AF_UNIX datagram socket and a thread collecting what arrives."""

    def __init__(self, address: str) -> None:
        self.address = address  # "@name" (abstract) or a path, as NOTIFY_SOCKET spells it
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind("\0" + address[1:] if address.startswith("@") else address)
        self.sock.settimeout(0.2)
        self.received: list[Datagram] = []
        self._changed = threading.Condition()
        self._closed = False
        self._thread = threading.Thread(target=self._drain, daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        fd_size = array.array("i").itemsize
        while not self._closed:
            try:
                data, ancdata, _, _ = self.sock.recvmsg(1 << 24, socket.CMSG_SPACE(4 * fd_size))
            except (TimeoutError, OSError):
                continue
            fds = array.array("i")
            for level, kind, payload in ancdata:
                if (level, kind) == (socket.SOL_SOCKET, socket.SCM_RIGHTS):
                    fds.frombytes(payload[: len(payload) - len(payload) % fd_size])
            with self._changed:
                self.received.append(Datagram(data, list(fds)))
                self._changed.notify_all()

    def wait_for(self, done: Callable[[list[Datagram]], bool],
                 proc: Proc | None = None,
                 timeout: float = TIMEOUT) -> list[Datagram]:
        """Wait until ``done(received)``; fail early if *proc* died."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not done(self.received):
                if proc is not None and proc.poll() is not None:
                    raise AssertionError(f"nutrio exited with {proc.returncode} first")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"timed out; received {len(self.received)} datagrams")
                self._changed.wait(min(left, 0.2))
            return list(self.received)

    def close(self) -> None:
        self._closed = True
        self._thread.join(timeout=5)
        self.sock.close()
        for d in self.received:
            for fd in d.fds:
                with contextlib.suppress(OSError):
                    os.close(fd)


@contextlib.contextmanager
def datagram_sink(abstract: bool = False) -> Iterator[DatagramSink]:
    """A sink at a short path (sun_path holds 108 bytes) or an abstract name."""
    directory = tempfile.mkdtemp(prefix="nsd-", dir="/tmp")
    name = f"@nutrio-test-{os.getpid()}-{os.path.basename(directory)}" if abstract \
        else os.path.join(directory, "sock")
    sink = DatagramSink(name)
    try:
        yield sink
    finally:
        sink.close()
        shutil.rmtree(directory, ignore_errors=True)


# -- sd_notify messages -----------------------------------------------------------


def notify_fields(d: Datagram) -> dict[str, str]:
    return dict(line.split("=", 1) for line in d.data.decode().splitlines() if "=" in line)


def notifications(received: list[Datagram]) -> list[dict[str, str]]:
    return [notify_fields(d) for d in received]


def has(key: str, count: int = 1) -> Callable[[list[Datagram]], bool]:
    """A wait_for predicate: at least *count* messages carry *key*."""
    return lambda got: sum(key in m for m in notifications(got)) >= count


# -- the journal's native protocol --------------------------------------------------


def parse_journal(data: bytes) -> dict[str, list[bytes]]:
    """One entry: ``NAME=value\\n``, or ``NAME\\n`` + u64 LE length + value + ``\\n``."""
    fields: dict[str, list[bytes]] = {}
    i = 0
    while i < len(data):
        end = data.index(b"\n", i)
        line = data[i:end]
        if b"=" in line:
            name, value = line.split(b"=", 1)
            i = end + 1
        else:
            name = line
            (size,) = struct.unpack("<Q", data[end + 1:end + 9])
            value = data[end + 9:end + 9 + size]
            assert data[end + 9 + size:end + 10 + size] == b"\n", "binary field not closed by \\n"
            i = end + 10 + size
        fields.setdefault(name.decode("ascii"), []).append(value)
    return fields


def entry_of(d: Datagram) -> dict[str, list[bytes]]:
    """A datagram's entry; an empty one carrying a memfd is read from the fd."""
    if not d.data and d.fds:
        with os.fdopen(os.dup(d.fds[0]), "rb") as f:
            f.seek(0)
            return parse_journal(f.read())
    return parse_journal(d.data)


def journal_entries(received: list[Datagram]) -> list[dict[str, str]]:
    """Entries with each field's first value as text."""
    return [{k: v[0].decode() for k, v in entry_of(d).items()} for d in received]


def has_event(event: str) -> Callable[[list[Datagram]], bool]:
    return lambda got: any(e.get("EVENT") == event for e in journal_entries(got))


# -- `nutrio run` as systemd would start it -------------------------------------------------

CONFIG = """\
[devices.ups1]
driver = "dummy-ups"
port = "dummy.seq"
desc = "systemd test UPS"
"""


def service_env(**extra: str) -> dict[str, str]:
    return {k: v for k, v in nutrio_env(**extra).items() if k not in SYSTEMD_ENV or k in extra}


@contextlib.contextmanager
def nutrio_service(tmp: Path, *args: str, env: dict[str, str],
                   stderr: int | None = None) -> Iterator[Proc]:
    """`nutrio run` on a free port (127.0.0.1:0) with one dummy UPS; killed if still running."""
    shutil.copyfile(ROOT / "conf/default/dummy.seq", tmp / "dummy.seq")
    config = tmp / "nutrio.toml"
    config.write_text(CONFIG)
    config.chmod(0o600)
    extra = {} if stderr is None else {"stderr": stderr}
    proc = start_nutrio(config, *args, env=env, log_format=None, **extra)
    try:
        yield proc
    finally:
        if proc.alive():
            proc.kill()


def stderr_of(tmp: Path) -> str:
    """What the nutrio_service in *tmp* wrote to stderr."""
    return (tmp / "nutrio.err").read_text()


def ask(port: int, line: str) -> str:
    """One NUT request on 127.0.0.1:port; the reply up to its END line (or first line)."""
    with socket.create_connection(("127.0.0.1", port), 5) as sock:
        sock.sendall(line.encode() + b"\n")
        reply = b""
        while not (reply.endswith(b"\n") and (b"END " in reply or not reply.startswith(b"BEGIN"))):
            chunk = sock.recv(4096)
            if not chunk:
                break
            reply += chunk
        return reply.decode()
