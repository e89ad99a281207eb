"""The apcupsd-ups driver actor against a stand-in NIS (tests/drivers/sim/nis_sim.py,
real sockets): the start, the port option, a power story, a NIS that stalls,
drops or sends garbage (stale, logged once, back), one away past restart_after.
The side-by-side test with the real driver and a real apcupsd is
tests/drivers/test_apcupsd_vs_real_nut.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from functools import partial
from pathlib import Path
from types import MappingProxyType

import pytest
from driver_helpers import Device, ask, restart_after_silence, stale_then_back, start, \
    status_is, wait_for
from sim.nis_sim import NisSim

from nutrio.actors.drivers import DriverConfigError, DriverError, make_driver, run_driver
from nutrio.actors.drivers.apcupsd.driver import ApcupsdUps
from nutrio.actors.registry import DeviceHandle
from nutrio.protocol.common.state import ResultCode
from tests.procs import refusing_port


@pytest.fixture
async def nis(nursery) -> AsyncIterator[tuple[NisSim, str]]:
    sim = NisSim()
    port = await nursery.start(sim.serve)
    yield sim, f"127.0.0.1:{port}"


def ap_device(port: str, **options: str) -> Device:
    return Device(name="ap", port=port, config_dir=Path("/tmp"), driver="apcupsd-ups",
                  pollinterval=0.1, maxage=3.0, options=MappingProxyType(options))


#: a stall shows within a second, not NUT's 15
quick = partial(ApcupsdUps, read_timeout=0.5)


def test_the_catalog_knows_the_driver() -> None:
    assert isinstance(make_driver(ap_device("localhost")), ApcupsdUps)


@pytest.mark.parametrize("port", ["127.0.0.1:0", "127.0.0.1:70000", "no-such-host.invalid"])
async def test_a_bad_host_or_port_fails_the_start(port) -> None:
    with pytest.raises(DriverConfigError, match="invalid host or port specified!"):
        await run_driver(ap_device(port), DeviceHandle("ap"))


async def test_no_apcupsd_fails_the_start() -> None:
    with refusing_port() as port, pytest.raises(DriverError, match="can't communicate"):
        await run_driver(ap_device(f"127.0.0.1:{port}"), DeviceHandle("ap"))


async def test_the_driver_reads_apcupsd_and_follows_the_power(nursery, nis) -> None:
    sim, port = nis
    handle = await start(nursery, ap_device(port), factory=quick)
    data = handle.snapshot.data
    assert data.vars["ups.model"] == "Smart-UPS 1000" and data.vars["device.mfr"] == "APC"
    assert data.vars["battery.runtime"] == "2700.0" and data.vars["ups.status"] == "OL"
    assert data.commands == () and not any(info.rw for info in data.info.values())
    assert await ask(handle, "INSTCMD", "beeper.off") == ResultCode.CMD_NOT_SUPPORTED
    sim.on_battery()
    await wait_for(handle, status_is("OB"))
    sim.on_battery(low=True)
    snap = await wait_for(handle, status_is("OB LB"))
    assert snap.data.vars["input.voltage"] == "0.0"
    del sim.records["LINEV"]
    await wait_for(handle, lambda s: "input.voltage" not in s.data.vars)  # gone with its record


@pytest.mark.parametrize(("mode", "warned"), [("garbage", 1), ("silent", 0), ("drop", 0)])
async def test_a_bad_nis_makes_the_data_stale_and_the_actor_lives_on(nursery, nis, mode,
                                                                     warned) -> None:
    sim, port = nis
    handle = await start(nursery, ap_device(port, restart_after="0"), factory=quick)
    assert await stale_then_back(handle, sim, mode, sim.on_battery, "OB") == warned


async def test_apcupsd_away_past_restart_after_ends_the_actor_and_is_read_again(nis) -> None:
    sim, port = nis

    def silence() -> None:
        sim.mode = "drop"

    def answer() -> None:
        sim.mode = "normal"
        sim.on_battery(low=True)

    read = await restart_after_silence(ap_device(port, restart_after="1"), quick, silence,
                                       answer)
    assert read["ups.status"] == "OB LB"
