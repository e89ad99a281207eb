"""The mail channel against a real SMTP server (aiosmtpd) with STARTTLS and login."""

from __future__ import annotations

import email
import email.policy
import errno
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest
import trio
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from notify_helpers import calls, event, notifier, recorder
from structlog.testing import capture_logs

from nutrio.actors.upsmon.notifier import NotifierHandle
from nutrio.conf.model import NotifyConfig
from nutrio.protocol.notify.channels import ChannelsConfig, EmailConfig
from tests.procs import AddressInUse, on_free_port, refusing_port

QUIET = NotifyConfig(flags=MappingProxyType({}))


@dataclass
class Mailbox:
    """What the SMTP server accepted, and who logged in."""

    port: int
    ca_file: Path
    messages: list[Any] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope)
        return "250 OK"

    def check_login(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any):
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"ups", b"s3cret")
        if ok:
            self.logins.append(data.login.decode())
        return AuthResult(success=ok, handled=False)  # False: aiosmtpd sends the 535


@pytest.fixture
def smtp_server(tmp_path: Path) -> Iterator[Mailbox]:
    """aiosmtpd on 127.0.0.1 that insists on STARTTLS before AUTH and mail."""
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))

    def launch(port: int) -> tuple[Mailbox, Controller]:
        box = Mailbox(port=port, ca_file=ca_file)
        controller = Controller(
            box,
            hostname="127.0.0.1",
            port=box.port,
            tls_context=context,
            require_starttls=True,
            authenticator=box.check_login,
            auth_require_tls=True,
        )
        try:
            controller.start()
        except OSError as exc:  # the port went to someone else first: another one
            if exc.errno != errno.EADDRINUSE:
                raise
            raise AddressInUse(port) from exc
        return box, controller

    box, controller = on_free_port(launch)
    try:
        yield box
    finally:
        controller.stop()


def mail_to(box: Mailbox, **options: Any) -> ChannelsConfig:
    settings: dict[str, Any] = {
        "host": "127.0.0.1", "port": box.port, "user": "ups", "password": "s3cret",
        "sender": "nutrio@example.org", "to": ("ops@example.org", "oncall@example.org"),
        "ca_file": str(box.ca_file), "timeout": 5.0, "backoff": 0.01, **options,
    }  # fmt: skip
    return ChannelsConfig(email=EmailConfig(**settings))


async def test_mail_goes_out_over_starttls_after_login(smtp_server: Mailbox) -> None:
    with trio.fail_after(20):
        async with notifier(QUIET, channels=mail_to(smtp_server)) as (inbox, handle):
            await inbox.send(event("LOWBATT", "rack@localhost"))
    [envelope] = smtp_server.messages
    assert smtp_server.logins == ["ups"]
    assert envelope.mail_from == "nutrio@example.org"
    assert envelope.rcpt_tos == ["ops@example.org", "oncall@example.org"]
    mail = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert mail["Subject"] == "UPS rack@localhost battery is low"
    assert "type: LOWBATT" in mail.get_content()
    assert handle.statistics().channel("email").sent == 1


async def test_a_wrong_password_fails_once_without_retrying(smtp_server: Mailbox) -> None:
    channels = mail_to(smtp_server, password="wrong", retries=3)
    with trio.fail_after(20), capture_logs() as logs:
        async with notifier(QUIET, channels=channels) as (inbox, handle):
            await inbox.send(event("ONBATT"))
    assert smtp_server.messages == []
    [failed] = [e for e in logs if e["event"] == "notify.failed"]
    assert failed["attempts"] == 1 and "refused" in failed["reason"]
    assert handle.statistics().channel("email").failed == 1


async def test_an_untrusted_server_certificate_is_refused(
    smtp_server: Mailbox, tmp_path: Path
) -> None:
    other_ca = tmp_path / "other.pem"
    trustme.CA().cert_pem.write_to_path(str(other_ca))
    channels = mail_to(smtp_server, ca_file=str(other_ca), retries=0)
    with trio.fail_after(20):
        async with notifier(QUIET, channels=channels) as (inbox, handle):
            await inbox.send(event("ONBATT"))
    assert smtp_server.messages == [] and smtp_server.logins == []
    assert handle.statistics().channel("email").failed == 1


async def test_mail_server_down_does_not_hold_up_notifycmd(tmp_path: Path) -> None:
    script, record = recorder(tmp_path, "notifycmd")
    cfg = NotifyConfig(notifycmd=str(script), flags=MappingProxyType({"FSD": frozenset({"EXEC"})}))
    with refusing_port() as port, trio.fail_after(20):
        mail = EmailConfig(
            host="127.0.0.1", port=port, sender="a@b", to=("c@d",),
            retries=2, backoff=0.01, timeout=2.0,
        )  # fmt: skip
        async with notifier(cfg, channels=ChannelsConfig(email=mail)) as (inbox, handle):
            await inbox.send(event("FSD"))
    assert [c["NOTIFYTYPE"] for c in calls(record)] == ["FSD"]
    assert handle.statistics().channel("email").failed == 1


async def test_a_test_notification_reports_the_mail_it_sent(smtp_server: Mailbox) -> None:
    handle = NotifierHandle()
    channels = mail_to(smtp_server, events=frozenset({"FSD"}))  # a TEST goes anyway
    with trio.fail_after(20):
        async with notifier(QUIET, channels=channels, handle=handle):
            receipt = await handle.send_test(event("TEST", "rack@localhost"), wait=15)
    assert receipt.ok and receipt.lines()[-1] == "email: sent"
    [envelope] = smtp_server.messages
    mail = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert mail["Subject"] == "UPS rack@localhost: test notification from nutrio"
