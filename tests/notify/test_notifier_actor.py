"""The notifier with NUT's channels: NOTIFYFLAG SYSLOG / WALL / EXEC / IGNORE, for real."""

from __future__ import annotations

import re
from functools import partial
from pathlib import Path
from types import MappingProxyType

import trio
import trio.testing
from notify_helpers import calls, event, notifier, recorder, syslog_sink
from structlog.testing import capture_logs

from nutrio.actors.upsmon.notifier import run_notifier
from nutrio.conf.model import NotifyConfig, SchedulerConfig, SchedulerRule
from nutrio.protocol.notify.events import Notification
from nutrio.supervisor import TRANSIENT, ChildSpec, Supervisor


def flags(**by_type: str) -> MappingProxyType[str, frozenset[str]]:
    return MappingProxyType({k: frozenset(v.split("+")) for k, v in by_type.items()})


async def test_exec_runs_notifycmd_with_the_message_and_nuts_environment(tmp_path: Path) -> None:
    script, record = recorder(tmp_path, "notifycmd")
    cfg = NotifyConfig(notifycmd=str(script), flags=flags(ONBATT="EXEC"))
    async with notifier(cfg) as (inbox, _):
        await inbox.send(event("ONBATT", "su700@mybox"))
    assert calls(record) == [
        {
            "argv": ["UPS su700@mybox on battery"],
            "NOTIFYTYPE": "ONBATT",
            "UPSNAME": "su700@mybox",
            "stdin": "",
        }
    ]


async def test_notifycmd_gets_the_notifymsg_text_as_one_argument(tmp_path: Path) -> None:
    script, record = recorder(tmp_path, "notifycmd")
    cfg = NotifyConfig(
        notifycmd=f"{script} --from-nut",
        messages=MappingProxyType({"LOWBATT": 'Battery low on %s: "$HOME" `x`'}),
        flags=flags(LOWBATT="SYSLOG+EXEC"),
    )
    async with notifier(cfg) as (inbox, _):
        await inbox.send(event("LOWBATT", "u@h"))
    [call] = calls(record)
    assert call["argv"] == ["--from-nut", 'Battery low on u@h: "$HOME" `x`']


async def test_shutdown_has_an_empty_upsname(tmp_path: Path) -> None:
    script, record = recorder(tmp_path, "notifycmd")
    cfg = NotifyConfig(notifycmd=str(script), flags=flags(SHUTDOWN="EXEC"))
    async with notifier(cfg) as (inbox, _):
        await inbox.send(event("SHUTDOWN", ""))
    [call] = calls(record)
    assert call["UPSNAME"] == "" and call["argv"] == ["Auto logout and shutdown proceeding"]


async def test_default_flags_are_syslog_and_wall_not_exec(tmp_path: Path) -> None:
    script, record = recorder(tmp_path, "notifycmd")
    wall, wall_record = recorder(tmp_path, "wall")
    cfg = NotifyConfig(notifycmd=str(script))
    with syslog_sink(tmp_path) as sink:
        async with notifier(cfg, syslog_path=str(sink.path), wall_command=(str(wall),)) as (
            inbox,
            _,
        ):
            await inbox.send(event("COMMBAD", "u@h"))
        [line] = sink.lines()
    # daemon.notice, local time, ident upsmon with our pid: what syslog(3) sends for upsmon
    syslog_line = r"<29>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d upsmon\[\d+\]: "
    assert re.fullmatch(syslog_line + "Communications with UPS u@h lost", line)
    assert calls(wall_record)[0]["stdin"] == "Communications with UPS u@h lost\n"
    assert calls(record) == []


async def test_syslog_only_skips_wall(tmp_path: Path) -> None:
    wall, wall_record = recorder(tmp_path, "wall")
    cfg = NotifyConfig(flags=flags(ONLINE="SYSLOG"))
    with syslog_sink(tmp_path) as sink:
        async with notifier(cfg, syslog_path=str(sink.path), wall_command=(str(wall),)) as (
            inbox,
            _,
        ):
            await inbox.send(event("ONLINE", "u@h"))
        assert [line.split(": ", 1)[1] for line in sink.lines()] == ["UPS u@h on line power"]
    assert calls(wall_record) == []


