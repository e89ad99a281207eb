"""The real NUT 2.8.0 gamatronic and nutrio's, on the same simulated SEC units.

Two NHS Expert C Online 8000 units (tests/drivers/sim/gamatronic_sim.py),
one at 9600 baud and one at 1200, so the speed search runs. The real driver
copies each answer down its buffer with an overlapping strcpy, which this
machine's C library garbles for answers of 33 characters or more, depending
on where its stack lies; it runs with tests/drivers/sim/overlapcopy.c
preloaded, which copies as NUT's source means. Compared: the same
variables (LIST RW and CMD are empty on both: NUT's driver has neither),
the same requests at start, the same status and alarm changes (on battery
with "Input Bad", low battery, output off, overload, bypass, battery bad,
the "Estimated Minutes" alarm NUT raises when that field reads 1), and the
same killpower requests.
"""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType

import pytest
import trio
from driver_helpers import Device
from serial_bench import Unit, read_out, real_kill, serial_bench
from sim.gamatronic_sim import SecUps, sec_sim
from sim.realdriver import have_driver
from sim.shims import overlap_safe_env

from nutrio.actors.drivers.gamatronic.driver import Gamatronic
from nutrio.actors.drivers.killpower import KillResult, kill_power
from tests.usblab.build import missing_compiler_reason

pytestmark = [
    pytest.mark.realnut,
    pytest.mark.skipif(not have_driver("gamatronic"), reason="real NUT gamatronic absent"),
    pytest.mark.skipif(missing_compiler_reason() is not None, reason="no C compiler for the shim"),
    pytest.mark.e2e,
]

SETTLE = 2.5  # a poll on each side after a change (both poll every second)


def units() -> list[Unit]:
    return [Unit("nhs", {}, SecUps(), SecUps()),
            Unit("slow", {}, SecUps(baud=1200), SecUps(baud=1200))]


async def changed(b, change) -> dict[str, str]:  # type: ignore[no-untyped-def]
    b.both("nhs", change)
    await trio.sleep(SETTLE)
    return await b.compare("nhs")


async def test_nutrio_serves_what_real_gamatronic_serves_for_the_same_units(nursery) -> None:
    async with serial_bench(nursery, "gamatronic", units(), Gamatronic, settle=6,
                            env=overlap_safe_env()) as b:
        found = {name: await b.compare(name) for name in b.units}
        assert found["nhs"]["ups.model"] == "EXPERT GIII  8kVA"
        assert found["nhs"]["battery.runtime.low"] == "59940"
        assert found["nhs"]["ups.status"] == "OL" and found["slow"]["battery.voltage"] == "210.5"
        for unit in b.units.values():  # the speed search, the lists, the once-read commands
            start = len(unit.real.received) - 5 * 3  # three updates of five commands at most
            assert unit.ours.received[:start] == unit.real.received[:start], unit.name
        assert b.units["nhs"].real.received[:2] == [b"^P003MAN", b"^P003AP1"]

        assert (await changed(b, SecUps.on_battery))["ups.status"] == "ALARM OB"
        low = await changed(b, SecUps.low_battery)
        assert low["ups.alarm"] == "Input Bad  Shutdown Pending " and low["ups.status"] == (
            "ALARM OB LB")
        for command, index, text in (("ST5", 6, "1"), ("ST5", 4, "1"), ("ST3", 1, "2"),
                                     ("ST1", 1, "2"), ("ST3", 1, "3"), ("ST3", 1, "4"),
                                     ("ST1", 5, "1"), ("ST1", 5, "-5"), ("ST1", 7, "21x"),
                                     ("ST3", 1, "9")):
            await changed(b, lambda ups, c=command, i=index, t=text: ups.put(c, i, t))
        assert (await changed(b, SecUps.on_line))["ups.status"] == "OL"


def section(port: str) -> Device:
    return Device(name="sim", port=port, config_dir=Path("/tmp"), driver="gamatronic",
                  options=MappingProxyType({}))


async def test_killpower_sends_what_gamatronic_k_sends() -> None:
    async with sec_sim(baud=2400) as (theirs, their_tty), \
            sec_sim(baud=2400) as (mine, my_tty), trio.open_nursery() as both:
        both.start_soon(real_kill, "gamatronic", their_tty, {}, overlap_safe_env())
        result = await kill_power(section(my_tty), factory=Gamatronic)
        await read_out(theirs, mine)
    assert isinstance(result, KillResult) and result.command == "shutdown.return"
    assert mine.received == theirs.received
    assert mine.commands() == [b"^S005PSD-1", b"^S004ATR1", b"^S004SDA2", b"^S004PSD5"]
