"""Killpower for tripplite and tripplitesu, beside the real NUT 2.8.0 drivers run with -k.

The real driver gets one simulated unit, nutrio's killpower another, at the same
time; both must send the same requests (tests/drivers/sim/tripplite_sims.py).
"""

from __future__ import annotations

from typing import Any

import pytest
import trio
from serial_bench import read_out
from sim.pty import serving
from sim.realdriver import have_driver
from sim.tripplite_sims import SMART700, SU1500, SmartOnlineUps, SmartProUps
from test_bcmxcp_killpower import device, ours, real_kill

from nutrio.actors.drivers.killpower import KillResult
from nutrio.actors.drivers.tripplite.serialdriver import Tripplite
from nutrio.actors.drivers.tripplite.sudriver import SuTiming, TrippliteSu

pytestmark = [pytest.mark.realnut, pytest.mark.e2e]


async def side_by_side(driver: str, sims: tuple[Any, Any], options: dict[str, str],
                       factory: Any) -> dict[str, Any]:
    found: dict[str, Any] = {}
    async with serving(sims[0]) as (theirs, their_tty), serving(sims[1]) as (mine, my_tty):

        async def real() -> None:
            found["real"] = await real_kill(driver, their_tty, options)

        async def nutrio() -> None:
            found["ours"] = await ours(device(driver, my_tty, options), factory)

        async with trio.open_nursery() as nursery:
            nursery.start_soon(real)
            nursery.start_soon(nutrio)
        await read_out(theirs, mine)
    found["theirs_sent"], found["ours_sent"] = theirs.received, mine.received
    return found



@pytest.mark.skipif(not have_driver("tripplite"), reason="real NUT tripplite absent")
async def test_tripplite_killpower_sends_the_delay_then_g_like_the_real_driver() -> None:
    found = await side_by_side("tripplite", (SmartProUps(SMART700), SmartProUps(SMART700)),
                               {"offdelay": "90"}, Tripplite)
    assert found["real"][0] == 0
    assert found["theirs_sent"] == found["ours_sent"] == [b":N5A\r", b":G\r"]
    result = found["ours"]
    assert isinstance(result, KillResult) and result.command == "shutdown.return"


@pytest.mark.skipif(not have_driver("tripplitesu"), reason="real NUT tripplitesu absent")
async def test_tripplitesu_killpower_checks_the_unit_and_turns_auto_reboot_on() -> None:
    found = await side_by_side("tripplitesu", (SmartOnlineUps(SU1500), SmartOnlineUps(SU1500)),
                               {}, lambda d: TrippliteSu(d, timing=SuTiming(pace=0.002)))
    assert found["real"][0] == 0
    assert found["ours_sent"] == found["theirs_sent"] == [
        b"~00P003AVL", b"~00P003AVL", b"~00P003MNU", b"~00P003ARB", b"~00S004ARB1",
        b"~00S004SDR1", b"~00S004SDA5"]
    assert isinstance(found["ours"], KillResult)
