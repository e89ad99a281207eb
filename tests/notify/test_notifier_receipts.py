"""Several NOTIFYCMDs, and test notifications with their receipt (what was sent where)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from types import MappingProxyType

import trio
from notify_helpers import HttpServer, calls, event, notifier, recorder, syslog_sink

from nutrio import conf
from nutrio.actors.upsmon.notifier import NotifierHandle
from nutrio.conf.model import NotifyConfig, SchedulerConfig, SchedulerRule
from nutrio.protocol.notify.channels import ChannelsConfig, NtfyConfig, WebhookConfig


def flags(**given: str) -> MappingProxyType[str, frozenset[str]]:
    return MappingProxyType({k: frozenset(v.split("+")) for k, v in given.items()})


def test_notifycmd_takes_one_command_or_a_list() -> None:
    one = conf.loads('[notify]\nnotifycmd = "/bin/notify --all"\n').notify
    several = conf.loads('[notify]\nnotifycmd = ["/bin/a", "/bin/b x"]\n').notify
    assert (one.notifycmd, one.commands) == ("/bin/notify --all", ("/bin/notify --all",))
    assert several.commands == ("/bin/a", "/bin/b x")
    assert conf.loads("").notify.commands == ()


async def test_each_notifycmd_runs_for_each_exec_event(tmp_path: Path) -> None:
    first, first_record = recorder(tmp_path, "first")
    second, second_record = recorder(tmp_path, "second")
    cfg = NotifyConfig(notifycmd=(str(first), f"{second} --page"),
                       flags=flags(ONBATT="EXEC", ONLINE="EXEC"))
    with trio.fail_after(10):
        async with notifier(cfg) as (inbox, handle):
            await inbox.send(event("ONBATT", "rack@localhost"))
            await inbox.send(event("ONLINE", "rack@localhost"))
    for record in (first_record, second_record):
        assert sorted(c["NOTIFYTYPE"] for c in calls(record)) == ["ONBATT", "ONLINE"]
        assert all("NUTRIO_TEST" not in c for c in calls(record))
    assert [c["argv"][0] for c in calls(second_record)].count("--page") == 2
    assert handle.statistics().channel("notifycmd").sent == 4


async def test_a_test_goes_to_every_channel_and_says_how_each_fared(
    nursery: trio.Nursery, tmp_path: Path
) -> None:
    server = HttpServer()
    await nursery.start(server.serve)
    ok, ok_record = recorder(tmp_path, "ok")
    broken, _ = recorder(tmp_path, "broken", status=3)
    base = f"http://127.0.0.1:{server.port}"
    channels = ChannelsConfig(  # TEST goes even where the events list leaves it out
        webhook=WebhookConfig(url=server.url, events=frozenset({"FSD"})),
        ntfy=NtfyConfig(server=base, topic="t", events=frozenset()),
    )
    cfg = NotifyConfig(notifycmd=(str(ok), str(broken)), flags=flags(TEST="SYSLOG+EXEC"))
    handle = NotifierHandle()
    with trio.fail_after(10), syslog_sink(tmp_path) as sink:
        async with notifier(cfg, channels=channels, handle=handle, syslog_path=str(sink.path)):
            receipt = await handle.send_test(event("TEST", "rack@localhost"), wait=5)
        [line] = sink.lines()
        assert line.endswith(f"upsmon[{os.getpid()}]: UPS rack@localhost: test notification "
                             "from nutrio")
    assert not receipt.ok
    assert receipt.lines() == [
        f"syslog: sent to {sink.path}",
        "wall: not sent (TEST is not flagged WALL)",
        f"notifycmd {ok}: sent",
        f"notifycmd {broken}: failed: exit status 3",
        "webhook: sent",
        "ntfy: sent",
    ]
    [call] = calls(ok_record)
    assert (call["NOTIFYTYPE"], call["NUTRIO_TEST"]) == ("TEST", "1")
    by_path = {r["line"].split()[1]: json.loads(r["body"]) for r in server.requests}
    assert by_path["/hook"]["type"] == "TEST" and by_path["/hook"]["test"] is True
    assert by_path["/"]["title"] == "TEST rack@localhost" and "test" in by_path["/"]["tags"]


async def test_a_rehearsed_type_is_marked_and_never_reaches_the_upssched_rules(
    tmp_path: Path,
) -> None:
    script, record = recorder(tmp_path, "notifycmd")
    cmdscript, cmd_record = recorder(tmp_path, "cmdscript")
    rules = SchedulerConfig(cmdscript=str(cmdscript), rules=(
        SchedulerRule(notify_type="ONBATT", action="EXECUTE", command="shutdown-soon"),))
    cfg = NotifyConfig(notifycmd=str(script), flags=flags(ONBATT="EXEC"),
                       messages=MappingProxyType({"ONBATT": "%s lost power"}))
    handle = NotifierHandle()
    with trio.fail_after(10):
        async with notifier(cfg, rules, handle=handle):
            receipt = await handle.send_test(event("ONBATT", "rack@localhost"), wait=5)
    assert receipt.ok and receipt.lines()[2:] == ["notifycmd: sent"]
    assert calls(record) == [{"argv": ["TEST: rack@localhost lost power"], "NOTIFYTYPE": "ONBATT",
                              "UPSNAME": "rack@localhost", "stdin": "", "NUTRIO_TEST": "1"}]
    assert calls(cmd_record) == []


async def test_an_ignored_type_sends_nothing_and_says_so(tmp_path: Path) -> None:
    handle = NotifierHandle()
    cfg = NotifyConfig(flags=flags(COMMOK="IGNORE"))
    async with notifier(cfg, handle=handle):
        receipt = await handle.send_test(event("COMMOK"), wait=5)
    assert receipt.lines() == ["every channel: not sent (COMMOK is flagged IGNORE)"]


async def test_without_a_notifier_there_is_nothing_to_test() -> None:
    handle = NotifierHandle()
    try:
        await handle.send_test(event("TEST"), wait=1)
    except LookupError as exc:
        assert "not running" in str(exc)
    else:
        raise AssertionError("a test without a notifier went nowhere silently")
