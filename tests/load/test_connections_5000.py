"""5,000 concurrent clients on one `nutrio run`: all served, a newcomer still served fast.

Only the test process and the server subprocess get a higher soft fd limit
(the machine's hard limit is left alone).
"""

from __future__ import annotations

import os
import resource
import select
import socket
import time
from pathlib import Path

import pytest

from tests.load.loadkit import LineClient, nutrio_served, raise_nofile, rss_kib
from tests.procs import wait_until

pytestmark = pytest.mark.load

#: NUTRIO_LOAD_CLIENTS=9000 tries more (the hard fd limit bounds it: each side holds one fd a client).
CLIENTS = int(os.environ.get("NUTRIO_LOAD_CLIENTS", "5000"))
REQUEST = b"GET VAR ups ups.status\n"


def open_clients(port: int, count: int) -> list[socket.socket]:
    socks = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        sock.setblocking(False)
        socks.append(sock)
    return socks


def ask_all(socks: list[socket.socket], request: bytes, timeout: float) -> dict[int, bytes]:
    """Send *request* on every socket, then collect one reply line from each."""
    ep = select.epoll()
    by_fd = {s.fileno(): s for s in socks}
    replies = {fd: b"" for fd in by_fd}
    for fd, sock in by_fd.items():
        sock.send(request)
        ep.register(fd, select.EPOLLIN)
    waiting = set(by_fd)
    deadline = time.monotonic() + timeout
    while waiting and time.monotonic() < deadline:
        for fd, _ in ep.poll(0.5):
            chunk = by_fd[fd].recv(4096)
            replies[fd] += chunk
            if not chunk or replies[fd].endswith(b"\n"):
                waiting.discard(fd)
                ep.unregister(fd)
    ep.close()
    return replies


def closed_by_server(socks: list[socket.socket]) -> int:
    poll = select.poll()
    for s in socks:
        poll.register(s, select.POLLIN)
    return len(poll.poll(0))  # readable with nothing asked: EOF or reset


def fd_soft_limit(pid: int) -> int:
    for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
        if line.startswith("Max open files"):
            return int(line.split()[3])
    raise ValueError("no fd limit line")


def test_five_thousand_clients_are_all_served_and_a_newcomer_still_quickly(tmp_path):
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    if hard < CLIENTS + 300:
        pytest.skip(f"fd hard limit {hard} < {CLIENTS + 300}")
    raise_nofile(CLIENTS + 300)
    with nutrio_served(tmp_path, server=f"maxconn = {CLIENTS + 1000}\nidle_timeout = 600",
                       fds=CLIENTS + 500) as served:
        assert fd_soft_limit(served.pid) >= CLIENTS + 500
        with LineClient(served.port) as probe:
            expected = probe.ask("GET VAR ups ups.status").encode()
        assert expected.startswith(b'VAR ups ups.status "')
        rss_before = rss_kib(served.pid)

        began = time.monotonic()
        socks = open_clients(served.port, CLIENTS)
        opened = time.monotonic() - began
        try:
            replies = ask_all(socks, REQUEST, timeout=60)
            answered = time.monotonic() - began - opened
            wrong = [r for r in replies.values() if r != expected]
            assert not wrong, f"{len(wrong)} of {CLIENTS} wrong, e.g. {wrong[:3]}"

            newcomer_began = time.monotonic()
            with LineClient(served.port, timeout=10) as fresh:
                assert fresh.ask("GET VAR ups ups.status").encode() == expected
            newcomer = time.monotonic() - newcomer_began
            rss_held = rss_kib(served.pid)
            assert closed_by_server(socks) == 0
        finally:
            for sock in socks:
                sock.close()
        per_conn = (rss_held - rss_before) / CLIENTS
        print(f"\n{CLIENTS} clients: opened {opened:.2f}s, all answered {answered:.2f}s later, "
              f"newcomer {newcomer * 1000:.1f} ms, RSS {rss_before} -> {rss_held} KiB, "
              f"{per_conn:.1f} KiB/connection")
        # Generous bounds: the point is "still served", on a shared 2-core box.
        assert newcomer < 3.0
        assert per_conn < 64  # one Trio task + a Session each: a few KiB expected
        # the log is written as the server goes: wait for its last connection lines
        wait_until(lambda: len(served.events("client.connected")) >= CLIENTS + 2, 5)
        events = served.events()
    assert sum(e.get("event") == "client.connected" for e in events) >= CLIENTS + 2
    assert not [e for e in events if e.get("event") in ("actor.crashed", "client.crashed",
                                                         "listener.full", "listener.accept_failed")]
