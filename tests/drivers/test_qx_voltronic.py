"""nutdrv_qx's voltronic protocol: real NUT 2.8.0 vs nutrio on simulated Voltronic Power units.

Three units (tests/drivers/sim/voltronic_sim.py): the DDL's FSP Champ 1000 VA
(P01, with ECO Mode, alarm control and settable capabilities), a P31 unit
(battery type and grid range) and a three-phase P10 unit. Both drivers run
side by side (tests/drivers/qx_compare.py) and must agree on everything NUT
serves, on the status through a power failure, and on the bytes of every
command and setting.
"""

from __future__ import annotations

import pytest
import trio
from qx_compare import Bench, Case, bench
from sim.realdriver import have_driver
from sim.voltronic_sim import VoltronicSim

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.realnut,
    pytest.mark.skipif(not have_driver("nutdrv_qx"), reason="real NUT nutdrv_qx absent"),
]

CASES = [
    # the dump's ups.conf sets these two capabilities
    Case("fsp", VoltronicSim, {"limited_runtime_on_battery": "disabled",
                               "bypass_forbidding": "enabled"}),  # fmt: skip
    Case("fspset", VoltronicSim, {"protocol": "voltronic", "bypass_alarm": "disabled",
                                  "max_bypass_volt": "250", "battery_number": "3",
                                  "ondelay": "120", "offdelay": "30"}),  # fmt: skip
    Case("p31", VoltronicSim, {"protocol": "voltronic", "work_range_type": "Appliance"},
         {"protocol": 31}),
    Case("p10", VoltronicSim, {}, {"protocol": 10, "enabled": "pasrcfj", "disabled": "begovw"}),
]


async def test_voltronic_units_serve_what_the_real_nutdrv_qx_serves(nursery) -> None:
    async with bench(nursery, CASES) as b:
        for case in CASES:
            found = await b.compare(case.name)
            assert found["driver.version.data"] == "Voltronic 0.06"
            assert found["ups.status"] == "OL"
        await b.power_failure(("OB", "ALARM OB LB", "OL"))
        await commands_match(b, "fsp")
        await settings_match(b, "fsp")
        await b.command("p31", 'SET VAR p31 battery.type "AGM"')
        await b.command("p10", "INSTCMD p10 outlet.2.load.off")
        await b.command("p10", 'SET VAR p10 outlet.1.delay.shutdown "120"')
        for case in CASES:
            await b.compare(case.name)


async def commands_match(b: Bench, ups: str) -> None:
    for command in ("beeper.toggle", "beeper.toggle", "beeper.disable", "beeper.enable",
                    "load.off", "load.on", "shutdown.return", "shutdown.stayoff", "shutdown.stop",
                    "test.battery.start", "test.battery.start.deep", "test.battery.start.quick",
                    "test.battery.stop", "bypass.start", "bypass.stop"):  # fmt: skip
        assert await b.command(ups, f"INSTCMD {ups} {command}"), command
        if command.startswith("beeper"):
            await trio.sleep(2.2)  # a full update: the beeper status the next toggle reads
    assert await b.command(ups, f"INSTCMD {ups} test.battery.start 30") == [b"T.5\r"]
    await b.command(ups, f"INSTCMD {ups} test.battery.start 6000", sent=False)


async def settings_match(b: Bench, ups: str) -> None:
    for name, value in (("ups.start.auto", "no"), ("battery.protection", "no"),
                        ("battery.energysave", "yes"), ("input.transfer.high", "250"),
                        ("input.transfer.low", "215"), ("input.frequency.high", "55.0"),
                        ("input.frequency.low", "45.0"), ("battery.packs", "2")):  # fmt: skip
        assert await b.command(ups, f'SET VAR {ups} {name} "{value}"'), name
    for name, value in (("input.transfer.high", "300"), ("ups.start.auto", "maybe")):
        await b.command(ups, f'SET VAR {ups} {name} "{value}"', sent=False)
    await b.command(ups, f'SET VAR {ups} ups.delay.shutdown "125"', sent=False)
    assert await b.command(ups, f"INSTCMD {ups} shutdown.return") == [b"S02R0003\r"]
    await trio.sleep(2.2)
