"""Bursts of wrong passwords from one address against `nutrio run` (issue 13, item 2).

Before: penalised replies to one address waited their turn, 4 s each; 50 parallel
wrong logins left 192 of 200 unanswered after 30 s, a user of the same address
who mistyped once waited over 15 s, and one burst of 1,030 kept the server at
its connection limit for over an hour. Now each connection waits out its own
hold (at most auth_penalty_cap), held connections leave the table for their
address's budget, and checks past that budget are refused untried.
"""

from __future__ import annotations

import selectors
import socket
import struct
import time

import pytest

from tests.load.loadkit import LineClient, nutrio_served, raise_nofile

pytestmark = pytest.mark.load

CAP = 4.0  # auth_penalty_cap's default
#: Linux's SO_TIMESTAMPNS (= its SCM_TIMESTAMPNS); the socket module does not name it
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)
USERS = """
[users.admin]
password = "secret"
actions = ["SET", "FSD"]

[users.monuser]
password = "pass"
upsmon = "primary"
"""


def send_burst(port: int, count: int) -> list[socket.socket]:
    """*count* connections, each sending one wrong login in one packet."""
    socks = []
    for i in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)  # see wait_answers
        sock.sendall(f"USERNAME admin\nPASSWORD wrong{i}\nLOGIN ups\n".encode())
        sock.setblocking(False)
        socks.append(sock)
    return socks


def wait_answers(socks: list[socket.socket], timeout: float) -> dict[socket.socket, tuple[float, bytes]]:
    """When each connection got its last reply (the LOGIN's, or a refusal, or its end),
    in seconds from now, and that reply. A reply's time is when the kernel queued it on
    the socket (SO_TIMESTAMPNS), not when this loop got round to reading it: on a busy
    machine the loop over a thousand sockets lags the server it measures."""
    start = time.monotonic()
    wall_start = time.time()
    sel = selectors.DefaultSelector()
    buffers = {}
    for sock in socks:
        sel.register(sock, selectors.EVENT_READ)
        buffers[sock] = b""
    done: dict[socket.socket, tuple[float, bytes]] = {}
    while len(done) < len(socks) and time.monotonic() - start < timeout:
        for key, _ in sel.select(0.2):
            sock = key.fileobj
            assert isinstance(sock, socket.socket)
            arrived = None
            try:
                chunk, ancillary, _, _ = sock.recvmsg(4096, socket.CMSG_SPACE(16))
                arrived = _kernel_time(ancillary)
            except BlockingIOError:
                continue
            except OSError:
                chunk = b""
            buffers[sock] += chunk
            lines = buffers[sock].splitlines()
            if not chunk or len(lines) >= 3 or b"MAX-CONNECTIONS" in buffers[sock]:
                took = time.monotonic() - start if arrived is None else arrived - wall_start
                done[sock] = (took, lines[-1] if lines else b"")
                sel.unregister(sock)
    sel.close()
    return done


def _kernel_time(ancillary: list[tuple[int, int, bytes]]) -> float | None:
    """The SCM_TIMESTAMPNS of a recvmsg (wall-clock seconds), if it carried one."""
    for level, kind, data in ancillary:
        if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(data) >= 16:
            seconds, nanoseconds = struct.unpack("qq", data[:16])
            return seconds + nanoseconds / 1e9
    return None


@pytest.mark.parametrize("transport", ["epoll", "stream"])
def test_50_parallel_wrong_logins_each_answered_within_the_cap(tmp_path, transport):
    with nutrio_served(tmp_path, server=f'transport = "{transport}"', users=USERS) as served:
        socks = send_burst(served.port, 50)
        try:
            # a user of the same address who knows the password, in the middle of it
            time.sleep(0.2)
            started = time.monotonic()
            with LineClient(served.port) as honest:
                honest.login("monuser", "pass")
                assert honest.ask("LOGIN ups") == "OK\n"
            honest_took = time.monotonic() - started
            answers = wait_answers(socks, CAP + 5)
        finally:
            for sock in socks:
                sock.close()
    assert len(answers) == 50
    assert {reply for _, reply in answers.values()} == {b"ERR ACCESS-DENIED"}
    assert max(took for took, _ in answers.values()) <= CAP + 1.0
    assert honest_took < 0.5


def test_a_burst_of_1030_wrong_logins_does_not_keep_the_table_full(tmp_path):
    raise_nofile(4000)
    with nutrio_served(tmp_path, server="maxconn = 1024", users=USERS, fds=4000) as served:
        socks = send_burst(served.port, 1030)
        try:
            answers = wait_answers(socks, CAP + 5)
        finally:
            for sock in socks:
                sock.close()
        assert len(answers) == 1030  # every one answered (or refused) ...
        assert max(took for took, _ in answers.values()) <= CAP + 1.0  # ... within the cap
        # the guesser is gone: within a second the table has room again
        deadline = time.monotonic() + 1.0
        while True:
            with LineClient(served.port) as fresh:
                if fresh.ask("VER").startswith("Network UPS Tools"):
                    break
            assert time.monotonic() < deadline, "still refused a second after the burst"
            time.sleep(0.05)
        assert not served.crashes()
