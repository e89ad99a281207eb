"""protocol.devices.megatec's nutdrv_qx engine, pure: replies in, NUT variables out, bytes back.

The side-by-side tests against the real nutdrv_qx (tests/drivers/test_qx_*.py)
show the whole; these pin the C quirks the engine reproduces, one by one, and
feed every protocol random replies to show it never raises on them.
"""

from __future__ import annotations

import subprocess
import sys
from hypothesis import given, settings
from hypothesis import strategies as st

from nutrio.protocol.devices.dummy.devfile import DeviceVars
from nutrio.protocol.devices.megatec import subdrivers
from nutrio.protocol.devices.megatec.qx_errors import QxFatal
from nutrio.protocol.devices.megatec.qx_item import item
from nutrio.protocol.devices.megatec.qx_session import Session, c_format, process_answer
from nutrio.protocol.devices.megatec.qx_walk import init_info, update_info
from nutrio.protocol.devices.megatec.voltronic_alarms import warning
from nutrio.protocol.devices.megatec.voltronic_qs import hex_reply, strtol16
from nutrio.protocol.devices.megatec.voltronic_values import strtok_flags
from tests.paths import ROOT
from tests.protocol.qx_helpers import Replies, drive, table

MEGATEC = {
    b"Q1\r": b"(230.4 195.0 230.4 014 50.0 27.0 30.0 00001001\r",
    b"F\r": b"#230.0 004 024.0 50.0\r",
    b"I\r": b"#SimuPower       SP-1000    VT12046Q  \r",
}


def test_the_engine_imports_neither_trio_nor_sockets() -> None:
    code = ("import sys, nutrio.protocol.devices.megatec.subdrivers; "
            "assert not {'trio', 'socket'} & set(sys.modules), sorted(sys.modules)")  # fmt: skip
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_probing_tries_each_protocol_three_times_in_nuts_order() -> None:
    session, sent = drive(subdrivers.match(DeviceVars(), {}), table(MEGATEC))
    assert session is not None and session.sub.version == "Megatec 0.06"
    assert sent == ([b"QGS\r"] * 3 + [b"M\r"] * 6 + [b"QS\r"] * 3 + [b"D\r"] * 3
                    + [b"Q1\r", b"ID\r"] * 3 + [b"Q1\r", b"QPI\r"] * 3 + [b"Q1\r", b"I\r"])


def test_a_named_protocol_is_the_only_one_tried_and_an_unknown_one_finds_nothing() -> None:
    session, sent = drive(subdrivers.match(DeviceVars(), {"protocol": "Q1"}), table(MEGATEC))
    assert session is not None and session.sub.version == "Q1 0.07" and sent == [b"Q1\r"]
    assert drive(subdrivers.match(DeviceVars(), {"protocol": "nonesuch"}), table(MEGATEC)) == (None, [])


def test_consecutive_items_of_one_query_share_its_reply() -> None:
    state = DeviceVars()
    session, _ = drive(subdrivers.match(state, {"protocol": "megatec"}), table(MEGATEC))
    assert session is not None
    _, sent = drive(init_info(session, 0.0), table(MEGATEC))
    assert sent == [b"Q1\r", b"F\r", b"I\r"]  # input.voltage and ups.firmware came with the claim
    _, sent = drive(update_info(session, 100.0), table(MEGATEC))  # a full update
    assert sent == [b"Q1\r"]
    assert state.get("ups.status") == "OL" and state.get("battery.charge") == "100"


def test_a_full_update_that_gets_no_reply_asks_again_for_each_item_then_fails() -> None:
    state = DeviceVars()
    session, _ = drive(subdrivers.match(state, {"protocol": "megatec"}), table(MEGATEC))
    assert session is not None
    drive(init_info(session, 0.0), table(MEGATEC))
    ok, sent = drive(update_info(session, 100.0), lambda request: b"")
    assert ok is False and sent == [b"Q1\r"] * 8  # seven values, then the first status bit
    assert state.get("ups.status") is None  # nothing published: the caller counts the failure


