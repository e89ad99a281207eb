"""The real NUT 2.8.0 huawei-ups2000 and nutrio's, side by side on simulated UPS2000 units
(tests/drivers/sim/huawei_sim.py, shaped after the UPS2000-G-3KRTS dump).

Two units (one with delay options, one a "UPS2000" model): the same LIST VAR/RW/CMD
(the delays' ranges, the beeper's enums), the same identification and register reads
at the start, the same status and alarm changes, the same register writes for each
instant command and SET (and none for the commands NUT 2.8.0's table leaves without a
register), a silent unit going stale and back, and killpower (which NUT 2.8.0 refuses).
"""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType

import pytest
import trio
from bcmxcp_bench import Bench, Unit, both_say, serial_bench
from driver_helpers import Device
from serial_bench import read_out, real_kill
from sim.huawei_sim import UPS2000_G_3KRTS, HuaweiUps
from sim.pty import serving
from sim.realdriver import have_driver
from test_tripplite_vs_real_nut import status_steps
from test_upscode2_vs_real_nut import same_requests

from nutrio.actors.drivers.errors import KillPowerFailed
from nutrio.actors.drivers.huawei_ups2000.driver import HuaweiUps2000
from nutrio.actors.drivers.killpower import kill_power
from nutrio.protocol.devices.modbus import WriteRequest, frame
from nutrio.protocol.devices.modbus.frames import Transport

pytestmark = [pytest.mark.realnut, pytest.mark.e2e,
              pytest.mark.skipif(not have_driver("huawei-ups2000"),
                                 reason="real NUT huawei-ups2000 absent")]

#: an older model; its description as C's strtok must split it (a value skips the ';'
#: before it and holds '=')
UPS2000 = replace(UPS2000_G_3KRTS, description="1=;UPS2000;2=V100R001C01=SPC120;3=P1.0-D1.0;"
                  "4=2102310000000042;")
#: the identification and the first update (9 reads)
START = 10


def units() -> dict[str, Unit]:
    delays = {"offdelay": "100", "rebootdelay": "3", "ondelay": "7000"}
    return {"g3k": Unit("g3k", delays, HuaweiUps(UPS2000_G_3KRTS), HuaweiUps(UPS2000_G_3KRTS)),
            "old": Unit("old", {}, HuaweiUps(UPS2000), HuaweiUps(UPS2000))}


def writes(*pairs: tuple[int, int]) -> list[bytes]:
    return [frame(Transport.RTU, 1, WriteRequest(address, (value,))) for address, value in pairs]


async def test_nutrio_serves_what_real_huawei_ups2000_serves_for_the_same_units(nursery) -> None:
    async with serial_bench(nursery, "huawei-ups2000", units(), HuaweiUps2000) as b:
        found = {name: await b.compare(name) for name in b.units}
        g3k = found["g3k"]
        assert g3k["ups.model"] == "UPS2000A" and g3k["ups.firmware"] == "V2R1C1SPC40"
        assert g3k["ups.status"] == "OL CHRG" and g3k["battery.charger.status"] == "charging"
        assert g3k["output.realpower"] == "200.0" and g3k["ups.power.nominal"] == "3000"
        assert g3k["battery.runtime"] == "5502" and g3k["input.voltage"] == "225.4"
        # offdelay 100 rounds up to 102, rebootdelay 3 rises to 6, ondelay 7000 is refused
        assert (g3k["ups.delay.shutdown"], g3k["ups.delay.reboot"], g3k["ups.delay.start"]) \
            == ("102", "6", "60")
        assert found["old"]["ups.model"] == "UPS2000"
        assert found["old"]["ups.firmware"] == "V100R001C01=SPC120"
        for unit in b.units.values():
            await same_requests(unit, START)

        await status_steps(b, HuaweiUps, {name: ("ALARM OB DISCHRG", "ALARM OB LB DISCHRG",
                                                 "OL CHRG") for name in b.units})
        await alarms_are_the_same(b)
        await random_readings_print_the_same(b, "g3k")
        await battery_status_glitch_goes_stale_and_back(b, "g3k")
        await commands_write_the_same_registers(b)
        await silence_goes_stale_and_back(b, "old")


