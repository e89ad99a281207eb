"""The real NUT 2.8.0 ivtscd and nutrio's, on the same simulated IVT solar controllers.

Two controllers (tests/drivers/sim/ivtscd_sim.py): the dump's 12 V unit with
NUT's default levels, and a 24 V one whose levels come from ups.conf
(``override.battery.voltage.nominal``, ``default.battery.voltage.low``).
Compared: the variables and the command, the readings and status as the
battery charges, discharges and runs low, the byte ``reset.input.minmax``
sends, and ``-k`` (which waits for the battery to be back at its nominal
voltage).
"""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType

import pytest
import trio
from driver_helpers import Device
from serial_bench import Unit, read_out, real_kill, serial_bench
from sim.ivtscd_sim import IvtUnit, ivt_sim
from sim.realdriver import have_driver

from nutrio.actors.drivers.ivtscd.driver import Ivtscd
from nutrio.actors.drivers.killpower import KillResult, kill_power

pytestmark = [
    pytest.mark.realnut,
    pytest.mark.skipif(not have_driver("ivtscd"), reason="real NUT ivtscd absent"),
    pytest.mark.e2e,
]

SETTLE = 4.5  # each reading takes NUT two seconds at most (F, a second's pause, the line)
SOLAR24 = {"override.battery.voltage.nominal": "24", "default.battery.voltage.low": "21.6"}


def units() -> list[Unit]:
    big = {"voltage": 25.3, "voltage_min": 23.9, "voltage_max": 28.1}
    return [Unit("ivt", {}, IvtUnit(), IvtUnit()),
            Unit("solar24", SOLAR24, IvtUnit(**big), IvtUnit(**big))]


async def test_nutrio_serves_what_real_ivtscd_serves_for_the_same_units(nursery) -> None:
    async with serial_bench(nursery, "ivtscd", units(), Ivtscd, settle=4) as b:
        found = {name: await b.compare(name) for name in b.units}
        assert found["ivt"]["battery.voltage"] == "12.10" and found["ivt"]["ups.status"] == "OB"
        assert found["ivt"]["device.type"] == "scd" and found["ivt"]["battery.current"] == "-1.9"
        assert found["solar24"]["battery.voltage.low"] == "21.6"
        for change, status in ((IvtUnit.charging, "OL"),
                               (lambda u: u.discharging(10.4, -3.2), "OB LB"),
                               (lambda u: u.discharging(21.5, -0.04), "OB LB"),
                               (lambda u: u.charging(0.05), "OL LB")):
            for name in b.units:
                b.both(name, change)
            await trio.sleep(SETTLE)
            values = {name: await b.compare(name) for name in b.units}
        assert values["solar24"]["ups.status"] == status
        assert await b.commands("ivt", ["INSTCMD ivt reset.input.minmax"], count=1) == [b"L"]
        await trio.sleep(SETTLE)
        assert (await b.compare("ivt"))["battery.current.minimum"] == "0.1"


def section(port: str) -> Device:
    return Device(name="sim", port=port, config_dir=Path("/tmp"), driver="ivtscd",
                  options=MappingProxyType({}))


async def test_killpower_waits_for_the_battery_as_ivtscd_k_does() -> None:
    async with ivt_sim(voltage=11.6) as (theirs, their_tty), \
            ivt_sim(voltage=11.6) as (mine, my_tty), trio.open_nursery() as both:
        done: list[tuple[int, str]] = []
        ours: list[KillResult] = []

        async def real() -> None:
            done.append(await real_kill("ivtscd", their_tty, {}))

        async def nutrio() -> None:
            ours.append(await kill_power(section(my_tty), factory=Ivtscd))

        both.start_soon(real)
        both.start_soon(nutrio)
        await trio.sleep(4)
        assert not done and not ours  # both still reading the low battery
        theirs.voltage = mine.voltage = 12.4
        await read_out(theirs, mine)
    code, output = done[0]
    assert code == 0 and "Power is back!" in output and ours[0].detail == "Power is back!"
    assert set(mine.received) == set(theirs.received) == {b"F"}
    assert abs(len(mine.received) - len(theirs.received)) <= 1
