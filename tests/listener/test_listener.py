"""Our upsd over real sockets: basics, IPv6, limits, slow clients, logs."""

from __future__ import annotations

import socket

import pytest
import structlog
import trio
import trio.testing

from nutrio.actors.registry import DeviceHandle, Registry
from nutrio.actors.upsd.state import FailedLogins, UpsdState
from nutrio.protocol.common.state import UpsSnapshot
from nutrio.protocol.upsd.session import AuthFailure, ServerSettings
from nutrio.protocol.upsd.users import Denial
from tests.listener.conftest import TrioClient, small_data, start_device, start_listener

VER = "Network UPS Tools upsd 2.8.0 - http://www.networkupstools.org/\n"


async def test_client_gets_variables_over_tcp(edge_server):
    with trio.fail_after(5):
        client = await TrioClient.connect(edge_server)
        assert await client.ask("GET VAR edge ups.status") == 'VAR edge ups.status "OL CHRG"\n'
        listing = await client.ask("LIST VAR edge")
        assert listing.startswith("BEGIN LIST VAR edge\n") and listing.count("\n") == 7
        await client.aclose()


async def test_listing_arrives_in_one_send(edge_server):
    with trio.fail_after(5):
        client = await TrioClient.connect(edge_server)
        await client.send(b"LIST VAR edge\n")
        chunk = await client.stream.receive_some(65536)
        assert chunk.endswith(b"END LIST VAR edge\n")
        await client.aclose()


async def test_pipelined_requests_in_one_packet_are_all_answered(edge_server):
    with trio.fail_after(5):
        client = await TrioClient.connect(edge_server)
        await client.send(b"VER\nNETVER\nGET VAR edge ups.load\n")
        assert [await client.readline() for _ in range(3)] == [
            VER.encode(), b"1.3\n", b'VAR edge ups.load "23"\n']
        await client.aclose()


async def test_logout_says_goodbye_and_closes(edge_server):
    with trio.fail_after(5):
        client = await TrioClient.connect(edge_server)
        assert await client.ask("LOGOUT") == "OK Goodbye\n"
        assert await client.at_eof()


async def test_malformed_lines_get_err_and_the_connection_lives(edge_server):
    with trio.fail_after(5):
        client = await TrioClient.connect(edge_server)
        assert await client.ask("BOGUS") == "ERR UNKNOWN-COMMAND\n"
        await client.send(b'GET VAR "a#b"\n')  # parse error: no reply, as upsd
        await trio.sleep(0.05)
        assert await client.ask("GET VAR") == "ERR INVALID-ARGUMENT\n"
        await client.aclose()


@pytest.mark.skipif(not socket.has_ipv6, reason="no IPv6")
async def test_ipv6_listener_shares_server_state_with_ipv4(nursery, transport):
    registry = Registry()
    await start_device(nursery, registry, "edge", small_data())
    upsd = UpsdState()  # one upsd, two listen addresses
    port4 = await start_listener(nursery, registry, transport=transport, state=upsd)
    try:
        port6 = await start_listener(nursery, registry, host="::1", transport=transport,
                                     state=upsd)
    except OSError:
        pytest.skip("::1 not available")
    with trio.fail_after(5):
        six = await TrioClient.connect(port6, "::1")
        four = await TrioClient.connect(port4)
        await six.ask("USERNAME monuser")
        await six.ask("PASSWORD pass")
        assert await six.ask("LOGIN edge") == "OK\n"
        assert await four.ask("LIST CLIENT edge") == (
            "BEGIN LIST CLIENT edge\nCLIENT edge ::1\nEND LIST CLIENT edge\n")
        assert await six.ask("FSD edge") == "OK FSD-SET\n"
        assert await four.ask("GET VAR edge ups.status") == 'VAR edge ups.status "FSD OL CHRG"\n'
        await six.aclose()
        await four.aclose()


async def test_closing_a_logged_in_client_releases_its_login(edge_server):
    with trio.fail_after(5):
        first = await TrioClient.connect(edge_server)
        for line in ("USERNAME monuser", "PASSWORD pass", "LOGIN edge"):
            await first.ask(line)
        second = await TrioClient.connect(edge_server)
        assert await second.ask("GET NUMLOGINS edge") == "NUMLOGINS edge 1\n"
        await first.aclose()
        while await second.ask("GET NUMLOGINS edge") != "NUMLOGINS edge 0\n":
            await trio.sleep(0.01)
        await second.aclose()