async def test_ignore_does_nothing_at_all(tmp_path: Path) -> None:
    script, record = recorder(tmp_path, "notifycmd")
    cmdscript, cmd_record = recorder(tmp_path, "cmdscript")
    wall, wall_record = recorder(tmp_path, "wall")
    cfg = NotifyConfig(notifycmd=str(script), flags=flags(COMMOK="IGNORE"))
    rules = SchedulerConfig(
        cmdscript=str(cmdscript),
        rules=(SchedulerRule(notify_type="COMMOK", action="EXECUTE", command="commok"),),
    )
    with syslog_sink(tmp_path) as sink, capture_logs() as logs:
        async with notifier(cfg, rules, syslog_path=str(sink.path), wall_command=(str(wall),)) as (
            inbox,
            handle,
        ):
            await inbox.send(event("COMMOK", "u@h"))
        assert sink.lines() == []
    assert calls(record) == calls(wall_record) == calls(cmd_record) == []
    assert any(e["event"] == "notify.ignored" for e in logs)
    assert handle.statistics().channel("scheduler").sent == 0
    assert not any(e["event"].startswith("scheduler.action") for e in logs)


async def test_without_dev_log_the_text_goes_to_our_log(tmp_path: Path) -> None:
    cfg = NotifyConfig(flags=flags(REPLBATT="SYSLOG"))
    with capture_logs() as logs:
        async with notifier(cfg, syslog_path=str(tmp_path / "absent")) as (inbox, handle):
            await inbox.send(event("REPLBATT", "u@h"))
    [line] = [e for e in logs if e["event"] == "notify.syslog"]
    assert line["message"] == "UPS u@h battery needs to be replaced" and line["to"] == "log"
    assert handle.statistics().channel("syslog").failed == 0


async def test_missing_wall_is_logged_and_skipped(tmp_path: Path) -> None:
    cfg = NotifyConfig(flags=flags(FSD="WALL"))
    with capture_logs() as logs:
        async with notifier(cfg, wall_command=(str(tmp_path / "no-wall"),)) as (inbox, handle):
            await inbox.send(event("FSD", "u@h"))
    assert any(e["event"] == "notify.wall_unavailable" for e in logs)
    assert handle.statistics().channel("wall").failed == 0


async def test_a_failing_notifycmd_is_counted_and_the_next_event_still_runs(
    tmp_path: Path,
) -> None:
    script, record = recorder(tmp_path, "notifycmd", status=3)
    cfg = NotifyConfig(notifycmd=str(script), flags=flags(ONBATT="EXEC", ONLINE="EXEC"))
    with capture_logs() as logs:
        async with notifier(cfg) as (inbox, handle):
            await inbox.send(event("ONBATT"))
            await inbox.send(event("ONLINE"))
    assert sorted(c["NOTIFYTYPE"] for c in calls(record)) == ["ONBATT", "ONLINE"]
    assert handle.statistics().channel("notifycmd").failed == 2
    failures = [e for e in logs if e["event"] == "notify.failed"]
    assert len(failures) == 2 and "exit status 3" in failures[0]["reason"]


async def test_every_type_reaches_notifycmd_with_its_name(tmp_path: Path) -> None:
    from nutrio.protocol.notify.events import DEFAULT_MESSAGES, NotifyType

    script, record = recorder(tmp_path, "notifycmd")
    cfg = NotifyConfig(notifycmd=str(script), flags=flags(**{t.value: "EXEC" for t in NotifyType}))
    async with notifier(cfg) as (inbox, _):
        for kind in NotifyType:
            await inbox.send(event(kind.value, "u@h"))
            await trio.lowlevel.checkpoint()
    seen = {c["NOTIFYTYPE"]: c["argv"][0] for c in calls(record)}
    assert set(seen) == {t.value for t in NotifyType}
    assert seen["ONBATT"] == DEFAULT_MESSAGES[NotifyType.ONBATT].replace("%s", "u@h")


async def test_a_supervised_notifier_asked_to_stop_still_delivers_what_it_holds(
    nursery: trio.Nursery, tmp_path: Path
) -> None:
    script, record = recorder(tmp_path, "notifycmd")
    slow = tmp_path / "slow-notifycmd"
    slow.write_text(f'#!/bin/sh\nsleep 0.3\nexec {script} "$@"\n')
    slow.chmod(0o755)
    cfg = NotifyConfig(notifycmd=str(slow), flags=flags(SHUTDOWN="EXEC"))
    send, receive = trio.open_memory_channel[Notification](8)
    spec = ChildSpec(
        "notifier",
        partial(run_notifier, cfg, SchedulerConfig(), receive, syslog_path="/nonexistent"),
        restart=TRANSIENT,
        shutdown=10.0,
    )
    supervisor = Supervisor("test")
    with trio.fail_after(20), capture_logs() as logs:
        await nursery.start(supervisor.run, [spec])
        send.send_nowait(event("SHUTDOWN", ""))
        await trio.testing.wait_all_tasks_blocked()
        await supervisor.stop()
    assert [c["argv"] for c in calls(record)] == [["Auto logout and shutdown proceeding"]]
    [stopped] = [e for e in logs if e["event"] == "actor.stopped"]
    assert stopped["reason"] == "asked"
    # the monitor's channel stays open for a restarted notifier
    assert receive.statistics().open_receive_channels == 1
