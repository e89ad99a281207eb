"""The stream transport on memory streams: no sockets, the Trio clock, every rule.

The same rules hold on TCP for both transports (test_listener.py,
test_fastpath.py, test_transcript.py); here each one is shown on
``trio.testing`` streams, where timing is exact and nothing touches the kernel.
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import pytest
import structlog
import trio
import trio.testing
import trustme

from nutrio.actors.registry import Registry
from nutrio.actors.upsd.connection import ListenerContext, Peer, serve_client
from nutrio.actors.upsd.listener import accept_clients, listener_context, refuse_stream
from nutrio.actors.upsd.state import UpsdState
from nutrio.actors.upsd.table import LOGIN_GRACE
from nutrio.actors.upsd.tls import make_tls_context
from nutrio.protocol.upsd.session import ServerSettings, TlsSettings
from nutrio.protocol.upsd.users import FixedAccounts
from tests.listener.conftest import ACCOUNTS, CMDVARTAB, TrioClient, small_data, start_device
from tests.protocol.test_server_world import NOW, make_world

VER = b"Network UPS Tools upsd 2.8.0 - http://www.networkupstools.org/\n"
PEER: Peer = ("192.0.2.7", "192.0.2.7:40000")


async def make_listener(nursery: trio.Nursery, settings: ServerSettings | None = None,
                        state: UpsdState | None = None) -> ListenerContext:
    """What a listener's connections use, serving UPS 'edge' (small_data)."""
    registry = Registry()
    await start_device(nursery, registry, "edge", small_data())
    settings = settings or ServerSettings(transport="stream")
    return listener_context(registry, settings, FixedAccounts(ACCOUNTS),
                            state or UpsdState(maxconn=settings.maxconn), CMDVARTAB)


StreamPair = Callable[[], tuple[trio.abc.Stream, trio.abc.Stream]]


def connect(nursery: trio.Nursery, listener: ListenerContext, peer: Peer = PEER,
            pair: StreamPair = trio.testing.memory_stream_pair) -> TrioClient:
    """A client on a fresh memory stream pair, its server side served by *listener*."""
    client, server = pair()
    nursery.start_soon(serve_client, server, peer, listener)
    return TrioClient(client)


async def read_exactly(client: TrioClient, size: int) -> bytes:
    while len(client.buffer) < size:
        chunk = await client.stream.receive_some(65536)
        if not chunk:
            break
        client.buffer += chunk
    got, client.buffer = client.buffer[:size], client.buffer[size:]
    return got


async def test_answers_byte_for_byte_as_the_session_in_upsd_sized_reads(nursery):
    # A parse error drops the rest of upsd's 512-byte read, not of the whole burst.
    burst = b'GET VAR edge "a#b"\n' + b"VER\n" * 300
    session = make_world().session()
    expected = b"".join(session.receive_data(burst[i : i + 512], NOW).reply
                        for i in range(0, len(burst), 512))
    assert 150 < expected.count(VER) < 300
    listener = await make_listener(nursery)
    client = connect(nursery, listener)
    with trio.fail_after(5):
        await client.send(burst)
        assert await read_exactly(client, len(expected)) == expected
        assert await client.ask("GET VAR edge ups.load") == 'VAR edge ups.load "23"\n'
        await client.aclose()


async def test_logout_answers_then_closes_unless_a_line_follows_in_the_same_read(nursery):
    listener = await make_listener(nursery)
    kept, gone = connect(nursery, listener), connect(nursery, listener)
    with trio.fail_after(5):
        await kept.send(b"LOGOUT\nNETVER\n")
        assert await kept.readline() == b"OK Goodbye\n"
        assert await kept.readline() == b"1.3\n"
        assert await kept.ask("NETVER") == "1.3\n"
        await gone.send(b"LOGOUT\n")
        assert await gone.readline() == b"OK Goodbye\n"
        assert await gone.at_eof()
        await kept.aclose()


