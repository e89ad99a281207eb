"""Our own notify channels, beyond NUT: a webhook, ntfy and Telegram (httpx), mail (smtplib).

Each send is retried with exponential back-off and each attempt has a
deadline on the Trio clock; whatever goes wrong ends as
:class:`DeliveryFailed`, which the notifier counts and logs. httpx's
AsyncClient runs on Trio (through anyio). smtplib blocks, so it runs in a
worker thread; a thread stuck past the deadline is abandoned and ends at
its own socket timeout.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from collections.abc import Awaitable, Callable, Mapping
from functools import partial
from typing import Any

import httpx
import structlog
import trio

from nutrio.protocol.notify.channels import (
    ChannelRouting,
    DeliveryFailed,
    EmailConfig,
    NtfyConfig,
    TelegramConfig,
    WebhookConfig,
    email_message,
)
from nutrio.protocol.notify.events import Alert, webhook_body
from nutrio.protocol.notify.push import ntfy_body, telegram_body
from nutrio.supervisor.policy import backoff_delay

__all__ = [
    "DeliveryFailed",
    "send_mail",
    "send_ntfy",
    "send_telegram",
    "send_webhook",
    "sender_for",
]

log = structlog.get_logger()


class _Permanent(Exception):
    """An answer that retrying cannot change (HTTP 4xx, refused login)."""


async def _with_retries(
    channel: str,
    routing: ChannelRouting,
    attempt: Callable[[], Awaitable[None]],
    secret: str | None = None,
) -> None:
    """Run *attempt* until it succeeds, at most 1 + ``retries`` times.

    *secret* (a token inside the URL) is blanked out of every reason logged or raised.
    """

    def text(exc: BaseException) -> str:
        said = str(exc) or type(exc).__name__
        return said.replace(secret, "<token>") if secret else said

    reason = ""
    for number in range(routing.retries + 1):
        if number:
            delay = backoff_delay(routing.backoff, routing.backoff_max, number - 1)
            log.info("notify.retrying", attempt=number + 1, delay=delay, reason=reason)
            await trio.sleep(delay)
        try:
            with trio.fail_after(routing.timeout):
                await attempt()
            return
        except (_Permanent, httpx.InvalidURL) as exc:
            raise DeliveryFailed(channel, text(exc), number + 1) from exc
        except trio.TooSlowError:
            reason = f"no answer within {routing.timeout:g} s"
        except (OSError, httpx.HTTPError, smtplib.SMTPException, _Transient) as exc:
            reason = text(exc)
    raise DeliveryFailed(channel, reason, routing.retries + 1)


class _Transient(Exception):
    """An answer worth retrying (HTTP 5xx, 408, 429)."""


async def _post_json(
    channel: str,
    routing: ChannelRouting,
    url: str,
    body: dict[str, Any],
    headers: Mapping[str, str],
    secret: str | None = None,
) -> None:
    """POST *body* as JSON to *url*; 2xx is success, 5xx/408/429 and network errors retry."""
    async with httpx.AsyncClient(timeout=routing.timeout, headers=dict(headers)) as client:

        async def attempt() -> None:
            response = await client.post(url, json=body)
            code = response.status_code
            if 200 <= code < 300:
                return
            if code >= 500 or code in (408, 429):
                raise _Transient(f"HTTP {code}")
            raise _Permanent(f"HTTP {code}")

        await _with_retries(channel, routing, attempt, secret)


async def send_webhook(cfg: WebhookConfig, alert: Alert) -> None:
    """POST *alert* as JSON to the webhook."""
    body = webhook_body(alert)
    await _post_json("webhook", cfg, cfg.url, body, cfg.headers)
    log.info("notify.webhook_sent", notify_type=body["type"], ups=body["ups"])


async def send_ntfy(cfg: NtfyConfig, alert: Alert) -> None:
    """Publish *alert* to the ntfy topic (a JSON publish to the server's root URL)."""
    headers = {"Authorization": f"Bearer {cfg.token}"} if cfg.token else {}
    await _post_json("ntfy", cfg, cfg.server, ntfy_body(alert, cfg), headers, cfg.token)
    n = alert.notification
    log.info("notify.ntfy_sent", notify_type=n.type.value, ups=n.ups, topic=cfg.topic)


async def send_telegram(cfg: TelegramConfig, alert: Alert) -> None:
    """Send *alert* with the Bot API's sendMessage (the URL holds the token: never logged)."""
    body = telegram_body(alert, cfg)
    await _post_json("telegram", cfg, cfg.send_url, body, {}, cfg.token)
    n = alert.notification
    log.info("notify.telegram_sent", notify_type=n.type.value, ups=n.ups, chat_id=cfg.chat_id)


def sender_for(name: str, routing: ChannelRouting) -> Callable[[Alert], Awaitable[None]]:
    """The function that delivers one alert on channel *name* configured by *routing*."""
    match routing:
        case WebhookConfig():
            return partial(send_webhook, routing)
        case EmailConfig():
            return partial(send_mail, routing)
        case NtfyConfig():
            return partial(send_ntfy, routing)
        case TelegramConfig():
            return partial(send_telegram, routing)
    raise ValueError(f"no sender for channel {name!r}")


async def send_mail(cfg: EmailConfig, alert: Alert) -> None:
    """Mail *alert* to ``cfg.to`` over SMTP (STARTTLS and login when configured)."""

    async def attempt() -> None:
        send = partial(_smtp_send, cfg, alert)
        await trio.to_thread.run_sync(send, abandon_on_cancel=True)

    await _with_retries("email", cfg, attempt)
    log.info("notify.mail_sent", notify_type=alert.notification.type.value, to=list(cfg.to))


def _smtp_send(cfg: EmailConfig, alert: Alert) -> None:
    """The blocking part, in a worker thread (the host name lookup and CA file read too)."""
    mail = email_message(alert, cfg, hostname=socket.getfqdn())
    context = ssl.create_default_context(cafile=cfg.ca_file) if cfg.starttls else None
    with smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout) as smtp:
        smtp.ehlo()
        if context is not None:
            smtp.starttls(context=context)
            smtp.ehlo()
        try:
            if cfg.user is not None and cfg.password is not None:
                smtp.login(cfg.user, cfg.password)
            smtp.send_message(mail)
        except (
            smtplib.SMTPAuthenticationError,
            smtplib.SMTPRecipientsRefused,
            smtplib.SMTPSenderRefused,
        ) as exc:
            raise _Permanent(f"SMTP refused: {exc}") from exc
