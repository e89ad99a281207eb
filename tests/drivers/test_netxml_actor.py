"""The netxml-ups driver actor against a simulated Eaton network card (real sockets).

Options, the start, the card's answers to SET VAR and commands, a card that
stalls, drops its connections or serves broken XML (stale, logged once, back),
and one that stays away past restart_after (the actor ends; a fresh one reads
it again). The side-by-side test with the real driver is
tests/drivers/test_netxml_vs_real_nut.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from types import MappingProxyType

import pytest
import trio
from driver_helpers import Device, ask, restart_after_silence, stale_then_back, start
from sim.netxml_sim import EATON_5PX, NetXmlCard

from nutrio.actors.drivers import DriverConfigError, DriverError, make_driver, run_driver
from nutrio.actors.drivers.netxml.driver import NetXmlUps
from nutrio.actors.registry import DeviceHandle
from nutrio.protocol.common.state import ResultCode


@pytest.fixture
async def card(nursery) -> AsyncIterator[tuple[NetXmlCard, str]]:
    card = NetXmlCard(EATON_5PX)
    port = await nursery.start(card.serve)
    yield card, f"http://127.0.0.1:{port}"


def nx_device(url: str, **options: str) -> Device:
    return Device(name="nx", port=url, config_dir=Path("/tmp"), driver="netxml-ups",
                  pollinterval=0.1, maxage=3.0,
                  options=MappingProxyType({"timeout": "1", **options}))


def test_the_catalog_knows_the_driver() -> None:
    assert isinstance(make_driver(nx_device("http://127.0.0.1:1")), NetXmlUps)


@pytest.mark.parametrize(("options", "message"), [
    ({"timeout": "0"}, "timeout must be greater than 0"),
    ({"shutdown_duration": "-1"}, "shutdown duration must be greater than or equal to 0"),
    ({"shutdown_timer": "-5"}, "shutdown timer must be greater than or equal to 0"),
])
async def test_unusable_options_are_refused(options, message) -> None:
    with pytest.raises(DriverConfigError, match=message):
        await run_driver(nx_device("http://127.0.0.1:1", **options), DeviceHandle("nx"))


async def test_a_port_without_a_host_is_refused() -> None:
    with pytest.raises(DriverConfigError, match="invalid hostname"):
        NetXmlUps(nx_device("http://"))


async def test_a_card_that_never_answers_fails_the_start() -> None:
    with trio.socket.socket() as sock:
        await sock.bind(("127.0.0.1", 0))  # bound, never listening: refused
        url = "http://127.0.0.1:%d" % sock.getsockname()[1]
        with pytest.raises(DriverError, match="Connectivity test"):
            await run_driver(nx_device(url), DeviceHandle("nx"))


async def test_the_driver_reads_the_card_and_posts_sets(nursery, card) -> None:
    sim, url = card
    handle = await start(nursery, nx_device(url, login="admin", password="secret",
                                            subscribe="true"))
    data = handle.snapshot.data
    assert data.vars["ups.model"] == "Eaton 5PX" and data.vars["ups.status"] == "OL CHRG"
    assert data.vars["driver.version.data"] == "MGEXML/0.36"
    assert "driver.parameter.password" not in data.vars and data.vars["driver.hostname"]
    assert data.vars["driver.flag.subscribe"] == "enabled"
    assert data.commands == ()
    assert [p for m, p, _, _ in sim.received[:5]] == [
        "/", "/mgeups/product.xml", "/getvalue.cgi", "/upsprop.xml", "/mgeups/product.xml"]
    assert await ask(handle, "SET", "ups.delay.shutdown", "60") == ResultCode.FAILED
    assert b'"System.ShutdownDuration">60<' in sim.commands()[0]
    assert sim.settings["System.ShutdownDuration"] == "60"


@pytest.mark.parametrize("mode", ["garbage", "silent", "drop"])
async def test_a_bad_card_makes_the_data_stale_and_the_actor_lives_on(nursery, card,
                                                                       mode) -> None:
    sim, url = card
    handle = await start(nursery, nx_device(url, restart_after="0"))
    warned = await stale_then_back(handle, sim, mode, sim.on_battery, "OB DISCHRG")
    assert warned == 1  # the first page that failed; the rest of the spell at debug level


async def test_a_card_away_past_restart_after_ends_the_actor_and_is_read_again(card) -> None:
    sim, url = card

    def silence() -> None:
        sim.mode = "drop"

    def answer() -> None:
        sim.mode = "normal"
        sim.low_battery()

    read = await restart_after_silence(nx_device(url, restart_after="1"), NetXmlUps,
                                       silence, answer)
    assert read["ups.status"] == "OB DISCHRG LB"
