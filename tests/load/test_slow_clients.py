"""Slow-loris, silent and non-reading clients on `nutrio run` are shed; others keep being served.

idle_timeout is set to 2 s for the test (upsd's is 60 s). The send timeout
is the server's fixed 10 s (ServerSettings.send_timeout; not a config key).
"""

from __future__ import annotations

import errno
import socket
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.load.loadkit import LineClient, nutrio_served

pytestmark = pytest.mark.load

IDLE = 2.0
SEND_TIMEOUT = 10.0
LORIS = 20
SILENT = 20
NONREADERS = 3
BIG_VARS = 3000


def write_big_dump(path: Path) -> Path:
    """A dummy-ups dump whose LIST VAR is ~150 KB: more than the socket buffers hold."""
    lines = ["ups.status: OL", "ups.mfr: Load Test", "device.type: ups"]
    lines += [f"test.bulk.{i:04d}: {'v' * 30}{i}" for i in range(BIG_VARS)]
    path.write_text("\n".join(lines) + "\n")
    return path


def connect(port: int, rcvbuf: int = 0) -> socket.socket:
    sock = socket.socket()
    if rcvbuf:  # before connect, so the window stays small
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.connect(("127.0.0.1", port))
    sock.setblocking(False)
    return sock


def is_closed(sock: socket.socket) -> bool:
    """True once the server has closed or reset us (reads through anything pending)."""
    try:
        while True:
            chunk = sock.recv(1 << 20)
            if not chunk:
                return True
    except BlockingIOError:
        return False
    except OSError as exc:
        return exc.errno in (errno.ECONNRESET, errno.EPIPE)


def connected_for(events: list[dict[str, Any]], gone: dict[str, Any]) -> float:
    """Seconds between a client's client.connected and its *gone* event, from the log."""
    came = next(e for e in events if e.get("event") == "client.connected" and e.get("client") == gone["client"])
    return (datetime.fromisoformat(gone["timestamp"]) - datetime.fromisoformat(came["timestamp"])).total_seconds()


def test_slow_loris_silent_and_nonreading_clients_are_dropped_while_others_are_served(tmp_path):
    dev = write_big_dump(tmp_path / "big-src.dev")
    with nutrio_served(tmp_path, dev, server=f"idle_timeout = {IDLE:g}", fds=1000) as served:
        good = LineClient(served.port, timeout=5)
        list_reply = good.ask("LIST VAR ups")
        assert list_reply.count("\n") > BIG_VARS and len(list_reply) > 100_000

        began = time.monotonic()
        loris = [connect(served.port) for _ in range(LORIS)]
        silent = [connect(served.port) for _ in range(SILENT)]
        nonreaders = [connect(served.port, rcvbuf=4096) for _ in range(NONREADERS)]
        for sock in nonreaders:
            sock.send(b"LIST VAR ups\n" * 20)  # ~3 MB of replies, never read
        closed_at: dict[socket.socket, float] = {}
        line = b"GET VAR ups ups.status"
        worst, asked, step = 0.0, 0, 0
        while time.monotonic() - began < SEND_TIMEOUT + 3:
            now = time.monotonic()
            for sock in loris:  # one byte of a line every 0.5 s; never a newline
                if sock not in closed_at and now - began >= step * 0.5:
                    try:
                        sock.send(line[step % len(line):][:1])
                    except OSError:
                        closed_at[sock] = now
            if now - began >= step * 0.5:
                step += 1
            for sock in loris + silent:
                if sock not in closed_at and is_closed(sock):
                    closed_at[sock] = now
            t = time.monotonic()
            request = "LIST VAR ups" if asked % 10 == 0 else "GET VAR ups ups.status"
            reply = good.ask(request)
            worst = max(worst, time.monotonic() - t)
            asked += 1
            assert reply == list_reply if request.startswith("LIST") else reply == 'VAR ups ups.status "OL"\n'
            time.sleep(0.05)
        good.close()
        nonreaders_closed = [is_closed(sock) for sock in nonreaders]
        time.sleep(0.3)
        events = served.events()
        crashes = served.crashes()
    for sock in loris + silent + nonreaders:
        sock.close()

    dropped_after = sorted(closed_at[s] - began for s in loris + silent if s in closed_at)
    print(f"\nslow clients: {len(dropped_after)}/{LORIS + SILENT} idle-dropped after "
          f"{dropped_after[0] if dropped_after else 0:.2f}-{dropped_after[-1] if dropped_after else 0:.2f} s; "
          f"good client {asked} requests, worst {worst * 1000:.1f} ms; "
          f"non-readers closed {sum(nonreaders_closed)}/{NONREADERS}")
    assert len(dropped_after) == LORIS + SILENT
    assert IDLE - 0.1 <= dropped_after[0] and dropped_after[-1] <= IDLE + 3
    assert all(nonreaders_closed)
    too_slow = [e for e in events if e.get("event") == "client.disconnected" and e.get("reason") == "too slow"]
    held = sorted(connected_for(events, e) for e in too_slow)
    print(f"non-readers dropped after {held[0]:.2f}-{held[-1]:.2f} s" if held else "")
    idle = [e for e in events if e.get("event") == "client.disconnected" and e.get("reason") == "idle"]
    assert len(too_slow) == NONREADERS
    assert SEND_TIMEOUT - 0.5 <= held[0] and held[-1] <= SEND_TIMEOUT + 3  # by send_timeout, not idle
    assert len(idle) >= LORIS + SILENT
    assert worst < 1.0  # others unaffected: never stuck behind a slow client
    assert not crashes
