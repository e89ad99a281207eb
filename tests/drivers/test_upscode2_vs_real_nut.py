"""The real NUT 2.8.0 upscode2 and nutrio's, side by side on simulated UPScode II units
(tests/drivers/sim/upscode2_sim.py): a Compaq R3000 (writable delays, UPPM, UPDT) and an
Exide NetUPS SE PRC1500i (eight battery strings, an id, no delays, a shorter timeout).

The real driver runs at debug level 3: NUT 2.8.0's upscode2 only trims its reply lines
inside a debug call of that level (see actors/drivers/upscode2/driver.py). Both sides
must list the same (LIST VAR/RW/CMD, types), ask the same at start, go through the same
status changes and send the same requests for each command and setting.
"""

from __future__ import annotations

import pytest
import trio
from bcmxcp_bench import Unit, serial_bench
from sim.realdriver import have_driver
from sim.upscode2_sim import PRC1500, R3000, UpsCodeUps
from test_tripplite_vs_real_nut import SETTLE, silence_goes_stale_and_back, status_steps

from nutrio.actors.drivers.upscode2.driver import UpsCode2

pytestmark = [pytest.mark.realnut, pytest.mark.e2e,
              pytest.mark.skipif(not have_driver("upscode2"), reason="real NUT upscode2 absent")]


async def same_requests(unit: Unit, count: int) -> None:
    """Wait until both simulators of ``unit`` got ``count`` requests; the same ones."""
    with trio.fail_after(30):
        while min(len(unit.ours.received), len(unit.real.received)) < count:
            await trio.sleep(0.2)
    assert unit.ours.received[:count] == unit.real.received[:count], unit.name


async def test_nutrio_serves_what_real_upscode2_serves_for_the_same_units(nursery) -> None:
    units = {"r3000": Unit("r3000", {}, UpsCodeUps(R3000), UpsCodeUps(R3000)),
             "prc1500": Unit("prc1500", {"manufacturer": "Exide", "input_timeout": "1"},
                             UpsCodeUps(PRC1500), UpsCodeUps(PRC1500))}
    async with serial_bench(nursery, "upscode2", units, UpsCode2, debug="-DDD") as b:
        found = {name: await b.compare(name) for name in b.units}
        assert found["r3000"]["ups.model"] == "UPS 3000 VA FW -0026"
        assert found["r3000"]["battery.charge"] == "92.7"
        assert found["r3000"]["ups.load"] == "60.6"
        assert found["r3000"]["output.realpower"] == "1810.00"
        assert found["prc1500"]["battery.charge"] == "67.1"
        assert found["prc1500"]["battery.runtime"] == "2640"
        assert found["prc1500"]["ups.mfr"] == "Exide"
        for unit in units.values():  # start-up and the first update, request for request
            await same_requests(unit, 14)

        await status_steps(b, UpsCodeUps, {"r3000": ("OB", "OB LB", "OL"),
                                           "prc1500": ("OB BOOST", "OB LB", "OL")})
        sent = await b.commands("r3000", [
            "INSTCMD r3000 test.battery.start", "INSTCMD r3000 shutdown.stop",
            "INSTCMD r3000 shutdown.stayoff", 'SET VAR r3000 ups.delay.shutdown "20"',
            'SET VAR r3000 ups.delay.reboot "120"', "INSTCMD r3000 shutdown.return"], count=6)
        assert sent == [b"UPBT\r1\r", b"UPPU\r", b"UPPD\rLGGNLMDPGV\r", b"UPSD\r20\r",
                        b"UPCD\r120\r", b"UPPF\rIJHLDMGCIU\r"]
        await trio.sleep(SETTLE)
        after = await b.compare("r3000")
        assert (after["ups.delay.shutdown"], after["ups.delay.reboot"]) == ("020", "120")
        # a unit that stops answering goes stale at the next update
        await silence_goes_stale_and_back(b, "r3000", 20.0)
