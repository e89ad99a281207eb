"""The logger actor: lines at its interval, through renames and reopens, none lost."""

from __future__ import annotations

import csv
import itertools
import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
import trio
import trio.testing
from structlog.testing import capture_logs

from nutrio import conf
from nutrio.actors.registry import DeviceHandle, Registry
from nutrio.actors.upslog import LogReopen, run_upslog
from nutrio.protocol.common.state import UpsData, UpsSnapshot, freeze_vars
from nutrio.supervisor.cell import LatestCell
from tests.paths import DATA
from tests.realnut import real_nut, requires_real_nut

VARS = {"ups.load": "42", "ups.status": "OL", "battery.charge": "97"}


def device(registry: Registry) -> DeviceHandle:
    return registry.add(DeviceHandle("ups1"))


async def keep_publishing(handle: DeviceHandle, vars_: dict[str, str] = VARS) -> None:
    """A driver polling every 2 s."""
    data = UpsData(vars=freeze_vars(vars_))
    seq = 0
    while True:
        seq += 1
        handle.publish(UpsSnapshot(ups=handle.name, seq=seq, taken_at=trio.current_time(), data=data))
        await trio.sleep(2)


def counter() -> Callable[[], float]:
    """A wall clock that ticks once per line, so every line is numbered."""
    it = itertools.count(1)
    return lambda: float(next(it))


def numbers(*files: Path) -> list[int]:
    return [int(line.split()[0]) for f in files for line in f.read_text().splitlines()]


async def test_lines_survive_a_rename_and_a_reopen(tmp_path: Path, autojump_clock: trio.testing.MockClock) -> None:
    registry = Registry()
    handle = device(registry)
    log = tmp_path / "ups.log"
    entry = conf.LogEntry(ups="ups1", interval=10.0, format="%ETIME% %VAR ups.load% [%VAR ups.status%]", file=log)
    reopen = LogReopen()
    with capture_logs() as logs:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(keep_publishing, handle)
            await trio.sleep(1)
            await nursery.start(lambda task_status: run_upslog(entry, registry, reopen=reopen,
                                                                wallclock=counter(), task_status=task_status))
            await trio.sleep(35)
            os.rename(log, tmp_path / "ups.log.1")  # logrotate, no signal
            await trio.sleep(30)
            os.rename(log, tmp_path / "ups.log.2")  # logrotate with postrotate kill -HUP
            reopen.request()
            await trio.sleep(30)
            nursery.cancel_scope.cancel()
    seen = numbers(tmp_path / "ups.log.1", tmp_path / "ups.log.2", log)
    assert seen == list(range(1, len(seen) + 1)) and len(seen) >= 8
    for f in (tmp_path / "ups.log.1", tmp_path / "ups.log.2", log):
        assert f.read_text().splitlines()[0].endswith(" 42 [OL]")
    assert any(e["event"] == "upslog.reopen_requested" for e in logs)


async def test_lines_wait_while_the_directory_is_gone(tmp_path: Path, autojump_clock: trio.testing.MockClock) -> None:
    registry = Registry()
    handle = device(registry)
    logdir = tmp_path / "logs"
    logdir.mkdir()
    entry = conf.LogEntry(ups="ups1", interval=10.0, format="%ETIME%", file=logdir / "ups.log")
    with capture_logs() as logs:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(keep_publishing, handle)
            await nursery.start(lambda task_status: run_upslog(entry, registry, wallclock=counter(),
                                                                task_status=task_status))
            await trio.sleep(15)
            os.rename(logdir, tmp_path / "moved")
            await trio.sleep(20)
            logdir.mkdir()
            await trio.sleep(20)
            nursery.cancel_scope.cancel()
    seen = numbers(tmp_path / "moved" / "ups.log", logdir / "ups.log")
    assert seen == list(range(1, len(seen) + 1)) and len(seen) >= 5
    assert any(e["event"] == "upslog.reopen_failed" for e in logs)


