"""Plain lines skip the byte-at-a-time tokenizer: the replies must not change."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nutrio.protocol.common.state import UpsData, freeze_vars
from nutrio.protocol.upsd.plainline import SEEN_MAX, PlainLines
from nutrio.protocol.upsd.session import Action, ServerSettings
from tests.protocol.test_server_world import NOW, make_world

_WORDS = [b"VER", b"GET", b"LIST", b"SET", b"VAR", b"RW", b"CMD", b"TYPE", b"UPS", b"TRACKING",
          b"ON", b"USERNAME", b"PASSWORD", b"admin", b"secret", b"LOGIN", b"LOGOUT", b"FSD",
          b"edge", b"ups.status", b"ups.id", b"\"", b"\\", b"#", b"\n", b" ", b"\t", b"\r", b"\x0b",
          b"=", b"\x7f", b"\x1c", b"\xc3\xa9", b"\x00", b"STARTTLS", b"NUMLOGINS", b"x" * 600]

_chunks = st.lists(
    st.one_of(st.binary(max_size=30),
              st.lists(st.sampled_from(_WORDS), max_size=40).map(b" ".join).map(lambda b: b + b"\n")),
    max_size=10,
)


class _NoPlainLines(PlainLines):
    """Every line through parseconf, byte by byte."""

    def next_line(self, data: bytes, start: int, limit: int) -> tuple[tuple[str, ...], int]:
        return (), 0


def _run(parts: list[bytes], max_line: int, *,
         fast: bool = True) -> list[tuple[bytes, Action, bytes]]:
    world = make_world(ServerSettings(max_line=max_line))
    if not fast:
        world.ctx.lines = _NoPlainLines()
    session = world.session()
    session.receive_data(b"USERNAME admin\nPASSWORD secret\n", NOW)
    outs = []
    for part in parts:
        out = session.receive_data(part, NOW)
        outs.append((out.reply, out.action, out.leftover))
    return outs


@settings(max_examples=400, deadline=None)
@given(_chunks, st.sampled_from([0, 60, 4000]))
def test_fast_path_answers_byte_for_byte_like_the_tokenizer(parts, max_line):
    fast = _run(parts, max_line)
    slow = _run(parts, max_line, fast=False)
    assert fast == slow


@pytest.mark.parametrize("line", [b"GET VAR edge ups.status\n", b"  get\tvar  edge ups.status \r\n"])
def test_plain_request_is_answered_without_the_tokenizer(line):
    session = make_world().session()
    assert session.receive_data(line, NOW).reply == b'VAR edge ups.status "OL CHRG"\n'
    assert session._tok is None  # the tokenizer was never even made


def test_thirty_third_word_and_long_words_are_cut_as_parseconf_does():
    words, after = PlainLines().next_line(b" ".join([b"w" * 600] * 40) + b"\n", 0, 0)
    assert len(words) == 32 and {len(w) for w in words} == {512} and after == 40 * 601


def test_each_server_remembers_its_own_plain_lines_and_only_so_many():
    one, other = make_world(), make_world()
    session = one.session()
    for i in range(SEEN_MAX + 10):
        session.receive_data(f"GET VAR edge v{i}\n".encode(), NOW)
    assert 0 < len(one.ctx.lines) <= SEEN_MAX
    assert len(other.ctx.lines) == 0  # nothing process-wide


def test_replies_are_kept_on_the_data_they_come_from():
    world = make_world()
    session = world.session()
    old = world.devices.devices["edge"].snapshot.data
    reply = session.receive_data(b"GET VAR edge ups.status\n", NOW).reply
    assert old.memo[("edge", "ups.status", False)] == reply
    new = UpsData(vars=freeze_vars({"ups.status": "OB"}))
    world.publish("edge", data=new)
    assert session.receive_data(b"GET VAR edge ups.status\n", NOW).reply == (
        b'VAR edge ups.status "OB"\n')
    assert new.memo[("edge", "ups.status", False)] == b'VAR edge ups.status "OB"\n'
    assert old.memo[("edge", "ups.status", False)] == reply  # the old data keeps its own