async def test_past_maxconn_a_new_client_is_refused_at_once(nursery, transport):
    # Issue 13: upsd (and nutrio before) left it waiting in the kernel's backlog,
    # unanswered: upsmon saw a hang, not a refusal.
    registry = Registry()
    await start_device(nursery, registry, "edge", small_data())
    port = await start_listener(nursery, registry, ServerSettings(maxconn=2, upsmon_slots=0),
                                transport=transport)
    with trio.fail_after(5):
        a, b = await TrioClient.connect(port), await TrioClient.connect(port)
        assert await a.ask("VER") == VER and await b.ask("VER") == VER
        started = trio.current_time()
        c = await TrioClient.connect(port)
        await c.send(b"VER\n")
        assert await c.readline() == b"ERR MAX-CONNECTIONS\n"
        assert await c.at_eof()
        assert trio.current_time() - started < 0.1
        await a.aclose()
        await trio.sleep(0.05)  # the server sees a leave
        d = await TrioClient.connect(port)
        assert await d.ask("VER") == VER  # a freed place is served
        for client in (b, c, d):
            await client.aclose()


async def test_overlong_line_gets_too_long_and_connection_lives(nursery, transport):
    registry = Registry()
    await start_device(nursery, registry, "edge", small_data())
    port = await start_listener(nursery, registry, ServerSettings(max_line=100),
                                transport=transport)
    with trio.fail_after(5):
        client = await TrioClient.connect(port)
        await client.send(b"GET VAR edge " + b"x" * 5000 + b"\n")
        assert await client.readline() == b"ERR TOO-LONG\n"
        assert await client.ask("VER") == VER
        await client.aclose()


async def test_idle_client_is_dropped_after_idle_timeout(nursery, transport, autojump_clock):
    registry = Registry()
    await start_device(nursery, registry, "edge", small_data())
    port = await start_listener(nursery, registry, ServerSettings(idle_timeout=60),
                                transport=transport)
    client = await TrioClient.connect(port)
    with structlog.testing.capture_logs() as logs:
        with trio.fail_after(120):
            assert await client.at_eof()
            while not any(e["event"] == "client.disconnected" for e in logs):
                await trio.sleep(0.01)
    assert any(e["event"] == "client.disconnected" and e["reason"] == "idle" for e in logs)
    assert trio.current_time() >= 60


async def test_slow_reader_does_not_stall_other_clients(nursery, transport):
    registry = Registry()
    await start_device(nursery, registry, "edge", small_data())
    port = await start_listener(nursery, registry, ServerSettings(send_timeout=1.0),
                                transport=transport)
    slow = trio.socket.socket()
    slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    await slow.connect(("127.0.0.1", port))
    slow_stream = trio.SocketStream(slow)

    async def flood() -> None:
        with trio.move_on_after(3):
            try:
                while True:  # never reads a byte
                    await slow_stream.send_all(b"LIST VAR edge\n" * 200)
            except trio.BrokenResourceError:
                pass  # the server gave up on us: what we want

    with structlog.testing.capture_logs() as logs:
        async with trio.open_nursery() as inner:
            inner.start_soon(flood)
            await trio.sleep(0.3)
            with trio.fail_after(0.5):
                fast = await TrioClient.connect(port)
                for _ in range(20):
                    assert await fast.ask("GET VAR edge ups.load") == 'VAR edge ups.load "23"\n'
            await fast.aclose()
    await slow_stream.aclose()
    assert any(e["event"] == "client.too_slow" for e in logs)


async def test_client_connect_and_disconnect_are_logged_with_counts(edge_server):
    with structlog.testing.capture_logs(processors=[structlog.contextvars.merge_contextvars]) as logs:
        with trio.fail_after(5):
            client = await TrioClient.connect(edge_server)
            await client.ask("VER")
            await client.ask("NOPE")
            await client.ask("LOGOUT")
            assert await client.at_eof()
            while not any(e["event"] == "client.disconnected" for e in logs):
                await trio.sleep(0.01)
    connected = next(e for e in logs if e["event"] == "client.connected")
    summary = next(e for e in logs if e["event"] == "client.disconnected")
    assert connected["client"].startswith("127.0.0.1:") and connected["actor"].startswith("listener:")
    assert summary["client"] == connected["client"]
    assert (summary["requests"], summary["errors"], summary["reason"]) == (3, 1, "logout")


async def test_failed_logins_are_logged_with_peer_and_slowed_down(edge_server):
    with structlog.testing.capture_logs() as logs:
        with trio.fail_after(10):
            client = await TrioClient.connect(edge_server)
            await client.ask("USERNAME admin")
            await client.ask("PASSWORD guess")
            assert await client.ask("FSD edge") == "ERR ACCESS-DENIED\n"
            await client.aclose()
    (failed,) = [e for e in logs if e["event"] == "auth.failed"]
    assert (failed["peer"], failed["user"], failed["reason"]) == ("127.0.0.1", "admin", "bad-password")
    assert "password" not in failed and "guess" not in str(failed)


