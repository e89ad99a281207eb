"""Killpower for riello_ser, beside the real NUT 2.8.0 driver run with -k.

The real driver gets one simulated unit, nutrio's killpower another, at the same time;
both must send the same requests (tests/drivers/sim/riello_sim.py). NUT's -k reads
nothing after finding the protocol, so it never knows the unit is on battery: its
shutdown.return is refused and, after three shutdown.stop, the shutdown fails.
"""

from __future__ import annotations

import pytest
from sim.realdriver import have_driver
from sim.riello_sim import SENTINEL_PRO, GpserUps
from test_tripplite_killpower import side_by_side

from nutrio.actors.drivers.riello.serdriver import RielloSer
from nutrio.protocol.devices.riello.frames import gpser_request

pytestmark = [pytest.mark.realnut, pytest.mark.e2e,
              pytest.mark.skipif(not have_driver("riello_ser"), reason="real riello_ser absent")]


async def test_riello_ser_killpower_fails_after_three_shutdown_stops_like_the_real_one() -> None:
    found = await side_by_side("riello_ser", (GpserUps(SENTINEL_PRO), GpserUps(SENTINEL_PRO)),
                               {}, RielloSer)
    assert found["real"][0] != 0
    assert found["ours_sent"] == found["theirs_sent"] == [
        gpser_request("GI"), *[gpser_request("CD")] * 3]
    assert isinstance(found["ours"], BaseException)
    assert "Shutdown failed" in str(found["ours"])
