"""What an operator meets in a real Chromium, at desktop (1280 px) and phone (390 px) width.

Issue 14: stale data greyed with its age and the driver's last error, a
confirmation before the power is cut (cancel sends nothing, F5 repeats nothing,
checked in upsd's own log), no controls for a read-only user, and pages and
charts that fit a phone. Screenshots: test-artifacts/web/<name>-<width>.png.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.procs import json_lines
from tests.web import test_browser
from tests.web.test_browser import (  # noqa: F401 (browser: a fixture)
    ARTIFACTS,
    browser,
    served,
    shot,
    sync_api,
)

pytestmark = test_browser.pytestmark  # skipped without chromium
WIDTHS = [1280, 390]
expect = sync_api.expect

READ_ONLY = '[users.viewer]\npassword = "look"\nupsmon = "secondary"\n\n'
# the driver gives up 2 s after its file went away: stale first, then not connected
GIVES_UP = 'restart_after = "2"\n'


def open_page(browser: Any, width: int) -> Any:
    return browser.new_page(viewport={"width": width, "height": 800})


def no_sideways_scroll(page: Any, width: int) -> None:
    """The page is no wider than the screen (tables and charts stay inside their boxes)."""
    assert page.evaluate("document.scrollingElement.scrollWidth") <= width, page.url


def upsd_sent(tmp: Path, kind: str, name: str) -> int:
    """How many such requests our upsd handed to the driver (its `request.sent` log lines)."""
    sent = json_lines((tmp / "nutrio.err").read_text())  # served()'s JSON log
    return sum(e.get("event") == "request.sent" and (e.get("kind"), e.get("name")) == (kind, name)
               for e in sent)


def log_in(page: Any, url: str, user: str, password: str) -> None:
    page.goto(url + "/admin/demo")
    page.fill('input[name="username"]', user)
    page.fill('input[name="password"]', password)
    page.click('button[type="submit"]')
    expect(page).to_have_url(url + "/admin/demo")


def seen_seconds(page: Any, scope: str) -> int:
    text = page.locator(f"{scope} [data-seen]").inner_text()
    found = re.fullmatch(r"last seen (\d+) s ago", text)
    assert found, text
    return int(found.group(1))


@pytest.mark.parametrize("width", WIDTHS)
def test_stale_marking_appears_when_the_driver_stops(browser: Any, tmp_path: Path,
                                                     width: int) -> None:
    page = open_page(browser, width)
    card = '[data-ups="demo"]'
    with served(tmp_path, device=GIVES_UP, port="demo.dev") as url:
        page.goto(url + "/")
        expect(page.locator(f"{card} [data-field=status_text]")).to_contain_text("On line")
        expect(page.locator(card)).not_to_have_class(re.compile("not-fresh"))
        expect(page.locator(f"{card} [data-seen]")).to_be_hidden()

        (tmp_path / "demo.dev").unlink()  # the device stops answering
        expect(page.locator(card)).to_have_class(re.compile("not-fresh"), timeout=10_000)
        expect(page.locator(f"{card} [data-field=status_text]")).to_have_text(
            "Driver not connected", timeout=15_000)
        expect(page.locator(f"{card} [data-last-error]")).to_contain_text(
            "Last error: DriverIOError", timeout=10_000)
        fills = page.locator(f"{card} .bar-fill")
        assert fills.count() >= 4
        for i in range(fills.count()):  # every bar grey, none green
            expect(fills.nth(i)).to_have_class(re.compile("level-unknown"))
        grey = fills.first.evaluate("el => getComputedStyle(el).backgroundColor")
        assert grey == "rgb(117, 117, 117)"
        first = seen_seconds(page, card)
        page.wait_for_timeout(3000)  # the age counts on without a reload (ticks: 1 s)
        assert seen_seconds(page, card) >= first + 2
        no_sideways_scroll(page, width)
        shot(page, f"overview-stale-{width}.png")

        page.goto(url + "/ups/demo")
        expect(page.locator("section[data-ups=demo]")).to_have_class(re.compile("not-fresh"))
        expect(page.locator("section [data-seen]")).to_contain_text(re.compile(r"last seen \d+ s"))
        no_sideways_scroll(page, width)
        shot(page, f"ups-stale-{width}.png")

        api = page.request.get(url + "/api/v1/ups/demo").json()
        assert (api["connected"], api["stale"]) == (False, True)
        assert api["age_seconds"] >= 4 and api["last_error"].startswith("DriverIOError")
    page.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_cutting_the_power_asks_first_and_nothing_repeats(browser: Any, tmp_path: Path,
                                                          width: int) -> None:
    page = open_page(browser, width)
    with served(tmp_path) as url:
        log_in(page, url, "admin", "secret")
        page.select_option('#command-form select[name="command"]', "load.off")
        page.click('#command-form button[type="submit"]')
        expect(page).to_have_url(url + "/admin/demo/confirm?command=load.off")
        expect(page.locator("h1")).to_have_text("Cut the power on demo?")
        expect(page.locator("#consequence")).to_have_text(
            "Turns off every device powered by this UPS, immediately.")
        expect(page.locator("#confirm-what")).to_contain_text("Server room")
        no_sideways_scroll(page, width)
        shot(page, f"confirm-load-off-{width}.png")

        page.click("#cancel")
        expect(page).to_have_url(url + "/admin/demo")
        expect(page.locator("#result")).to_have_count(0)
        page.wait_for_timeout(500)
        assert upsd_sent(tmp_path, "INSTCMD", "load.off") == 0  # cancel sent nothing

        page.select_option('#command-form select[name="command"]', "load.off")
        page.click('#command-form button[type="submit"]')
        page.click("#confirm")
        expect(page).to_have_url(re.compile(r"/admin/demo\?done=[\w-]+$"))
        expect(page.locator('#result [data-field="result"]')).to_have_text("ERR UNKNOWN")
        expect(page.locator("#result")).to_contain_text("tracking")
        assert upsd_sent(tmp_path, "INSTCMD", "load.off") == 1
        page.reload()  # F5 on the result
        expect(page.locator('#result [data-field="result"]')).to_have_text("ERR UNKNOWN")
        page.wait_for_timeout(500)
        assert upsd_sent(tmp_path, "INSTCMD", "load.off") == 1
        no_sideways_scroll(page, width)
        shot(page, f"admin-after-command-{width}.png")
    page.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_a_read_only_user_sees_no_controls(browser: Any, tmp_path: Path, width: int) -> None:
    page = open_page(browser, width)
    with served(tmp_path, users=READ_ONLY) as url:
        log_in(page, url, "viewer", "look")
        expect(page.locator("#no-rights")).to_be_visible()
        expect(page.locator("#command-form")).to_have_count(0)
        expect(page.locator("form[data-set]")).to_have_count(0)
        expect(page.locator('td[data-var="ups.delay.shutdown"]')).to_have_text("20")
        no_sideways_scroll(page, width)
        shot(page, f"admin-read-only-{width}.png")
    page.close()


def chart_geometry(page: Any, key: str) -> dict[str, float]:
    """The visible drawing of one chart: its line's and plot's left/right, its text in px."""
    return page.evaluate("""key => {
        const svg = [...document.querySelectorAll(`#chart-${key} svg`)]
            .find(s => s.getBoundingClientRect().width > 0);
        const line = svg.querySelector("polyline").getBoundingClientRect();
        const area = svg.querySelector(".chart-area").getBoundingClientRect();
        const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
        const axis = parseFloat(getComputedStyle(svg.querySelector(".axis")).fontSize);
        return {lineLeft: line.left, lineRight: line.right, areaLeft: area.left,
                areaRight: area.right, axisPx: axis * scale, narrow: svg.classList.contains(
                "chart-narrow") ? 1 : 0};
    }""", key)


@pytest.mark.parametrize("width", WIDTHS)
def test_a_fresh_start_fills_the_graphs_and_every_page_fits(browser: Any, tmp_path: Path,
                                                            width: int) -> None:
    page = open_page(browser, width)
    with served(tmp_path) as url:
        page.goto(url + "/ups/demo")
        for _ in range(30):  # the history keeps a point every 10 s: wait for the second
            if page.locator("#chart-load polyline").count():
                break
            page.wait_for_timeout(1000)
            page.reload()
        chart = chart_geometry(page, "load")
        assert chart["narrow"] == (1 if width < 600 else 0)
        assert abs(chart["lineLeft"] - chart["areaLeft"]) <= 3
        assert abs(chart["lineRight"] - chart["areaRight"]) <= 3
        assert chart["axisPx"] >= 11
        expect(page.locator("h2 small").first).to_have_text(re.compile(r"last \d+ s"))
        no_sideways_scroll(page, width)
        shot(page, f"ups-fresh-start-{width}.png")
        page.locator("#chart-voltage").screenshot(path=str(ARTIFACTS / f"chart-{width}.png"))
        page.locator(".table-box").screenshot(path=str(ARTIFACTS / f"variables-{width}.png"))

        page.goto(url + "/")
        no_sideways_scroll(page, width)
        shot(page, f"overview-{width}.png")
        log_in(page, url, "admin", "secret")
        no_sideways_scroll(page, width)
        shot(page, f"admin-{width}.png")
        page.goto(url + "/admin/demo/confirm?command=load.off")
        no_sideways_scroll(page, width)
    page.close()


PRIMARY = '[users.mon]\npassword = "pw"\nupsmon = "primary"\n\n'


def _upsd_port(tmp: Path) -> int:
    """Where served()'s upsd listens: the port its nutrio.ready line names."""
    logged = json_lines((tmp / "nutrio.err").read_text())
    [ready] = [e for e in logged if e.get("event") == "nutrio.ready"]
    return int(ready["ports"][0])


