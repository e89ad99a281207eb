"""The real NUT 2.8.0 nutdrv_qx and nutrio's, each pointed at the same simulated UPS.

This proves both sides at once: the simulator speaks megatec the way the
real driver expects of hardware, and nutrio serves what the real driver
serves for it (variables, status, alarms, command wire text).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

import pytest
import trio
from driver_helpers import Device
from sim.megatec_sim import MegatecSim, megatec_sim
from sim.realdriver import have_driver, real_serial_driver

from nutrio.actors.drivers import run_driver
from nutrio.actors.drivers.megatec.driver import NutdrvQx
from nutrio.actors.registry import DeviceHandle
from nutrio.protocol.common.state import CommandRequest

pytestmark = [
    pytest.mark.realnut,
    pytest.mark.skipif(not have_driver("nutdrv_qx"), reason="real NUT nutdrv_qx absent"),
    pytest.mark.e2e,
]

#: What only the real binary serves (its build and its USB half), and what differs on
#: purpose (each side has its own pty; nutrio polls faster to keep the test short).
NOT_COMPARED = {
    "driver.version", "driver.version.internal", "driver.version.usb",
    "driver.parameter.port", "driver.parameter.pollinterval",
}


async def ours(nursery: trio.Nursery, tty: str, options: Mapping[str, str]) -> DeviceHandle:
    dev = Device(
        name="sim", port=tty, config_dir=Path("/tmp"), driver="nutdrv_qx", pollinterval=0.05,
        options=MappingProxyType(dict(options)),
    )
    handle = DeviceHandle("sim")
    await nursery.start(
        lambda task_status: run_driver(
            dev, handle, factory=lambda d: NutdrvQx(d, reply_timeout=0.2), task_status=task_status
        )
    )
    return handle


def same_state(a: MegatecSim, b: MegatecSim, change) -> None:  # type: ignore[no-untyped-def]
    change(a)
    change(b)


def low_battery_on_boost(sim: MegatecSim) -> None:
    sim.low_battery()
    sim.bits.update(ups_failed=True, bypass_boost_buck=True)
    sim.input_voltage, sim.output_voltage = 200.0, 230.0


async def test_nutrio_serves_what_real_nutdrv_qx_serves_for_the_same_ups(nursery) -> None:
    options = {"protocol": "megatec", "pollinterval": "1", "pollfreq": "1", "offdelay": "42"}
    async with (
        megatec_sim() as (real_sim, real_tty),
        megatec_sim() as (our_sim, our_tty),
        real_serial_driver("nutdrv_qx", real_tty, options) as real,
    ):
        handle = await ours(nursery, our_tty, options)
        expected = await real.upsc()
        got = dict(handle.snapshot.data.vars)
        compared = {k: v for k, v in expected.items() if k not in NOT_COMPARED}
        assert {k: got.get(k) for k in compared} == compared
        # the same conversation at start-up
        assert our_sim.received[:5] == real_sim.received[:5]

        same_state(real_sim, our_sim, low_battery_on_boost)
        await trio.sleep(3.5)  # past pollfreq: a full update on both sides
        expected = await real.upsc()
        got = dict(handle.snapshot.data.vars)
        assert expected["ups.status"] == "ALARM OB LB BOOST"
        compared = {k: v for k, v in expected.items() if k not in NOT_COMPARED}
        assert {k: got.get(k) for k in compared} == compared

        for command, value in [("shutdown.return", None), ("test.battery.start", "180"),
                               ("shutdown.stayoff", None), ("load.off", None)]:
            real_sim.received.clear()
            our_sim.received.clear()
            assert "OK" in await real.upscmd(command, value)
            await handle.requests_in.send(
                CommandRequest(kind="INSTCMD", ups="sim", name=command, value=value)
            )
            await handle.results_out.receive()
            with trio.fail_after(5):
                while not real_sim.commands():
                    await trio.sleep(0.05)
            assert our_sim.commands() == real_sim.commands()


async def test_runtimecal_estimate_matches_real_nutdrv_qx_on_line(nursery) -> None:
    options = {"protocol": "megatec", "pollinterval": "1", "pollfreq": "1",
               "runtimecal": "240,100,720,50", "idleload": "5"}
    async with (
        megatec_sim() as (_, real_tty),
        megatec_sim() as (_, our_tty),
        real_serial_driver("nutdrv_qx", real_tty, options) as real,
    ):
        handle = await ours(nursery, our_tty, options)
        await trio.sleep(2.5)  # a full update on both sides
        expected = await real.upsc()
        got = handle.snapshot.data.vars
        names = ("battery.charge", "battery.runtime", "battery.voltage.low", "battery.voltage.high")
        assert {k: got.get(k) for k in names} == {k: expected.get(k) for k in names}
