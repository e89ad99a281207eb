"""ntfy and Telegram against a real HTTP receiver on 127.0.0.1: bodies, routing, retries."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

import trio
from notify_helpers import HttpServer, event, notifier
from structlog.testing import capture_logs

from nutrio.conf.model import NotifyConfig
from nutrio.protocol.notify.channels import ChannelsConfig, NtfyConfig, TelegramConfig

QUIET = NotifyConfig(flags=MappingProxyType({}))
TOKEN = "123456:secret-bot-token"
FAST = {"backoff": 0.01, "timeout": 5.0}


async def serve(nursery: trio.Nursery, **options: Any) -> HttpServer:
    server = HttpServer(**options)
    await nursery.start(server.serve)
    return server


def base(server: HttpServer) -> str:
    return f"http://127.0.0.1:{server.port}"


def ntfy(server: HttpServer, **options: Any) -> ChannelsConfig:
    cfg = NtfyConfig(server=base(server), topic="ups-alerts", **{**FAST, **options})
    return ChannelsConfig(ntfy=cfg)


def telegram(server: HttpServer, **options: Any) -> ChannelsConfig:
    cfg = TelegramConfig(token=TOKEN, chat_id="-1001", api_url=base(server), **{**FAST, **options})
    return ChannelsConfig(telegram=cfg)


async def test_ntfy_gets_a_json_publish_with_title_tags_priority_and_the_token(
    nursery: trio.Nursery,
) -> None:
    server = await serve(nursery)
    channels = ntfy(server, token="tk_abc")
    with trio.fail_after(10):
        async with notifier(QUIET, channels=channels) as (inbox, handle):
            await inbox.send(event("LOWBATT", "rack@localhost"))
            await inbox.send(event("ONLINE", "rack@localhost"))
    first, second = server.requests
    assert first["line"] == "POST / HTTP/1.1"
    assert first["headers"]["authorization"] == "Bearer tk_abc"
    assert first["headers"]["content-type"] == "application/json"
    assert server.bodies() == [
        {"topic": "ups-alerts", "message": "UPS rack@localhost battery is low",
         "title": "LOWBATT rack@localhost", "tags": ["nutrio", "lowbatt"], "priority": 5},
        {"topic": "ups-alerts", "message": "UPS rack@localhost on line power",
         "title": "ONLINE rack@localhost", "tags": ["nutrio", "online"], "priority": 3},
    ]  # fmt: skip
    assert "authorization" not in second["headers"] or second["headers"]["authorization"]
    assert handle.statistics().channel("ntfy").sent == 2


async def test_ntfy_without_a_token_sends_no_authorization(nursery: trio.Nursery) -> None:
    server = await serve(nursery)
    with trio.fail_after(10):
        async with notifier(QUIET, channels=ntfy(server)) as (inbox, _):
            await inbox.send(event("ONBATT"))
    [request] = server.requests
    assert "authorization" not in request["headers"]


async def test_ntfy_retries_server_errors_like_the_webhook(nursery: trio.Nursery) -> None:
    server = await serve(nursery, statuses=(502, 200))
    with trio.fail_after(10), capture_logs() as logs:
        async with notifier(QUIET, channels=ntfy(server, retries=2)) as (inbox, handle):
            await inbox.send(event("ONBATT"))
    assert len(server.requests) == 2 and handle.statistics().channel("ntfy").sent == 1
    assert [e["attempt"] for e in logs if e["event"] == "notify.retrying"] == [2]


async def test_ntfy_takes_only_the_types_it_is_given(nursery: trio.Nursery) -> None:
    server = await serve(nursery)
    channels = ntfy(server, events=frozenset({"FSD"}))
    with trio.fail_after(10):
        async with notifier(QUIET, channels=channels) as (inbox, handle):
            await inbox.send(event("ONBATT"))
            await inbox.send(event("FSD"))
    assert [b["title"] for b in server.bodies()] == ["FSD myups@localhost"]
    assert handle.statistics().channel("ntfy").sent == 1


async def test_telegram_calls_send_message_of_its_bot_for_its_chat(nursery: trio.Nursery) -> None:
    server = await serve(nursery)
    with trio.fail_after(10):
        async with notifier(QUIET, channels=telegram(server)) as (inbox, handle):
            await inbox.send(event("ONBATT", "rack@localhost", at=1_700_000_000.0))
    [request] = server.requests
    assert request["line"] == f"POST /bot{TOKEN}/sendMessage HTTP/1.1"
    assert server.bodies() == [{
        "chat_id": "-1001",
        "text": "UPS rack@localhost on battery\nONBATT rack@localhost at 2023-11-14T22:13:20.000Z",
    }]  # fmt: skip
    assert handle.statistics().channel("telegram").sent == 1


async def test_telegram_retries_a_rate_limit_but_not_a_refusal(nursery: trio.Nursery) -> None:
    limited = await serve(nursery, statuses=(429, 429, 200))
    refused = await serve(nursery, statuses=(401,))
    with trio.fail_after(10):
        async with notifier(QUIET, channels=telegram(limited, retries=3)) as (inbox, handle):
            await inbox.send(event("FSD"))
        assert len(limited.requests) == 3 and handle.statistics().channel("telegram").sent == 1
        async with notifier(QUIET, channels=telegram(refused, retries=3)) as (inbox, handle):
            await inbox.send(event("FSD"))
        assert len(refused.requests) == 1 and handle.statistics().channel("telegram").failed == 1


async def test_the_bot_token_never_reaches_the_log(nursery: trio.Nursery) -> None:
    server = await serve(nursery, hang=True)
    with trio.fail_after(10), capture_logs() as logs:
        channels = telegram(server, timeout=0.2, retries=1)
        async with notifier(QUIET, channels=channels) as (inbox, handle):
            await inbox.send(event("COMMBAD"))
        bad = ChannelsConfig(telegram=TelegramConfig(token=TOKEN, chat_id="1",
                                                     api_url="http://[::1", retries=0))
        async with notifier(QUIET, channels=bad) as (inbox, _):
            await inbox.send(event("COMMBAD"))
    assert handle.statistics().channel("telegram").failed == 1
    failures = [e for e in logs if e["event"] == "notify.failed"]
    assert len(failures) == 2
    assert TOKEN not in repr(logs) and "secret-bot-token" not in repr(channels)