def _ask(conn: Any, line: str) -> str:
    conn.sendall(line.encode() + b"\n")
    return conn.recv(512).decode().strip()


@pytest.mark.parametrize("width", WIDTHS)
def test_fsd_shows_on_every_surface_within_a_second(browser: Any, tmp_path: Path,
                                                    width: int) -> None:
    """A primary's FSD: upsd, the live page (SSE), the API and /metrics all say so."""
    import socket
    import time

    page = open_page(browser, width)
    card = '[data-ups="demo"]'
    with served(tmp_path, port="demo.dev", users=PRIMARY) as url:
        page.goto(url + "/")
        expect(page.locator(f"{card} [data-field=status_text]")).to_contain_text("On line")
        with socket.create_connection(("127.0.0.1", _upsd_port(tmp_path)), timeout=5) as conn:
            for line in ("USERNAME mon", "PASSWORD pw", "LOGIN demo"):
                assert _ask(conn, line).startswith("OK"), line
            set_at = time.monotonic()
            assert _ask(conn, "FSD demo") == "OK FSD-SET"
            assert _ask(conn, "GET VAR demo ups.status") == 'VAR demo ups.status "FSD OL CHRG"'
        # the open page, without a reload: server-sent events carried it
        expect(page.locator(f"{card} [data-field=status_text]")).to_contain_text(
            "Forced shutdown", timeout=1000)
        api = page.request.get(url + "/api/v1/ups/demo").json()
        metrics = page.request.get(url + "/metrics").text()
        assert time.monotonic() - set_at < 1.5  # page, API and /metrics all read it by now
        assert api["status"].split()[0] == "FSD"
        assert 'network_ups_tools_ups_status{flag="FSD",ups="demo"} 1.0' in metrics
        no_sideways_scroll(page, width)
        shot(page, f"overview-fsd-{width}.png")
    page.close()
