"""The admin forms: POST-redirect-GET, a confirmation before the power is cut, rights.

What reached upsd is counted on upsd's side: its ``request.sent`` log lines.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from structlog.testing import capture_logs

from tests.web.conftest import WebStack
from tests.web.test_pages import CSRF, login


@contextmanager
def upsd_requests() -> Iterator[list[tuple[str, str]]]:
    """(kind, name) of each request our upsd handed to a driver while inside."""
    sent: list[tuple[str, str]] = []
    with capture_logs() as logs:
        yield sent
        sent.extend((e["kind"], e["name"]) for e in logs if e["event"] == "request.sent")


async def admin_token(client: httpx.AsyncClient, user: str = "admin",
                      password: str = "secret") -> tuple[str, str]:
    await login(client, user, password)
    page = await client.get("/admin/test")
    return CSRF.search(page.text).group(1), page.text  # type: ignore[union-attr]


async def test_reloading_the_page_after_a_command_does_not_send_it_again(stack: WebStack) -> None:
    async with stack.client() as client:
        token, _ = await admin_token(client)
        with upsd_requests() as sent:
            posted = await client.post("/admin/test/variable",
                                       data={"csrf": token, "name": "ups.id", "value": "rack-z"})
            target = posted.headers["location"]
            shown = [await client.get(target) for _ in range(3)]  # F5, F5
    assert posted.status_code == 303 and re.fullmatch(r"/admin/test\?done=[\w-]+", target)
    assert sent == [("SET", "ups.id")]
    for page in shown:
        assert page.status_code == 200
        assert 'data-field="result">SUCCESS<' in page.text and "(tracking " in page.text


async def test_a_result_key_shows_nothing_to_another_session(stack: WebStack) -> None:
    async with stack.client() as client, stack.client() as other:
        token, _ = await admin_token(client)
        posted = await client.post("/admin/test/variable",
                                   data={"csrf": token, "name": "ups.id", "value": "r1"})
        await login(other)
        seen = await other.get(posted.headers["location"])
    assert seen.status_code == 200 and 'id="result"' not in seen.text


async def test_load_off_asks_first_and_cancel_sends_nothing(stack: WebStack) -> None:
    async with stack.client() as client:
        token, admin = await admin_token(client)
        with upsd_requests() as sent:
            asked = await client.post("/admin/test/command",
                                      data={"csrf": token, "command": "load.off"})
            confirm = await client.get(asked.headers["location"])
            cancel = re.search(r'href="([^"]+)"[^>]*id="cancel"', confirm.text)
            assert cancel is not None
            back = await client.get(cancel.group(1))
    assert "load.off (cuts power: asks first)" in admin
    assert asked.status_code == 303
    assert asked.headers["location"] == "/admin/test/confirm?command=load.off"
    assert confirm.status_code == 200 and "Cut the power on test?" in confirm.text
    assert "Turns off every device powered by this UPS, immediately." in confirm.text
    assert "Rack A" in confirm.text and 'name="confirm" value="yes"' in confirm.text
    assert back.status_code == 200 and 'id="result"' not in back.text
    assert sent == []


async def test_confirming_runs_the_command_once(stack: WebStack) -> None:
    async with stack.client() as client:
        token, _ = await admin_token(client)
        with upsd_requests() as sent:
            done = await client.post("/admin/test/command", data={
                "csrf": token, "command": "load.off", "confirm": "yes"})
            page = await client.get(done.headers["location"])
            await client.get(done.headers["location"])
    assert done.status_code == 303 and sent == [("INSTCMD", "load.off")]
    assert 'data-field="result">ERR UNKNOWN<' in page.text  # dummy-ups 2.8.0's answer


async def test_a_user_without_rights_sees_no_controls(stack: WebStack) -> None:
    async with stack.client() as client:
        _, page = await admin_token(client, "monuser", "pass")
    assert 'id="command-form"' not in page and "data-set=" not in page
    assert 'id="no-rights"' in page and "may not run commands or set variables" in page
    assert '<td data-var="ups.id">rack-a</td>' in page  # the values stay readable


async def test_set_without_commands_and_commands_without_set(stack: WebStack) -> None:
    async with stack.client() as setter, stack.client() as helper:
        _, set_only = await admin_token(setter, "hashed", "s3cret")
        _, cmd_only = await admin_token(helper, "helper", "help")
    assert 'data-set="ups.id"' in set_only and 'id="command-form"' not in set_only
    assert 'id="no-commands"' in set_only
    # helper may run test.battery.start only, which this UPS does not offer
    assert "data-set=" not in cmd_only and 'id="no-set"' in cmd_only
    assert 'id="command-form"' not in cmd_only


async def test_forms_a_user_may_not_use_are_refused_before_upsd(stack: WebStack) -> None:
    async with stack.client() as client:
        token, _ = await admin_token(client, "monuser", "pass")
        with upsd_requests() as sent:
            setting = await client.post("/admin/test/variable",
                                        data={"csrf": token, "name": "ups.id", "value": "x"})
            command = await client.post("/admin/test/command", data={
                "csrf": token, "command": "load.off", "confirm": "yes"})
            confirm = await client.get("/admin/test/confirm?command=load.off")
    assert (setting.status_code, command.status_code, confirm.status_code) == (403, 403, 403)
    assert "may not" in command.text and sent == []


async def test_a_confirmation_link_survives_the_login(stack: WebStack) -> None:
    async with stack.client() as client:
        first = await client.get("/admin/test/confirm?command=load.off")
        back = first.headers["location"]
        done = await login(client, next_page=httpx.URL(back).params["next"])
        confirm = await client.get(done.headers["location"])
    assert back == "/login?next=/admin/test/confirm%3Fcommand%3Dload.off"
    assert confirm.status_code == 200 and "Cut the power on test?" in confirm.text