async def test_stale_or_missing_ups_logs_na(tmp_path: Path, autojump_clock: trio.testing.MockClock) -> None:
    registry = Registry()
    handle = device(registry)
    data = UpsData(vars=freeze_vars(VARS))
    handle.publish(UpsSnapshot(ups="ups1", seq=1, taken_at=trio.current_time(), data=data))
    log = tmp_path / "ups.log"
    entry = conf.LogEntry(ups="ups1", interval=10.0, format="%VAR ups.load%", file=log)
    other = conf.LogEntry(ups="nosuch", interval=10.0, format="%VAR ups.load%", file=tmp_path / "none.log")
    async with trio.open_nursery() as nursery:
        await nursery.start(lambda task_status: run_upslog(entry, registry, maxage=15, task_status=task_status))
        await nursery.start(lambda task_status: run_upslog(other, registry, task_status=task_status))
        await trio.sleep(25)
        nursery.cancel_scope.cancel()
    assert log.read_text().splitlines() == ["42", "42", "NA"]  # t=0, 10; at 20 older than MAXAGE
    assert set((tmp_path / "none.log").read_text().splitlines()) == {"NA"}


async def test_csv_log_has_one_header_per_file(tmp_path: Path, autojump_clock: trio.testing.MockClock) -> None:
    registry = Registry()
    handle = device(registry)
    log = tmp_path / "ups.csv"
    entry = conf.LogEntry(ups="ups1", interval=10.0, format="csv", file=log)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(keep_publishing, handle)
        await trio.sleep(1)
        await nursery.start(lambda task_status: run_upslog(entry, registry, task_status=task_status))
        await trio.sleep(25)
        os.rename(log, tmp_path / "ups.csv.1")
        await trio.sleep(20)
        nursery.cancel_scope.cancel()
    for f in (tmp_path / "ups.csv.1", log):
        rows = list(csv.DictReader(f.open()))
        assert rows and all(r["ups.load"] == "42" and r["ups"] == "ups1" for r in rows)
        assert f.read_text().count("time,ups,") == 1


async def test_jsonl_log_lines_carry_every_variable(tmp_path: Path, autojump_clock: trio.testing.MockClock) -> None:
    registry = Registry()
    handle = device(registry)
    log = tmp_path / "ups.jsonl"
    entry = conf.LogEntry(ups="ups1", interval=10.0, format="jsonl", file=log)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(keep_publishing, handle)
        await trio.sleep(1)
        await nursery.start(lambda task_status: run_upslog(entry, registry, task_status=task_status))
        await trio.sleep(15)
        nursery.cancel_scope.cancel()
    records = [json.loads(line) for line in log.read_text().splitlines()]
    assert len(records) == 2 and all(r["vars"] == VARS and r["state"] == "ok" for r in records)


@pytest.mark.e2e
@requires_real_nut
async def test_remote_ups_lines_match_real_upslogs(tmp_path: Path) -> None:
    dump = DATA / "ddl/APC__APC__Smart-UPS_5000_RM__apcsmart__2.6.3__01.dev"
    log = tmp_path / "remote.log"
    with real_nut({"ups1": dump}) as nut:
        entry = conf.LogEntry(ups=f"ups1@127.0.0.1:{nut.port}", interval=1.0, file=log)
        with trio.move_on_after(2.5):
            await run_upslog(entry, Registry())
    lines = log.read_text().splitlines()
    assert len(lines) >= 2
    assert {line.split(" ", 2)[2] for line in lines} == {"NA 224.9 069.6 [OL] 027.4 50.00"}


async def test_a_local_ups_in_fsd_is_logged_as_upsd_serves_it(
        tmp_path: Path, autojump_clock: trio.testing.MockClock) -> None:
    registry = Registry()
    handle = device(registry)
    fsd: LatestCell[frozenset[str]] = LatestCell(frozenset())
    log = tmp_path / "ups.log"
    entry = conf.LogEntry(ups="ups1", interval=10.0, format="[%VAR ups.status%] %VAR ups.load%",
                          file=log)
    async with trio.open_nursery() as nursery:
        await nursery.start(_publishing, handle)
        await nursery.start(lambda task_status: run_upslog(entry, registry, fsd=fsd,
                                                           task_status=task_status))
        await trio.sleep(5)
        fsd.publish(frozenset({"ups1"}))  # a primary's FSD, as upsd's state publishes it
        await trio.sleep(10)
        nursery.cancel_scope.cancel()
    assert log.read_text().splitlines() == ["[OL] 42", "[FSD OL] 42"]


async def _publishing(handle: DeviceHandle, *, task_status: trio.TaskStatus[None]) -> None:
    """keep_publishing, started once the first snapshot is out."""
    data = UpsData(vars=freeze_vars(VARS))
    handle.publish(UpsSnapshot(ups=handle.name, seq=1, taken_at=trio.current_time(), data=data))
    task_status.started()
    await keep_publishing(handle)
