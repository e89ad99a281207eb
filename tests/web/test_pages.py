"""The pages over real HTTP: a web actor on port 0 beside dummy-ups and our upsd."""

from __future__ import annotations

import re
import time
from pathlib import Path

import httpx
import trio

from nutrio.actors.web.context import PACKAGE_DIR
from tests.web.conftest import WebStack, start_stack

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


async def login(client: httpx.AsyncClient, user: str = "admin", password: str = "secret",
                next_page: str = "/admin") -> httpx.Response:
    form = await client.get("/login")
    token = CSRF.search(form.text).group(1)  # type: ignore[union-attr]
    return await client.post("/login", data={"csrf": token, "username": user,
                                             "password": password, "next": next_page})


async def test_overview_shows_each_ups_with_status_in_words_and_bars(stack: WebStack) -> None:
    async with stack.client() as client:
        page = await client.get("/")
    assert page.status_code == 200
    assert 'data-ups="test"' in page.text and "Rack A" in page.text
    assert "On line, Charging" in page.text and "status-ok" in page.text
    assert 'data-gauge="battery.charge"' in page.text and "87 %" in page.text
    assert 'data-gauge="input.voltage"' in page.text


async def test_detail_page_lists_every_variable_and_charts(stack: WebStack) -> None:
    stack.add_point("test", time.time(), {"battery.charge": 87.0, "ups.load": 41.0})
    async with stack.client() as client:
        page = await client.get("/ups/test")
        missing = await client.get("/ups/nosuch")
    assert page.status_code == 200
    for name in ("battery.charge", "ups.id", "driver.name", "device.model"):
        assert f'data-var="{name}"' in page.text
    assert "<svg" in page.text and "Battery charge (%)" in page.text
    assert missing.status_code == 404


async def test_pages_load_nothing_from_other_sites(stack: WebStack) -> None:
    async with stack.client() as client:
        page = await client.get("/")
    csp = page.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    files = [*(PACKAGE_DIR / "templates").iterdir(), *(PACKAGE_DIR / "static").iterdir()]
    for path in files:
        text = path.read_text()
        assert not re.search(r"(src|href)=[\"']?(https?:)?//", text), path
        assert "@import" not in text and "url(http" not in text, path


async def test_a_wrong_password_gets_no_session(stack: WebStack) -> None:
    async with stack.client() as client:
        refused = await login(client, password="wrong")
        admin = await client.get("/admin")
    assert refused.status_code == 401
    assert "Wrong user name or password" in refused.text
    assert "nutrio_session" not in refused.headers.get("set-cookie", "")
    assert admin.status_code == 303 and admin.headers["location"] == "/login?next=/admin"


async def test_login_sets_a_signed_httponly_strict_cookie(stack: WebStack) -> None:
    async with stack.client() as client:
        done = await login(client)
        admin = await client.get("/admin")
    cookie = done.headers["set-cookie"]
    assert done.status_code == 303 and done.headers["location"] == "/admin"
    assert "nutrio_session=" in cookie and "HttpOnly" in cookie
    assert "SameSite=strict" in cookie or "SameSite=Strict" in cookie
    assert admin.status_code == 200 and "load.off" in admin.text


async def test_login_never_redirects_to_another_site(stack: WebStack) -> None:
    async with stack.client() as client:
        done = await login(client, next_page="//evil.example/")
    assert done.headers["location"] == "/admin"


async def test_admin_forms_need_the_sessions_csrf_token(stack: WebStack) -> None:
    async with stack.client() as client:
        await login(client)
        forged = await client.post("/admin/test/variable",
                                   data={"csrf": "guess", "name": "ups.id", "value": "x"})
    assert forged.status_code == 403


async def test_admin_sets_a_variable_and_shows_the_tracking_result(stack: WebStack) -> None:
    async with stack.client() as client:
        await login(client)
        page = await client.get("/admin/test")
        token = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
        posted = await client.post("/admin/test/variable",
                                   data={"csrf": token, "name": "ups.id", "value": "rack-b"})
        done = await client.get(posted.headers["location"])  # POST-redirect-GET
        run = await client.post("/admin/test/command", data={
            "csrf": token, "command": "load.off", "confirm": "yes"}, follow_redirects=True)
    assert posted.status_code == 303
    assert done.status_code == 200
    assert 'data-field="result">SUCCESS<' in done.text
    handle = stack.registry.get("test")
    assert handle is not None and handle.snapshot.data.get("ups.id") == "rack-b"
    # dummy-ups 2.8.0 handles no instant command: the driver's verdict is "unknown"
    assert 'data-field="result">ERR UNKNOWN<' in run.text


async def test_admin_refuses_a_value_upsd_would_refuse_before_sending_it(stack: WebStack) -> None:
    async with stack.client() as client:
        await login(client)
        page = await client.get("/admin/test")
        token = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
        long = await client.post("/admin/test/variable",
                                 data={"csrf": token, "name": "ups.id", "value": "x" * 40})
        unknown = await client.post("/admin/test/command",
                                    data={"csrf": token, "command": "no.such.cmd"})
    assert long.status_code == 400 and "at most 16 characters" in long.text
    assert unknown.status_code == 400


async def test_logout_ends_the_session(stack: WebStack) -> None:
    async with stack.client() as client:
        await login(client)
        page = await client.get("/admin")
        token = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
        await client.post("/logout", data={"csrf": token})
        after = await client.get("/admin")
    assert after.status_code == 303


async def test_template_dir_overrides_pages_and_static_files(nursery: trio.Nursery,
                                                            tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "static").mkdir(parents=True)
    (site / "overview.html").write_text(
        '{% extends "base.html" %}{% block content %}<h1 id="site">Our power</h1>'
        '{% for u in upses %}<p>{{ u.name }}={{ u.status_text }}</p>{% endfor %}{% endblock %}')
    (site / "static" / "site.css").write_text("h1 { color: teal }")
    stack = await start_stack(nursery, tmp_path, template_dir=site)
    async with stack.client() as client:
        overview = await client.get("/")
        detail = await client.get("/ups/test")
        css = await client.get("/static/site.css")
        ours = await client.get("/static/nutrio.css")
    assert '<h1 id="site">Our power</h1>' in overview.text
    assert "<p>test=On line, Charging</p>" in overview.text
    assert 'data-var="ups.status"' in detail.text  # not overridden: the built-in page
    assert css.text == "h1 { color: teal }" and ours.status_code == 200


async def test_the_documented_example_template_works(nursery: trio.Nursery, tmp_path: Path) -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "web-templates.md").read_text()
    template = re.search(r"```jinja\n(.*?)```", doc, re.S).group(1)  # type: ignore[union-attr]
    css = re.search(r"```css\n(.*?)```", doc, re.S).group(1)  # type: ignore[union-attr]
    site = tmp_path / "site"
    (site / "static").mkdir(parents=True)
    (site / "overview.html").write_text(template)
    (site / "static" / "intranet.css").write_text(css)
    stack = await start_stack(nursery, tmp_path, template_dir=site)
    async with stack.client() as client:
        page = await client.get("/")
        sheet = await client.get("/static/intranet.css")
    assert "<h1>ACME power, building 2</h1>" in page.text
    assert 'data-live="/events"' in page.text
    assert '<td data-var="battery.charge">87</td>' in page.text
    assert "status-ok" in page.text and sheet.status_code == 200
