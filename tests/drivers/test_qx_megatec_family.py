"""nutdrv_qx's megatec, megatec/old, mustek, zinto, hunnox and q1 protocols: real NUT 2.8.0 vs nutrio.

Every device runs twice (tests/drivers/qx_compare.py): the real nutdrv_qx, all
of them behind one real upsd, and nutrio's, behind nutrio's listener. Both
must list the same variables, writable settings and commands, show the same
status through a power failure, pick the same protocol when ups.conf names
none, and send the same bytes for every command and setting.
"""

from __future__ import annotations

import pytest
import trio
from qx_compare import Bench, Case, bench
from sim.megatec_sim import MegatecSim
from sim.qx_sims import HunnoxSim, MegatecOldSim, MustekSim, Q1OnlySim, ZintoSim
from sim.realdriver import have_driver

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.realnut,
    pytest.mark.skipif(not have_driver("nutdrv_qx"), reason="real NUT nutdrv_qx absent"),
]

#: NUT DDL: TS Shara XPro UPS Senoidal 1500VA (nutdrv_qx 2.8.0, Megatec 0.06); its F reply
#: has no numeric nominal input voltage
SHARA = {
    "input_voltage": 128.0, "fault_voltage": 128.0, "output_voltage": 126.0, "load": 0,
    "frequency": 60.0, "battery_voltage": 27.4, "temperature": 28.0,
    "rating": "#---.- 100 024.0 60.0\r", "mfr": "TS -222  240711", "model": "Senoid  15",
    "firmware": "V010203057",
}
CASES = [
    Case("megatec", MegatecSim, {"protocol": "megatec"}, SHARA),
    Case("megatecauto", MegatecSim, {}, SHARA),
    Case("old", MegatecOldSim, {"protocol": "megatec/old"}),
    Case("oldauto", MegatecOldSim),
    Case("mustek", MustekSim, {"protocol": "mustek"}),
    Case("mustekauto", MustekSim),
    Case("zinto", ZintoSim, {"protocol": "zinto"}),
    Case("zintoauto", ZintoSim),
    Case("hunnox", HunnoxSim, {"protocol": "hunnox", "novendor": None}),
    Case("hunnoxauto", HunnoxSim),
    # the dump's ups.conf: runtimecal, and battery limits (Q1 alone has no nominal voltage)
    Case("q1", Q1OnlySim, {"protocol": "q1", "runtimecal": "2340,8,4740,4", "idleload": "4",
                           "chargetime": "28800", "default.battery.voltage.high": "25.00",
                           "default.battery.voltage.low": "21.00"},
         timed=frozenset({"battery.charge", "battery.runtime"})),  # fmt: skip
    Case("q1auto", Q1OnlySim),
    Case("ignoresab", MegatecSim, {"protocol": "megatec", "ignoresab": None, "norating": None,
                                   "ondelay": "600", "offdelay": "90"}),  # fmt: skip
]
#: the protocol each device gets when ups.conf names none (a hunnox UPS answers like a
#: zinto one, and zinto comes first in NUT's list)
PICKED = {
    "megatecauto": "Megatec 0.06", "oldauto": "Megatec/old 0.07", "mustekauto": "Mustek 0.07",
    "zintoauto": "Zinto 0.06", "hunnoxauto": "Zinto 0.06", "q1auto": "Q1 0.07",
}


async def test_every_megatec_dialect_serves_what_the_real_nutdrv_qx_serves(nursery) -> None:
    async with bench(nursery, CASES) as b:
        for case in CASES:
            found = await b.compare(case.name)
            if case.name in PICKED:
                assert found["driver.version.data"] == PICKED[case.name]
            assert found["ups.status"] == "OL"
        await b.power_failure()
        await commands_match(b, "megatec")
        await b.every_command(["old", "mustek", "zinto", "hunnox", "q1"])
        await b.command("ignoresab", "INSTCMD ignoresab shutdown.return")


async def commands_match(b: Bench, ups: str) -> None:
    """Every instant command and setting sends the same bytes on both sides."""
    for command in ("beeper.toggle", "load.off", "load.on", "shutdown.return", "shutdown.stayoff",
                    "shutdown.stop", "test.battery.start", "test.battery.start.deep",
                    "test.battery.start.quick", "test.battery.stop"):  # fmt: skip
        assert await b.command(ups, f"INSTCMD {ups} {command}")
    assert await b.command(ups, f"INSTCMD {ups} test.battery.start 120") == [b"T02\r"]
    await b.command(ups, f"INSTCMD {ups} test.battery.start 30", sent=False)
    for name, value in (("ups.delay.shutdown", "45"), ("ups.delay.start", "299")):
        await b.command(ups, f'SET VAR {ups} {name} "{value}"', sent=False)
    await b.command(ups, f'SET VAR {ups} ups.delay.shutdown "5"', sent=False)
    assert await b.command(ups, f"INSTCMD {ups} shutdown.return") == [b"S.7R0004\r"]
    await b.compare(ups)
