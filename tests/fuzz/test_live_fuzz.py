"""Hostile clients against a LIVE listener on 127.0.0.1.

Each example sends random bytes, NULs, overlong lines, invalid UTF-8, open
quotes or pipelined commands, then leaves by half-closing (SHUT_WR: it
reads every reply to the end), closing, or resetting (RST). Throughout, the
server logs no client.crashed/actor.crashed, every reply line is a NUT
reply or ERR code, and a well-behaved client on its own connection keeps
getting exact answers.
"""

from __future__ import annotations

import socket
import struct
import tempfile
from pathlib import Path

import pytest
import structlog
import trio
import trustme
from hypothesis import given
from hypothesis import strategies as st

from nutrio.actors.registry import Registry
from nutrio.protocol.upsd.session import ServerSettings, TlsSettings
from tests.fuzz._settings import live
from tests.fuzz._wire import PAYLOAD, bad_reply_lines
from tests.listener.conftest import (  # noqa: F401 - transport: a fixture, both transports
    TrioClient,
    small_data,
    start_device,
    start_listener,
    transport,
)

LOAD = 'VAR edge ups.load "23"\n'
LEAVE = st.sampled_from(["half-close", "close", "reset"])


async def read_to_eof(stream: trio.SocketStream) -> bytes:
    got = bytearray()
    try:
        while chunk := await stream.receive_some(65536):
            got += chunk
    except trio.BrokenResourceError:
        pass  # the server reset us (e.g. it closed with our bytes unread)
    return bytes(got)


async def attack(port: int, payload: bytes, leave: str) -> bytes:
    """Send *payload*, leave as told; the replies read (half-close only)."""
    stream = await trio.open_tcp_stream("127.0.0.1", port)
    if leave == "reset":
        stream.socket.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    replies = b""
    try:
        async with trio.open_nursery() as nursery:
            async def send() -> None:
                try:
                    await stream.send_all(payload)
                    if leave == "half-close":
                        await stream.send_eof()
                except (trio.BrokenResourceError, trio.ClosedResourceError):
                    pass  # the server hung up first (LOGOUT in the payload)

            nursery.start_soon(send)
            if leave == "half-close":
                replies = await read_to_eof(stream)
    finally:
        await trio.aclose_forcefully(stream)
    return replies


async def check_watcher(watcher: TrioClient) -> None:
    assert await watcher.ask("GET VAR edge ups.load") == LOAD
    listing = await watcher.ask("LIST VAR edge")
    assert listing.startswith("BEGIN LIST VAR edge\n") and listing.endswith("END LIST VAR edge\n")
    assert listing.count("\n") == 7


def _tls_files() -> TlsSettings:
    ca = trustme.CA()
    where = Path(tempfile.mkdtemp(prefix="nutrio-fuzz-"))
    ca.issue_cert("127.0.0.1").private_key_and_cert_chain_pem.write_to_path(str(where / "cert.pem"))
    return TlsSettings(certfile=str(where / "cert.pem"))


TLS = _tls_files()


async def start_server(nursery: trio.Nursery, transport: str, tls: bool = False) -> int:
    registry = Registry()
    await start_device(nursery, registry, "edge", small_data())
    settings = ServerSettings(idle_timeout=30, send_timeout=2, tls=TLS if tls else None)
    return await start_listener(nursery, registry, settings, transport=transport)


@pytest.fixture
async def server(nursery, transport):
    return await start_server(nursery, transport)


@live
@given(payloads=st.lists(st.tuples(PAYLOAD, LEAVE), min_size=1, max_size=3), tls=st.booleans(),
       starttls=st.booleans())
async def test_hostile_clients_never_crash_the_server_nor_disturb_others(payloads, tls, starttls,
                                                                         transport):
    # hypothesis runs each example in its own Trio run: the server is started per example
    with structlog.testing.capture_logs() as logs, trio.fail_after(30):
        async with trio.open_nursery() as nursery:
            server = await start_server(nursery, transport, tls)
            if starttls:  # junk where a TLS ClientHello should be
                payloads = [(b"STARTTLS\n" + p, leave) for p, leave in payloads]
            await hostile_round(server, payloads)
            nursery.cancel_scope.cancel()
    crashes = [e for e in logs if e["event"] in ("client.crashed", "actor.crashed")]
    assert crashes == []
    assert any(e["event"] == "client.connected" for e in logs)  # the server's log is seen


async def hostile_round(server: int, payloads: list[tuple[bytes, str]]) -> None:
    watcher = await TrioClient.connect(server)
    await watcher.ask("USERNAME admin")  # a logged-in client with rights, too
    await watcher.ask("PASSWORD secret")
    for payload, leave in payloads:
        replies = await attack(server, payload, leave)
        if not payload.startswith(b"STARTTLS\n"):  # after OK STARTTLS come TLS alerts, not lines
            assert bad_reply_lines(replies) == []
        await check_watcher(watcher)
    assert await watcher.ask("SET VAR edge ups.id x") == "OK\n"
    await watcher.aclose()


async def test_many_hostile_clients_at_once(server):
    """Fifty concurrent attackers of every kind while the watcher keeps asking."""
    kinds = [b"\x00" * 5000, b"\xff\xfe\xc3\x28" * 500, b"GET VAR edge " + b"A" * 70000 + b"\n",
             b'GET VAR "edge' + b"x" * 2000, b"VER\n" * 2000, b"LIST VAR edge\n" * 300,
             b"USERNAME admin\nPASSWORD guess\nFSD edge\n", bytes(range(256)) * 20]
    with structlog.testing.capture_logs() as logs, trio.fail_after(60):
        watcher = await TrioClient.connect(server)
        async with trio.open_nursery() as nursery:
            for i in range(50):
                nursery.start_soon(attack, server, kinds[i % len(kinds)],
                                   ("half-close", "close", "reset")[i % 3])
            for _ in range(20):
                await check_watcher(watcher)
                await trio.sleep(0.01)
        await check_watcher(watcher)
    assert [e for e in logs if e["event"] in ("client.crashed", "actor.crashed")] == []


async def test_abrupt_leavers_release_their_logins_and_connection_slots(nursery, transport):
    """Logged-in clients that reset, half-close or just vanish give back their
    login (NUMLOGINS) and their maxconn slot."""
    registry = Registry()
    await start_device(nursery, registry, "edge", small_data())
    port = await start_listener(nursery, registry, ServerSettings(maxconn=4, idle_timeout=30),
                                transport=transport)
    login = b"USERNAME monuser\nPASSWORD pass\nLOGIN edge\nGET NUMLOGINS edge\n"
    with structlog.testing.capture_logs() as logs, trio.fail_after(30):
        for i in range(30):
            leave = ("half-close", "close", "reset")[i % 3]
            junk = (b"", b'GET VAR "edge', b"\xff" * 600, b"\x00\n" * 50)[i % 4]
            await attack(port, login + junk, leave)
        watcher = await TrioClient.connect(port)
        while await watcher.ask("GET NUMLOGINS edge") != "NUMLOGINS edge 0\n":
            await trio.sleep(0.01)
        others = [await TrioClient.connect(port) for _ in range(3)]  # all 4 slots usable
        for client in [watcher, *others]:
            await check_watcher(client)
    assert [e for e in logs if e["event"] in ("client.crashed", "actor.crashed")] == []
