"""The real NUT 2.8.0 netxml-ups and nutrio's, on simulated Eaton network cards.

Two cards (tests/drivers/sim/netxml_sim.py, after the Eaton 5PX and 9PX dumps),
each twice: one for the real driver behind the real upsd, one for nutrio's
actor behind nutrio's listener. Both upsds list the same variables, writable
variables and (no) commands; both follow the card from line to battery to low
battery and back; a SET VAR posts the same SET_OBJECT form to the card (again
with the credentials after a 401); killpower posts the same form; a card that
stops answering, or answers with broken XML, makes both stale until it is back.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import trio
from driver_helpers import Device, start
from serial_bench import Bench, Unit, both_say, nut_client, nutrio_side, real_kill, real_side
from sim.netxml_sim import EATON_5PX, EATON_9PX, EATON_93PM, NetXmlCard
from sim.realdriver import SBIN, have_driver, private_nut, stop_processes

from nutrio.actors.drivers.killpower import kill_power
from nutrio.actors.drivers.netxml.driver import NetXmlUps

pytestmark = [
    pytest.mark.realnut,
    pytest.mark.skipif(not have_driver("netxml-ups"), reason="real NUT netxml-ups absent"),
    pytest.mark.e2e,
]

OPTIONS = {"timeout": "1", "login": "admin", "password": "secret"}


def units() -> list[Unit]:
    return [Unit("px5", OPTIONS, NetXmlCard(EATON_5PX), NetXmlCard(EATON_5PX)),
            Unit("px9", {**OPTIONS, "shutdown_duration": "90"},
                 NetXmlCard(EATON_9PX), NetXmlCard(EATON_9PX)),
            Unit("pm", OPTIONS, NetXmlCard(EATON_93PM), NetXmlCard(EATON_93PM)),
            Unit("pmdeci", {**OPTIONS, "do_convert_deci": None},
                 NetXmlCard(EATON_93PM), NetXmlCard(EATON_93PM))]


def url(port: int) -> str:
    return f"http://127.0.0.1:{port}"


@contextlib.asynccontextmanager
async def card_bench(nursery: trio.Nursery, cards: list[Unit],
                     settle: float = 2.5) -> AsyncIterator[Bench]:
    """Both cards of each unit served, nutrio's actors, the real drivers and upsd."""
    async with trio.open_nursery() as sims:
        real = {}
        for unit in cards:
            real[unit.name] = url(await sims.start(unit.real.serve))
            unit.port = url(await sims.start(unit.ours.serve))
        our_port, handles = await nutrio_side(nursery, "netxml-ups", cards, NetXmlUps)
        sections = {u.name: (real[u.name], u.options) for u in cards}
        async with real_side("netxml-ups", sections) as real_port:
            await trio.sleep(settle)
            yield Bench({u.name: u for u in cards}, real_port, our_port, handles)
        sims.cancel_scope.cancel()


async def test_nutrio_serves_what_real_netxml_ups_serves_for_the_same_cards(nursery) -> None:
    async with card_bench(nursery, units()) as b:
        found = {name: await b.compare(name) for name in b.units}
        for name, unit in b.units.items():  # the connectivity test, the product page, a poll
            first = [[p for m, p, _, _ in card.received[:5]] for card in (unit.real, unit.ours)]
            assert first[0] == first[1], name
        refused = [await _ask(port, "INSTCMD px5 load.off") for port in (b.real_port, b.our_port)]
        assert refused == [["ERR CMD-NOT-SUPPORTED"]] * 2  # NUT 2.8.0's driver has no commands
    assert found["px5"]["ups.model"] == "Eaton 5PX" and found["px5"]["ups.status"] == "OL CHRG"
    assert found["px5"]["battery.capacity"] == "9.00" and found["px5"]["input.phases"] == "1"
    assert found["px9"]["input.bypass.phases"] == "1" and found["px9"]["ups.type"] == "online"
    assert "driver.parameter.password" not in found["px5"]
    assert found["pm"]["input.phases"] == "3" and found["pm"]["ups.serial"] == "49EH29101"
    assert found["pm"]["input.L1-L2.voltage"] == "4002"
    assert found["pmdeci"]["input.L1-L2.voltage"] == "400.2"
    assert found["pmdeci"]["input.L1.current"] == "12.5"
    assert found["pm"]["ambient.humidity.maximum"] == "55"


def _object(name: str, value: str, *more: str) -> Callable[[NetXmlCard], None]:
    """A change of the card's objects: ``name`` = ``value`` (and the pairs in ``more``)."""
    pairs = [(name, value), *zip(more[0::2], more[1::2], strict=True)]
    return lambda card: card.ups.update(pairs)


async def test_both_follow_the_card_from_line_to_low_battery_and_back(nursery) -> None:
    summary = "UPS.PowerSummary."
    async with card_bench(nursery, units()[:1]) as b:
        for change, status in (
                (NetXmlCard.on_battery, "OB DISCHRG"),
                (NetXmlCard.low_battery, "OB DISCHRG LB"),
                (NetXmlCard.on_line, "OL CHRG"),
                (_object(summary + "PresentStatus.FanFailure", "1"), "ALARM OL CHRG"),
                (_object(summary + "DelayBeforeShutdown", "60"), "ALARM OL CHRG FSD"),
                (_object("UPS.BatterySystem.Battery.Test", "5"), "ALARM OL CHRG FSD CAL"),
                (_object(summary + "PresentStatus.FanFailure", "0",
                         summary + "DelayBeforeShutdown", "-1"), "OL CHRG CAL")):
            b.both("px5", change)
            await both_say(b, "px5", f'VAR px5 ups.status "{status}"', within=10)
            await b.compare("px5")


