"""The dummy-ups driver actor on the Trio clock: sequences, re-reads, staleness, commands."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import trio
from driver_helpers import device, start
from structlog.testing import capture_logs

from nutrio.actors.drivers import DriverConfigError, run_driver
from nutrio.actors.registry import DeviceHandle
from nutrio.protocol.common.state import CommandRequest, ResultCode, UpsSnapshot
from tests.paths import DATA

NIT_SEQ = "ups.status: OB\nTIMER 5\nups.status: OL\nTIMER 5\n"


async def status_changes(handle: DeviceHandle, until: float) -> list[tuple[float, str]]:
    """(time since now, ups.status) each time the published status changes."""
    t0 = trio.current_time()
    seen = [(0.0, handle.snapshot.data.vars["ups.status"])]
    with trio.move_on_at(t0 + until):
        version = handle.state.version
        while True:
            version, snap = await handle.state.wait_newer(version)
            status = snap.data.vars["ups.status"]
            if status != seen[-1][1]:
                seen.append((round(trio.current_time() - t0, 3), status))
    return seen


async def ask(handle: DeviceHandle, kind: str, name: str, value: str | None = None) -> str:
    await handle.requests_in.send(
        CommandRequest(kind=kind, ups=handle.name, name=name, value=value, tracking="t1")
    )
    result = await handle.results_out.receive()
    assert result.tracking == "t1"
    return result.code


async def polls(handle: DeviceHandle, count: int = 1) -> UpsSnapshot:
    version = handle.state.version
    for _ in range(count):
        version, snap = await handle.state.wait_newer(version)
    return handle.snapshot


async def test_driver_publishes_the_file_once_started(nursery, autojump_clock, tmp_path: Path) -> None:
    handle = await start(nursery, device(tmp_path, "ups.dev", "ups.status: OL CHRG\nbattery.charge: 95\n"))
    snap = handle.snapshot
    assert snap.connected and not snap.stale and snap.seq >= 1
    assert snap.data.vars["battery.charge"] == "95"
    assert snap.data.vars["driver.parameter.mode"] == "dummy-once"
    assert snap.data.vars["driver.parameter.port"] == "ups.dev"
    assert snap.data.vars["driver.name"] == "dummy-ups"


async def test_each_poll_is_a_new_snapshot_sharing_unchanged_data(nursery, autojump_clock, tmp_path: Path) -> None:
    handle = await start(nursery, device(tmp_path, "ups.dev", "ups.status: OL\n"))
    first = handle.snapshot
    later = await polls(handle, 2)
    assert later.seq == first.seq + 2 and later.taken_at == first.taken_at + 4.0
    assert later.data is first.data


async def test_timer_sequence_flips_status_at_the_timer_ends_and_loops(nursery, autojump_clock, tmp_path: Path) -> None:
    handle = await start(nursery, device(tmp_path, "nit.seq", NIT_SEQ))
    assert handle.snapshot.data.vars["driver.parameter.mode"] == "dummy-loop"
    changes = await status_changes(handle, until=21)
    assert changes == [(0.0, "OB"), (5.0, "OL"), (10.0, "OB"), (15.0, "OL"), (20.0, "OB")]


async def test_man_page_sequence_holds_each_state_a_minute(nursery, autojump_clock, tmp_path: Path) -> None:
    seq = "ups.status: OL\nTIMER 60\nups.status: OB\nTIMER 60\nups.status: OB LB\nTIMER 60\n"
    handle = await start(nursery, device(tmp_path, "man.seq", seq))
    changes = await status_changes(handle, until=181)
    assert changes == [(0.0, "OL"), (60.0, "OB"), (120.0, "OB LB"), (180.0, "OL")]


async def test_timer_in_a_dev_file_pauses_reading_once(nursery, autojump_clock, tmp_path: Path) -> None:
    handle = await start(nursery, device(tmp_path, "ups.dev", "ups.status: OB\nTIMER 3\nups.status: OL\n"))
    changes = await status_changes(handle, until=30)
    assert changes == [(0.0, "OB"), (3.0, "OL")]


async def test_loop_mode_rereads_the_file_and_undoes_set_var(nursery, autojump_clock, tmp_path: Path) -> None:
    dev = device(tmp_path, "ups.txt", "ups.status: OL\nbattery.charge: 90\n")
    handle = await start(nursery, dev)
    assert handle.snapshot.data.vars["driver.parameter.mode"] == "dummy"
    assert await ask(handle, "SET", "battery.charge", "10") == ResultCode.SUCCESS
    assert handle.snapshot.data.vars["battery.charge"] == "10"
    (tmp_path / "ups.txt").write_text("ups.status: OB\nbattery.charge: 90\n")
    snap = await polls(handle)
    assert (snap.data.vars["battery.charge"], snap.data.vars["ups.status"]) == ("90", "OB")


async def test_once_mode_keeps_set_var_and_rereads_a_changed_file(nursery, autojump_clock, tmp_path: Path) -> None:
    handle = await start(nursery, device(tmp_path, "ups.dev", "battery.charge: 90\nups.model: A\n"))
    assert await ask(handle, "SET", "battery.charge", "10") == ResultCode.SUCCESS
    snap = await polls(handle, 3)
    assert snap.data.vars["battery.charge"] == "10"
    (tmp_path / "ups.dev").write_text("battery.charge: 80\nups.model: B\nnew.var: 1\n")
    snap = await polls(handle)
    assert snap.data.vars["battery.charge"] == "80" and snap.data.vars["new.var"] == "1"
    # the core copies ups.model over device.model only once, at start-up
    assert (snap.data.vars["ups.model"], snap.data.vars["device.model"]) == ("B", "A")


async def test_data_goes_stale_while_the_file_is_gone_and_recovers(nursery, autojump_clock, tmp_path: Path) -> None:
    path = tmp_path / "ups.dev"
    handle = await start(nursery, device(tmp_path, "ups.dev", "ups.status: OL\n"))
    with capture_logs() as logs:
        os.unlink(path)
        snap = await polls(handle)
        assert snap.stale and snap.connected
        assert snap.data.vars["ups.status"] == "OL"  # the last data is kept
        await polls(handle)
        path.write_text("ups.status: OB\n")
        snap = await polls(handle)
    assert not snap.stale and snap.data.vars["ups.status"] == "OB"
    events = [e["event"] for e in logs]
    assert events.count("driver.poll_failed") == 2
    assert events.count("driver.stale") == 1 and events.count("driver.recovered") == 1


async def test_stale_and_stopped_drivers_keep_the_time_of_their_last_read(
        autojump_clock, tmp_path: Path) -> None:
    path = tmp_path / "ups.dev"
    async with trio.open_nursery() as nursery:
        handle = await start(nursery, device(tmp_path, "ups.dev", "ups.status: OL\n"))
        read_at = (await polls(handle)).taken_at
        os.unlink(path)
        stale = await polls(handle, 3)  # failed reads are published, but are no reads
        assert stale.stale and stale.taken_at == read_at
        nursery.cancel_scope.cancel()
    gone = handle.snapshot
    assert not gone.connected and gone.taken_at == read_at
    assert trio.current_time() - gone.taken_at >= 6  # its age keeps growing


async def test_loop_mode_goes_stale_when_the_file_is_gone(nursery, autojump_clock, tmp_path: Path) -> None:
    handle = await start(nursery, device(tmp_path, "ups.seq", "ups.status: OL\n"))
    os.unlink(tmp_path / "ups.seq")
    assert (await polls(handle)).stale


async def test_commands_are_answered_as_dummy_ups_answers(nursery, autojump_clock, tmp_path: Path) -> None:
    handle = await start(nursery, device(tmp_path, "ups.dev", "ups.status: OL\nups.mfr: ACME\n"))
    with capture_logs() as logs:
        assert await ask(handle, "INSTCMD", "load.off") == ResultCode.UNKNOWN
        assert await ask(handle, "INSTCMD", "LOAD.OFF", "5") == ResultCode.UNKNOWN
        assert await ask(handle, "INSTCMD", "beeper.off") == ResultCode.CMD_NOT_SUPPORTED
        assert await ask(handle, "SET", "ups.status", "OB  LB") == ResultCode.SUCCESS
        assert await ask(handle, "SET", "no.such.var", "1") == ResultCode.VAR_NOT_SUPPORTED
        assert await ask(handle, "SET", "device.type", "pdu") == ResultCode.VAR_NOT_SUPPORTED
        assert await ask(handle, "SET", "ups.mfr", "") == ResultCode.SUCCESS
    vars_ = handle.snapshot.data.vars
    assert vars_["ups.status"] == "OB  LB" and "ups.mfr" not in vars_
    assert vars_["device.mfr"] == "ACME"
    commands = [e for e in logs if e["event"] == "driver.command"]
    assert len(commands) == 7 and commands[0]["code"] == ResultCode.UNKNOWN


async def test_mode_option_overrides_the_file_name(nursery, autojump_clock, tmp_path: Path) -> None:
    dev = device(tmp_path, "ups.dev", NIT_SEQ, options={"mode": "dummy-loop"}, pollinterval=1)
    handle = await start(nursery, dev)
    vars_ = handle.snapshot.data.vars
    assert vars_["driver.parameter.mode"] == "dummy-loop"
    assert vars_["driver.parameter.pollinterval"] == "1"
    assert (await status_changes(handle, until=11))[-1] == (10.0, "OB")


async def test_missing_file_at_start_crashes_the_actor(tmp_path: Path) -> None:
    from nutrio.actors.drivers import DriverIOError, run_driver

    handle = DeviceHandle("ups1")
    with pytest.raises(DriverIOError):
        await run_driver(device(tmp_path, "absent.dev"), handle)
    assert not handle.snapshot.connected


async def test_evolution500_sequence_from_nut_runs_its_power_failure(nursery, autojump_clock) -> None:
    dev = device(DATA / "seq", "evolution500.seq")
    handle = await start(nursery, dev)
    assert handle.snapshot.data.vars["ups.model"] == "Pulsar Evolution 500"
    changes = await status_changes(handle, until=661)
    assert changes == [
        (0.0, "OL CHRG"), (300.0, "OB DISCHRG"), (600.0, "OB LB DISCHRG"), (660.0, "OL CHRG"),
    ]


async def test_runs_from_a_conf_device_config(nursery, autojump_clock, tmp_path: Path) -> None:
    from nutrio.conf.model import DeviceConfig

    (tmp_path / "myups.dev").write_text("ups.status: OB\n")
    dev = DeviceConfig(name="myups", driver="dummy-ups", port="myups.dev", config_dir=tmp_path)
    handle = DeviceHandle(dev.name)
    await nursery.start(lambda task_status: run_driver(dev, handle, task_status=task_status))
    assert handle.snapshot.data.vars["ups.status"] == "OB"


async def test_a_file_that_no_longer_parses_is_one_warning_per_change(
        nursery, autojump_clock, tmp_path: Path) -> None:
    bad = 'ups.status: OL\nups.mfr: "broken # comment"\nTIMER 1\nups.status: OB\nTIMER 1\n'
    with capture_logs() as logs:
        handle = await start(nursery, device(tmp_path, "ups.seq", bad))
        await trio.sleep(10)  # five passes over the sequence
        warned = [e for e in logs if e["event"] == "driver.file_parse_errors"]
        assert len(warned) == 1 and warned[0]["errors"] == 1
        assert warned[0]["first"].startswith("line 2:")
        assert handle.snapshot.data.vars["ups.status"] in ("OL", "OB")  # the rest still served
        (tmp_path / "ups.seq").write_text(bad.replace("OB", "OB LB") + 'x: "# again"\n')
        await trio.sleep(10)
    warned = [e for e in logs if e["event"] == "driver.file_parse_errors"]
    assert [e["errors"] for e in warned] == [1, 2]


async def test_demo_commands_succeed_and_show_their_effect(
        nursery, autojump_clock, tmp_path: Path) -> None:
    dev = device(tmp_path, "ups.dev", "ups.status: OL\n",
                 options={"commands": "beeper.toggle test.battery.start"})
    handle = await start(nursery, dev)
    data = handle.snapshot.data
    assert set(data.commands) == {"load.off", "beeper.toggle", "test.battery.start"}
    assert data.vars["ups.beeper.status"] == "enabled"
    assert data.vars["ups.test.result"] == "No test initiated"
    assert await ask(handle, "INSTCMD", "beeper.toggle") == ResultCode.SUCCESS
    assert (await polls(handle)).data.vars["ups.beeper.status"] == "disabled"
    assert await ask(handle, "INSTCMD", "beeper.toggle") == ResultCode.SUCCESS
    assert (await polls(handle)).data.vars["ups.beeper.status"] == "enabled"
    assert await ask(handle, "INSTCMD", "test.battery.start") == ResultCode.SUCCESS
    assert (await polls(handle)).data.vars["ups.test.result"] == "Done and passed"
    assert await ask(handle, "INSTCMD", "load.off") == ResultCode.UNKNOWN  # as NUT's dummy-ups


async def test_an_unknown_demo_command_is_a_configuration_error(tmp_path: Path) -> None:
    dev = device(tmp_path, "ups.dev", "ups.status: OL\n", options={"commands": "load.on"})
    with pytest.raises(DriverConfigError, match="commands: unknown load.on"):
        await run_driver(dev, DeviceHandle("ups1"))
