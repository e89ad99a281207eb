"""upssched-style dampening on the Trio clock: an alert only when the condition lasts."""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType

import trio
from notify_helpers import calls, event, notifier, recorder
from structlog.testing import capture_logs

from nutrio.conf.model import NotifyConfig, SchedulerConfig, SchedulerRule

# AT ONBATT * START-TIMER onbatt 30 / AT ONLINE * CANCEL-TIMER onbatt back-online
PAGE_AFTER_30S = (
    SchedulerRule(notify_type="ONBATT", action="START-TIMER", timer="onbatt", seconds=30),
    SchedulerRule(
        notify_type="ONLINE", action="CANCEL-TIMER", timer="onbatt", command="back-online"
    ),
)
QUIET = NotifyConfig(flags=MappingProxyType({}))


def scheduler(tmp_path: Path, *rules: SchedulerRule) -> tuple[SchedulerConfig, Path]:
    script, record = recorder(tmp_path, "cmdscript")
    return SchedulerConfig(cmdscript=str(script), rules=rules or PAGE_AFTER_30S), record


async def test_power_back_within_30s_runs_no_command(autojump_clock, tmp_path: Path) -> None:
    cancel = SchedulerRule(notify_type="ONLINE", action="CANCEL-TIMER", timer="onbatt")
    cfg, record = scheduler(tmp_path, PAGE_AFTER_30S[0], cancel)
    async with notifier(QUIET, cfg) as (inbox, _):
        await inbox.send(event("ONBATT"))
        await trio.sleep(29)
        await inbox.send(event("ONLINE"))
        await trio.sleep(120)
    assert calls(record) == []


async def test_on_battery_past_30s_runs_the_timer_command_once(
    autojump_clock, tmp_path: Path
) -> None:
    cfg, record = scheduler(tmp_path)
    with capture_logs() as logs:
        async with notifier(QUIET, cfg) as (inbox, handle):
            await inbox.send(event("ONBATT", "rack@localhost"))
            await trio.sleep(31)
            assert trio.current_time() >= 30
            await trio.sleep(120)
    assert calls(record) == [
        {"argv": ["onbatt"], "NOTIFYTYPE": "ONBATT", "UPSNAME": "rack@localhost", "stdin": ""}
    ]
    assert handle.statistics().channel("cmdscript").sent == 1
    assert handle.statistics().channel("scheduler").sent == 1
    assert [e["timer"] for e in logs if e["event"] == "scheduler.timer_fired"] == ["onbatt"]


async def test_the_timer_fires_at_its_deadline_not_before(autojump_clock, tmp_path: Path) -> None:
    cfg, record = scheduler(tmp_path)
    async with notifier(QUIET, cfg) as (inbox, handle):
        await inbox.send(event("ONBATT"))
        await trio.sleep(29.5)
        assert handle.statistics().channel("cmdscript").queued == 0
        assert handle.statistics().channel("cmdscript").sent == 0
    assert calls(record) == []  # closing the inbox dropped the running timer


async def test_power_back_after_the_page_runs_the_cancel_command(
    autojump_clock, tmp_path: Path
) -> None:
    cfg, record = scheduler(tmp_path)
    async with notifier(QUIET, cfg) as (inbox, _):
        await inbox.send(event("ONBATT"))
        await trio.sleep(40)
        await inbox.send(event("ONLINE"))
        await trio.sleep(1)
    assert [(c["argv"], c["NOTIFYTYPE"]) for c in calls(record)] == [
        (["onbatt"], "ONBATT"),
        (["back-online"], "ONLINE"),
    ]


async def test_flapping_power_restarts_the_wait(autojump_clock, tmp_path: Path) -> None:
    cfg, record = scheduler(tmp_path)
    async with notifier(QUIET, cfg) as (inbox, _):
        for _ in range(5):  # 20 s on battery, 1 s back, five times: never 30 s in a row
            await inbox.send(event("ONBATT"))
            await trio.sleep(20)
            await inbox.send(event("ONLINE"))
            await trio.sleep(1)
        await trio.sleep(100)
    assert calls(record) == []


async def test_execute_runs_cmdscript_at_once(autojump_clock, tmp_path: Path) -> None:
    rule = SchedulerRule(notify_type="LOWBATT", action="EXECUTE", command="lowbatt-now")
    cfg, record = scheduler(tmp_path, rule)
    async with notifier(QUIET, cfg) as (inbox, _):
        await inbox.send(event("LOWBATT", "u@h"))
    assert calls(record) == [
        {"argv": ["lowbatt-now"], "NOTIFYTYPE": "LOWBATT", "UPSNAME": "u@h", "stdin": ""}
    ]


async def test_rules_for_another_ups_do_not_apply(autojump_clock, tmp_path: Path) -> None:
    rule = SchedulerRule(notify_type="ONBATT", ups="a@h", action="EXECUTE", command="a-only")
    cfg, record = scheduler(tmp_path, rule)
    async with notifier(QUIET, cfg) as (inbox, _):
        await inbox.send(event("ONBATT", "b@h"))
        await inbox.send(event("ONBATT", "a@h"))
    assert [c["UPSNAME"] for c in calls(record)] == ["a@h"]