async def test_idle_client_is_dropped_counted_from_its_last_full_line(nursery, autojump_clock):
    listener = await make_listener(nursery, ServerSettings(transport="stream", idle_timeout=60))
    client = connect(nursery, listener)
    await trio.sleep(50)
    assert await client.ask("NETVER") == "1.3\n"  # heard at t=50: good until t=110
    await client.send(b"VER")  # half a line renews nothing
    with trio.fail_after(200):
        assert await client.at_eof()
    assert 110 <= trio.current_time() < 111


async def test_a_client_that_does_not_read_is_dropped_after_send_timeout(nursery, autojump_clock):
    listener = await make_listener(nursery, ServerSettings(transport="stream", send_timeout=5))
    client = connect(nursery, listener, pair=trio.testing.lockstep_stream_pair)
    with structlog.testing.capture_logs() as logs:
        await client.send(b"LIST VAR edge\n")  # taken; the reply waits for a reader
        await trio.sleep(6)
        with trio.fail_after(1):  # the connection is gone: what was in flight, then the end
            while await client.stream.receive_some(65536):
                pass
    assert [e["reason"] for e in logs if e["event"] == "client.disconnected"] == ["too slow"]
    assert any(e["event"] == "client.too_slow" and e["timeout"] == 5 for e in logs)


async def test_failed_password_guesses_are_held_back_longer_each_time(nursery, autojump_clock):
    settings = ServerSettings(transport="stream", auth_penalty=1.0, auth_penalty_cap=3.0)
    listener = await make_listener(nursery, settings)
    client = connect(nursery, listener)
    await client.ask("USERNAME admin")
    await client.ask("PASSWORD guess")
    waits = []
    with structlog.testing.capture_logs():
        for _ in range(3):
            start = trio.current_time()
            assert await client.ask("FSD edge") == "ERR ACCESS-DENIED\n"
            waits.append(trio.current_time() - start)
    assert waits == [1.0, 2.0, 3.0]  # doubling, up to the cap
    other = connect(nursery, listener)  # same address, new connection: no fresh start
    await other.ask("USERNAME admin")
    await other.ask("PASSWORD guess2")
    with structlog.testing.capture_logs():
        start = trio.current_time()
        assert await other.ask("FSD edge") == "ERR ACCESS-DENIED\n"
    assert trio.current_time() - start == 3.0


async def test_starttls_upgrades_a_memory_stream(nursery, tmp_path):
    ca = trustme.CA()
    cert = ca.issue_cert("upsd.test")
    cert.private_key_and_cert_chain_pem.write_to_path(str(tmp_path / "cert.pem"))
    tls = TlsSettings(certfile=str(tmp_path / "cert.pem"))
    listener = await make_listener(nursery, ServerSettings(transport="stream", tls=tls))
    listener = ListenerContext(ctx=listener.ctx, state=listener.state,
                               tls_context=make_tls_context(tls))
    client = connect(nursery, listener)
    with trio.fail_after(5), structlog.testing.capture_logs() as logs:
        assert await client.ask("STARTTLS") == "OK STARTTLS\n"
        context = ssl.create_default_context()
        ca.configure_trust(context)
        secure = trio.SSLStream(client.stream, context, server_hostname="upsd.test")
        await secure.do_handshake()
        client = TrioClient(secure)
        assert await client.ask("STARTTLS") == "ERR ALREADY-SSL-MODE\n"
        assert await client.ask("GET VAR edge ups.load") == 'VAR edge ups.load "23"\n'
        assert await client.ask("LOGOUT") == "OK Goodbye\n"
    (summary,) = [e for e in logs if e["event"] == "client.disconnected"]
    assert (summary["reason"], summary["tls"]) == ("logout", True)


