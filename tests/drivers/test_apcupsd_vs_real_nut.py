"""The real NUT 2.8.0 apcupsd-ups and nutrio's, reading the same real apcupsd.

A real apcupsd (tests/drivers/sim/apcupsd_daemon.py) watches the APC smart
simulator on a pty and serves its NIS; the real apcupsd-ups behind the real upsd
and nutrio's actor behind nutrio's listener both read it: the same variables (no
writable ones, no commands), the same status changes as the simulated UPS goes
from line to battery to low battery and back. When apcupsd is gone or stalls,
NUT's driver goes on serving what is left of its data as fresh (it never says
stale) while nutrio's is stale; both serve the same again once apcupsd is back.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import pytest
import trio
from serial_bench import NOT_COMPARED, Bench, Unit, both_say, nut_client, nutrio_side, real_side
from sim.apcsmart_sim import ApcSmartSim
from sim.apcupsd_daemon import Apcupsd, have_apcupsd, running_apcupsd
from sim.pty import serving
from sim.realdriver import have_driver

from nutrio.actors.drivers.apcupsd.driver import ApcupsdUps

pytestmark = [
    pytest.mark.realnut,
    pytest.mark.skipif(not have_driver("apcupsd-ups"), reason="real NUT apcupsd-ups absent"),
    pytest.mark.skipif(not have_apcupsd(), reason="apcupsd absent (.ci/run unpacks it)"),
    pytest.mark.e2e,
]

#: apcupsd's DATE is its clock: each driver reads it at its own poll
IGNORE = NOT_COMPARED | {"ups.time"}


@contextlib.asynccontextmanager
async def apcupsd_bench(nursery: trio.Nursery) -> AsyncIterator[tuple[Bench, ApcSmartSim,
                                                                       Apcupsd]]:
    async with serving(ApcSmartSim()) as (sim, tty), running_apcupsd(tty) as daemon:
        nis = f"127.0.0.1:{daemon.port}"
        unit = Unit("apc", {}, sim, sim, port=nis)
        our_port, handles = await nutrio_side(nursery, "apcupsd-ups", [unit], ApcupsdUps)
        async with real_side("apcupsd-ups", {"apc": (nis, {})}) as real_port:
            await trio.sleep(2.5)
            yield Bench({"apc": unit}, real_port, our_port, handles, IGNORE), sim, daemon


async def same_listing(b: Bench, within: float = 10) -> dict[str, str]:
    """Both upsds list the same, once apcupsd's own next poll has reached both drivers
    (apcupsd learns a power change from the UPS's alert before it reads the new values)."""
    with trio.move_on_after(within):
        while True:
            try:
                return await b.compare("apc")
            except AssertionError:
                await trio.sleep(0.5)
    return await b.compare("apc")


def status(value: str) -> str:
    return f'VAR apc ups.status "{value}"'


async def test_both_read_the_same_apcupsd_alike_through_its_power_story(nursery) -> None:
    async with apcupsd_bench(nursery) as (b, sim, _):
        found = await same_listing(b)
        assert found["ups.model"] == "Smart-UPS 1000" and found["ups.mfr"] == "APC"
        assert found["battery.runtime"] == "2700.0" and found["input.sensitivity"] == "H"
        assert found["ups.status"] == "OL"
        for change, words in ((sim.on_battery, "OB"), (sim.low_battery, "OB LB"),
                              (sim.on_line, "OL")):
            change()
            await both_say(b, "apc", status(words), within=15)
            await same_listing(b)


async def _ask(port: int, request: str) -> list[str]:
    async with nut_client(port) as client:
        return await client.ask(request)


async def test_apcupsd_gone_real_serves_leftovers_nutrio_goes_stale_both_come_back(
        nursery) -> None:
    async with apcupsd_bench(nursery) as (b, _, daemon):
        await daemon.stop()
        with trio.fail_after(20):
            while await _ask(b.our_port, "GET VAR apc ups.status") != ["ERR DATA-STALE"]:
                await trio.sleep(0.5)
        with trio.fail_after(10):  # NUT deletes what apcupsd no longer says, not the rest
            while await _ask(b.real_port, "GET VAR apc ups.load") != ["ERR VAR-NOT-SUPPORTED"]:
                await trio.sleep(0.5)
        assert await _ask(b.real_port, "GET VAR apc ups.status") == [status("OL")]
        assert await _ask(b.real_port, "GET VAR apc battery.charge") == \
            ['VAR apc battery.charge "100.0"']
        await daemon.start()
        await both_say(b, "apc", status("OL"), within=15)
        await same_listing(b)


async def test_a_stalled_apcupsd_makes_nutrio_stale_until_it_answers_again(nursery) -> None:
    async with apcupsd_bench(nursery) as (b, sim, daemon):
        daemon.pause()
        with trio.fail_after(40):
            while await _ask(b.our_port, "GET VAR apc ups.status") != ["ERR DATA-STALE"]:
                await trio.sleep(0.5)
        daemon.resume()
        sim.on_battery()
        await both_say(b, "apc", status("OB"), within=40)
        await same_listing(b)
