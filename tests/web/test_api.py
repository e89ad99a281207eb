"""The JSON API /api/v1 and /metrics, over real HTTP."""

from __future__ import annotations

import re
import time

import trio

from nutrio.actors.registry import Registry
from nutrio.actors.web import run_web
from nutrio.conf.model import WebConfig
from nutrio.protocol.upsd.users import FixedAccounts
from tests.web.conftest import ACCOUNTS, WebStack
from tests.web.test_pages import CSRF, login

ADMIN = ("admin", "secret")


async def test_list_and_detail(stack: WebStack) -> None:
    async with stack.client() as client:
        listing = (await client.get("/api/v1/ups")).json()
        detail = (await client.get("/api/v1/ups/TEST")).json()  # names match as in upsd
        missing = await client.get("/api/v1/ups/nosuch")
    (one,) = listing["ups"]
    assert (one["name"], one["status"]) == ("test", "OL CHRG")
    assert one["status_text"] == "On line, Charging"
    assert one["gauges"]["battery.charge"] == "87"
    assert detail["vars"]["ups.id"] == "rack-a"
    assert detail["commands"] == ["load.off"]
    assert detail["writable"]["ups.id"] == {"name": "ups.id", "value": "rack-a", "type": "string",
                                            "enums": [], "ranges": [], "max_len": 16}
    assert missing.status_code == 404 and missing.json()["error"] == "UNKNOWN-UPS"


async def test_history_returns_points_within_the_window(stack: WebStack) -> None:
    now = time.time()
    stack.add_point("test", now - 5 * 3600, {"ups.load": 10.0})
    stack.add_point("test", now - 60, {"ups.load": 41.0, "battery.charge": 87.0})
    async with stack.client() as client:
        out = (await client.get("/api/v1/ups/test/history", params={"hours": "1"})).json()
        wide = (await client.get("/api/v1/ups/test/history", params={"hours": "6"})).json()
        bad = await client.get("/api/v1/ups/test/history", params={"hours": "lots"})
    assert [p["values"] for p in out["points"]] == [{"battery.charge": 87.0, "ups.load": 41.0}]
    assert len(wide["points"]) == 2
    assert bad.status_code == 400


async def test_actions_need_credentials(stack: WebStack) -> None:
    async with stack.client() as client:
        anonymous = await client.post("/api/v1/ups/test/command", json={"command": "load.off"})
        wrong = await client.post("/api/v1/ups/test/command", json={"command": "load.off"},
                                  auth=("admin", "nope"))
    assert anonymous.status_code == 401 and "Basic" in anonymous.headers["www-authenticate"]
    assert wrong.status_code == 401


async def test_a_reload_that_removes_a_user_refuses_it_from_the_next_request(
        stack: WebStack) -> None:
    async with stack.client() as client:
        before = await client.post("/api/v1/ups/test/command", json={"command": "load.off"},
                                   auth=ADMIN)
        stack.accounts.publish({k: v for k, v in ACCOUNTS.items() if k != "admin"})
        after = await client.post("/api/v1/ups/test/command", json={"command": "load.off"},
                                  auth=ADMIN)
        stack.accounts.publish(ACCOUNTS)
        again = await client.post("/api/v1/ups/test/command", json={"command": "load.off"},
                                  auth=ADMIN)
    assert (before.status_code, after.status_code, again.status_code) == (200, 401, 200)


async def test_command_with_basic_auth_reports_the_drivers_verdict(stack: WebStack) -> None:
    async with stack.client() as client:
        done = await client.post("/api/v1/ups/test/command", json={"command": "load.off"},
                                 auth=ADMIN)
        denied = await client.post("/api/v1/ups/test/command", json={"command": "load.off"},
                                   auth=("helper", "help"))
    body = done.json()
    assert done.status_code == 200 and body["accepted"] is True
    assert body["result"] == "ERR UNKNOWN"  # dummy-ups 2.8.0 answers every command so
    assert re.fullmatch(r"[0-9A-F-]{36}", body["tracking"])
    assert denied.status_code == 403 and denied.json()["result"] == "ERR ACCESS-DENIED"


async def test_variable_is_validated_then_set(stack: WebStack) -> None:
    async with stack.client() as client:
        bad = await client.post("/api/v1/ups/test/variable",
                                json={"name": "ups.id", "value": "y" * 17}, auth=ADMIN)
        done = await client.post("/api/v1/ups/test/variable",
                                 json={"name": "ups.id", "value": "rack-c"}, auth=ADMIN)
        after = (await client.get("/api/v1/ups/test")).json()
    assert bad.status_code == 400 and "at most 16 characters" in bad.json()["detail"]
    assert done.status_code == 200 and done.json()["result"] == "SUCCESS"
    assert after["vars"]["ups.id"] == "rack-c"


async def test_a_browser_session_needs_the_csrf_header(stack: WebStack) -> None:
    async with stack.client() as client:
        await login(client)
        page = await client.get("/admin")
        token = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
        forged = await client.post("/api/v1/ups/test/variable",
                                   json={"name": "ups.id", "value": "z"})
        done = await client.post("/api/v1/ups/test/variable", json={"name": "ups.id", "value": "z"},
                                 headers={"X-CSRF-Token": token})
    assert forged.status_code == 403
    assert done.status_code == 200 and done.json()["result"] == "SUCCESS"


async def test_actions_take_json_only(stack: WebStack) -> None:
    async with stack.client() as client:
        form = await client.post("/api/v1/ups/test/command", data={"command": "load.off"},
                                 auth=ADMIN)
        junk = await client.post("/api/v1/ups/test/command", content=b"{",
                                 headers={"content-type": "application/json"}, auth=ADMIN)
        empty = await client.post("/api/v1/ups/test/command", json={}, auth=ADMIN)
    assert (form.status_code, junk.status_code, empty.status_code) == (415, 400, 400)


async def test_metrics_default_to_the_snapshots_in_prometheus_text(stack: WebStack) -> None:
    from prometheus_client.parser import text_string_to_metric_families

    async with stack.client() as client:
        scrape = await client.get("/metrics")
    assert scrape.status_code == 200
    assert scrape.headers["content-type"].startswith("text/plain; version=0.0.4")
    names = {f.name for f in text_string_to_metric_families(scrape.text)}
    assert "network_ups_tools_battery_charge" in names


async def test_metrics_come_from_the_renderer_handed_in(nursery: trio.Nursery) -> None:
    import httpx

    config = WebConfig(listen=("127.0.0.1", 0))
    port = await nursery.start(lambda task_status: run_web(
        config, Registry(), FixedAccounts(ACCOUNTS), upsd=lambda: None,
        metrics=lambda: "# TYPE nutrio_up gauge\nnutrio_up 1\n", task_status=task_status))
    async with httpx.AsyncClient() as client:
        scrape = await client.get(f"http://127.0.0.1:{port}/metrics")
    assert scrape.status_code == 200 and "nutrio_up 1" in scrape.text
