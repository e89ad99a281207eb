"""The real NUT 2.8.0 apcsmart-old and nutrio's, on the same simulated Smart-UPS units.

Three units on tests/drivers/sim/apcsmart_sim.py: the Smart-UPS RT 2000 XL of
the library's apcsmart-old dump (its command set, values and settings), a
Smart-UPS 600 the old firmware table knows ("D9": no command set asked), and
a unit that answers neither firmware nor command set (the old probe). All
real drivers behind one real upsd, nutrio's actors behind nutrio's listener
(tests/drivers/serial_bench.py): the same variables, writable settings and
commands, the same status changes, the same bytes for commands, settings and
killpower.
"""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType

import pytest
import trio
from driver_helpers import Device
from serial_bench import Unit, both_say, nut_client, read_out, real_kill, serial_bench
from sim.apcsmart_sim import ApcSmartSim
from sim.pty import serving_all
from sim.realdriver import have_driver

from nutrio.actors.drivers.apcsmart.old_driver import ApcSmartOld
from nutrio.actors.drivers.killpower import kill_power

pytestmark = [
    pytest.mark.realnut,
    pytest.mark.skipif(not have_driver("apcsmart-old"), reason="real NUT apcsmart-old absent"),
    pytest.mark.e2e,
]

#: the RT 2000 XL's replies, as its dump shows them (the serial is blank)
RT_VALUES = {
    "V": "5YI", "b": "416.7.I", "\x01": "Smart-UPS RT 2000 XL  ", "n": "            ",
    "m": "11/22/06", "C": "034.6", "P": "063.0", "E": "336", "X": "NO", "r": "000",
    "p": "020", "c": "UPS_IDEN", "\x0c": "E", "L": "233.2", "F": "49.98", "s": "A", "9": "FF",
    "l": "161", "u": "253", "G": "S", "M": "233.2", "N": "233.2", "O": "229.3", "o": "230",
    "x": "11/22/06", "f": "100.0", "e": "00", "B": "53.73", "g": "048", "j": "0009:",
    "q": "02", ">": "001", "<": "000", "k": "0",
}
RT_CMDSET = "3.!$%+?=#|.\x01\x0c<>@ABCDEFGKLMNOPQRSUVWXYZabcefgjklmnopqrsuxyz\x0e\x1a9"
RT_CHOICES = {"u": ("I", ("253", "264", "271", "280")), "l": ("I", ("161", "177", "185", "196")),
              "e": ("4", ("00", "15", "50", "90")), "s": ("4", ("A", "L", "M", "H")),
              "E": ("4", ("336", "168", "ON ", "OFF")), "o": ("D", ("115",))}


def rt() -> ApcSmartSim:
    return ApcSmartSim(values=dict(RT_VALUES), cmdset=RT_CMDSET, choices=dict(RT_CHOICES))


def smart_600() -> ApcSmartSim:
    sim = ApcSmartSim()
    sim.values.update(V="D9")
    return sim


def legacy() -> ApcSmartSim:
    sim = ApcSmartSim(cmdset="NA")
    del sim.values["b"]
    return sim


def units() -> list[Unit]:
    return [Unit("rt", {"cable": "940-0095B"}, rt(), rt()),
            Unit("d9", {}, smart_600(), smart_600()),
            Unit("legacy", {}, legacy(), legacy())]


async def test_nutrio_serves_what_real_apcsmart_old_serves_for_the_same_units(nursery) -> None:
    async with serial_bench(nursery, "apcsmart-old", units(), ApcSmartOld, settle=3.0) as b:
        found = {name: await b.compare(name) for name in b.units}
        assert found["rt"]["ups.firmware.old"] == "5YI"
        assert found["rt"]["ups.test.interval"] == "1209600"
        assert found["rt"]["battery.runtime"] == "540"
        assert found["rt"]["input.transfer.reason"] == "simulated power failure or UPS test"
        assert found["d9"]["ups.model"] == "Smart-UPS"  # the table names it (no ^A in its list)
        assert found["legacy"]["ups.model"] == "Smart-UPS 1000"
        for unit in b.units.values():  # the start and the first updates, byte for byte
            size = min(len(unit.real.received), len(unit.ours.received), 80)
            assert size > 12 and unit.ours.received[:size] == unit.real.received[:size], unit.name

        for change, status in ((ApcSmartSim.on_battery, "OB"), (ApcSmartSim.low_battery, "OB LB"),
                               (ApcSmartSim.on_line, "OL")):
            for name in b.units:
                b.both(name, change)
            for name in b.units:
                await both_say(b, name, f'VAR {name} ups.status "{status}"', within=10)
                await b.compare(name)

        assert await b.commands("rt", ["SET VAR rt input.transfer.high 271"], count=2) == b"--"
        assert await b.commands("rt", ["SET VAR rt ups.id ID42"], count=9) == b"-ID42\r\r\r\r"
        await trio.sleep(3)
        await b.compare("rt")
        for command, sent in (("test.battery.start", b"W"), ("calibrate.start", b"D"),
                              ("load.on", b"\x0e\x0e"), ("test.panel.start", b"A")):
            assert await b.commands("rt", [f"INSTCMD rt {command}"], count=len(sent)) == sent
        for port in (b.real_port, b.our_port):  # a dangerous one: asked twice, 3-15 s apart
            async with nut_client(port) as client:
                assert await client.ask("INSTCMD rt shutdown.return") == ["OK"]
        await trio.sleep(5)
        assert await b.commands("rt", ["INSTCMD rt shutdown.return"], count=1) == b"S"


def section(port: str, options: dict[str, str]) -> Device:
    return Device(name="sim", port=port, config_dir=Path("/tmp"), driver="apcsmart-old",
                  options=MappingProxyType(options))


@pytest.mark.parametrize(("options", "on_battery", "sent"), [
    ({}, False, b"@000"), ({}, True, b"S"), ({"sdtype": "3"}, False, b"KK"),
    ({"advorder": "50", "wugrace": "7"}, False, b"@07@S"),
    ({"sdtype": "1", "wugrace": "12"}, True, b"S")])
async def test_killpower_sends_what_apcsmart_old_k_sends(options, on_battery, sent) -> None:
    theirs, mine = rt(), rt()
    if on_battery:
        theirs.status = mine.status = 0x10
    async with serving_all([theirs, mine]) as [(_, their_tty), (_, my_tty)], \
            trio.open_nursery() as both:
        both.start_soon(real_kill, "apcsmart-old", their_tty, options)
        await kill_power(section(my_tty, options), factory=ApcSmartOld)
        await read_out(theirs, mine)
    assert bytes(mine.received) == bytes(theirs.received)
    assert mine.commands().replace(b"R", b"") == sent
