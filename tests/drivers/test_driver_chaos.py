"""Fault injection at a driver's seams, with the real supervisor.chaos plan."""

from __future__ import annotations

from pathlib import Path

import trio

from nutrio.protocol.common.state import CommandRequest, ResultCode
from nutrio.supervisor.chaos import Chaos, ChaosPlan, FaultSpec
from tests.drivers.driver_helpers import device, next_snapshot, start

DEV = "ups.status: OL\nbattery.charge: 100\n"


def _chaos(**fault: object) -> Chaos:
    return Chaos(ChaosPlan(seed=7, faults=(FaultSpec(target="driver:ups1", **fault),)))  # type: ignore[arg-type]


async def test_command_after_the_first_is_dropped_and_gets_no_result(nursery, autojump_clock, tmp_path: Path) -> None:
    chaos = _chaos(kind="drop", after_messages=1, times=1)
    handle = await start(nursery, device(tmp_path, "u.dev", DEV), chaos=chaos)
    handle.requests_in.send_nowait(CommandRequest(kind="INSTCMD", ups="ups1", name="load.off", tracking="a"))
    handle.requests_in.send_nowait(CommandRequest(kind="INSTCMD", ups="ups1", name="load.off", tracking="b"))
    result = await handle.results_out.receive()
    assert result.tracking == "a"  # after_messages=1: the second message is the one dropped
    with trio.move_on_after(5):
        extra = await handle.results_out.receive()
        raise AssertionError(f"a dropped command was answered: {extra}")


async def test_delayed_command_is_answered_after_the_delay(nursery, autojump_clock, tmp_path: Path) -> None:
    handle = await start(nursery, device(tmp_path, "u.dev", DEV), chaos=_chaos(kind="delay", delay=3.0))
    sent = trio.current_time()
    handle.requests_in.send_nowait(CommandRequest(kind="SET", ups="ups1", name="battery.charge", value="90", tracking="t"))
    result = await handle.results_out.receive()
    assert result.code == ResultCode.SUCCESS
    assert trio.current_time() - sent >= 3.0


async def test_frozen_driver_stops_publishing(nursery, autojump_clock, tmp_path: Path) -> None:
    dev = device(tmp_path, "u.dev", DEV, pollinterval=1.0)
    handle = await start(nursery, dev, chaos=_chaos(kind="freeze", after_messages=2))
    await next_snapshot(handle)
    frozen_at = handle.state.version
    await trio.sleep(30)
    assert handle.state.version <= frozen_at + 1
    assert handle.snapshot.connected
