"""The webhook channel against a real HTTP server on 127.0.0.1: body, retries, timeouts."""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType
from typing import Any

import trio
from notify_helpers import HttpServer, calls, event, notifier, recorder
from structlog.testing import capture_logs

from nutrio.conf.model import NotifyConfig, SchedulerConfig, SchedulerRule
from nutrio.protocol.notify.channels import ChannelsConfig, WebhookConfig
from tests.procs import refusing_port

QUIET = NotifyConfig(flags=MappingProxyType({}))


async def serve(nursery: trio.Nursery, **options: Any) -> HttpServer:
    server = HttpServer(**options)
    await nursery.start(server.serve)
    return server


def hook(url: str, **options: Any) -> ChannelsConfig:
    options = {"backoff": 0.01, "timeout": 5.0, **options}
    return ChannelsConfig(webhook=WebhookConfig(url=url, **options))


async def test_webhook_gets_type_ups_message_and_time_as_json(nursery: trio.Nursery) -> None:
    server = await serve(nursery)
    cfg = NotifyConfig(messages=MappingProxyType({"ONBATT": "Power cut at %s"}))
    with trio.fail_after(10):
        async with notifier(cfg, channels=hook(server.url)) as (inbox, handle):
            await inbox.send(event("ONBATT", "rack@localhost", at=1_700_000_000.25))
    [request] = server.requests
    assert request["line"] == "POST /hook HTTP/1.1"
    assert request["headers"]["content-type"] == "application/json"
    assert server.bodies() == [
        {
            "type": "ONBATT",
            "ups": "rack@localhost",
            "message": "Power cut at rack@localhost",
            "at": "2023-11-14T22:13:20.250Z",
        }
    ]
    assert handle.statistics().channel("webhook").sent == 1


async def test_webhook_retries_after_server_errors(nursery: trio.Nursery) -> None:
    server = await serve(nursery, statuses=(500, 503, 200))
    with trio.fail_after(10), capture_logs() as logs:
        async with notifier(QUIET, channels=hook(server.url, retries=3)) as (inbox, handle):
            await inbox.send(event("LOWBATT"))
    assert len(server.requests) == 3
    assert handle.statistics().channel("webhook").sent == 1
    retries = [e for e in logs if e["event"] == "notify.retrying"]
    assert [(e["attempt"], e["delay"]) for e in retries] == [(2, 0.01), (3, 0.02)]


async def test_webhook_gives_up_after_its_retries(nursery: trio.Nursery) -> None:
    server = await serve(nursery, statuses=(500,))
    with trio.fail_after(10), capture_logs() as logs:
        async with notifier(QUIET, channels=hook(server.url, retries=2)) as (inbox, handle):
            await inbox.send(event("LOWBATT"))
    assert len(server.requests) == 3
    assert handle.statistics().channel("webhook").failed == 1
    [failed] = [e for e in logs if e["event"] == "notify.failed"]
    assert failed["reason"] == "HTTP 500" and failed["attempts"] == 3


async def test_webhook_does_not_retry_a_client_error(nursery: trio.Nursery) -> None:
    server = await serve(nursery, statuses=(404,))
    with trio.fail_after(10):
        async with notifier(QUIET, channels=hook(server.url, retries=3)) as (inbox, handle):
            await inbox.send(event("FSD"))
    assert len(server.requests) == 1
    assert handle.statistics().channel("webhook").failed == 1


async def test_webhook_that_never_answers_times_out(nursery: trio.Nursery) -> None:
    server = await serve(nursery, hang=True)
    with trio.fail_after(10), capture_logs() as logs:
        channels = hook(server.url, timeout=0.2, retries=1)
        async with notifier(QUIET, channels=channels) as (inbox, handle):
            await inbox.send(event("COMMBAD"))
    assert len(server.requests) == 2
    assert handle.statistics().channel("webhook").failed == 1
    [failed] = [e for e in logs if e["event"] == "notify.failed"]
    assert "0.2" in failed["reason"] or "timed out" in failed["reason"].lower()


async def test_webhook_server_down_fails_without_hanging() -> None:
    with refusing_port() as port, trio.fail_after(10):
        url = f"http://127.0.0.1:{port}/hook"
        async with notifier(QUIET, channels=hook(url, retries=2)) as (inbox, handle):
            await inbox.send(event("ONBATT"))
    assert handle.statistics().channel("webhook").failed == 1


async def test_a_hung_webhook_delays_neither_notifycmd_nor_the_monitor(
    nursery: trio.Nursery, tmp_path: Path
) -> None:
    server = await serve(nursery, hang=True)
    script, record = recorder(tmp_path, "notifycmd")
    cfg = NotifyConfig(
        notifycmd=str(script), flags=MappingProxyType({"ONBATT": frozenset({"EXEC"})})
    )
    channels = hook(server.url, timeout=600, retries=0, queue=2)
    with trio.CancelScope() as scope, capture_logs() as logs:
        async with notifier(cfg, channels=channels) as (inbox, handle):
            with trio.fail_after(10):  # guards against a hang; the sends never wait
                for _ in range(10):
                    await inbox.send(event("ONBATT"))
                while len(calls(record)) < 10:
                    await trio.sleep(0.02)
            stats = handle.statistics().channel("webhook")
            assert len(server.requests) == 1  # still waiting for the first answer
            assert (stats.sent, stats.failed, stats.queued, stats.overflowed) == (0, 0, 2, 7)
            scope.cancel()
    overflow = [e for e in logs if e["event"] == "notify.overflow"]
    assert [e["overflowed"] for e in overflow] == list(range(1, 8))
    assert {e["channel"] for e in overflow} == {"webhook"}


async def test_only_alerts_that_outlast_their_timer_reach_the_webhook(
    nursery: trio.Nursery, tmp_path: Path
) -> None:
    server = await serve(nursery)
    script, record = recorder(tmp_path, "cmdscript")
    rules = SchedulerConfig(
        cmdscript=str(script),
        rules=(
            SchedulerRule(notify_type="ONBATT", action="START-TIMER", timer="onbatt", seconds=0),
            SchedulerRule(notify_type="COMMBAD", action="START-TIMER", timer="comm", seconds=600),
            SchedulerRule(notify_type="COMMOK", action="CANCEL-TIMER", timer="comm"),
        ),
    )
    channels = hook(server.url, events=frozenset(), scheduled=frozenset({"onbatt", "comm"}))
    with trio.fail_after(10):
        async with notifier(QUIET, rules, channels=channels) as (inbox, _):
            await inbox.send(event("COMMBAD", "a@h"))
            await inbox.send(event("COMMOK", "a@h"))
            await inbox.send(event("ONBATT", "b@h"))
    [body] = server.bodies()
    assert body["type"] == "ONBATT" and body["ups"] == "b@h"
    assert body["scheduled"] == "onbatt" and body["reason"] == "timer"
    assert [c["argv"] for c in calls(record)] == [["onbatt"]]
