"""The real NUT 2.8.0 mge-utalk and nutrio's, side by side on simulated U-Talk units
(tests/drivers/sim/utalk_sim.py): a Pulsar EXtreme 700C (multiplier table 1, LowBatt
set at start) and a Pulsar Evolution 2200 (table 3, a truncated model name, boosting).

The real driver waits half a second before each request (about 13 s an update); nutrio's
side runs with shorter pauses and must still send the same bytes. Both must list the
same (LIST VAR/RW/CMD, types), ask the same at start, go through the same status
changes and send the same requests for each command and setting.
"""

from __future__ import annotations

import pytest
import trio
from bcmxcp_bench import Unit, serial_bench
from sim.realdriver import have_driver
from sim.utalk_sim import EVOLUTION2200, EXTREME700, UtalkUps
from test_tripplite_vs_real_nut import both_say
from test_upscode2_vs_real_nut import same_requests

from nutrio.actors.drivers.mge_utalk.driver import MgeUtalk, UtalkTiming

pytestmark = [pytest.mark.realnut, pytest.mark.e2e,
              pytest.mark.skipif(not have_driver("mge-utalk"), reason="real NUT mge-utalk absent")]

#: an update of the real driver takes about 13 s
UPDATE = 40.0


async def test_nutrio_serves_what_real_mge_utalk_serves_for_the_same_units(nursery) -> None:
    units = {"extreme": Unit("extreme", {"LowBatt": "45"}, UtalkUps(EXTREME700),
                             UtalkUps(EXTREME700)),
             "evolution": Unit("evolution", {}, UtalkUps(EVOLUTION2200), UtalkUps(EVOLUTION2200))}
    async with serial_bench(nursery, "mge-utalk", units,
                            lambda d: MgeUtalk(d, timing=UtalkTiming(spacing=0.05))) as b:
        found = {name: await b.compare(name) for name in b.units}
        assert found["extreme"]["ups.model"] == "EXtreme 700C"
        assert found["extreme"]["ups.status"] == "OL CHRG"
        assert found["extreme"]["battery.charge.low"] == "45"
        assert found["extreme"]["input.frequency"] == "50.00"
        assert found["evolution"]["ups.model"] == "Evolution 2200"
        assert found["evolution"]["ups.firmware"] == "20"
        assert found["evolution"]["output.current"] == "004.7"
        assert found["evolution"]["ups.status"] == "OL BOOST"
        # start-up and the first status, request for request (whether the variables are
        # read again right after depends on how long the start took: NUT's whole seconds)
        for unit in units.values():  # 36 requests, and one for each option set in the unit
            await same_requests(unit, 36 + len(unit.options))

        steps = {"extreme": ("OB DISCHRG", "OB LB DISCHRG", "OL CHRG"),
                 "evolution": ("OB", "OB OB LB", "OL BOOST")}
        for step, change in enumerate((UtalkUps.on_battery, UtalkUps.low_battery,
                                       UtalkUps.on_line)):
            for name in b.units:
                b.both(name, change)
            for name in b.units:
                await both_say(b, name, f'VAR {name} ups.status "{steps[name][step]}"', UPDATE)

        sent = await b.commands("extreme", [
            "INSTCMD extreme test.battery.start", "INSTCMD extreme test.panel.start",
            "INSTCMD extreme load.off", "INSTCMD extreme load.on",
            'SET VAR extreme battery.charge.low "40"', 'SET VAR extreme ups.delay.shutdown "90"',
            "INSTCMD extreme shutdown.return"], count=10, timeout=120)
        assert sent == [b"Bx 1", b"Sx 129", b"Wy 65535", b"Wx 0", b"Wy 65535", b"Wx 1",
                        b"Bl 40", b"Sn 90", b"Sx 5", b"Sx 0"]