@pytest.mark.parametrize("scheme", ["Basic", "Digest"])
async def test_set_var_posts_the_same_form_after_the_same_challenge(nursery, scheme) -> None:
    cards = units()[:1]
    for unit in cards:
        unit.real.auth = unit.ours.auth = scheme.lower()
    async with card_bench(nursery, cards) as b:
        sent = await b.commands("px5", ["SET VAR px5 battery.runtime.low 300",
                                        "SET VAR px5 device.location Lab"], count=3)
        assert b"System.RunTimeToEmptyLimit\">300<" in sent[0]
        card = b.units["px5"]
        real = [(m, p, s) for m, p, _, s in card.real.received if m == "POST"]
        ours = [(m, p, s) for m, p, _, s in card.ours.received if m == "POST"]
        # the credentials go after the card's challenge, then with every request
        assert ours == real == [("POST", "/Forms/set_obj_2", ""),
                                ("POST", "/Forms/set_obj_2", scheme),
                                ("POST", "/Forms/set_obj_2", scheme)]
        await trio.sleep(2.5)  # the next polls read the new values
        assert (await b.compare("px5"))["battery.runtime.low"] == "300"
        await _same_tracking(b)


async def _ask(port: int, request: str) -> list[str]:
    async with nut_client(port) as client:
        return await client.ask(request)


async def _same_tracking(b: Bench) -> None:
    """Both upsds report the driver's answer to a tracked SET the same way."""
    replies = []
    for port in (b.real_port, b.our_port):
        async with nut_client(port) as client:
            assert await client.ask("SET TRACKING ON") == ["OK"]
            reply = await client.ask("SET VAR px5 ups.delay.shutdown 60")
            tracking = reply[0].removeprefix("OK TRACKING ")
            with trio.move_on_after(10):
                while (answer := await client.ask(f"GET TRACKING {tracking}")) == ["PENDING"]:
                    await trio.sleep(0.2)
            replies.append(answer)
    assert replies[0] == replies[1], replies


async def test_a_card_that_stops_answering_goes_stale_and_recovers(nursery) -> None:
    async with card_bench(nursery, units()[:1]) as b:
        for mode in ("silent", "drop", "garbage"):
            b.both("px5", lambda card, m=mode: setattr(card, "mode", m))
            await _both_stale(b)
            b.both("px5", lambda card: setattr(card, "mode", "normal"))
            await both_say(b, "px5", 'VAR px5 ups.status "OL CHRG"', within=15)


async def _both_stale(b: Bench) -> None:
    found: list[list[str]] = []
    with trio.move_on_after(20):
        while found != [["ERR DATA-STALE"]] * 2:
            found = []
            for port in (b.real_port, b.our_port):
                async with nut_client(port) as client:
                    found.append(await client.ask("GET VAR px5 ups.status"))
            await trio.sleep(0.5)
        return
    raise AssertionError(f"not both stale: {found}")


async def test_with_subscribe_real_netxml_ups_goes_stale_and_nutrio_polls_on(nursery) -> None:
    """NUT 2.8.0 refuses every subscription answer (each line fails its port or secret
    check), then reports the alarm connection lost and the data stale at each update;
    nutrio keeps reading the pages (docs/drivers.md, netxml-ups)."""
    real, ours = NetXmlCard(EATON_5PX), NetXmlCard(EATON_5PX)
    options = {**OPTIONS, "subscribe": "true"}
    real_url, our_url = url(await nursery.start(real.serve)), url(await nursery.start(ours.serve))
    nut = private_nut("netxml-ups", real_url, options, name="px5", prefix="netxml-sub-")
    driver = await trio.lowlevel.open_process(
        [str(SBIN / "netxml-ups"), "-a", "px5", "-u", "root", "-F"], env=nut.env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        with trio.fail_after(30):
            while not (dump := await _dump(nut.state / "netxml-ups-px5")):
                await trio.sleep(0.2)
            while "DATASTALE" not in dump:
                await trio.sleep(0.5)
                dump = await _dump(nut.state / "netxml-ups-px5")
    finally:
        await stop_processes([driver])
        shutil.rmtree(nut.tmp, ignore_errors=True)
    assert any(p == "/subscribe.cgi" for _, p, _, _ in real.received)
    handle = await start(nursery, Device(name="px5", port=our_url, config_dir=Path("/tmp"),
                                         driver="netxml-ups", pollinterval=0.5,
                                         options=options), factory=NetXmlUps)
    await trio.sleep(1.5)
    assert not handle.snapshot.stale and handle.snapshot.data.vars["ups.status"] == "OL CHRG"


async def _dump(path: Path) -> str:
    """A NUT driver's DUMPALL over its state socket ("" while it has none)."""
    try:
        stream = await trio.open_unix_socket(str(path))
    except OSError:
        return ""
    async with stream:
        await stream.send_all(b"DUMPALL\n")
        text = b""
        while b"DUMPDONE" not in text and (chunk := await stream.receive_some(65536)):
            text += chunk
    return text.decode()


async def test_killpower_posts_what_netxml_ups_k_posts() -> None:
    real, ours = NetXmlCard(EATON_5PX), NetXmlCard(EATON_5PX)
    async with trio.open_nursery() as sims:
        real_url, our_url = url(await sims.start(real.serve)), url(await sims.start(ours.serve))
        code, said = await real_kill("netxml-ups", real_url, OPTIONS)
        assert code == 0, said
        done = await kill_power(Device(name="px5", port=our_url, config_dir=Path("/tmp"),
                                       driver="netxml-ups", options=OPTIONS))
        assert done.command == "battery.runtime.low"
        sims.cancel_scope.cancel()
    assert ours.received == real.received
    assert b">999999999</OBJECT>" in ours.commands()[0]
