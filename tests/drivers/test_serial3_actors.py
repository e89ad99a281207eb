"""The upscode2, mge-utalk and belkin driver actors against their simulated units on
pseudo-terminals (real clock, real serial I/O, no NUT processes): they start, follow a
power failure, and send what a command or setting asks for."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import MappingProxyType
from typing import Any

import trio
from driver_helpers import Device, ask, status_is, wait_for
from sim.belkin_sim import F6C625, BelkinUps
from sim.pty import serving
from sim.upscode2_sim import R3000, UpsCodeUps
from sim.utalk_sim import EVOLUTION2200, UtalkUps

from nutrio.actors.drivers import run_driver
from nutrio.actors.drivers.belkin.driver import Belkin
from nutrio.actors.drivers.mge_utalk.driver import MgeUtalk, UtalkTiming
from nutrio.actors.drivers.upscode2.driver import UpsCode2
from nutrio.actors.registry import DeviceHandle
from nutrio.protocol.common.state import ResultCode


def _device(driver: str, tty: str, **options: str) -> Device:
    return Device(name="ups", port=tty, config_dir=Path("/tmp"), driver=driver,
                  pollinterval=0.2, options=MappingProxyType(options))


async def _started(nursery: trio.Nursery, dev: Device,
                   factory: Callable[[Any], Any]) -> DeviceHandle:
    handle = DeviceHandle(dev.name)
    await nursery.start(lambda task_status: run_driver(dev, handle, factory=factory,
                                                       task_status=task_status))
    return handle


async def test_upscode2_actor_follows_the_unit_onto_battery_and_sets_its_delay(nursery) -> None:
    async with serving(UpsCodeUps(R3000)) as (sim, tty):
        handle = await _started(nursery, _device("upscode2", tty, input_timeout="1"), UpsCode2)
        data = handle.snapshot.data
        assert data.vars["ups.model"] == "UPS 3000 VA FW -0026"
        assert data.vars["ups.delay.shutdown"] == "010"  # NUT's default, set at start
        assert "shutdown.return" in data.commands
        sim.on_battery()
        await wait_for(handle, status_is("OB"), timeout=10)
        assert await ask(handle, "SET", "ups.delay.shutdown", "45") == ResultCode.SUCCESS
        await wait_for(handle, lambda s: s.data.vars.get("ups.delay.shutdown") == "045")
        assert await ask(handle, "INSTCMD", "load.off") == ResultCode.CMD_NOT_SUPPORTED
        nursery.cancel_scope.cancel()


async def test_mge_utalk_actor_reads_the_evolution_and_its_low_battery(nursery) -> None:
    async with serving(UtalkUps(EVOLUTION2200)) as (sim, tty):
        handle = await _started(nursery, _device("mge-utalk", tty),
                                lambda d: MgeUtalk(d, timing=UtalkTiming(spacing=0.005)))
        assert handle.snapshot.data.vars["ups.model"] == "Evolution 2200"
        assert handle.snapshot.data.vars["ups.status"] == "OL BOOST"
        sim.low_battery()
        await wait_for(handle, status_is("OB OB LB"), timeout=10)
        assert await ask(handle, "INSTCMD", "test.battery.start") == ResultCode.SUCCESS
        assert sim.commands()[-1] == b"Bx 1"
        nursery.cancel_scope.cancel()


async def test_belkin_actor_goes_on_battery_and_confirms_load_off(nursery) -> None:
    async with serving(BelkinUps(F6C625)) as (sim, tty):
        handle = await _started(nursery, _device("belkin", tty),
                                lambda d: Belkin(d, settle=0.0))
        assert handle.snapshot.data.vars["battery.charge"] == "86"
        sim.low_battery()
        await wait_for(handle, status_is("OB LB"), timeout=10)
        assert await ask(handle, "INSTCMD", "load.off") == ResultCode.SUCCESS
        assert sim.commands() == []  # the first load.off only arms it
        nursery.cancel_scope.cancel()
