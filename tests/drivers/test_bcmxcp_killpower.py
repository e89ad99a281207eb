"""Killpower for bcmxcp and bcmxcp_usb, beside the real NUT 2.8.0 drivers run with -k.

The real driver gets one simulated unit, nutrio's killpower another of the
same model, at the same time; both must send the same requests. One
difference on purpose: NUT 2.8.0 reads ``shutdown_delay`` in initinfo, which
-k skips, so it asks for a delay of 0 s; nutrio sends the configured delay
(120 s by default), as bcmxcp's manual page describes the option.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest
import trio
from driver_helpers import Device
from serial_bench import real_kill
from sim.bcmxcp_models import PW5110, PW5125
from sim.bcmxcp_sim import XcpUps, bcmxcp_sim
from sim.realdriver import SBIN, have_driver

from nutrio.actors.drivers.bcmxcp.driver import BcmXcp, BcmXcpUsb, XcpTiming
from nutrio.actors.drivers.errors import KillPowerFailed
from nutrio.actors.drivers.killpower import KillResult, kill_power
from tests.paths import ROOT
from tests.usblab.fixtures import usblab, usblab_library
from tests.usblab.server import UsbLab
from tests.usblab.xcp import XcpUsbUps

__all__ = ["usblab", "usblab_library"]  # the lab's fixtures, for the USB test

AUTH = bytes.fromhex("cf69e8d5")
FAST = XcpTiming(authorize=0.05, byte=0.3, usb_answer=1.0)


def device(driver: str, port: str, options: Mapping[str, str]) -> Device:
    return Device(name="sim", port=port, config_dir=Path("/tmp"), driver=driver,
                  options=MappingProxyType(dict(options)))


async def ours(dev: Device, factory: Any) -> KillResult | Exception:
    try:
        return await kill_power(dev, factory=factory)
    except Exception as exc:  # compared by the test
        return exc


async def serial_side_by_side(options: dict[str, str], **state: Any) -> dict[str, Any]:
    found: dict[str, Any] = {}
    async with bcmxcp_sim(PW5125, **state) as (theirs, their_tty), \
            bcmxcp_sim(PW5125, **state) as (mine, my_tty):

        async def real() -> None:
            found["real"] = await real_kill("bcmxcp", their_tty, options)

        async def nutrio() -> None:
            dev = device("bcmxcp", my_tty, options)
            found["ours"] = await ours(dev, lambda d: BcmXcp(d, timing=FAST))

        async with trio.open_nursery() as nursery:
            nursery.start_soon(real)
            nursery.start_soon(nutrio)
    found["theirs_sent"], found["ours_sent"] = theirs.received, mine.received
    return found


@pytest.mark.parametrize(("options", "delay"), [({}, "7800"), ({"shutdown_delay": "45"}, "2d00")])
@pytest.mark.skipif(not have_driver("bcmxcp"), reason="real NUT bcmxcp absent")
@pytest.mark.realnut
@pytest.mark.e2e
async def test_serial_killpower_sends_what_the_real_driver_sends(options, delay) -> None:
    found = await serial_side_by_side(options)
    code, said = found["real"]
    assert code == 0 and "Going down in 0 sec" in said
    assert found["theirs_sent"] == [AUTH, b"\xa0", AUTH, bytes.fromhex("8a0000")]
    assert found["ours_sent"] == [AUTH, b"\xa0", AUTH, bytes.fromhex("8a" + delay)]
    result = found["ours"]
    assert isinstance(result, KillResult) and result.command == "shutdown.return"
    assert result.detail == f"Going down in {int(delay[2:] + delay[:2], 16)} sec"


@pytest.mark.skipif(not have_driver("bcmxcp"), reason="real NUT bcmxcp absent")
@pytest.mark.realnut
@pytest.mark.e2e
async def test_a_unit_refusing_both_shutdowns_fails_like_the_real_driver() -> None:
    found = await serial_side_by_side({}, ack=0x33)
    code, said = found["real"]
    assert code == 1 and "Shutdown failed!" in said
    assert found["theirs_sent"][-2:] == found["ours_sent"][-2:] == [AUTH, b"\x8b"]
    assert isinstance(found["ours"], KillPowerFailed)


@pytest.mark.skipif(not (SBIN / "bcmxcp_usb").exists(), reason="real NUT bcmxcp_usb absent")
@pytest.mark.realnut
@pytest.mark.e2e
async def test_usb_killpower_sends_what_the_real_driver_sends(usblab: UsbLab) -> None:
    theirs, mine = XcpUps(PW5110), XcpUps(PW5110)
    usblab.plug(XcpUsbUps(mine, *PW5110.usb_ids))
    with UsbLab() as lab:
        lab.plug(XcpUsbUps(theirs, *PW5110.usb_ids))
        async with trio.open_nursery() as nursery:
            nursery.start_soon(real_kill, "bcmxcp_usb", "auto", {"shutdown_delay": "10"}, lab.env())
            result = await ours(device("bcmxcp_usb", "auto", {"shutdown_delay": "10"}),
                                lambda d: BcmXcpUsb(d, timing=FAST))
    assert theirs.received == [AUTH, bytes.fromhex("8a0000")]
    assert mine.received == [AUTH, bytes.fromhex("8a0a00")]
    assert isinstance(result, KillResult) and result.detail == "Going down in 10 sec"


@pytest.mark.e2e
async def test_nutrio_drivers_shutdown_powers_a_serial_unit_off(tmp_path: Path) -> None:
    async with bcmxcp_sim(PW5125) as (ups, tty):
        config = tmp_path / "nutrio.toml"
        config.write_text(f'[devices.xcp]\ndriver = "bcmxcp"\nport = "{tty}"\n'
                          f'shutdown_delay = "30"\n')
        done = await trio.run_process(
            [sys.executable, "-m", "nutrio", "drivers", "--config", str(config), "shutdown"],
            env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_stdout=True,
            capture_stderr=True, check=False)
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.decode().splitlines() == ["xcp: shutdown.return sent: Going down in 30 sec"]
    assert ups.received[-2:] == [AUTH, bytes.fromhex("8a1e00")]
    assert ups.raw.startswith(b"\x1d")  # the escape byte first, as at every start
