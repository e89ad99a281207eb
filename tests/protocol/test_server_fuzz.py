"""Any bytes in: only well-formed reply lines out, never an exception."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from nutrio.protocol.upsd.session import ServerSettings
from tests.protocol.test_server_world import NOW, make_world

# Every line upsd can send: a known first word, printable ASCII, at most 512 bytes.
_FIRST = (
    "ERR|OK|VAR|RW|CMD|UPS|ENUM|RANGE|TYPE|DESC|CMDDESC|UPSDESC|NUMLOGINS|CLIENT|BEGIN|END|"
    "Network|Commands:|ON|OFF|PENDING|SUCCESS|1\\.3"
)
_LINE = re.compile(rb"(?:" + _FIRST.encode() + rb")(?: [\x20-\x7f]*)?\n")

_WORDS = [b"VER", b"GET", b"LIST", b"SET", b"VAR", b"RW", b"CMD", b"TYPE", b"DESC", b"UPS",
          b"TRACKING", b"ON", b"INSTCMD", b"USERNAME", b"PASSWORD", b"admin", b"secret", b"LOGIN",
          b"LOGOUT", b"FSD", b"PRIMARY", b"edge", b"ups.status", b"ups.id", b"load.off", b"\"",
          b"\\", b"#", b"\n", b" ", b"=", b"ENUM", b"RANGE", b"CLIENT", b"STARTTLS", b"\xff", b"\x00"]

chunks = st.lists(
    st.one_of(st.binary(max_size=40), st.lists(st.sampled_from(_WORDS), max_size=12).map(b" ".join)),
    max_size=12,
)


def _check(reply: bytes) -> None:
    for piece in reply.splitlines(keepends=True):
        assert len(piece) <= 512
        assert _LINE.fullmatch(piece), piece


@settings(max_examples=400, deadline=None)
@given(chunks)
def test_any_bytes_get_only_well_formed_replies(parts):
    world = make_world(ServerSettings(max_line=200))
    session = world.session()
    for part in parts:
        _check(session.receive_data(part, NOW).reply)


@settings(max_examples=200, deadline=None)
@given(chunks)
def test_logged_in_admin_fuzz_never_raises(parts):
    world = make_world()
    session = world.session()
    session.receive_data(b"USERNAME admin\nPASSWORD secret\nSET TRACKING ON\n", NOW)
    for part in parts:
        _check(session.receive_data(part, NOW).reply)
