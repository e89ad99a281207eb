"""Push services as ready channels: ``[notify.ntfy]`` and ``[notify.telegram]``.

NUT leaves these to a NOTIFYCMD script; here they are two more routed
channels beside the webhook: the same ``events`` / ``scheduled`` routing and
retries, each alert one HTTPS POST of JSON. This module holds their settings
and the bodies they send; delivery.py does the sending. Pure.

- ntfy: a JSON publish to the server's root URL (``{topic, message, title,
  tags, priority}``), with ``Authorization: Bearer <token>`` when a token is
  set (ntfy.sh or a self-hosted server).
- Telegram: the Bot API's ``sendMessage`` (``{chat_id, text}``) at
  ``<api_url>/bot<token>/sendMessage``. ``api_url`` is there for a
  self-hosted Bot API server, and for tests that point it at a local receiver.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from nutrio.protocol.notify._keys import Keys
from nutrio.protocol.notify.events import Alert, Notification, NotifyType, iso_time
from nutrio.protocol.notify.routing import ChannelRouting

__all__ = [
    "NTFY_SERVER",
    "TELEGRAM_API",
    "NtfyConfig",
    "TelegramConfig",
    "chat_text",
    "ntfy_body",
    "ntfy_priority",
    "telegram_body",
]

NTFY_SERVER = "https://ntfy.sh"
TELEGRAM_API = "https://api.telegram.org"

#: ntfy priorities (1 min .. 5 max); types not listed get 3, the default.
_URGENT = frozenset({NotifyType.LOWBATT, NotifyType.FSD, NotifyType.SHUTDOWN})
_HIGH = frozenset({
    NotifyType.ONBATT, NotifyType.COMMBAD, NotifyType.NOCOMM, NotifyType.REPLBATT,
    NotifyType.OVER, NotifyType.ALARM, NotifyType.NOPARENT, NotifyType.DRIVERFAIL,
    NotifyType.THRESHOLD, NotifyType.SHUTDOWN_HOSTSYNC,
})  # fmt: skip


def _http_url(keys: Keys, name: str, default: str) -> str:
    url = keys.string(name) or default
    if not url.startswith(("http://", "https://")):
        keys.fail(name, "must start with http:// or https://")
    return url.rstrip("/")


@dataclass(frozen=True, slots=True, kw_only=True)
class NtfyConfig(ChannelRouting):
    """Publish each alert to an ntfy ``topic`` on ``server`` (our addition to NUT)."""

    server: str = NTFY_SERVER
    topic: str
    token: str | None = field(default=None, repr=False)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> NtfyConfig:
        """Build from the ``[notify.ntfy]`` table; ValueError names the key."""
        keys = Keys(data, "notify.ntfy", ("server", "topic", "token"))
        topic = keys.string("topic", required=True)
        assert topic is not None
        if "/" in topic:
            keys.fail("topic", "a topic name has no '/'")
        return cls(
            server=_http_url(keys, "server", NTFY_SERVER), topic=topic,
            token=keys.string("token"), **keys.routing(),
        )  # fmt: skip


@dataclass(frozen=True, slots=True, kw_only=True)
class TelegramConfig(ChannelRouting):
    """Send each alert as a Telegram message from bot ``token`` to ``chat_id``."""

    token: str = field(repr=False)
    chat_id: str
    api_url: str = TELEGRAM_API

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> TelegramConfig:
        """Build from the ``[notify.telegram]`` table; ValueError names the key."""
        keys = Keys(data, "notify.telegram", ("token", "chat_id", "api_url"))
        token = keys.string("token", required=True)
        assert token is not None
        if "/" in token or any(c.isspace() for c in token):
            keys.fail("token", "a bot token has no '/' or spaces (it goes into the URL)")
        return cls(
            token=token, chat_id=keys.chat_id("chat_id"),
            api_url=_http_url(keys, "api_url", TELEGRAM_API), **keys.routing(),
        )  # fmt: skip

    @property
    def send_url(self) -> str:
        """The sendMessage URL; it holds the token, so it is never logged."""
        return f"{self.api_url}/bot{self.token}/sendMessage"


def _title(n: Notification) -> str:
    who = f" {n.ups}" if n.ups else ""
    return f"{'TEST ' if n.test and n.type is not NotifyType.TEST else ''}{n.event}{who}"


def ntfy_priority(n: Notification) -> int:
    """ntfy's priority for *n*: 5 for a shutdown on its way, 4 for trouble, else 3."""
    if n.test:
        return 3  # a rehearsal should not wake anybody up at night
    if n.type in _URGENT:
        return 5
    return 4 if n.type in _HIGH else 3


def ntfy_body(alert: Alert, cfg: NtfyConfig) -> dict[str, Any]:
    """ntfy's JSON publish body for *alert*."""
    n = alert.notification
    tags = ["nutrio", n.type.value.lower()]
    if n.test:
        tags.append("test")
    if alert.scheduled is not None:
        tags.append(f"scheduled:{alert.scheduled}")
    return {
        "topic": cfg.topic, "message": n.message, "title": _title(n), "tags": tags,
        "priority": ntfy_priority(n),
    }  # fmt: skip


def chat_text(alert: Alert) -> str:
    """The text of a chat message: the notify text, then what and when."""
    n = alert.notification
    lines = [n.message, f"{_title(n)} at {iso_time(n.at)}"]
    if alert.scheduled is not None:
        lines.append(f"scheduled: {alert.scheduled} ({alert.reason})")
    return "\n".join(lines)


def telegram_body(alert: Alert, cfg: TelegramConfig) -> dict[str, Any]:
    """The Bot API's sendMessage body (plain text: no parse mode, nothing to escape)."""
    return {"chat_id": cfg.chat_id, "text": chat_text(alert)}