async def test_penalty_grows_per_address_and_is_capped():
    book = FailedLogins()
    settings = ServerSettings(auth_penalty=0.5, auth_penalty_cap=3.0)
    guess = [AuthFailure("SET", "admin", Denial.BAD_PASSWORD)]
    with structlog.testing.capture_logs():
        delays = [book.note(guess, "10.0.0.9", settings) for _ in range(5)]
        other = book.note(guess, "10.0.0.10", settings)
        rights = book.note([AuthFailure("SET", "helper", Denial.NOT_PERMITTED)], "10.0.0.11",
                           settings)
    assert delays == [0.5, 1.0, 2.0, 3.0, 3.0]
    assert (other, rights) == (0.5, 0.0)


async def test_a_bug_hit_by_one_client_drops_only_that_client(nursery, transport):
    registry = Registry()
    await start_device(nursery, registry, "edge", small_data())
    broken = registry.add(DeviceHandle(name="broken"))
    broken.publish(UpsSnapshot(ups="broken", seq=1, taken_at=trio.current_time(),
                               data=None))  # type: ignore[arg-type]  # a driver bug
    port = await start_listener(nursery, registry, transport=transport)
    with structlog.testing.capture_logs() as logs, trio.fail_after(5):
        victim = await TrioClient.connect(port)
        await victim.send(b"GET VAR broken ups.status\n")
        assert await victim.at_eof()
        other = await TrioClient.connect(port)
        assert await other.ask("GET VAR edge ups.load") == 'VAR edge ups.load "23"\n'
        await other.aclose()
    assert any(e["event"] == "client.crashed" for e in logs)


async def test_a_16_kb_username_is_logged_as_a_short_prefix_with_its_length(edge_server):
    huge = "u" * 16384
    with structlog.testing.capture_logs() as logs:
        with trio.fail_after(10):
            client = await TrioClient.connect(edge_server)
            await client.ask(f"USERNAME {huge}")
            await client.ask("PASSWORD guess")
            assert await client.ask("LOGIN edge") == "ERR ACCESS-DENIED\n"
            assert await client.ask("LOGOUT") == "OK Goodbye\n"
            assert await client.at_eof()
            while not any(e["event"] == "client.disconnected" for e in logs):
                await trio.sleep(0.01)
    failed = next(e for e in logs if e["event"] == "auth.failed")
    summary = next(e for e in logs if e["event"] == "client.disconnected")
    for user in (failed["user"], summary["user"]):
        assert user.startswith("u" * 64 + "...(") and user.endswith(" chars)")
        assert len(user) < 90
    assert sum(len(str(v)) for e in logs for v in e.values()) < 2000


async def test_a_held_back_reply_still_obeys_idle_timeout(nursery, transport, autojump_clock):
    registry = Registry()
    await start_device(nursery, registry, "edge", small_data())
    settings = ServerSettings(idle_timeout=2.0, auth_penalty=30.0, auth_penalty_cap=30.0)
    port = await start_listener(nursery, registry, settings, transport=transport)
    client = await TrioClient.connect(port)
    await client.send(b"USERNAME admin\nPASSWORD guess\n")
    assert [await client.readline() for _ in range(2)] == [b"OK\n", b"OK\n"]
    with structlog.testing.capture_logs() as logs, trio.fail_after(10):
        start = trio.current_time()
        await client.send(b"FSD edge\n")
        assert await client.at_eof()  # dropped unanswered at the idle deadline, not after 30 s
        assert trio.current_time() - start == pytest.approx(2.0, abs=0.1)
        while not any(e["event"] == "client.disconnected" for e in logs):
            await trio.sleep(0.01)
    assert [e["reason"] for e in logs if e["event"] == "client.disconnected"] == ["idle"]


async def test_held_back_connections_leave_the_table_for_their_address_budget(
        nursery, transport, autojump_clock):
    registry = Registry()
    await start_device(nursery, registry, "edge", small_data())
    settings = ServerSettings(maxconn=2, upsmon_slots=0, auth_penalty=4.0, auth_penalty_cap=4.0)
    port = await start_listener(nursery, registry, settings, transport=transport)
    guessers = [await TrioClient.connect(port) for _ in range(2)]
    for guesser in guessers:  # the table is full: both held back for 4 s
        await guesser.send(b"USERNAME admin\nPASSWORD guess\nFSD edge\n")
    await trio.sleep(1)
    with trio.fail_after(1):
        newcomer = await TrioClient.connect(port)  # served: held ones are out of the table
        assert await newcomer.ask("VER") == VER
    for guesser in guessers:
        assert [await guesser.readline() for _ in range(3)][-1] == b"ERR ACCESS-DENIED\n"
        await guesser.aclose()
    await newcomer.aclose()
