"""The pure protocol session under hostile bytes: never raises, answers only NUT replies.

Also: a line the fast path (plain text, whole lines) answers gets the same
reply as when its bytes trickle in one at a time through NUT's tokenizer.
"""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from nutrio.protocol.common.state import CommandRequest, UpsSnapshot
from nutrio.protocol.upsd.session import ServerContext, ServerSettings, Session
from nutrio.protocol.upsd.static_devices import StaticDevice, StaticDevices
from nutrio.protocol.upsd.users import FixedAccounts
from tests.acl.test_matrix import accounts
from tests.fuzz._settings import fuzz
from tests.fuzz._wire import LINE, PAYLOAD, bad_reply_lines
from tests.listener.conftest import CMDVARTAB, small_data


def make_context(**settings: object) -> ServerContext:
    edge = StaticDevice("edge", "test", UpsSnapshot(ups="edge", seq=1, taken_at=0.0, data=small_data()))
    requests: list[CommandRequest] = []

    def submit(request: CommandRequest) -> bool:
        requests.append(request)
        return True

    return ServerContext(settings=ServerSettings(**settings), devices=StaticDevices(edge),
                         accounts=FixedAccounts(accounts()), submit=submit, descriptions=CMDVARTAB)


CTX = make_context()


@fuzz
@given(st.lists(PAYLOAD, min_size=1, max_size=4))
@example([b'GET VAR "edge\x00', b'"\n'])
@example([b"USERNAME admin\nPASSWORD secret\nSET VAR edge ups.id \xff\xfe\n"])
@example([b"STARTTLS\n", b"VER\n"])
def test_any_bytes_get_only_nut_replies(reads):
    session = Session(CTX, "10.0.0.1", now=1.0)
    for data in reads:
        out = session.receive_data(data, 1.0)
        assert bad_reply_lines(out.reply) == []
        if out.action.value != "none":
            break
    session.close()


@fuzz
@given(st.lists(LINE.filter(lambda s: "#" not in s), min_size=1, max_size=10))
def test_fast_path_and_tokenizer_answer_alike(lines):
    data = "".join(lines).encode("utf-8", "surrogatepass") + b"\n"
    whole = Session(CTX, "10.0.0.1", now=1.0)
    trickle = Session(CTX, "10.0.0.2", now=1.0)
    a = whole.receive_data(data, 1.0)
    b = b"".join(trickle.receive_data(data[i:i + 1], 1.0).reply for i in range(len(data)))
    if a.action.value == "none":  # LOGOUT/STARTTLS stop a read early: not comparable
        assert a.reply == b
    whole.close()
    trickle.close()


@fuzz
@given(st.binary(max_size=50000))
def test_max_line_limit_keeps_the_session_usable(junk):
    # quotes and backslash-newline legitimately carry a line on (NUT's tokenizer)
    line = junk.translate(None, b'\n"\\') + b"\n"
    session = Session(make_context(max_line=1024), "10.0.0.1", now=1.0)
    out = session.receive_data(line, 1.0)
    assert (b"ERR TOO-LONG\n" in out.reply) == (len(line) > 1024)
    assert session.receive_data(b"NETVER\n", 1.0).reply == b"1.3\n"
