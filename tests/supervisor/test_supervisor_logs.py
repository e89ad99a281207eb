"""Lifecycle events and the log line format users parse."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import pytest
import structlog
import trio
import trio.testing
from structlog.testing import capture_logs
from supervisor_helpers import Boom, Worker

from nutrio.logs import configure_logging
from nutrio.supervisor import ChildSpec, ExpectedFailure, Supervisor, SupervisorGaveUp

log = structlog.get_logger()


@pytest.fixture
def restore_structlog() -> Iterator[None]:
    yield
    structlog.reset_defaults()
    structlog.contextvars.clear_contextvars()


async def test_lifecycle_events_name_actor_and_supervisor(
    autojump_clock: trio.testing.MockClock,
) -> None:
    a = Worker("a")
    sup = Supervisor("top", intensity=1, period=60, backoff_base=2.0)
    with capture_logs() as logs, pytest.RaisesGroup(SupervisorGaveUp), trio.fail_after(60):
        async with trio.open_nursery() as nursery:
            await nursery.start(sup.run, [ChildSpec("a", a, shutdown=0)])
            a.crash()
            await trio.sleep(3)
            a.crash()
    events = [e["event"] for e in logs]
    assert events == [
        "actor.started",
        "actor.crashed",
        "actor.restarting",
        "actor.started",
        "actor.crashed",
        "supervisor.gave_up",
    ]
    assert all(e["actor"] == "a" and e["supervisor"] == "top" for e in logs)
    assert isinstance(logs[1]["exc_info"], Boom)
    assert (logs[2]["attempt"], logs[2]["delay"]) == (1, 2.0)


async def test_orderly_stop_logs_actor_stopped(autojump_clock: trio.testing.MockClock) -> None:
    sup = Supervisor("top")
    with capture_logs() as logs:
        async with trio.open_nursery() as nursery:
            await nursery.start(sup.run, [ChildSpec("a", Worker("a"), shutdown=1)])
            await sup.stop()
    stopped = [e for e in logs if e["event"] == "actor.stopped"]
    assert [(e["actor"], e["supervisor"]) for e in stopped] == [("a", "top")]


async def test_child_logs_carry_its_actor_id(autojump_clock: trio.testing.MockClock) -> None:
    async def chatty(*, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        async def helper() -> None:
            log.info("child.helper")

        log.info("child.hello")
        async with trio.open_nursery() as nursery:  # subtasks inherit the binding
            nursery.start_soon(helper)
        task_status.started()
        await trio.sleep_forever()

    sup = Supervisor("top")
    with capture_logs(processors=[structlog.contextvars.merge_contextvars]) as logs:
        async with trio.open_nursery() as nursery:
            await nursery.start(sup.run, [ChildSpec("chatty", chatty, shutdown=0)])
            log.info("test.outside")
            await sup.stop()
    by_event = {e["event"]: e for e in logs}
    assert by_event["child.hello"]["actor"] == "chatty"
    assert by_event["child.helper"]["actor"] == "chatty"
    assert "actor" not in by_event["test.outside"]  # never leaks into the parent task


def test_json_log_is_one_parseable_line_without_password(restore_structlog: None) -> None:
    out = io.StringIO()
    configure_logging("json", level="info", stream=out)
    structlog.contextvars.bind_contextvars(actor="server")
    log.info("client.login", user="admin", password="secret", extra={"password": "x", "k": 1})
    log.debug("too.quiet")
    lines = out.getvalue().splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert record["event"] == "client.login"
    assert record["level"] == "info"
    assert record["actor"] == "server"
    assert record["timestamp"].endswith("Z") and "T" in record["timestamp"]
    assert "password" not in record and record["extra"] == {"k": 1}
    assert "secret" not in lines[0]


def test_json_log_renders_exceptions_as_data(restore_structlog: None) -> None:
    out = io.StringIO()
    configure_logging("json", stream=out)
    try:
        raise Boom("broken pipe")
    except Boom as exc:
        log.error("actor.crashed", actor="a", exc_info=exc)
    record = json.loads(out.getvalue())
    assert record["exception"][0]["exc_type"] == "Boom"
    assert record["exception"][0]["exc_value"] == "broken pipe"


def test_format_defaults_to_json_off_a_tty(restore_structlog: None) -> None:
    out = io.StringIO()
    configure_logging(None, stream=out)
    log.warning("x.y", n=1)
    assert json.loads(out.getvalue())["n"] == 1


def test_console_format_is_for_humans(restore_structlog: None) -> None:
    out = io.StringIO()
    configure_logging("console", stream=out)
    log.info("actor.started", actor="a", password="secret")
    text = out.getvalue()
    assert "actor.started" in text and "actor" in text and "secret" not in text
    with pytest.raises(json.JSONDecodeError):
        json.loads(text)


def test_unknown_level_or_format_is_refused(restore_structlog: None) -> None:
    with pytest.raises(ValueError):
        configure_logging("json", level="chatty")
    with pytest.raises(ValueError):
        configure_logging("xml")  # type: ignore[arg-type]


async def test_a_crash_and_restart_read_as_json_lines(
    autojump_clock: trio.testing.MockClock, restore_structlog: None
) -> None:
    out = io.StringIO()
    configure_logging("json", stream=out)
    a = Worker("driver:ups1")
    sup = Supervisor("drivers", backoff_base=1.0)
    async with trio.open_nursery() as nursery:
        await nursery.start(sup.run, [ChildSpec("driver:ups1", a, shutdown=0)])
        a.crash()
        await trio.sleep(2)
        await sup.stop()
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["event"] for r in records] == [
        "actor.started",
        "actor.crashed",
        "actor.restarting",
        "actor.started",
        "actor.stopped",
    ]
    assert all(r["actor"] == "driver:ups1" and r["supervisor"] == "drivers" for r in records)
    crashed = records[1]
    assert crashed["level"] == "error" and crashed["exception"][0]["exc_type"] == "Boom"
    assert (records[2]["attempt"], records[2]["delay"]) == (1, 1.0)


def _login(user: str, password: str) -> None:
    raise Boom(f"no such user {user}")


@pytest.mark.parametrize("fmt", ["json", "console"])
def test_a_traceback_never_shows_a_frames_password(restore_structlog: None, fmt: str) -> None:
    """Frame locals would put every password on the stack into the log: none are rendered."""
    out = io.StringIO()
    configure_logging(fmt, stream=out)  # type: ignore[arg-type]
    secret = "".join(["hun", "ter2"])  # built at run time: source lines never show it
    try:
        _login("admin", secret)
    except Boom as exc:
        log.error("actor.crashed", actor="a", exc_info=exc)
    text = out.getvalue()
    assert "_login" in text and "no such user admin" in text
    assert "hunter2" not in text


class Unplugged(ExpectedFailure):
    """A failure its child explains: one line, no traceback."""


async def test_an_expected_failure_is_one_line_and_the_unexpected_keep_their_traceback(
    autojump_clock: trio.testing.MockClock, restore_structlog: None,
) -> None:
    async def unplugged(*, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        raise Unplugged("cannot read /etc/nut/ups.dev: No such file or directory")

    async def broken(*, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        raise Boom("a bug")

    out = io.StringIO()
    configure_logging("json", stream=out)
    sup = Supervisor("top", intensity=10, backoff_base=60.0)
    async with trio.open_nursery() as nursery:
        await nursery.start(sup.run, [ChildSpec("unplugged", unplugged), ChildSpec("bug", broken)])
        await sup.stop()
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    crashed = {e["actor"]: e for e in lines if e["event"] == "actor.crashed"}
    expected = crashed["unplugged"]
    assert expected["error"] == "cannot read /etc/nut/ups.dev: No such file or directory"
    assert expected["kind"] == "Unplugged" and "exception" not in expected
    assert "exception" in crashed["bug"] and "Boom" in json.dumps(crashed["bug"]["exception"])