@dataclass
class MemoryListener(trio.abc.Listener[trio.abc.Stream]):
    """A listener whose clients come from :meth:`connect`, over memory streams."""

    pending: tuple[trio.MemorySendChannel[trio.abc.Stream],
                   trio.MemoryReceiveChannel[trio.abc.Stream]]

    @classmethod
    def open(cls) -> MemoryListener:
        return cls(trio.open_memory_channel[trio.abc.Stream](100))

    async def connect(self) -> TrioClient:
        client, server = trio.testing.memory_stream_pair()
        await self.pending[0].send(server)
        return TrioClient(client)

    async def accept(self) -> trio.abc.Stream:
        return await self.pending[1].receive()

    async def aclose(self) -> None:
        await self.pending[1].aclose()


@pytest.fixture
async def memory_server(nursery) -> AsyncIterator[tuple[MemoryListener, ListenerContext]]:
    """maxconn 3, the last place kept for a upsmon login."""
    settings = ServerSettings(transport="stream", maxconn=3, upsmon_slots=1)
    listener = await make_listener(nursery, settings, UpsdState.for_settings(settings))
    accepting = MemoryListener.open()

    def start(stream: trio.abc.Stream, login_by: float) -> None:
        nursery.start_soon(serve_client, stream, PEER, listener, login_by)

    nursery.start_soon(accept_clients, accepting, listener.state.table, start, refuse_stream)
    yield accepting, listener


async def test_past_maxconn_a_client_is_refused_at_once(memory_server, autojump_clock):
    accepting, listener = memory_server
    with trio.fail_after(5):
        a, b, c = [await accepting.connect() for _ in range(3)]
        for client in (a, b, c):
            assert await client.ask("VER") == VER.decode()
        started = trio.current_time()
        d = await accepting.connect()
        assert await d.readline() == b"ERR MAX-CONNECTIONS\n"
        assert await d.at_eof() and trio.current_time() == started
        assert listener.state.statistics().clients == 3
        await a.aclose()
        await trio.testing.wait_all_tasks_blocked()
        e = await accepting.connect()
        assert await e.ask("VER") == VER.decode()  # a freed place is served
        for client in (b, c, e):
            await client.aclose()


async def test_the_last_places_are_kept_for_upsmon_logins(memory_server, autojump_clock):
    accepting, listener = memory_server
    a, b = await accepting.connect(), await accepting.connect()
    with structlog.testing.capture_logs() as logs:
        # the third, a upsmon place: served, but closed when it does not log in
        plain = await accepting.connect()
        assert await plain.ask("VER") == VER.decode()
        started = trio.current_time()
        assert await plain.readline() == b"ERR MAX-CONNECTIONS\n"
        assert await plain.at_eof()
        assert trio.current_time() - started == pytest.approx(LOGIN_GRACE)
        # upsmon logs in there, and keeps it
        upsmon = await accepting.connect()
        for line in ("USERNAME monuser", "PASSWORD pass"):
            assert await upsmon.ask(line) == "OK\n"
        assert await upsmon.ask("LOGIN edge") == "OK\n"
        await trio.sleep(30)
        assert await upsmon.ask("GET VAR edge ups.load") == 'VAR edge ups.load "23"\n'
    assert [e["reason"] for e in logs if e["event"] == "client.disconnected"] == ["no login"]
    for client in (a, b, upsmon):
        await client.aclose()


async def test_two_listeners_of_one_upsd_share_its_state(nursery):
    upsd = UpsdState()
    first = await make_listener(nursery, state=upsd)
    second = await make_listener(nursery, state=upsd)
    here = connect(nursery, first, ("192.0.2.1", "a"))
    there = connect(nursery, second, ("192.0.2.2", "b"))
    with trio.fail_after(5):
        for line in ("USERNAME monuser", "PASSWORD pass", "LOGIN edge"):
            await here.ask(line)
        assert await there.ask("LIST CLIENT edge") == (
            "BEGIN LIST CLIENT edge\nCLIENT edge 192.0.2.1\nEND LIST CLIENT edge\n")
        assert await here.ask("FSD edge") == "OK FSD-SET\n"
        assert await there.ask("GET VAR edge ups.status") == 'VAR edge ups.status "FSD OL CHRG"\n'
    stats = upsd.statistics()
    assert (stats.clients, stats.requests) == (2, 6)
