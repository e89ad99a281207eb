"""Remembered answers (protocol/upsd/answers.py): a repeated poll is answered from the
cache, and always with the bytes the full command path would give."""

from __future__ import annotations

import dataclasses

from hypothesis import given, settings
from hypothesis import strategies as st

from nutrio.protocol.common.state import freeze_vars
from nutrio.protocol.upsd.answers import Answers
from nutrio.protocol.upsd.session import ServerSettings, Session
from tests.protocol.test_server_world import NOW, World, ask, make_world

POLL = "GET VAR edge ups.status\n"


class NoAnswers(Answers):
    """Never remembers: every line takes the full path (the reference)."""

    def lookup(self, *args: object, **kwargs: object) -> bytes | None:
        return None


def quick(world: World, addr: str = "127.0.0.1") -> Session:
    session = world.session(addr)
    session.record_requests = False  # as the listener sets it when debug logging is off
    return session


def test_a_repeated_poll_is_answered_from_memory_and_counted() -> None:
    world = make_world()
    session = quick(world)
    first = ask(session, POLL)
    assert len(world.ctx.answers) == 1
    assert ask(session, POLL, NOW + 1) == first == 'VAR edge ups.status "OL CHRG"\n'
    assert session.requests == 2 and session.last_heard == NOW + 1


def test_a_new_snapshot_an_fsd_or_a_stale_one_takes_the_full_path() -> None:
    world = make_world()
    session, primary = quick(world), quick(world)
    assert ask(session, POLL) == 'VAR edge ups.status "OL CHRG"\n'
    world.publish("edge", data=world.devices.devices["edge"].snapshot.data)  # same data, new snapshot
    assert ask(session, POLL) == 'VAR edge ups.status "OL CHRG"\n'
    for line in ("USERNAME monuser\n", "PASSWORD pass\n", "FSD edge\n"):
        ask(primary, line)
    assert ask(session, POLL) == 'VAR edge ups.status "FSD OL CHRG"\n'
    maxage = world.ctx.settings.maxage
    assert ask(session, POLL, NOW + maxage + 1) == "ERR DATA-STALE\n"


def test_a_removed_device_is_unknown_at_once() -> None:
    world = make_world()
    session = quick(world)
    ask(session, "LIST VAR edge\n")
    del world.devices.devices["edge"]
    assert ask(session, "LIST VAR edge\n") == "ERR UNKNOWN-UPS\n"


def test_a_session_that_must_start_tls_is_never_answered_from_memory() -> None:
    from nutrio.protocol.upsd.session import TlsSettings

    tls = TlsSettings(certfile="c.pem", require=True)
    world = make_world(ServerSettings(tls=tls))
    world.ctx.answers.remember(POLL.encode(), "edge", world.devices, 0, b"VAR edge x\n")
    assert ask(quick(world), POLL) == "ERR ACCESS-DENIED\n"


def test_only_polls_about_a_ups_are_remembered() -> None:
    world = make_world()
    session = quick(world)
    for line in ("VER\n", "GET VAR edge server.info\n", "GET VAR edge nosuch\n", "LIST UPS\n",
                 "GET NUMLOGINS edge\n", "GET VAR edge ups.load\nVER\n"):
        ask(session, line)
    assert len(world.ctx.answers) == 0
    for line in ("GET VAR edge ups.id\n", "LIST VAR edge\n", "LIST RW edge\n", "LIST CMD edge\n"):
        ask(session, line)
    assert len(world.ctx.answers) == 4


LINES = ["GET VAR edge ups.status\n", "GET VAR Edge battery.charge\n", "LIST VAR edge\n",
         "LIST RW edge\n", "LIST CMD other\n", "GET VAR down ups.status\n", "GET VAR edge nosuch\n"]
STEPS = st.one_of(
    st.tuples(st.just("ask"), st.sampled_from(LINES)),
    st.tuples(st.just("publish"), st.sampled_from(["OL", "OB LB", "OL CHRG"])),
    st.tuples(st.just("wait"), st.sampled_from([0.0, 1.0, 20.0])),
    st.tuples(st.just("fsd"), st.just("")),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(STEPS, max_size=30))
def test_with_or_without_memory_every_reply_is_the_same(steps: list[tuple[str, object]]) -> None:
    cached, plain = make_world(), make_world()
    plain.ctx.answers = NoAnswers()
    worlds = [(cached, quick(cached), quick(cached)), (plain, quick(plain), quick(plain))]
    now = NOW
    for kind, arg in steps:
        if kind == "wait":
            now += float(arg)  # type: ignore[arg-type]
        replies = []
        for world, session, primary in worlds:
            if kind == "ask":
                replies.append(ask(session, str(arg), now))
            elif kind == "publish":
                snap = world.devices.devices["edge"].snapshot
                values = dict(snap.data.vars) | {"ups.status": str(arg)}
                data = dataclasses.replace(snap.data, vars=freeze_vars(values))
                world.publish("edge", data=data, taken_at=now)
            elif kind == "fsd":
                for line in ("USERNAME monuser\n", "PASSWORD pass\n", "FSD edge\n"):
                    replies.append(ask(primary, line, now))
        assert replies[: len(replies) // 2] == replies[len(replies) // 2:]
