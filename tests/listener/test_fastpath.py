"""Both transports over real sockets: the same bytes as the session alone would give
(the epoll fast path and the stream loop alike)."""

from __future__ import annotations

import gc
import logging
import socket

import pytest
import structlog
import trio

from nutrio.actors.registry import Registry
from nutrio.protocol.upsd.session import ServerSettings, Session
from tests.listener.conftest import TrioClient, small_data, start_device, start_listener
from tests.protocol.test_server_world import NOW, make_world

VER = b"Network UPS Tools upsd 2.8.0 - http://www.networkupstools.org/\n"


async def _read_until_quiet(client: TrioClient, quiet: float = 0.3) -> bytes:
    got = b""
    while True:
        with trio.move_on_after(quiet) as waited:
            chunk = await client.stream.receive_some(65536)
        if waited.cancelled_caught or not chunk:
            return got
        got += chunk


async def test_pipelined_burst_is_cut_into_upsd_sized_reads(edge_server):
    # A parse error drops the rest of upsd's 512-byte read, not of the whole burst:
    # the VER lines after the first 512 bytes are answered.
    burst = b'GET VAR edge "a#b"\n' + b"VER\n" * 300
    session = make_world().session()
    expected = b"".join(session.receive_data(burst[i : i + 512], NOW).reply
                        for i in range(0, len(burst), 512))
    assert 150 < expected.count(VER) < 300  # the cut is there, and the test means something
    with trio.fail_after(5):
        client = await TrioClient.connect(edge_server)
        await client.send(burst)
        assert await _read_until_quiet(client) == expected
        await client.aclose()


async def test_many_clients_interleaved_each_get_their_own_answers(edge_server):
    with trio.fail_after(10):
        clients = [await TrioClient.connect(edge_server) for _ in range(50)]
        for _ in range(5):
            for i, client in enumerate(clients):
                await client.send(b"GET VAR edge ups.load\n" if i % 2 else b"LIST CMD edge\n")
            for i, client in enumerate(clients):
                if i % 2:
                    assert await client.readline() == b'VAR edge ups.load "23"\n'
                else:
                    lines = [await client.readline() for _ in range(3)]
                    assert lines == [b"BEGIN LIST CMD edge\n", b"CMD edge load.off\n",
                                     b"END LIST CMD edge\n"]
        for client in clients:
            await client.aclose()


async def test_client_that_resets_does_not_disturb_others(edge_server):
    with trio.fail_after(5):
        other = await TrioClient.connect(edge_server)
        rude = socket.create_connection(("127.0.0.1", edge_server))
        rude.sendall(b"LIST VAR edge\n" * 50)
        rude.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        rude.close()  # RST
        for _ in range(10):
            assert await other.ask("GET VAR edge ups.load") == 'VAR edge ups.load "23"\n'
        await other.aclose()


async def test_idle_deadline_counts_from_the_last_full_line(nursery, autojump_clock, transport):
    registry = Registry()
    await start_device(nursery, registry, "edge", small_data())
    port = await start_listener(nursery, registry, ServerSettings(idle_timeout=60),
                                transport=transport)
    client = await TrioClient.connect(port)
    await trio.sleep(50)
    assert await client.ask("NETVER") == "1.3\n"  # heard at t=50: good until t=110
    await trio.sleep(50)
    assert await client.ask("NETVER") == "1.3\n"
    with trio.fail_after(200):
        assert await client.at_eof()
    assert trio.current_time() >= 160


@pytest.fixture
def debug_logs():
    """Capture events with debug enabled, whatever an earlier test configured."""
    saved = structlog.get_config()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.DEBUG))
    try:
        with structlog.testing.capture_logs() as logs:
            yield logs
    finally:
        structlog.configure(**saved)


async def test_requests_are_logged_at_debug_without_secrets(edge_server, debug_logs):
    with trio.fail_after(5):
        client = await TrioClient.connect(edge_server)
        await client.ask("GET VAR edge ups.load")
        await client.ask("PASSWORD hunter2")
        await client.aclose()
    requests = [e for e in debug_logs if e["event"] == "client.request"]
    assert [e["request"] for e in requests] == ["GET VAR", "PASSWORD"]
    assert all(e["client"].startswith("127.0.0.1:") for e in requests)
    assert "hunter2" not in repr(debug_logs)


async def test_closed_connections_are_freed_before_their_idle_timeout(edge_server):
    # Thousands of short connections must not pile up until idle_timeout (60 s)
    # has passed for each: a soak with 170 reconnects/s grew by 10 MB a minute.
    with trio.fail_after(30):
        for _ in range(900):
            client = await TrioClient.connect(edge_server)
            assert await client.ask("GET VAR edge ups.load") == 'VAR edge ups.load "23"\n'
            await client.aclose()
        await trio.sleep(0.2)  # the last handbacks end
    gc.collect()
    sessions = sum(type(o) is Session for o in gc.get_objects())
    assert sessions < 600, sessions
