"""The process's one SNMP transport under many sessions at once, on real UDP sockets.

A small agent in this test's Trio loop answers each GET with a number per OID
(it can drop the first copy of a request, to see the resend). The sessions are
snmp-ups' (actors/drivers/snmp/session.py) over the run's shared transport.
"""

from __future__ import annotations

import socket as stdsocket
from collections.abc import Callable

import pytest
import trio

from nutrio.actors.drivers.snmp.session import GET_BATCH, SnmpSession, SnmpSettings
from nutrio.protocol.devices.snmp import ber
from nutrio.protocol.devices.snmp.ber import Pdu, PduType, Tag, VarBind

OIDS = [f"1.3.6.1.2.1.33.1.2.{n}.0" for n in range(1, 101)]


class Agent:
    """Answers v2c GETs: each OID's last arc is its value. ``drop_first``: ignore the
    first copy of that many requests (their resends are answered). ``answer``: what
    becomes of the bindings of a reply (an agent that reorders them, or leaves one out)."""

    def __init__(self, family: int = stdsocket.AF_INET, drop_first: int = 0,
                 answer: Callable[[list[VarBind]], list[VarBind]] = list) -> None:
        self.family, self.drop_first, self.answer = family, drop_first, answer
        self.datagrams = 0
        self.sock = trio.socket.socket(family, stdsocket.SOCK_DGRAM)

    async def run(self, task_status: trio.TaskStatus[int] = trio.TASK_STATUS_IGNORED) -> None:
        host = "::1" if self.family == stdsocket.AF_INET6 else "127.0.0.1"
        await self.sock.bind((host, 0))
        task_status.started(self.sock.getsockname()[1])
        dropped: set[int] = set()
        while True:
            data, peer = await self.sock.recvfrom(65535)
            self.datagrams += 1
            asked = ber.decode_community(data)
            rid = asked.pdu.request_id
            if len(dropped) < self.drop_first and rid not in dropped:
                dropped.add(rid)
                continue
            binds = [VarBind(vb.oid, Tag.INTEGER, int(vb.oid.split(".")[-2]))
                     for vb in asked.pdu.varbinds]
            reply = Pdu(PduType.RESPONSE, rid, tuple(self.answer(binds)))
            await self.sock.sendto(ber.encode_community(1, asked.community, reply), peer)


def settings(host: str, port: int, community: str = "public") -> SnmpSettings:
    return SnmpSettings(host=f"{host}", port=port, version="v2c", community=community,
                        timeout=0.3, retries=2)


def numbers(result: dict[str, VarBind | None]) -> dict[str, object]:
    return {oid: vb.value if vb else None for oid, vb in result.items()}


EXPECTED = {oid: int(oid.split(".")[-2]) for oid in OIDS}


async def test_twenty_sessions_opening_at_once_share_one_socket(nursery) -> None:
    agent = Agent()
    port = await nursery.start(agent.run)
    sessions = [SnmpSession(settings("127.0.0.1", port, f"c{n}")) for n in range(20)]
    results: list[dict[str, object]] = []

    async def ask(session: SnmpSession) -> None:
        await session.open()
        results.append(numbers(await session.get(OIDS[:5])))

    async with trio.open_nursery() as inner:  # every first request races to make the socket
        for session in sessions:
            inner.start_soon(ask, session)
    assert results == [{oid: EXPECTED[oid] for oid in OIDS[:5]}] * 20
    for session in sessions:
        await session.close()


def _has_ipv6_loopback() -> bool:
    try:
        with stdsocket.socket(stdsocket.AF_INET6, stdsocket.SOCK_DGRAM) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _has_ipv6_loopback(), reason="no IPv6 loopback here")
async def test_an_ipv4_and_an_ipv6_agent_in_one_run(nursery) -> None:
    v4, v6 = Agent(), Agent(stdsocket.AF_INET6)
    port4, port6 = await nursery.start(v4.run), await nursery.start(v6.run)
    one = SnmpSession(settings("127.0.0.1", port4))
    two = SnmpSession(SnmpSettings(host="::1", port=port6, version="v2c", timeout=0.3,
                                   retries=2))
    for session in (one, two):
        await session.open()
    assert numbers(await one.get(OIDS[:3])) == numbers(await two.get(OIDS[:3]))
    assert v4.datagrams == v6.datagrams == 1
    for session in (one, two):
        await session.close()


async def test_a_get_of_many_oids_goes_in_parts_sent_together(nursery) -> None:
    agent = Agent()
    port = await nursery.start(agent.run)
    session = SnmpSession(settings("127.0.0.1", port))
    await session.open()
    assert numbers(await session.get(OIDS)) == EXPECTED
    assert agent.datagrams == -(-len(OIDS) // GET_BATCH)
    await session.close()


async def test_a_lost_part_is_sent_again_alone(nursery) -> None:
    agent = Agent(drop_first=1)
    port = await nursery.start(agent.run)
    session = SnmpSession(settings("127.0.0.1", port))
    await session.open()
    assert numbers(await session.get(OIDS)) == EXPECTED
    assert agent.datagrams == -(-len(OIDS) // GET_BATCH) + 1
    await session.close()


@pytest.mark.parametrize(("answer", "missing"), [
    (lambda binds: binds[::-1], set()),
    (lambda binds: binds[:1] + binds[2:], {OIDS[1]}),
    (lambda binds: binds[2:] + binds[:1], {OIDS[1]}),
], ids=["reversed", "one-left-out", "one-left-out-and-moved"])
async def test_a_reply_out_of_order_is_read_by_name(nursery, answer, missing) -> None:
    """No OID may get another's value: an agent that reorders or drops bindings is read
    by name (in order, a reply is read by position, as NUT reads it)."""
    agent = Agent(answer=answer)
    port = await nursery.start(agent.run)
    session = SnmpSession(settings("127.0.0.1", port))
    await session.open()
    asked = OIDS[:5] + ["." + OIDS[5]]  # NUT's tables write OIDs with a leading dot
    expected = {oid: EXPECTED[oid.lstrip(".")] for oid in asked}
    assert numbers(await session.get(asked)) == {
        oid: None if oid in missing else value for oid, value in expected.items()}
    await session.close()


async def test_bindings_under_names_never_asked_are_read_by_position(nursery) -> None:
    renamed = Agent(answer=lambda binds: [VarBind(vb.oid + ".9", vb.tag, vb.value)
                                          for vb in binds])
    port = await nursery.start(renamed.run)
    session = SnmpSession(settings("127.0.0.1", port))
    await session.open()
    assert numbers(await session.get(OIDS[:3])) == {oid: EXPECTED[oid] for oid in OIDS[:3]}
    await session.close()
