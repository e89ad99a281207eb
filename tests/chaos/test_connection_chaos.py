"""Fault injection per upsd connection: one client's fault never reaches another.

Each accepted connection is one message of its listener actor at the chaos
seam (`target = "listener:*"`): crash and drop end that connection unanswered,
freeze holds it alone; the listener and the other clients carry on.
"""

from __future__ import annotations

import pytest
import trio

from nutrio.actors.registry import Registry
from nutrio.actors.upsd.listener import run_listener
from nutrio.protocol.upsd.session import ServerSettings
from nutrio.protocol.upsd.users import FixedAccounts
from nutrio.supervisor.chaos import Chaos, ChaosPlan, FaultSpec
from tests.listener.conftest import (  # noqa: F401 - transport: a fixture, both transports
    ACCOUNTS,
    CMDVARTAB,
    TrioClient,
    small_data,
    start_device,
    transport,
)


async def _listener(nursery: trio.Nursery, fault: FaultSpec, transport: str) -> int:
    registry = Registry()
    await start_device(nursery, registry, "edge", small_data())
    chaos = Chaos(ChaosPlan(seed=1, faults=(fault,)))
    port: int = await nursery.start(
        lambda task_status: run_listener(("127.0.0.1", 0), registry,
                                         ServerSettings(transport=transport),
                                         FixedAccounts(ACCOUNTS),
                                         descriptions=CMDVARTAB, chaos=chaos,
                                         task_status=task_status))
    return port


async def _status(port: int) -> str:
    client = await TrioClient.connect(port)
    try:
        return await client.ask("GET VAR edge ups.status")
    finally:
        await client.stream.aclose()


@pytest.mark.parametrize("kind", ["crash", "drop"])
async def test_the_faulted_connection_ends_unanswered_and_the_next_is_served(
    nursery: trio.Nursery, kind: str, transport: str
) -> None:
    # armed after the first connection, fires once: the second one is hit
    port = await _listener(nursery, FaultSpec(target="listener:*", kind=kind,  # type: ignore[arg-type]
                                              after_messages=1, times=1), transport)
    with trio.fail_after(10):
        assert (await _status(port)).startswith("VAR edge ups.status")
        hit = await TrioClient.connect(port)
        await hit.send(b"GET VAR edge ups.status\n")
        assert await hit.at_eof()
        assert (await _status(port)).startswith("VAR edge ups.status")


async def test_a_frozen_connection_stalls_alone(nursery: trio.Nursery, transport: str) -> None:
    port = await _listener(nursery, FaultSpec(target="listener:*", kind="freeze", times=1),
                           transport)
    frozen = await TrioClient.connect(port)
    await frozen.send(b"GET VAR edge ups.status\n")
    with trio.fail_after(10):
        for _ in range(3):  # others are served while the first waits
            assert (await _status(port)).startswith("VAR edge ups.status")
    with trio.move_on_after(0.5) as waited:
        await frozen.readline()
    assert waited.cancelled_caught
    await frozen.stream.aclose()


async def test_a_fault_for_another_actor_leaves_connections_alone(nursery: trio.Nursery,
                                                                  transport: str) -> None:
    port = await _listener(nursery, FaultSpec(target="driver:*", kind="drop"), transport)
    with trio.fail_after(10):
        for _ in range(3):
            assert (await _status(port)).startswith("VAR edge ups.status")
