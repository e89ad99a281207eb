"""The real NUT 2.8.0 riello_ser and nutrio's, side by side on simulated serial units
(tests/drivers/sim/riello_sim.py): two GPSER units (one summed, one with CRC checks and
no extended block) and a SENTR one, shaped after the library's three riello_ser dumps.

Both must list the same (LIST VAR/RW/CMD, types), ask the same at start, go through the
same status changes and send the same requests for each command.
"""

from __future__ import annotations

import pytest
import trio
from bcmxcp_bench import Unit, both_say, serial_bench, statuses
from sim.realdriver import have_driver
from sim.riello_sim import MPT60, SENTINEL_PRO, VST800, GpserUps, SentrUps

from nutrio.actors.drivers.riello.serdriver import RielloSer
from nutrio.protocol.devices.riello.frames import gpser_request, sentr_command

pytestmark = [pytest.mark.realnut, pytest.mark.e2e,
              pytest.mark.skipif(not have_driver("riello_ser"), reason="real riello_ser absent")]

#: the real driver polls every 2 s whatever it is told; two of its polls
SETTLE = 4.5


async def test_nutrio_serves_what_real_riello_ser_serves_for_the_same_units(nursery) -> None:
    units = {"sentinel": Unit("sentinel", {}, GpserUps(SENTINEL_PRO), GpserUps(SENTINEL_PRO)),
             "vst": Unit("vst", {}, GpserUps(VST800), GpserUps(VST800)),
             "mpt": Unit("mpt", {}, SentrUps(MPT60), SentrUps(MPT60))}
    async with serial_bench(nursery, "riello_ser", units, RielloSer) as b:
        await trio.sleep(2.0)
        found = {name: await b.compare(name) for name in b.units}
        assert found["sentinel"]["ups.model"] == "UOD1-XL        "  # padded, as in the dump
        assert found["sentinel"]["ups.status"] == "OL CHRG"
        assert found["sentinel"]["battery.runtime"] == "26280"
        assert found["sentinel"]["output.L1.realpower"] == "280"
        assert found["vst"]["ups.realpower.nominal"] == "640"
        assert found["vst"]["output.L1.power"] == "0"
        assert found["mpt"]["ups.firmware"] == "01.94"
        assert found["mpt"]["ups.power.nominal"] == "60000"
        assert found["mpt"]["battery.voltage"] == "431.0"
        for unit in units.values():  # detection, start-up and the first update
            assert unit.ours.received[:6] == unit.real.received[:6], unit.name

        for step, change in enumerate(("on_battery", "low_battery", "on_line")):
            for name in b.units:
                b.both(name, lambda ups, c=change: getattr(ups, c)())
            await trio.sleep(SETTLE)
            expected = {"sentinel": ("OB", "OB LB", "OL CHRG"), "vst": ("OB", "OB LB", "OL"),
                        "mpt": ("OB", "OB LB", "OL")}
            for name in b.units:
                assert (await b.compare(name))["ups.status"] == expected[name][step], name

        sent = await b.commands("sentinel", [
            "INSTCMD sentinel load.off", "INSTCMD sentinel load.on.delay",
            "INSTCMD sentinel shutdown.stop", "INSTCMD sentinel test.panel.start",
            "INSTCMD sentinel test.battery.start"], count=5)
        assert sent == [gpser_request("CS", b"0000"), gpser_request("CR", b"00000005"),
                        gpser_request("CD"), gpser_request("TP"), gpser_request("TB", b"005")]
        sent = await b.commands("vst", ["INSTCMD vst load.off.delay"], count=1)
        assert sent == [gpser_request("CS", b"0005", crc=True)]
        sent = await b.commands("mpt", ["INSTCMD mpt load.on"], count=2, timeout=30)
        assert sent == [sentr_command(2), sentr_command(1)]


async def test_riello_ser_loses_and_finds_a_unit_like_the_real_one(nursery) -> None:
    units = {"sentinel": Unit("sentinel", {}, GpserUps(SENTINEL_PRO), GpserUps(SENTINEL_PRO))}
    async with serial_bench(nursery, "riello_ser", units, RielloSer) as b:
        await trio.sleep(2.0)
        online = 'VAR sentinel ups.status "OL CHRG"'
        # a unit that answers nothing: NUT re-reads its last packet and stays fresh
        b.both("sentinel", lambda ups: setattr(ups, "silent", True))
        await trio.sleep(15.0)
        await b.compare("sentinel")
        b.both("sentinel", lambda ups: setattr(ups, "silent", False))
        await both_say(b, "sentinel", online, 20.0)
        # a refused status: ten updates keep the old values, the eleventh is stale
        b.both("sentinel", lambda ups: setattr(ups, "nak_status", True))
        await trio.sleep(SETTLE)
        assert await statuses(b, "sentinel") == [[online]] * 2
        await both_say(b, "sentinel", "ERR DATA-STALE", 30.0)
        b.both("sentinel", lambda ups: setattr(ups, "nak_status", False))
        await both_say(b, "sentinel", online, 2 * SETTLE)
