"""Real parts for notifier tests: recording scripts, a syslog socket, a tiny HTTP server."""

from __future__ import annotations

import json
import socket
import stat
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import trio

from nutrio.actors.upsmon.notifier import Notifier, run_notifier
from nutrio.conf.model import NotifyConfig, SchedulerConfig
from nutrio.protocol.notify.channels import ChannelsConfig
from nutrio.protocol.notify.events import Notification, NotifyType

NO_RULES = SchedulerConfig()
NO_CHANNELS = ChannelsConfig()

# Writes one JSON line per call: its arguments, NOTIFYTYPE, UPSNAME and stdin, and
# nutrio's NUTRIO_TEST / NUTRIO_EVENT when they are set.
RECORDER = r"""#!/usr/bin/env python3
import json, os, sys
stdin = "" if sys.stdin is None or sys.stdin.isatty() else sys.stdin.read()
ours = {{k: os.environ[k] for k in ("NUTRIO_TEST", "NUTRIO_EVENT") if k in os.environ}}
with open({out!r}, "a") as f:
    f.write(json.dumps({{"argv": sys.argv[1:], "NOTIFYTYPE": os.environ.get("NOTIFYTYPE"),
                        "UPSNAME": os.environ.get("UPSNAME"), "stdin": stdin, **ours}}) + "\n")
sys.exit({status})
"""


def recorder(tmp_path: Path, name: str, status: int = 0) -> tuple[Path, Path]:
    """An executable that records each call to ``<name>.jsonl``; (script, record)."""
    out = tmp_path / f"{name}.jsonl"
    script = tmp_path / name
    script.write_text(RECORDER.format(out=str(out), status=status))
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script, out


def calls(record: Path) -> list[dict[str, Any]]:
    """The calls a recorder saw, oldest first."""
    if not record.exists():
        return []
    return [json.loads(line) for line in record.read_text().splitlines()]


def event(kind: str, ups: str = "myups@localhost", **extra: Any) -> Notification:
    return Notification(type=NotifyType(kind), ups=ups, at=extra.pop("at", time.time()), **extra)


@asynccontextmanager
async def notifier(
    cfg: NotifyConfig,
    scheduler: SchedulerConfig = NO_RULES,
    channels: ChannelsConfig = NO_CHANNELS,
    **options: Any,
) -> AsyncIterator[tuple[trio.MemorySendChannel[Notification], Notifier]]:
    """Run a notifier; leaving the block closes its inbox and waits until all is delivered."""
    send, receive = trio.open_memory_channel[Notification](0)
    options.setdefault("syslog_path", "/nonexistent/dev-log")
    options.setdefault("wall_command", ("/nonexistent/wall",))
    async with trio.open_nursery() as nursery:
        start = partial(run_notifier, cfg, scheduler, receive, channels=channels, **options)
        handle: Notifier = await nursery.start(start)
        async with send:
            yield send, handle


@dataclass
class SyslogSink:
    """A unix datagram socket standing in for /dev/log."""

    path: Path
    sock: socket.socket

    def lines(self) -> list[str]:
        out = []
        while True:
            try:
                out.append(self.sock.recv(4096).decode())
            except BlockingIOError:
                return out


@contextmanager
def syslog_sink(tmp_path: Path) -> Iterator[SyslogSink]:
    path = tmp_path / "log"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(str(path))
        sock.setblocking(False)
        yield SyslogSink(path, sock)


@dataclass
class HttpServer:
    """A tiny HTTP/1.1 server: answers with ``statuses`` in turn (last one repeats).

    ``hang`` makes it read the request and never answer.
    """

    statuses: Sequence[int] = (200,)
    hang: bool = False
    requests: list[dict[str, Any]] = field(default_factory=list)
    port: int = 0
    received: trio.Event = field(default_factory=trio.Event)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    async def serve(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        listeners = await trio.open_tcp_listeners(0, host="127.0.0.1")
        self.port = listeners[0].socket.getsockname()[1]
        task_status.started()
        await trio.serve_listeners(self._handle, listeners)

    async def _handle(self, stream: trio.SocketStream) -> None:
        async with stream:
            head, body = await _read_request(stream)
            request_line, *header_lines = head.split("\r\n")
            pairs = (line.split(": ", 1) for line in header_lines if line)
            headers = {name.lower(): value for name, value in pairs}
            self.requests.append({"line": request_line, "headers": headers, "body": body})
            self.received.set()
            if self.hang:
                await trio.sleep_forever()
            status = self.statuses[min(len(self.requests), len(self.statuses)) - 1]
            await stream.send_all(
                f"HTTP/1.1 {status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode()
            )

    def bodies(self) -> list[Any]:
        return [json.loads(r["body"]) for r in self.requests]


async def _read_request(stream: trio.SocketStream) -> tuple[str, bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = await stream.receive_some(65536)
        if not chunk:
            raise EOFError
        data += chunk
    head, rest = data.split(b"\r\n\r\n", 1)
    length = 0
    for line in head.decode().split("\r\n"):
        if line.lower().startswith("content-length:"):
            length = int(line.split(":", 1)[1])
    while len(rest) < length:
        rest += await stream.receive_some(65536)
    return head.decode(), rest
