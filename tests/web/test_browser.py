"""The web pages in a real headless Chromium (Debian's, driven by Playwright).

Screenshots go to test-artifacts/web/ (kept by CI, never committed).
The server is the real `nutrio run` with a config that has a [web] table.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.nutriorun import nutrio_env, start_nutrio, wait_ready
from tests.paths import ROOT

sync_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium not installed"),
    pytest.mark.browser,
]

ARTIFACTS = ROOT / "test-artifacts" / "web"
BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync"]

# On line for a few seconds, then on battery for long enough to finish the test.
SEQ = """\
battery.charge: 100
battery.runtime: 2400
input.voltage: 231.0
input.voltage.nominal: 230
output.voltage: 230.0
ups.load: 35
ups.delay.shutdown: 20
ups.status: OL CHRG
device.model: Browser Test 1500
TIMER 6
ups.status: OB DISCHRG
input.voltage: 0
battery.charge: 74
battery.runtime: 1100
TIMER 600
"""

CUSTOM_OVERVIEW = """\
{% extends "base.html" %}
{% block content %}
<h1 id="acme">ACME intranet: power</h1>
{% for u in upses %}<p data-ups="{{ u.name }}">{{ u.name }}:
  <span data-field="status_text">{{ u.status_text }}</span></p>{% endfor %}
{% endblock %}
"""


@contextlib.contextmanager
def served(tmp: Path, *, template_dir: Path | None = None, device: str = "",
           users: str = "", port: str = "demo.seq") -> Iterator[str]:
    """A server for one UPS "demo" playing SEQ; yields the web base URL.

    *device* adds lines to ``[devices.demo]``, *users* adds ``[users.*]`` tables;
    *port* ``demo.dev`` serves SEQ's first state and reads the file at each poll.
    The server's JSON log is ``tmp/nutrio.err``. upsd and the web pages bind any
    free port (``--listen``/``--web-listen 127.0.0.1:0``), named in the log.
    """
    (tmp / port).write_text(SEQ if port.endswith(".seq") else SEQ.split("TIMER")[0])
    templates = f'template_dir = "{template_dir}"\n' if template_dir else ""
    config = tmp / "nutrio.toml"
    config.write_text(
        f'[devices.demo]\ndriver = "dummy-ups"\nport = "{port}"\ndesc = "Server room"\n'
        f'pollinterval = 1\n{device}\n'
        '[users.admin]\npassword = "secret"\nactions = ["SET"]\ninstcmds = ["all"]\n\n'
        f'{users}[web]\n{templates}'
    )
    proc = start_nutrio(config, "--web-listen", "127.0.0.1:0", cwd=ROOT,
                        env=nutrio_env(PYTHONUNBUFFERED="1"))
    try:
        wait_ready(proc)
        yield f"http://127.0.0.1:{proc.wait_for_event('web.started')['port']}"
    finally:
        proc.stop(15)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        yield browser
        browser.close()


def shot(page: object, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)  # type: ignore[attr-defined]


def test_overview_follows_the_ups_and_admin_runs_commands(browser: object, tmp_path: Path) -> None:
    expect = sync_api.expect
    page = browser.new_page(viewport={"width": 1100, "height": 700})  # type: ignore[attr-defined]
    with served(tmp_path) as url:
        page.goto(url + "/")
        status = page.locator('[data-ups="demo"] [data-field="status_text"]')
        expect(page.locator('[data-ups="demo"] h2')).to_contain_text("demo")
        expect(status).to_contain_text("On line")
        shot(page, "1-overview-online.png")

        # the .seq flips to OB: the open page follows without a reload
        page.evaluate("window.__sameDocument = 'yes'")
        expect(status).to_contain_text("On battery", timeout=20_000)
        expect(page.locator('[data-ups="demo"] [data-status]')).to_have_class("status status-warn")
        assert page.evaluate("window.__sameDocument") == "yes"
        shot(page, "2-overview-on-battery.png")

        page.goto(url + "/ups/demo")
        expect(page.locator('td[data-var="ups.status"]')).to_have_text("OB DISCHRG")
        shot(page, "3-detail.png")

        # admin: a wrong password is refused
        page.goto(url + "/admin")
        expect(page).to_have_url(url + "/login?next=/admin")
        page.fill('input[name="username"]', "admin")
        page.fill('input[name="password"]', "wrong")
        page.click('button[type="submit"]')
        expect(page.locator("#login-error")).to_contain_text("Wrong user name or password")
        shot(page, "4-login-refused.png")

        page.fill('input[name="password"]', "secret")
        page.click('button[type="submit"]')
        expect(page).to_have_url(url + "/admin")
        # dummy-ups 2.8.0 knows no instant command: the driver answers "unknown"
        page.select_option('#command-form select[name="command"]', "load.off")
        page.click('#command-form button[type="submit"]')
        page.click("#confirm")  # load.off cuts the power: it asks first
        expect(page.locator("#result")).to_contain_text("load.off")
        expect(page.locator('#result [data-field="result"]')).to_have_text("ERR UNKNOWN")
        shot(page, "5-admin-command.png")

        form = page.locator('form[data-set="ups.delay.shutdown"]')
        form.locator('input[name="value"]').fill("45")
        form.locator('button[type="submit"]').click()
        expect(page.locator('#result [data-field="result"]')).to_have_text("SUCCESS")
        expect(page.locator('td[data-var="ups.delay.shutdown"]')).to_have_text("45")
        shot(page, "6-admin-set-variable.png")
    page.close()


def test_custom_template_dir_changes_the_overview(browser: object, tmp_path: Path) -> None:
    expect = sync_api.expect
    site = tmp_path / "site"
    site.mkdir()
    (site / "overview.html").write_text(CUSTOM_OVERVIEW)
    page = browser.new_page(viewport={"width": 900, "height": 500})  # type: ignore[attr-defined]
    with served(tmp_path, template_dir=site) as url:
        page.goto(url + "/")
        expect(page.locator("#acme")).to_have_text("ACME intranet: power")
        expect(page.locator('[data-ups="demo"] [data-field="status_text"]')).to_contain_text("On")
        shot(page, "7-custom-template.png")
        page.goto(url + "/ups/demo")  # pages the site did not override stay ours
        expect(page.locator("h1")).to_contain_text("demo")
    page.close()
