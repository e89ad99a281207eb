"""Settings of nutrio's own notify channels: ``[notify.webhook]`` and ``[notify.email]``.

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

from nutrio.protocol.notify.events import Alert, NotifyType, iso_time

__all__ = [
    "ALL_TYPES",
    "ChannelRouting",
    "DeliveryFailed",
    "ChannelsConfig",
    "EmailConfig",
    "WebhookConfig",
    "email_message",
]

ALL_TYPES = frozenset(t.value for t in NotifyType)


class DeliveryFailed(Exception):
    """A channel gave up on one alert; ``reason`` says why."""

    def __init__(self, channel: str, reason: str, attempts: int = 1) -> None:
        super().__init__(f"{channel}: {reason}")
        self.channel, self.reason, self.attempts = channel, reason, attempts


def _no_headers() -> Mapping[str, str]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelRouting:
    """Which alerts a channel takes, and how it retries.

    ``events``: notify types sent as they happen (default: all).
    ``scheduled``: CMDSCRIPT arguments (timer names, EXECUTE and CANCEL-TIMER
    commands) sent when the scheduler runs them (default: all); None means all.
    A failed send is tried ``retries`` more times, after ``backoff`` seconds
    doubling up to ``backoff_max``; each attempt gets ``timeout`` seconds.
    ``queue`` alerts wait at most; past that they are counted and logged.
    """

    events: frozenset[str] = ALL_TYPES
    scheduled: frozenset[str] | None = None
    timeout: float = 10.0
    retries: int = 3
    backoff: float = 1.0
    backoff_max: float = 60.0
    queue: int = 64

    def wants(self, alert: Alert) -> bool:
        """True when this channel sends *alert*."""
        if alert.scheduled is None:
            return alert.notification.type.value in self.events
        return self.scheduled is None or alert.scheduled in self.scheduled


@dataclass(frozen=True, slots=True, kw_only=True)
class WebhookConfig(ChannelRouting):
    """POST the :func:`webhook_body` JSON to ``url`` (our addition to NUT)."""

    url: str
    headers: Mapping[str, str] = field(default_factory=_no_headers)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> WebhookConfig:
        """Build from the ``[notify.webhook]`` table; ValueError names the key."""
        keys = _Keys(data, "notify.webhook", ("url", "headers"))
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
        keys = _Keys(data, "notify.email", own)
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

    @classmethod
    def from_mapping(cls, notify: Mapping[str, Any]) -> ChannelsConfig:
        """Build from the ``[notify]`` table, reading its webhook and email sub-tables."""
        webhook, email = notify.get("webhook"), notify.get("email")
        return cls(
            webhook=WebhookConfig.from_mapping(webhook) if webhook is not None else None,
            email=EmailConfig.from_mapping(email) if email is not None else None,
        )


class _Keys:
    """Typed reads from one TOML table; errors name ``section.key``."""

    _ROUTING = ("events", "scheduled", "timeout", "retries", "backoff", "backoff_max", "queue")

    def __init__(self, data: Mapping[str, Any], section: str, own: tuple[str, ...]) -> None:
        if not isinstance(data, Mapping):
            raise ValueError(f"{section}: expected a table")  # noqa: TRY004 (a config error)
        self.data, self.section = data, section
        for key in data:
            if key not in own and key not in self._ROUTING:
                self.fail(key, "unknown key")

    def fail(self, key: str, message: str) -> None:
        raise ValueError(f"{self.section}.{key}: {message}")

    def string(self, key: str, *, required: bool = False) -> str | None:
        value = self.data.get(key)
        if value is None:
            if required:
                self.fail(key, "missing required key")
            return None
        if not isinstance(value, str) or not value:
            self.fail(key, "expected a non-empty string")
        return str(value)

    def string_list(self, key: str) -> tuple[str, ...]:
        value = self.data.get(key, ())
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list | tuple) or not all(
            isinstance(item, str) and item for item in items
        ):
            self.fail(key, "expected a string or a list of strings")
        return tuple(items)

    def number(self, key: str, default: float, *, low: float = 0.0) -> float:
        value = self.data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or value < low:
            self.fail(key, f"expected a number >= {low:g}")
        return float(value)

    def integer(self, key: str, default: int, *, low: int = 0, high: int | None = None) -> int:
        value = self.data.get(key, default)
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or value < low
            or (high is not None and value > high)
        ):
            self.fail(key, f"expected a whole number >= {low}")
        return int(value)

    def boolean(self, key: str, default: bool) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            self.fail(key, "expected true or false")
        return bool(value)

    def headers(self) -> Mapping[str, str]:
        value = self.data.get("headers", {})
        if not isinstance(value, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            self.fail("headers", "expected a table of strings")
        return MappingProxyType(dict(value))

    def routing(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if "events" in self.data:
            events = frozenset(e.upper() for e in self.string_list("events"))
            for event in sorted(events - ALL_TYPES):
                self.fail("events", f"unknown notify type {event!r}")
            out["events"] = events
        if "scheduled" in self.data:
            out["scheduled"] = frozenset(self.string_list("scheduled"))
        for key in ("timeout", "backoff", "backoff_max"):
            if key in self.data:
                out[key] = self.number(key, 0.0, low=0.0)
        if out.get("timeout") == 0.0:
            self.fail("timeout", "must be above 0")
        if "retries" in self.data:
            out["retries"] = self.integer("retries", 0)
        if "queue" in self.data:
            out["queue"] = self.integer("queue", 1, low=1)
        return out


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
