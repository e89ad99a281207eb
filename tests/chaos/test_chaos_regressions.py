"""Defects the chaos suite found, each pinned down on its own."""

from __future__ import annotations

from pathlib import Path

import trio
import trio.testing

from nutrio.protocol.common.state import CommandRequest, ResultCode
from nutrio.supervisor.chaos import Chaos, ChaosPlan, FaultSpec
from tests.drivers.driver_helpers import device, start


async def test_a_set_var_on_a_frozen_driver_does_not_make_its_data_look_fresh(
    nursery: trio.Nursery, autojump_clock: trio.testing.MockClock, tmp_path: Path
) -> None:
    # the second poll freezes for good (times=1: the command seam is spared)
    chaos = Chaos(ChaosPlan(faults=(
        FaultSpec(target="driver:ups1", kind="freeze", after_messages=1, times=1),
    )))
    dev = device(tmp_path, "u.dev", "ups.status: OL\nbattery.charge: 100\n", pollinterval=1.0)
    handle = await start(nursery, dev, chaos=chaos)
    await trio.sleep(10)  # frozen since its second poll, at 2 s
    read_at = handle.snapshot.taken_at
    handle.requests_in.send_nowait(
        CommandRequest(kind="SET", ups="ups1", name="battery.charge", value="50", tracking="t"))
    with trio.fail_after(5):
        result = await handle.results_out.receive()
    assert result.code == ResultCode.SUCCESS
    assert handle.snapshot.data.vars["battery.charge"] == "50"  # the new value is served...
    assert handle.snapshot.taken_at == read_at  # ...but the device was not read again
    assert trio.current_time() - handle.snapshot.taken_at >= 8  # upsd: DATA-STALE past MAXAGE
