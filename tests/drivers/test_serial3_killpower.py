"""Killpower for upscode2, mge-utalk and belkin, beside the real NUT 2.8.0 drivers run
with -k: one simulated unit each side, at the same time; both must send the same
requests (tests/drivers/sim/upscode2_sim.py, utalk_sim.py, belkin_sim.py).
"""

from __future__ import annotations

import pytest
from sim.belkin_sim import F6C625, BelkinUps
from sim.realdriver import have_driver
from sim.upscode2_sim import R3000, UpsCodeUps
from sim.utalk_sim import EXTREME700, UtalkUps
from test_tripplite_killpower import side_by_side

from nutrio.actors.drivers.belkin.driver import Belkin
from nutrio.actors.drivers.killpower import KillResult
from nutrio.actors.drivers.mge_utalk.driver import MgeUtalk
from nutrio.actors.drivers.upscode2.driver import UpsCode2

pytestmark = [pytest.mark.realnut, pytest.mark.e2e]


@pytest.mark.skipif(not have_driver("upscode2"), reason="real NUT upscode2 absent")
async def test_upscode2_killpower_sends_the_reboot_twice_like_the_real_driver() -> None:
    found = await side_by_side("upscode2", (UpsCodeUps(R3000), UpsCodeUps(R3000)), {},
                               UpsCode2)
    assert found["real"][0] == 0
    assert found["theirs_sent"] == found["ours_sent"] == [b"UPPC\rIJHLDMGCIU\r"] * 2
    assert isinstance(found["ours"], KillResult)


@pytest.mark.skipif(not have_driver("mge-utalk"), reason="real NUT mge-utalk absent")
async def test_mge_utalk_killpower_asks_for_the_restart_then_cuts_like_the_real_driver() -> None:
    found = await side_by_side("mge-utalk", (UtalkUps(EXTREME700), UtalkUps(EXTREME700)),
                               {"OffDelay": "30"}, MgeUtalk)
    assert found["real"][0] == 0
    assert found["theirs_sent"] == found["ours_sent"] == [
        b"Z", b"Z", b"Si", b"Sn 30", b"Sx 5", b"Sx 0", b"Ax 0"]
    assert isinstance(found["ours"], KillResult)


@pytest.mark.skipif(not have_driver("belkin"), reason="real NUT belkin absent")
async def test_belkin_killpower_finds_the_unit_then_shuts_down_like_the_real_driver() -> None:
    expected = [b"~00P003MNU", b"~00S004SDT2", b"~00S004SDR1", b"~00S004SDA5"]
    for _ in range(3):
        # the real driver flushes the line before each request: on a pty that drops a
        # request the simulator has not read yet, which a loaded machine makes likely
        found = await side_by_side("belkin", (BelkinUps(F6C625), BelkinUps(F6C625)), {},
                                   Belkin)
        assert found["ours_sent"] == expected
        if found["theirs_sent"] == expected:
            break
    assert found["real"][0] == 0
    assert found["theirs_sent"] == found["ours_sent"] == expected
    assert isinstance(found["ours"], KillResult)
