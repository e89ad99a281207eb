"""The journal output: native-protocol datagrams with one field per bound key.

A datagram socket bound at a temporary path stands in for
/run/systemd/journal/socket; the entries are read back with the test's own
parser (simple and length-prefixed forms, and the memfd form for big entries).
"""

from __future__ import annotations

import fcntl
import io
import os
import signal
import struct
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog
from systemd_helpers import (
    TIMEOUT,
    datagram_sink,
    entry_of,
    has_event,
    journal_entries,
    nutrio_service,
    service_env,
    stderr_of,
)

from nutrio.logs import configure_logging, stream_is_journal
from nutrio.systemd import JournalLogger, journal_field_name

log = structlog.get_logger()


@pytest.fixture(autouse=True)
def restore_structlog() -> Iterator[None]:
    yield
    structlog.reset_defaults()
    structlog.contextvars.clear_contextvars()


def test_event_becomes_fields_message_priority_and_bound_keys() -> None:
    with datagram_sink() as sink:
        configure_logging("journal", journal_socket=sink.address)
        structlog.contextvars.bind_contextvars(actor="driver:ups1", ups="ups1")
        log.warning("driver.stale", age=15.5, password="secret", listen=["127.0.0.1:3493"])
        log.debug("too.quiet")
        got = sink.wait_for(lambda r: len(r) >= 1)
    [entry] = journal_entries(got)
    assert entry["MESSAGE"].startswith("driver.stale ")
    assert "actor=driver:ups1" in entry["MESSAGE"]
    assert entry["PRIORITY"] == "4"
    assert entry["SYSLOG_IDENTIFIER"] == "nutrio"
    assert (entry["EVENT"], entry["ACTOR"], entry["UPS"]) == ("driver.stale", "driver:ups1", "ups1")
    assert entry["AGE"] == "15.5" and entry["LISTEN"] == '["127.0.0.1:3493"]'
    assert "PASSWORD" not in entry and "secret" not in str(entry)


def test_traceback_goes_in_the_length_prefixed_form() -> None:
    with datagram_sink() as sink:
        configure_logging("journal", journal_socket=sink.address)
        try:
            raise ValueError("broken pipe")
        except ValueError:
            log.exception("actor.crashed", actor="a")
        got = sink.wait_for(lambda r: len(r) >= 1)
    raw = got[0].data
    # multi-line values: NAME, newline, 64-bit little-endian length, the bytes, newline
    start = raw.index(b"\nEXCEPTION\n") + len(b"\nEXCEPTION\n")
    (size,) = struct.unpack("<Q", raw[start:start + 8])
    assert raw[start + 8 + size:start + 9 + size] == b"\n"
    entry = entry_of(got[0])
    assert b"ValueError: broken pipe" in entry["EXCEPTION"][0]
    assert entry["MESSAGE"][0].startswith(b"actor.crashed actor=a\nTraceback")
    assert entry["PRIORITY"] == [b"3"]


def test_an_entry_too_big_for_a_datagram_goes_as_a_sealed_memfd() -> None:
    huge = "x" * (20 << 20)  # beyond any socket send buffer
    with datagram_sink() as sink:
        JournalLogger(sink.address).msg(MESSAGE=huge, PRIORITY="6")
        got = sink.wait_for(lambda r: len(r) >= 1)
        [d] = got
        assert d.data == b"" and len(d.fds) == 1
        seals = fcntl.fcntl(d.fds[0], fcntl.F_GET_SEALS)
        entry = entry_of(d)
    assert seals & fcntl.F_SEAL_WRITE and seals & fcntl.F_SEAL_SEAL  # journald insists
    assert entry["MESSAGE"] == [huge.encode()] and entry["PRIORITY"] == [b"6"]


def test_without_a_journal_lines_go_to_the_fallback_stream(tmp_path: Path) -> None:
    out = io.StringIO()
    configure_logging("journal", stream=out, journal_socket=str(tmp_path / "absent"))
    log.info("actor.started", actor="listener")
    assert out.getvalue() == "actor.started actor=listener\n"


def test_field_names_are_journal_safe() -> None:
    assert journal_field_name("actor") == "ACTOR"
    assert journal_field_name("ups.status") == "UPS_STATUS"
    assert journal_field_name("_secret") == "SECRET"  # "_" fields are journald's trusted ones
    assert journal_field_name("message") == "NUTRIO_MESSAGE"  # ours is the rendered line
    assert journal_field_name("3phase") == "NUTRIO_3PHASE"
    assert len(journal_field_name("k" * 100)) == 64


def test_journal_stream_matching_the_stream_selects_the_journal(tmp_path: Path) -> None:
    read_end, write_end = os.pipe()
    with os.fdopen(write_end, "w") as stream, os.fdopen(read_end):
        info = os.fstat(write_end)
        assert stream_is_journal(stream, {"JOURNAL_STREAM": f"{info.st_dev}:{info.st_ino}"})
        assert not stream_is_journal(stream, {"JOURNAL_STREAM": f"{info.st_dev}:{info.st_ino + 1}"})
        assert not stream_is_journal(stream, {"JOURNAL_STREAM": "garbage"})
        assert not stream_is_journal(stream, {})
        assert not stream_is_journal(io.StringIO(), {"JOURNAL_STREAM": "1:2"})


@pytest.mark.e2e
def test_nutrio_run_log_format_journal(tmp_path: Path) -> None:
    with datagram_sink() as sink, nutrio_service(
        tmp_path, "--log-format", "journal", env=service_env(NUTRIO_JOURNAL_SOCKET=sink.address)
    ) as proc:
        got = sink.wait_for(has_event("nutrio.ready"), proc)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=TIMEOUT) == 0
    started = [e for e in journal_entries(got) if e.get("EVENT") == "actor.started"]
    driver = next(e for e in started if e.get("ACTOR") == "driver:ups1")
    assert driver["MESSAGE"].startswith("actor.started ")
    assert driver["PRIORITY"] == "6"
    assert driver["SYSLOG_IDENTIFIER"] == "nutrio"
    assert driver["SUPERVISOR"] == "drivers"
    assert stderr_of(tmp_path) == ""  # everything went to the journal


@pytest.mark.e2e
def test_nutrio_run_detects_the_journal_from_journal_stream(tmp_path: Path) -> None:
    """No --log-format: JOURNAL_STREAM naming our stderr means journald reads it."""
    read_end, write_end = os.pipe()  # nutrio's stderr, as systemd's stream would be
    info = os.fstat(write_end)
    with datagram_sink() as sink:
        env = service_env(JOURNAL_STREAM=f"{info.st_dev}:{info.st_ino}",
                          NUTRIO_JOURNAL_SOCKET=sink.address)
        with nutrio_service(tmp_path, env=env, stderr=write_end) as proc:
            os.close(write_end)
            got = sink.wait_for(has_event("nutrio.ready"), proc)
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=TIMEOUT) == 0
    with os.fdopen(read_end) as pipe:
        assert pipe.read() == ""  # no JSON lines: the entries went to the journal socket
    assert any(e.get("ACTOR") == "driver:ups1" for e in journal_entries(got))
