"""NUT's own clients against a full connection table (issue 13, item 3).

At maxconn nutrio answers a new client ``ERR MAX-CONNECTIONS`` and closes at
once: the real upsc reports an error and exits, PyNUTClient raises PyNUTError
(a bare close sends it into an endless read loop at 100 % CPU), and the real
upsmon 2.8.0 still logs in through the places kept for upsmon logins.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.load.loadkit import LineClient, nutrio_served
from tests.realnut import requires_real_nut

pytestmark = pytest.mark.e2e

UPSMON = Path("/lib/nut/upsmon")  # /sbin/upsmon is a wrapper that obeys /etc/nut/nut.conf
USERS = """
[users.monuser]
password = "pass"
upsmon = "primary"
"""


def fill(port: int, count: int) -> list[socket.socket]:
    """*count* idle connections, each asked one VER so it is surely served."""
    held = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        sock.sendall(b"VER\n")
        assert sock.recv(200).startswith(b"Network UPS Tools")
        held.append(sock)
    return held


def ended(sock: socket.socket) -> bool:
    """Whether the server closed *sock*: an end of stream, or a reset when the request
    reached the server only after it had closed (the refusal does not wait for it)."""
    try:
        return sock.recv(200) == b""
    except ConnectionResetError:
        return True


def test_a_fresh_client_at_the_limit_is_refused_within_100_ms(tmp_path):
    with nutrio_served(tmp_path, server="maxconn = 20\nupsmon_slots = 0", users=USERS) as served:
        held = fill(served.port, 20)
        try:
            for _ in range(5):
                started = time.monotonic()
                with socket.create_connection(("127.0.0.1", served.port), timeout=5) as fresh:
                    fresh.sendall(b"GET VAR ups ups.status\n")
                    assert fresh.recv(200) == b"ERR MAX-CONNECTIONS\n"
                    assert ended(fresh)
                assert time.monotonic() - started < 0.1
            code = (f"from PyNUTClient.PyNUT import PyNUTClient, PyNUTError\n"
                    f"try:\n    PyNUTClient(host='127.0.0.1', port={served.port}).GetUPSVars('ups')\n"
                    f"except PyNUTError as exc:\n    print('refused', exc)\n")
            out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                 timeout=10)
            assert out.stdout.startswith("refused ERR MAX-CONNECTIONS")
        finally:
            for sock in held:
                sock.close()


@requires_real_nut
def test_real_upsc_is_refused_at_once_at_the_limit(tmp_path):
    with nutrio_served(tmp_path, server="maxconn = 20\nupsmon_slots = 0", users=USERS) as served:
        held = fill(served.port, 20)
        try:
            started = time.monotonic()
            out = subprocess.run(["upsc", f"ups@127.0.0.1:{served.port}", "ups.status"],
                                 capture_output=True, text=True, timeout=10)
            took = time.monotonic() - started
        finally:
            for sock in held:
                sock.close()
    assert out.returncode != 0 and "Error" in out.stderr
    assert took < 1.0  # a refusal, not a hang


@requires_real_nut
@pytest.mark.skipif(not UPSMON.exists(), reason="real upsmon 2.8 absent")
def test_real_upsmon_logs_in_through_the_places_kept_for_it(tmp_path):
    server = "maxconn = 12\nupsmon_slots = 2"
    with nutrio_served(tmp_path, server=server, users=USERS) as served:
        ordinary = fill(served.port, 10)  # every place open to anyone is taken
        squatters = fill(served.port, 2)  # the two upsmon places, by clients that never log in
        upsmon = start_upsmon(tmp_path, served.port)
        try:
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                if numlogins(served.port) == 1:
                    break
                time.sleep(0.5)
            else:
                pytest.fail("upsmon never logged in")
            # the squatters were closed after their grace; the ordinary clients kept theirs
            assert all(s.recv(100) == b"ERR MAX-CONNECTIONS\n" for s in squatters)
            for sock in ordinary:
                sock.sendall(b"VER\n")
                assert sock.recv(200).startswith(b"Network UPS Tools")
        finally:
            stop_group(upsmon)
            for sock in ordinary + squatters:
                sock.close()
    assert any(e.get("reason") == "no login" for e in served.events("client.disconnected"))


def numlogins(port: int) -> int | None:
    """GET NUMLOGINS ups, asked from a upsmon place (answered within its grace)."""
    try:
        with LineClient(port, timeout=2) as client:
            reply = client.ask("GET NUMLOGINS ups")
    except OSError:
        return None
    return int(reply.split()[-1]) if reply.startswith("NUMLOGINS") else None


def start_upsmon(tmp: Path, port: int) -> subprocess.Popen[bytes]:
    conf = tmp / "nut-etc"
    conf.mkdir()
    (conf / "upsmon.conf").write_text(
        f"MONITOR ups@127.0.0.1:{port} 1 monuser pass primary\nMINSUPPLIES 1\n"
        f'SHUTDOWNCMD "/bin/true"\nPOLLFREQ 2\nPOLLFREQALERT 2\nPOWERDOWNFLAG {tmp}/killpower\n')
    (conf / "upsmon.conf").chmod(0o640)
    env = {**os.environ, "NUT_CONFPATH": str(conf), "NUT_STATEPATH": str(tmp),
           "NUT_ALTPIDPATH": str(tmp)}
    # its own process group: upsmon forks, and the child must go with it
    proc = subprocess.Popen([str(UPSMON), "-F", "-u", "root"], env=env, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    time.sleep(0.5)
    if proc.poll() is not None:
        said = proc.stdout.read().decode() if proc.stdout else ""
        if "previous upsmon instance" in said:  # its pid file is in /run/nut whatever we say
            pytest.skip("another upsmon runs on this machine")
        pytest.fail(f"upsmon exited: {said}")
    return proc


def stop_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM to upsmon's process group, SIGKILL to what is left after 10 s."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(10)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
