"""The real NUT 2.8.0 apcsmart and nutrio's, each pointed at the same simulated Smart-UPS."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from types import MappingProxyType

import pytest
import trio
from driver_helpers import Device
from sim.apcsmart_sim import apcsmart_sim
from sim.realdriver import have_driver, real_serial_driver

from nutrio.actors.drivers import run_driver
from nutrio.actors.drivers.apcsmart.driver import ApcSmart, ApcTiming
from nutrio.actors.registry import DeviceHandle
from nutrio.protocol.common.state import CommandRequest

pytestmark = [
    pytest.mark.realnut,
    pytest.mark.skipif(not have_driver("apcsmart"), reason="real NUT apcsmart absent"),
    pytest.mark.e2e,
]

NOT_COMPARED = {
    "driver.version", "driver.parameter.port", "driver.parameter.pollinterval",
}
#: NUT's timing, but a confirmation window that a test can hit quickly
TIMING = replace(ApcTiming(), confirm_min=0.2, confirm_max=3.0, repeat_pause=0.3)


async def ours(nursery: trio.Nursery, tty: str) -> DeviceHandle:
    dev = Device(
        name="sim", port=tty, config_dir=Path("/tmp"), driver="apcsmart", pollinterval=0.1,
        options=MappingProxyType({}),
    )
    handle = DeviceHandle("sim")
    await nursery.start(
        lambda task_status: run_driver(
            dev, handle, factory=lambda d: ApcSmart(d, timing=TIMING), task_status=task_status
        )
    )
    return handle


async def command(handle: DeviceHandle, name: str, value: str | None = None) -> str:
    await handle.requests_in.send(CommandRequest(kind="INSTCMD", ups="sim", name=name, value=value))
    return (await handle.results_out.receive()).code


async def same_commands(one, other, limit: float = 10.0) -> None:
    """Wait for the real driver's repeat: it sleeps 1.5 s before sending a command twice."""
    with trio.move_on_after(limit):
        while one.commands() != other.commands():
            await trio.sleep(0.1)


async def test_nutrio_serves_what_real_apcsmart_serves_for_the_same_ups(nursery) -> None:
    async with (
        apcsmart_sim() as (real_sim, real_tty),
        apcsmart_sim() as (our_sim, our_tty),
        real_serial_driver("apcsmart", real_tty, {"pollinterval": "1"}) as real,
    ):
        handle = await ours(nursery, our_tty)
        expected = await real.upsc()
        assert expected["ups.status"] == "OL"
        got = dict(handle.snapshot.data.vars)
        compared = {k: v for k, v in expected.items() if k not in NOT_COMPARED}
        assert {k: got.get(k) for k in compared} == compared
        assert set(got) - set(expected) == set()
        # the same start-up conversation, byte for byte
        start = len(b"YVba\x01BCEFGLMNOPXcefgjlmnopqrsux9b\x1aQCPEXrpcLFs9luGMNOoxfeBgjqnm\x01b")
        assert bytes(our_sim.received[:start]) == bytes(real_sim.received[:start])

        # the same writable settings, with the same choices
        enums = {name: info.enums for name, info in handle.snapshot.data.info.items() if info.enums}
        assert enums == {k: v for k, v in (await real.upsrw()).items() if v}

        real_sim.low_battery()
        our_sim.low_battery()
        await trio.sleep(2.5)
        expected = await real.upsc()
        got = dict(handle.snapshot.data.vars)
        assert expected["ups.status"] == got["ups.status"] == "OB LB"
        compared = {k: v for k, v in expected.items() if k not in NOT_COMPARED}
        assert {k: got.get(k) for k in compared} == compared

        for name in ("test.battery.start", "calibrate.start", "load.on"):
            real_sim.received.clear()
            our_sim.received.clear()
            assert "OK" in await real.upscmd(name)
            await command(handle, name)
            await trio.sleep(2.5)  # both have polled since
            await same_commands(our_sim, real_sim)
            assert our_sim.commands() == real_sim.commands()
