"""The powerpanel driver actor against simulated CyberPower units on pseudo-terminals.

Real clock, real pty, short waits: detection of either protocol, the
``protocol`` option, the retired names, a unit that answers nothing, three
failed reads served from the old values and the fourth going stale, the
commands and settings. tests/drivers/test_powerpanel_vs_real_nut.py
compares with the real driver.
"""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType

import pytest
from driver_helpers import Device, ask, start, status_is, wait_for
from sim.powerpanel_sim import BBOX_1000, OP1500, powerpanel_sim
from structlog.testing import capture_logs

from nutrio.actors.drivers import DriverConfigError, DriverError, make_driver, run_driver
from nutrio.actors.drivers.powerpanel.driver import PowerPanel, RetiredCpsups
from nutrio.actors.drivers.powerpanel.line import PpTiming
from nutrio.actors.registry import DeviceHandle
from nutrio.protocol.common.state import ResultCode

POLL = 0.1
QUICK = PpTiming(pace=0.0, settle=0.01, status=0.01, read=0.3, dtr=0.0)


def pp_device(tty: str, driver: str = "powerpanel", **options: str) -> Device:
    return Device(name="cps", port=tty, config_dir=Path("/tmp"), driver=driver,
                  pollinterval=POLL, maxage=3.0, options=MappingProxyType(options))


def quick(dev: Device) -> PowerPanel:
    return PowerPanel(dev, timing=QUICK)



def test_the_catalog_knows_the_driver_and_its_old_names() -> None:
    assert type(make_driver(pp_device("/dev/null"))) is PowerPanel
    with capture_logs() as logs:
        assert isinstance(make_driver(pp_device("/dev/null", "cpsups")), RetiredCpsups)
    assert logs[0]["event"] == "driver.renamed" and logs[0]["use"] == "powerpanel"


async def test_a_text_unit_is_found_after_the_binary_tries(nursery) -> None:
    async with powerpanel_sim(BBOX_1000) as (ups, tty):
        handle = await start(nursery, pp_device(tty), factory=quick)
        data = handle.snapshot.data
        assert data.vars["ups.model"] == "1000VA" and data.vars["input.transfer.high"] == "272"
        assert data.info["input.transfer.high"].enums == ("263", "267", "272", "276")
        assert ups.received[:3] == [b"", b"", b"P4"]  # the binary tries went unheard
        for change, status in ((ups.on_battery, "OB"), (ups.low_battery, "OB LB"),
                               (ups.on_line, "OL"), (ups.boost, "OL BOOST")):
            change()
            await wait_for(handle, status_is(status))
        assert await ask(handle, "INSTCMD", "beeper.disable") == ResultCode.SUCCESS
        assert await ask(handle, "SET", "battery.charge.low", "25") == ResultCode.SUCCESS
        assert await ask(handle, "INSTCMD", "beeper.toggle") == ResultCode.CMD_NOT_SUPPORTED
        assert ups.commands()[-2:] == [b"C7:0", b"C4:25"]


async def test_the_protocol_option_tries_one_only_and_nothing_found_fails() -> None:
    async with powerpanel_sim(OP1500) as (ups, tty):
        with pytest.raises(DriverError, match="CyberPower UPS not found on"):
            await run_driver(pp_device(tty, protocol="text"), DeviceHandle("cps"), factory=quick)
    assert ups.received == []  # text runs at 2400 baud: the binary unit hears noise


async def test_binary_refuses_delays_as_nut_does() -> None:
    async with powerpanel_sim(OP1500) as (_, tty):
        with pytest.raises(DriverConfigError, match="Setting 'ondelay' not supported"):
            await run_driver(pp_device(tty, ondelay="3"), DeviceHandle("cps"), factory=quick)


async def test_three_failed_reads_keep_the_data_the_fourth_makes_it_stale(nursery) -> None:
    async with powerpanel_sim(OP1500) as (ups, tty):
        handle = await start(nursery, pp_device(tty, restart_after="0"), factory=quick)
        assert handle.snapshot.data.info["battery.charge.low"].enums[0] == "15"
        ups.mode = "garbage"
        version = handle.state.version
        for _ in range(3):
            version, snap = await handle.state.wait_newer(version)
            assert not snap.stale
        await wait_for(handle, lambda s: s.stale, timeout=5)
        ups.mode = "normal"
        ups.on_battery()
        snap = await wait_for(handle, lambda s: not s.stale and status_is("OB")(s), 5)
        assert snap.data.vars["output.voltage"] == "120"  # the nominal, on battery
