"""The closed message set across the root shutdown pipe."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from nutrio.protocol.upsmon.shutdown_pipe import (
    RUN_SHUTDOWN,
    SDMAGIC,
    ParentGone,
    PipeDecoder,
    Refused,
    RunShutdown,
    decode,
    flag_file_is_ours,
)


def test_the_one_request_runs_the_shutdown():
    assert decode(RUN_SHUTDOWN) == RunShutdown()


def test_end_of_file_means_the_monitor_is_gone():
    assert decode(b"") == ParentGone()


def test_upsmons_own_byte_and_anything_else_is_refused():
    assert decode(b"\x01") == Refused(b"\x01")
    assert decode(b"shutdown") == Refused(b"shutdown")
    assert decode(b"s") == Refused(b"s")


@given(st.binary(min_size=1))
def test_only_input_starting_with_the_request_byte_runs_anything(data):
    verdict = decode(data)
    assert (verdict == RunShutdown()) is data.startswith(RUN_SHUTDOWN)
    assert isinstance(verdict, RunShutdown | Refused)


@given(st.lists(st.binary(), min_size=1, max_size=5))
def test_the_first_read_decides_and_nothing_later_changes_it(chunks):
    decoder = PipeDecoder()
    first = decoder.feed(chunks[0])
    assert all(decoder.feed(chunk) == first for chunk in chunks[1:])


def test_only_flag_files_with_upsmons_magic_are_ours():
    assert flag_file_is_ours(SDMAGIC)
    assert not flag_file_is_ours("my precious /etc/passwd")
