"""[notify.webhook] / [notify.email] tables: what they accept, and errors naming the key."""

from __future__ import annotations

import tomllib

import pytest

from nutrio.protocol.notify.channels import ChannelsConfig, EmailConfig, WebhookConfig
from nutrio.protocol.notify.events import Alert, Notification, NotifyType

EXAMPLE = """
[notify.webhook]
url = "https://hooks.example.org/ups"
timeout = 5
retries = 4
backoff = 0.5
backoff_max = 30
queue = 16
headers = { Authorization = "Bearer abc" }
events = ["onbatt", "LOWBATT"]
scheduled = ["onbatt"]

[notify.email]
host = "smtp.example.org"
port = 587
starttls = true
user = "ups"
password = "s3cret"
from = "nutrio@example.org"
to = ["ops@example.org"]
ca_file = "/etc/ssl/private-ca.pem"
"""


def test_the_example_tables_load() -> None:
    channels = ChannelsConfig.from_mapping(tomllib.loads(EXAMPLE)["notify"])
    hook, mail = channels.webhook, channels.email
    assert hook is not None and mail is not None
    assert hook.url == "https://hooks.example.org/ups" and hook.retries == 4
    assert hook.events == frozenset({"ONBATT", "LOWBATT"})
    assert dict(hook.headers) == {"Authorization": "Bearer abc"}
    assert (mail.sender, mail.to, mail.timeout, mail.starttls) == (
        "nutrio@example.org", ("ops@example.org",), 30.0, True,
    )  # fmt: skip


def test_the_mail_password_stays_out_of_reprs() -> None:
    channels = ChannelsConfig.from_mapping(tomllib.loads(EXAMPLE)["notify"])
    assert "s3cret" not in repr(channels)


def test_no_tables_no_channels() -> None:
    assert ChannelsConfig.from_mapping({"notifycmd": "/bin/true"}) == ChannelsConfig()


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({}, "notify.webhook.url: missing required key"),
        ({"url": "ftp://x"}, "notify.webhook.url: must start with http"),
        ({"url": "http://x", "retry": 3}, "notify.webhook.retry: unknown key"),
        ({"url": "http://x", "retries": -1}, "notify.webhook.retries: expected a whole number"),
        ({"url": "http://x", "timeout": 0}, "notify.webhook.timeout: must be above 0"),
        ({"url": "http://x", "events": ["ONFIRE"]}, "notify.webhook.events: unknown notify"),
        ({"url": "http://x", "queue": 0}, "notify.webhook.queue: expected a whole number >= 1"),
        ({"url": "http://x", "headers": {"a": 1}}, "notify.webhook.headers: expected a table"),
    ],
)
def test_bad_webhook_tables_name_the_key(table: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message.replace(".", r"\.")):
        WebhookConfig.from_mapping(table)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"from": "a@b", "to": "c@d"}, "notify.email.host: missing required key"),
        ({"host": "h", "from": "a@b"}, "notify.email.to: needs at least one address"),
        ({"host": "h", "from": "a@b", "to": "c@d", "user": "u"}, "notify.email.password: user"),
        ({"host": "h", "from": "a@b", "to": "c@d", "port": 70000}, "notify.email.port: "),
        ({"host": "h", "from": "a@b", "to": "c@d", "starttls": "yes"}, "notify.email.starttls"),
    ],
)
def test_bad_email_tables_name_the_key(table: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message.replace(".", r"\.")):
        EmailConfig.from_mapping(table)


def test_routing_picks_events_now_and_scheduled_runs_later() -> None:
    hook = WebhookConfig(url="http://x", events=frozenset({"ONBATT"}), scheduled=frozenset({"t"}))
    onbatt = Notification(type=NotifyType.ONBATT, ups="u", at=0.0)
    online = Notification(type=NotifyType.ONLINE, ups="u", at=0.0)
    assert hook.wants(Alert(notification=onbatt))
    assert not hook.wants(Alert(notification=online))
    assert hook.wants(Alert(notification=online, scheduled="t", reason="timer"))
    assert not hook.wants(Alert(notification=onbatt, scheduled="other", reason="timer"))
    every = WebhookConfig(url="http://x")
    assert every.wants(Alert(notification=online))
    assert every.wants(Alert(notification=online, scheduled="any", reason="execute"))
