"""Guessing passwords gets slower per address; everyone else is served at once.

Beyond NUT (upsd answers every guess at full speed). Measured on the Trio
mock clock: each wrong-credential ACCESS-DENIED from one address waits
auth_penalty * 2**(n-1) seconds, capped; a refusal for lack of rights costs
nothing; other addresses and other clients of the same address wait 0.
"""

from __future__ import annotations

import trio

from nutrio.actors.registry import Registry
from nutrio.protocol.upsd.session import ServerSettings
from tests.listener.conftest import TrioClient, small_data, start_device, start_listener

LOAD = 'VAR edge ups.load "23"\n'


async def connect_from(port: int, source: str) -> TrioClient:
    sock = trio.socket.socket()
    await sock.bind((source, 0))
    await sock.connect(("127.0.0.1", port))
    return TrioClient(trio.SocketStream(sock))


async def timed(client: TrioClient, request: str) -> tuple[str, float]:
    start = trio.current_time()
    reply = await client.ask(request)
    return reply, trio.current_time() - start


async def serve(nursery) -> int:
    registry = Registry()
    await start_device(nursery, registry, "edge", small_data())
    return await start_listener(nursery, registry, ServerSettings(auth_penalty=0.25, auth_penalty_cap=4.0,
                                                                  idle_timeout=3600))


async def test_repeated_wrong_passwords_are_answered_ever_later(nursery, autojump_clock):
    port = await serve(nursery)
    guesser = await connect_from(port, "127.0.0.1")
    await guesser.ask("USERNAME admin")
    await guesser.ask("PASSWORD guess")
    delays = []
    for _ in range(7):
        reply, took = await timed(guesser, "FSD edge")
        assert reply == "ERR ACCESS-DENIED\n"
        delays.append(took)
    assert delays == [0.25, 0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    # a new connection from the same address does not start over
    again = await connect_from(port, "127.0.0.1")
    await again.ask("USERNAME ghost")
    await again.ask("PASSWORD x")
    assert await timed(again, "SET VAR edge ups.id x") == ("ERR ACCESS-DENIED\n", 4.0)


async def test_other_addresses_and_honest_clients_are_not_slowed(nursery, autojump_clock):
    port = await serve(nursery)
    guesser = await connect_from(port, "127.0.0.1")
    await guesser.ask("USERNAME admin")
    await guesser.ask("PASSWORD guess")
    for _ in range(5):
        await guesser.ask("FSD edge")
    # another address starts at the first step
    stranger = await connect_from(port, "127.0.0.2")
    await stranger.ask("USERNAME admin")
    await stranger.ask("PASSWORD guess")
    assert await timed(stranger, "FSD edge") == ("ERR ACCESS-DENIED\n", 0.25)
    # while the guesser waits out its 4 s, a client of the same address is served at once
    async with trio.open_nursery() as inner:
        inner.start_soon(guesser.ask, "FSD edge")
        await trio.sleep(0.1)
        honest = await connect_from(port, "127.0.0.1")
        assert await timed(honest, "GET VAR edge ups.load") == (LOAD, 0.0)
        await honest.ask("USERNAME admin")
        await honest.ask("PASSWORD secret")
        assert await timed(honest, "SET VAR edge ups.id x") == ("OK\n", 0.0)
    # lacking a right is not guessing: no delay
    helper = await connect_from(port, "127.0.0.3")
    await helper.ask("USERNAME helper")
    await helper.ask("PASSWORD help")
    for _ in range(3):
        assert await timed(helper, "INSTCMD edge load.off") == ("ERR ACCESS-DENIED\n", 0.0)


async def test_parallel_guesses_past_the_address_budget_are_refused_untried(nursery, autojump_clock):
    """One password per connection (ALREADY-SET-PASSWORD): an attacker guesses by
    opening many connections at once. Each wrong guess holds back its own reply (at
    most the cap); while an address has auth_penalty_budget replies held back, its
    further checks are refused without being tried, so even the right password
    tells it nothing: at most `budget` guesses checked per cap seconds."""
    registry = Registry()
    await start_device(nursery, registry, "edge", small_data())
    port = await start_listener(nursery, registry, ServerSettings(
        auth_penalty=0.25, auth_penalty_cap=4.0, auth_penalty_budget=4, idle_timeout=3600))
    start = trio.current_time()
    finished: list[float] = []

    async def guess(password: str, expect: str) -> None:
        client = await connect_from(port, "127.0.0.1")
        await client.send(f"USERNAME admin\nPASSWORD {password}\n".encode())
        await client.readline()
        await client.readline()
        assert await client.ask("FSD edge") == expect
        finished.append(trio.current_time() - start)

    async with trio.open_nursery() as inner:
        for i in range(4):
            inner.start_soon(guess, f"guess{i}", "ERR ACCESS-DENIED\n")
        await trio.sleep(0.1)  # the four are held back now: the budget is full
        for i in range(15):
            inner.start_soon(guess, f"more{i}", "ERR ACCESS-DENIED\n")
        inner.start_soon(guess, "secret", "ERR ACCESS-DENIED\n")  # right, but not tried
    assert sorted(finished)[:16] == [0.1] * 16  # refused untried: at once
    assert max(finished) <= 4.0  # and no reply waits longer than the cap
    # once the holds are over, the right password works again, at once
    honest = await connect_from(port, "127.0.0.1")
    await honest.ask("USERNAME admin")
    await honest.ask("PASSWORD secret")
    assert await timed(honest, "FSD edge") == ("OK FSD-SET\n", 0.0)
    # meanwhile another address was never limited
    stranger = await connect_from(port, "127.0.0.2")
    await stranger.ask("USERNAME admin")
    await stranger.ask("PASSWORD guess")
    assert await timed(stranger, "FSD edge") == ("ERR ACCESS-DENIED\n", 0.25)
