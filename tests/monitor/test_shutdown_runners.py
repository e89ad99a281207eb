"""The shutdown runners the coordinator uses: in-process and through the root pipe."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import trio
from monitor_helpers import monitor_config, start_driver, start_upsd, watch
from structlog.testing import capture_logs

from nutrio import conf
from nutrio.actors.registry import Registry
from nutrio.actors.upsmon.coordinator import MonitorConfigError, monitor_children
from nutrio.actors.upsmon.shutdown import LocalShutdown, PipeShutdown
from nutrio.protocol.notify.events import NotifyType as N
from nutrio.protocol.upsmon.shutdown_pipe import RUN_SHUTDOWN, SDMAGIC


def recorder(tmp_path: Path) -> tuple[str, Path]:
    record = tmp_path / "calls"
    script = tmp_path / "shutdown.sh"
    script.write_text(f"#!/bin/sh\necho called >> {record}\n")
    script.chmod(0o755)
    return str(script), record


async def test_local_shutdown_writes_the_flag_and_runs_the_command_once(tmp_path: Path):
    command, record = recorder(tmp_path)
    runner = LocalShutdown(command, tmp_path / "killpower")
    await runner.request_shutdown()
    await runner.request_shutdown()
    assert record.read_text() == "called\n"
    assert (tmp_path / "killpower").read_text() == SDMAGIC


async def test_a_failing_shutdown_command_is_logged_as_failed_only(tmp_path: Path):
    runner = LocalShutdown("echo nutrio: (unquoted", tmp_path / "killpower")  # sh: syntax error
    with capture_logs() as logs:
        await runner.request_shutdown()
    events = [e["event"] for e in logs if e["event"].startswith("shutdown.command")]
    assert events == ["shutdown.command_failed"]
    ok = LocalShutdown("true", tmp_path / "killpower2")
    with capture_logs() as logs:
        await ok.request_shutdown()
    assert [e["event"] for e in logs if e["event"].startswith("shutdown.command")] == [
        "shutdown.command_ran"]


async def test_pipe_shutdown_sends_one_byte_once_and_sees_the_helper_go():
    read_fd, write_fd = os.pipe()
    runner = PipeShutdown(write_fd)
    try:
        assert runner.helper_alive()
        await runner.request_shutdown()
        await runner.request_shutdown()
        assert os.read(read_fd, 100) == RUN_SHUTDOWN
        os.close(read_fd)
        assert not runner.helper_alive()
    finally:
        os.close(write_fd)


async def test_dead_helper_is_reported_as_noparent_every_two_minutes(nursery, tmp_path,
                                                                    autojump_clock):
    registry = Registry()
    await start_driver(nursery, registry, tmp_path, "ups", "ups.status: OL\nTIMER 100000\n")
    port, _ = await start_upsd(nursery, registry)
    read_fd, write_fd = os.pipe()
    os.close(read_fd)  # the root helper is gone
    try:
        from monitor_helpers import Host  # noqa: F401  (host built by hand below)

        from nutrio.actors.upsmon.coordinator import monitor_children

        notes: list[tuple[float, N]] = []
        send, receive = trio.open_memory_channel(100)

        async def collect() -> None:
            async for note in receive:
                notes.append((trio.current_time(), note.type))

        nursery.start_soon(collect)
        t0 = trio.current_time()
        for spec in monitor_children(monitor_config(watch(f"ups@127.0.0.1:{port}")), registry,
                                     send, PipeShutdown(write_fd)):
            await nursery.start(spec.start)
        await trio.sleep(250)
        times = [t - t0 for t, kind in notes if kind == N.NOPARENT]
        assert len(times) == 3
        assert times[1] - times[0] == pytest.approx(120, abs=1.5)
    finally:
        os.close(write_fd)


async def test_a_config_that_cannot_reach_minsupplies_is_refused():
    send, _ = trio.open_memory_channel(1)
    with pytest.raises(MonitorConfigError, match="MINSUPPLIES"):
        monitor_children(monitor_config(watch("ups@localhost"), minsupplies=2), None, send)


async def test_no_monitor_section_means_no_actors():
    send, _ = trio.open_memory_channel(1)
    assert monitor_children(conf.Config(), None, send) == []
