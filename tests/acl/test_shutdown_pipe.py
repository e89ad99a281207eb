"""The root shutdown helper runs SHUTDOWNCMD for its one request and nothing else.

A real helper process (actors.upsmon.shutdown, started by spawn_helper) gets each
payload on its pipe; the marker file SHUTDOWNCMD would create tells.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nutrio.actors.upsmon.shutdown import spawn_helper
from nutrio.protocol.upsmon.shutdown_pipe import (
    RUN_SHUTDOWN,
    ParentGone,
    PipeDecoder,
    Refused,
    RunShutdown,
    decode,
)
from tests.fuzz._settings import fuzz

HOSTILE = [b"\x01", b"s", b"\x00S", b" S", b"HUTDOWN", b"\n", b"\xff" * 4096,
           b"shutdown -h now\n", b"$(touch /tmp/x)"]


def run_helper(tmp_path: Path, payload: bytes | None) -> tuple[int, bool, bool]:
    """(exit code, SHUTDOWNCMD ran, POWERDOWNFLAG written) after *payload* (None: just close)."""
    marker, flag = tmp_path / "ran", tmp_path / "killpower"
    helper = spawn_helper(f"touch {marker}", flag)
    try:
        if payload is not None:
            os.write(helper.fd, payload)
    finally:
        os.close(helper.fd)
    code = helper.process.wait(timeout=20)
    return code, marker.exists(), flag.exists()


@pytest.mark.parametrize("payload", HOSTILE, ids=repr)
def test_helper_refuses_anything_but_the_request(tmp_path, payload):
    assert run_helper(tmp_path, payload) == (1, False, False)


def test_helper_leaves_quietly_when_the_pipe_closes(tmp_path):
    assert run_helper(tmp_path, None) == (1, False, False)


def test_helper_runs_the_command_for_the_one_request(tmp_path):
    assert run_helper(tmp_path, RUN_SHUTDOWN) == (0, True, True)


@fuzz
@given(st.binary(max_size=128))
def test_no_byte_string_but_the_request_byte_first_runs_anything(data):
    verdict = decode(data)
    if not data:
        assert verdict == ParentGone()
    elif data[:1] == RUN_SHUTDOWN:
        assert verdict == RunShutdown()  # upsmon reads one byte: the first decides
    else:
        assert verdict == Refused(data[:64])


@fuzz
@given(st.lists(st.binary(min_size=1, max_size=16), min_size=2, max_size=6))
def test_a_refused_pipe_stays_refused(chunks):
    decoder = PipeDecoder()
    first = decoder.feed(chunks[0])
    assert all(decoder.feed(c) == first for c in [*chunks[1:], RUN_SHUTDOWN])
