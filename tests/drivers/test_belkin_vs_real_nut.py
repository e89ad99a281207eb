"""The real NUT 2.8.0 belkin and nutrio's, side by side on simulated smart-protocol units
(tests/drivers/sim/belkin_sim.py): a Regulator Pro F6C625-220V and a Small Enterprise
F6C1500-TW-RK on firmware "001" (its short rating answer; a status of eight fields).

Both must list the same (LIST VAR/RW/CMD), ask the same at start, go through the same
status changes, send the same requests for each command (load.off only when confirmed),
and go stale after the same silence.
"""

from __future__ import annotations

import pytest
import trio
from bcmxcp_bench import Bench, nut_client, serial_bench, Unit
from sim.belkin_sim import F6C625, F6C1500, BelkinUps
from sim.realdriver import have_driver
from test_tripplite_vs_real_nut import silence_goes_stale_and_back, status_steps
from test_upscode2_vs_real_nut import same_requests

from nutrio.actors.drivers.belkin.driver import Belkin

pytestmark = [pytest.mark.realnut, pytest.mark.e2e,
              pytest.mark.skipif(not have_driver("belkin"), reason="real NUT belkin absent")]


async def both_send(b: Bench, request: str) -> None:
    for port in (b.real_port, b.our_port):
        async with nut_client(port) as client:
            assert await client.ask(request) == ["OK"], request


async def test_nutrio_serves_what_real_belkin_serves_for_the_same_units(nursery) -> None:
    units = {"f6c625": Unit("f6c625", {}, BelkinUps(F6C625), BelkinUps(F6C625)),
             "f6c1500": Unit("f6c1500", {}, BelkinUps(F6C1500), BelkinUps(F6C1500))}
    async with serial_bench(nursery, "belkin", units, Belkin) as b:
        found = {name: await b.compare(name) for name in b.units}
        assert found["f6c625"]["ups.model"] == "F6C625-220V"
        assert found["f6c625"]["input.transfer.low"] == "212"
        assert found["f6c625"]["battery.voltage"] == "13.0"
        assert found["f6c625"]["ups.test.result"] == "Passed"
        assert found["f6c1500"]["input.transfer.high"] == "119"
        # no sixteenth status field: NUT's buffer still holds field 2 ("0")
        assert found["f6c1500"]["ups.beeper.status"] == "disabled"
        for unit in units.values():  # start-up and the first update, request for request
            await same_requests(unit, 9)

        await status_steps(b, BelkinUps, {"f6c625": ("OB", "OB LB", "OL"),
                                          "f6c1500": ("OB", "OFF OB LB", "OL")})
        sent = await b.commands("f6c625", [
            "INSTCMD f6c625 beeper.disable", "INSTCMD f6c625 beeper.enable",
            "INSTCMD f6c625 load.on", "INSTCMD f6c625 test.battery.start.quick",
            "INSTCMD f6c625 test.battery.start.deep", "INSTCMD f6c625 test.battery.stop",
            "INSTCMD f6c625 load.off"], count=6, pace=2.0)  # belkin flushes the line first
        assert sent == [b"~00S004BUZ0", b"~00S004BUZ1", b"~00S006RON1;1", b"~00S004TST3",
                        b"~00S004TST4", b"~00S004TST0"]
        # load.off acts only when confirmed 3 to 15 s after the first request
        units["f6c625"].real.received.clear()
        units["f6c625"].ours.received.clear()
        await trio.sleep(5)
        await both_send(b, "INSTCMD f6c625 load.off")
        with trio.fail_after(20):
            while any(len(sim.commands()) < 2 for sim in (units["f6c625"].real,
                                                          units["f6c625"].ours)):
                await trio.sleep(0.2)
        assert units["f6c625"].ours.commands() == units["f6c625"].real.commands() \
            == [b"~00S006ROF1;1"] * 2
        # three failed status reads keep the old values; the fourth makes them stale
        await silence_goes_stale_and_back(b, "f6c1500", 20.0, fresh_for=2.5)
