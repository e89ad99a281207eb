"""The real NUT 2.8.0 belkinunv and nutrio's, side by side on simulated Universal UPS units
(tests/drivers/sim/belkinunv_sim.py): an F6C120-UNV shaped after its dump, and an
F6C800-UNV that has the temperature and runtime registers.

Both must list the same (LIST VAR/RW/CMD with the transfer points' enums), read the same
registers at the start, go through the same status changes, write the same registers for
each command and SET, and for killpower (``belkinunv -k``).
"""

from __future__ import annotations

import random
from pathlib import Path
from types import MappingProxyType

import pytest
import trio
from bcmxcp_bench import Bench, Unit, both_say, serial_bench
from driver_helpers import Device
from serial_bench import read_out, real_kill
from sim.belkinunv_sim import F6C120, F6C800, UnvUps
from sim.pty import serving
from sim.realdriver import have_driver
from test_tripplite_vs_real_nut import status_steps
from test_upscode2_vs_real_nut import same_requests

from nutrio.actors.drivers.belkin.unv import BelkinUnv
from nutrio.actors.drivers.killpower import KillResult, kill_power
from nutrio.protocol.devices.belkin.unv import Reg, write_request


pytestmark = [pytest.mark.realnut, pytest.mark.e2e,
              pytest.mark.skipif(not have_driver("belkinunv"), reason="real NUT belkinunv absent")]

#: start-up (14 reads) and the first update (18)
START = 32


def units() -> dict[str, Unit]:
    return {"f6c120": Unit("f6c120", {}, UnvUps(F6C120), UnvUps(F6C120)),
            "f6c800": Unit("f6c800", {"nohang": None}, UnvUps(F6C800), UnvUps(F6C800))}


def writes(*pairs: tuple[Reg, int]) -> list[bytes]:
    return [write_request(reg, value) for reg, value in pairs]


async def test_nutrio_serves_what_real_belkinunv_serves_for_the_same_units(nursery) -> None:
    async with serial_bench(nursery, "belkinunv", units(), BelkinUnv) as b:
        found = {name: await b.compare(name) for name in b.units}
        assert found["f6c120"]["ups.model"] == "F6C120xxUNV"
        assert found["f6c120"]["ups.status"] == "OL CHRG"
        assert found["f6c120"]["ups.type"] == "OFFLINE" and found["f6c120"]["ups.firmware"] == "2"
        assert "ups.temperature" not in found["f6c120"]
        assert found["f6c800"]["battery.runtime"] == "2520"
        assert found["f6c800"]["driver.flag.nohang"] == "enabled"
        for unit in b.units.values():
            await same_requests(unit, START)

        await status_steps(b, UnvUps, {"f6c120": ("OB ACFAIL", "OB ACFAIL LB", "OL CHRG"),
                                       "f6c800": ("OB ACFAIL", "OB ACFAIL LB", "OL CHRG")})
        await random_readings_print_the_same(b, "f6c800")
        await commands_write_the_same_registers(b)
        await silence_goes_stale_and_back(b, "f6c800")


async def random_readings_print_the_same(b: Bench, name: str) -> None:
    """Random status bits and readings (one or two bytes), the input extremes kept."""
    rng = random.Random(18)
    for _ in range(3):
        values = {reg: rng.choice([rng.randrange(256), rng.randrange(256, 0x10000)])
                  for reg in (Reg.INPUTVOLT, Reg.INPUTFREQ, Reg.TEMPERATURE, Reg.OUTPUTVOLT,
                              Reg.OUTPUTFREQ, Reg.LOAD, Reg.BATVOLT, Reg.BATLEVEL,
                              Reg.TIMELEFT, Reg.UPSSTATUS, Reg.BATSTATUS, Reg.SHUTDOWNTIMER,
                              Reg.RESTARTTIMER)}
        values.update({Reg.TESTSTATUS: rng.randrange(8), Reg.ALARMSTATUS: rng.randrange(5),
                       Reg.VOLTSENS: rng.randrange(4)})
        for sim in (b.units[name].real, b.units[name].ours):
            sim.registers.update(values)
        await trio.sleep(2.5)
        await b.compare(name)
    b.both(name, UnvUps.on_line)


async def commands_write_the_same_registers(b: Bench) -> None:
    sent = await b.commands("f6c120", [
        "INSTCMD f6c120 test.battery.start", "INSTCMD f6c120 test.battery.stop",
        "INSTCMD f6c120 test.failure.start", "INSTCMD f6c120 test.failure.stop",
        "INSTCMD f6c120 beeper.disable", "INSTCMD f6c120 beeper.enable",
        "INSTCMD f6c120 beeper.mute", "INSTCMD f6c120 beeper.on", "INSTCMD f6c120 beeper.off",
        "INSTCMD f6c120 reset.input.minmax"], count=9)
    assert sent == writes((Reg.TESTSTATUS, 1), (Reg.TESTSTATUS, 3), (Reg.TESTSTATUS, 2),
                          (Reg.TESTSTATUS, 3), (Reg.ALARMSTATUS, 1), (Reg.ALARMSTATUS, 2),
                          (Reg.ALARMSTATUS, 3), (Reg.ALARMSTATUS, 2), (Reg.ALARMSTATUS, 1))
    sent = await b.commands("f6c120", [
        'SET VAR f6c120 input.sensitivity "low"', 'SET VAR f6c120 ups.beeper.status "muted"',
        'SET VAR f6c120 input.transfer.low "190"', 'SET VAR f6c120 input.transfer.high "260"'],
        count=4)
    assert sent == writes((Reg.VOLTSENS, 2), (Reg.ALARMSTATUS, 3), (Reg.XFER_LO, 190),
                          (Reg.XFER_HI, 260))
    await trio.sleep(2.5)
    found = await b.compare("f6c120")
    assert found["input.sensitivity"] == "low" and found["input.transfer.low"] == "190"
    sent = await b.commands("f6c800", [
        "INSTCMD f6c800 shutdown.reboot", "INSTCMD f6c800 shutdown.reboot.graceful",
        "INSTCMD f6c800 shutdown.stayoff"], count=6)
    assert sent == writes((Reg.RESTARTTIMER, 2), (Reg.SHUTDOWNTIMER, 1), (Reg.RESTARTTIMER, 2),
                          (Reg.SHUTDOWNTIMER, 40), (Reg.RESTARTTIMER, 0), (Reg.SHUTDOWNTIMER, 1))


async def silence_goes_stale_and_back(b: Bench, name: str) -> None:
    for sim in (b.units[name].real, b.units[name].ours):
        sim.mode = "silent"
    await both_say(b, name, "ERR DATA-STALE", 40)
    for sim in (b.units[name].real, b.units[name].ours):
        sim.on_line()
        sim.mode = "normal"
    await both_say(b, name, f'VAR {name} ups.status "OL CHRG"', 30)
    await b.compare(name)


async def test_killpower_writes_what_belkinunv_k_writes() -> None:
    async with serving(UnvUps(F6C120)) as (theirs, their_tty), \
            serving(UnvUps(F6C120)) as (mine, my_tty), trio.open_nursery() as both:
        both.start_soon(real_kill, "belkinunv", their_tty, {})
        device = Device(name="sim", port=my_tty, config_dir=Path("/tmp"), driver="belkinunv",
                        options=MappingProxyType({}))
        result = await kill_power(device, factory=BelkinUnv)
        await read_out(theirs, mine)
    assert isinstance(result, KillResult)
    assert mine.received == theirs.received == writes((Reg.RESTARTTIMER, 10),
                                                       (Reg.SHUTDOWNTIMER, 1))