async def alarms_are_the_same(b: Bench) -> None:
    for register, bit in ((40164, 1), (40173, 5), (40173, 3), (40180, 5)):
        b.both("old", lambda ups, r=register, i=bit: ups.alarm(r, i))
    await trio.sleep(2.5)
    found = await b.compare("old")
    assert found["ups.status"] == "ALARM RB OVER OVER OL CHRG"
    assert found["ups.alarm"].endswith("(ID 42/24): EEPROM fault (internal fault)! "
                                       "Check log for details!")
    b.both("old", HuaweiUps.on_line)
    await trio.sleep(2.5)
    assert "ups.alarm" not in await b.compare("old")


async def random_readings_print_the_same(b: Bench, name: str) -> None:
    """Random values in every value register (the single-precision rounding, printf)."""
    rng = random.Random(18)
    for _ in range(3):
        values = {a: rng.choice([rng.randrange(0x7FFF), rng.randrange(0x8000, 0xFFFF)])
                  for start, count in ((11000, 28), (12000, 34), (19009, 1))
                  for a in range(start, start + count) if a not in (11024, 11043, 12002)}
        for sim in (b.units[name].real, b.units[name].ours):
            sim.registers.update(values)
        await trio.sleep(2.5)
        await b.compare(name)
    b.both(name, HuaweiUps.on_line)


async def battery_status_glitch_goes_stale_and_back(b: Bench, name: str) -> None:
    """Register 2002 out of 2..5: read three times, then the data is stale."""
    for sim in (b.units[name].real, b.units[name].ours):
        sim.registers[12002] = 1
        sim.received.clear()
    await both_say(b, name, "ERR DATA-STALE", 20)
    for sim in (b.units[name].real, b.units[name].ours):
        read = [int.from_bytes(r[2:4], "big") for r in sim.received]
        assert [12002] * 3 + [11046] in [read[i:i + 4] for i in range(len(read))]
        sim.registers[12002] = 3
    await both_say(b, name, f'VAR {name} ups.status "OL CHRG"', 20)


async def commands_write_the_same_registers(b: Bench) -> None:
    sent = await b.commands("old", [
        "INSTCMD old test.battery.start.quick", "INSTCMD old test.battery.start.deep",
        "INSTCMD old test.battery.stop", "INSTCMD old beeper.disable",
        "INSTCMD old beeper.enable", "INSTCMD old beeper.toggle", "INSTCMD old load.off",
        "INSTCMD old bypass.stop", "INSTCMD old load.on", "INSTCMD old bypass.start",
        "INSTCMD old shutdown.return", "INSTCMD old shutdown.reboot",
        "INSTCMD old shutdown.reboot.graceful"], count=10)
    assert sent == writes((12028, 1), (12021, 1), (12023, 1), (11046, 1), (11046, 0),
                          (11046, 1), (11045, 0), (11030, 1), (11029, 1), (11045, 0),
                          (11029, 1))
    sent = await b.commands("old", ['SET VAR old ups.beeper.status "enabled"',
                                    'SET VAR old ups.beeper.status "disabled"'], count=2)
    assert sent == writes((11046, 0), (11046, 1))
    # shutdown.stayoff: auto start off, then the shutdown delay (102 s) in tenths of a minute
    sent = await b.commands("g3k", ["INSTCMD g3k shutdown.stayoff"], count=2)
    assert sent == writes((11044, 0), (11049, 17))
    await trio.sleep(2.5)
    await b.compare("old")


async def silence_goes_stale_and_back(b: Bench, name: str) -> None:
    for sim in (b.units[name].real, b.units[name].ours):
        sim.on_line()
        sim.mode = "silent"
    await both_say(b, name, "ERR DATA-STALE", 40)
    for sim in (b.units[name].real, b.units[name].ours):
        sim.mode = "normal"
    await both_say(b, name, f'VAR {name} ups.status "OL CHRG"', 40)
    await b.compare(name)


async def test_killpower_fails_as_huawei_ups2000_k_fails() -> None:
    async with serving(HuaweiUps(UPS2000_G_3KRTS)) as (theirs, their_tty), \
            serving(HuaweiUps(UPS2000_G_3KRTS)) as (mine, my_tty):
        code, said = await real_kill("huawei-ups2000", their_tty, {})
        device = Device(name="sim", port=my_tty, config_dir=Path("/tmp"),
                        driver="huawei-ups2000", options=MappingProxyType({}))
        with pytest.raises(KillPowerFailed, match="shutdown.reboot"):
            await kill_power(device, factory=HuaweiUps2000)
        await read_out(theirs, mine)
    assert code != 0 and "upsdrv_shutdown failed" in said
    assert mine.received == theirs.received == []
