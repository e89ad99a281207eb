"""Settings of nutrio's own notify channels: ``[notify.webhook]``, ``[notify.email]``,
``[notify.ntfy]`` and ``[notify.telegram]`` (the last two in :mod:`protocol.notify.push`).

NUT has no such channels (it runs NOTIFYCMD); these frozen values say
where alerts go, which ones (``events`` / ``scheduled``) and how hard to
try. ``from_mapping`` reads the TOML table; a ValueError names the key.
Pure: no I/O, no trio.
"""

from __future__ import annotations

import email.utils
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from types import MappingProxyType
from typing import Any

from nutrio.protocol.notify._keys import Keys
from nutrio.protocol.notify.events import Alert, iso_time
from nutrio.protocol.notify.push import NtfyConfig, TelegramConfig
from nutrio.protocol.notify.routing import ALL_TYPES, ChannelRouting, DeliveryFailed

__all__ = [
    "ALL_TYPES",
    "ChannelRouting",
    "DeliveryFailed",
    "ChannelsConfig",
    "EmailConfig",
    "NtfyConfig",
    "TelegramConfig",
    "WebhookConfig",
    "email_message",
]

def _no_headers() -> Mapping[str, str]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True, kw_only=True)
class WebhookConfig(ChannelRouting):
    """POST the :func:`webhook_body` JSON to ``url`` (our addition to NUT)."""

    url: str
    headers: Mapping[str, str] = field(default_factory=_no_headers)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> WebhookConfig:
        """Build from the ``[notify.webhook]`` table; ValueError names the key."""
        keys = Keys(data, "notify.webhook", ("url", "headers"))
        url = keys.string("url", required=True)
        assert url is not None
        if not url.startswith(("http://", "https://")):
            keys.fail("url", "must start with http:// or https://")
        return cls(url=url, headers=keys.headers(), **keys.routing())


@dataclass(frozen=True, slots=True, kw_only=True)
class EmailConfig(ChannelRouting):
    """Send each alert as one mail over SMTP (our addition to NUT).

    ``starttls`` upgrades the connection before ``user``/``password`` log
    in; ``ca_file`` replaces the system CAs for checking the server.
    """

    host: str
    port: int = 587
    starttls: bool = True
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    sender: str
    to: tuple[str, ...]
    ca_file: str | None = None
    timeout: float = 30.0

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> EmailConfig:
        """Build from the ``[notify.email]`` table (``from`` is the sender)."""
        own = ("host", "port", "starttls", "user", "password", "from", "to", "ca_file")
        keys = Keys(data, "notify.email", own)
        host, sender = keys.string("host", required=True), keys.string("from", required=True)
        assert host is not None and sender is not None
        to = keys.string_list("to")
        if not to:
            keys.fail("to", "needs at least one address")
        user, password = keys.string("user"), keys.string("password")
        if (user is None) != (password is None):
            keys.fail("password" if password is None else "user", "user and password go together")
        routing = keys.routing()
        return cls(
            host=host, port=keys.integer("port", 587, low=1, high=65535),
            starttls=keys.boolean("starttls", True), user=user, password=password,
            sender=sender, to=to, ca_file=keys.string("ca_file"), **routing,
        )  # fmt: skip


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelsConfig:
    """Our built-in channels, each optional."""

    webhook: WebhookConfig | None = None
    email: EmailConfig | None = None
    ntfy: NtfyConfig | None = None
    telegram: TelegramConfig | None = None

    @classmethod
    def from_mapping(cls, notify: Mapping[str, Any]) -> ChannelsConfig:
        """Build from the ``[notify]`` table, reading its channel sub-tables."""
        webhook, email = notify.get("webhook"), notify.get("email")
        ntfy, telegram = notify.get("ntfy"), notify.get("telegram")
        return cls(
            webhook=WebhookConfig.from_mapping(webhook) if webhook is not None else None,
            email=EmailConfig.from_mapping(email) if email is not None else None,
            ntfy=NtfyConfig.from_mapping(ntfy) if ntfy is not None else None,
            telegram=TelegramConfig.from_mapping(telegram) if telegram is not None else None,
        )

    def routed(self) -> tuple[tuple[str, ChannelRouting], ...]:
        """(name, settings) of each configured channel, in a fixed order."""
        named = (("webhook", self.webhook), ("email", self.email), ("ntfy", self.ntfy),
                 ("telegram", self.telegram))  # fmt: skip
        return tuple((name, cfg) for name, cfg in named if cfg is not None)


def email_message(alert: Alert, cfg: EmailConfig, *, hostname: str) -> EmailMessage:
    """One plain-text mail for *alert*: the notify text as subject and first line."""
    n = alert.notification
    mail = EmailMessage()
    mail["Subject"] = n.message
    mail["From"] = cfg.sender
    mail["To"] = ", ".join(cfg.to)
    mail["Date"] = email.utils.formatdate(n.at, usegmt=True)
    mail["Message-ID"] = email.utils.make_msgid(domain=hostname)
    lines = [n.message, "", f"type: {n.type.value}", f"ups: {n.ups}", f"at: {iso_time(n.at)}"]
    if n.detail:
        lines.append(f"detail: {n.detail}")
    if alert.scheduled is not None:
        lines.append(f"scheduled: {alert.scheduled} ({alert.reason})")
    mail.set_content("\n".join(lines) + "\n")
    return mail
