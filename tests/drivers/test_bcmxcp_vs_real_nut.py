"""The real NUT 2.8.0 bcmxcp and nutrio's, on the same simulated Powerware units (serial).

Two units (tests/drivers/sim/bcmxcp_models.py): a one-phase PW5125 1500i
with outlets, a command list, settings and alarms (``baud_rate = 9600``),
and a three-phase 9355 8 kVA without a command list, whose meter and ID
blocks take two reply blocks and whose alarm map is short
(``shutdown_delay = 30``). Both real drivers sit behind one real upsd,
nutrio's actors behind nutrio's listener (tests/drivers/bcmxcp_bench.py).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import pytest
import trio
from bcmxcp_bench import FAST, Bench, Unit, serial_bench
from sim.bcmxcp_models import PW5125, PW9355
from sim.bcmxcp_sim import XcpUps
from sim.realdriver import have_driver

from nutrio.actors.drivers.bcmxcp.driver import BcmXcp

pytestmark = [
    pytest.mark.realnut,
    pytest.mark.skipif(not have_driver("bcmxcp"), reason="real NUT bcmxcp absent"),
    pytest.mark.e2e,
]

#: a poll on each side after a change (both poll every second)
SETTLE = 2.5
OPTIONS = {"pw5125": {"baud_rate": "9600"}, "pw9355": {"shutdown_delay": "30"}}


@contextlib.asynccontextmanager
async def bench(nursery: trio.Nursery) -> AsyncIterator[Bench]:
    profiles = {"pw5125": PW5125, "pw9355": PW9355}
    units = {name: Unit(name, OPTIONS[name], XcpUps(p), XcpUps(p)) for name, p in profiles.items()}
    async with serial_bench(nursery, "bcmxcp", units, lambda d: BcmXcp(d, timing=FAST)) as b:
        yield b


def first_update(ups: XcpUps) -> list[bytes]:
    """The payloads up to the end of the first update (meters ... config block)."""
    start = ups.received.index(b"\x34")
    return ups.received[: ups.received.index(b"\x36", start) + 1]


async def test_nutrio_serves_what_real_bcmxcp_serves_for_the_same_units(nursery) -> None:
    async with bench(nursery) as b:
        found = {name: await b.compare(name) for name in b.units}
        assert found["pw5125"]["ups.model"] == "PW5125     1500i"
        assert found["pw5125"]["ups.load"] == " 13.7"
        assert found["pw9355"]["ups.firmware"] == "Inve:02.50 Disp:01.12 "
        assert found["pw9355"]["input.L1-N.voltage"] == "236.6"
        for unit in b.units.values():  # the same conversation up to the first update's end
            assert first_update(unit.ours) == first_update(unit.real), unit.name
            head = unit.real.raw.index(b"\xab\x01\x34")
            assert unit.ours.raw[:head] == unit.real.raw[:head], unit.name

        statuses = {"pw5125": ("ALARM OB", "ALARM OB LB", "OL"), "pw9355": ("OB", "OB LB", "OL")}
        for step, change in enumerate((XcpUps.on_battery, XcpUps.low_battery, XcpUps.on_line)):
            for name in b.units:
                b.both(name, change)
            await trio.sleep(SETTLE)
            for name in b.units:
                assert (await b.compare(name))["ups.status"] == statuses[name][step], name

        async with trio.open_nursery() as both:
            both.start_soon(commands_match, b)
            both.start_soon(shutdown_delay_is_used, b)
        await trio.sleep(SETTLE)
        after = {name: await b.compare(name) for name in b.units}
        assert (after["pw5125"]["battery.packs"], after["pw5125"]["outlet.1.delay.start"]) == ("2", "7")
        assert after["pw5125"]["ups.beeper.status"] == "muted"

        b.both("pw9355", lambda ups: ups.raise_alarm(0))  # past the short map: a flood
        await trio.sleep(SETTLE)
        flood = await b.compare("pw9355")
        assert flood["ups.status"] == "ALARM OL RB" and len(flood["ups.alarm"]) == 254


async def commands_match(b: Bench) -> None:
    sent = await b.commands("pw5125", [
        "INSTCMD pw5125 shutdown.return", "INSTCMD pw5125 shutdown.stayoff",
        "INSTCMD pw5125 load.on", "INSTCMD pw5125 test.battery.start",
        "INSTCMD pw5125 beeper.mute", "INSTCMD pw5125 outlet.1.shutdown.return",
        "INSTCMD pw5125 outlet.2.load.off",
        'SET VAR pw5125 battery.packs "2"', 'SET VAR pw5125 outlet.1.delay.start "7"',
        'SET VAR pw5125 output.voltage.nominal "999"',  # out of range: authorized, then refused
    ], count=19)
    auth = bytes.fromhex("cf69e8d5")
    assert sent == [auth, bytes.fromhex("8a7800"), auth, b"\x8b", auth, b"\x89",
                    auth, bytes.fromhex("b10a1e"), auth, bytes.fromhex("95060200"),
                    auth, bytes.fromhex("8affff01"), auth, bytes.fromhex("8b02"),
                    auth, bytes.fromhex("950f0200"), auth, bytes.fromhex("9702010700"), auth]


async def shutdown_delay_is_used(b: Bench) -> None:
    sent = await b.commands("pw9355", ["INSTCMD pw9355 shutdown.return",
                                       "INSTCMD pw9355 test.battery.start"], count=4)
    assert sent[1] == bytes.fromhex("8a1e00")