def test_columns_follow_cs_printf_precision_rules() -> None:
    s = Session(subdrivers.by_protocol("q1"), DeviceVars(), {})  # type: ignore[arg-type]
    up_to_cr = item("x", "X\r", 0, "", (1, 0), "%s")
    up_to_cr.answer = b"(PI98\r"
    assert process_answer(s, up_to_cr, 6) and up_to_cr.value == "PI98"
    past_cr = item("x", "X\r", 0, "", (3, 0), "%s")
    past_cr.answer = b"(\rABC"  # from > the CR's column: "%.*s" with a negative precision
    assert process_answer(s, past_cr, 5) and past_cr.value == "BC"
    nul = item("x", "X\r", 0, "(", (1, 3), "%s")
    nul.answer = b"(A\x00C\r"
    assert process_answer(s, nul, 5) and nul.value == "A"  # a C string ends at NUL


def test_c_format_gives_printf_what_nut_gives_it() -> None:
    assert c_format("%.1f", 229.95) == "229.9"  # the double's own digits, as glibc
    assert c_format("%03d", 7.9) == "007" and c_format("%s", "x") == "x"
    assert c_format("BATGN%02.0f\r", 2.0) == "BATGN02\r" and c_format("T%02d\r", 10) == "T10\r"
    assert c_format("%.0f", 0.5) == "0" and c_format("%.0f", 1.5) == "2"


def test_the_hex_protocol_reads_nuts_own_test_reply() -> None:
    raw = b"#\x6C\x01 \x35 \x6C\x01 \x35 \x03 \x51\x9A \x28\x02\x12\xD0 \xE6 \x1E \x09\r"
    assert hex_reply(raw) == "#6c01 35 6c01 35 03 519a 1312d0 e6 1e 00001001"
    assert hex_reply(raw[:-4] + b"\r") is None  # nine fields: not a QS reply
    assert strtol16(" 35") == (0x35, "") and strtol16("6c01 35") == (0x6C01, " 35")


def test_qflag_splits_as_strtok_splits_it() -> None:
    assert strtok_flags("EpashcDbroegfl") == ("pashc", "broegfl")
    assert strtok_flags("EDabc") == ("abc", "")  # no enabled options: strtok skips the D
    assert strtok_flags("ED") is None and strtok_flags("Epa") == ("pa", "")


def test_voltronic_warnings_are_spelled_out_or_counted_when_too_long() -> None:
    s = Session(subdrivers.by_protocol("voltronic"), DeviceVars(), {})  # type: ignore[arg-type]
    one = item("ups.alarm", "QWS\r", 66, "(", (1, 64), "%s")
    one.value = "0000000100" + "0" * 52 + "10"
    assert warning(s, one, "") == "UPS warnings: Low battery. Unknown warnings [bit: #63]"
    assert "LB" in s.ups_status
    many = item("ups.alarm", "QWS\r", 66, "(", (1, 64), "%s")
    many.value = "1" * 40 + "0" * 24
    text = warning(s, many, "")
    assert text is not None and text.startswith("UPS warnings: Known (see log or manual) [bit: #01, #02")
    one.value = "0" * 64
    assert warning(s, one, "") == ""


@settings(max_examples=60, deadline=None)
@given(protocol=st.sampled_from(subdrivers.PROTOCOLS),
       replies=st.lists(st.binary(max_size=90), min_size=1, max_size=40))  # fmt: skip
def test_any_replies_at_all_never_break_a_protocol(protocol: str, replies: list[bytes]) -> None:
    """Claim, start-up walk and updates on random replies: a result, never a traceback."""
    stream = iter(replies * 40)
    answer: Replies = lambda request: next(stream, None)  # noqa: E731
    state = DeviceVars()
    session, _ = drive(subdrivers.match(state, {"protocol": protocol}), answer)
    if session is None:
        return
    try:
        drive(init_info(session, 0.0), answer)
    except QxFatal:
        return  # "Can't initialise data from the UPS", as NUT says
    for now in (1.0, 100.0, 101.0):
        ok, _ = drive(update_info(session, now), answer)
        assert ok in (True, False)
