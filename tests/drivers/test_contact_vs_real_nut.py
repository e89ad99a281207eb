"""The real NUT 2.8.0 genericups and liebert beside nutrio's, on the modem lab.

Every genericups cable type (0..23) plus units with overridden signals and names, and
three MultiLink units (tests/drivers/sim/contact_sim.py, shaped after the Apollo 1000F,
MicroDowell B-Box LP 500, Sweex 1000VA, Liebert GXT3 and PowerSure PSA 500 dumps). The
real drivers behind a real upsd, nutrio as `nutrio run`, both with the modem lab
preloaded (tests/drivers/contact_bench.py): the same LIST VAR/RW/CMD, the same status
at each change of the lines, the same lines set at the start and for killpower
(``-k`` beside `nutrio drivers shutdown`), the same staleness when the port fails.
"""

from __future__ import annotations

import errno
from pathlib import Path

import pytest
import trio
from contact_bench import contact_bench, nutrio_config, nutrio_shutdown, real_kill_on
from serial_bench import Unit, both_say, statuses
from sim.contact_sim import ContactUps
from sim.modemlab import ModemLab
from sim.pty import open_pty
from sim.realdriver import have_driver

from nutrio.protocol.devices.contact import DTR, RTS, TYPES, genericups

pytestmark = [
    pytest.mark.realnut,
    pytest.mark.skipif(not (have_driver("genericups") and have_driver("liebert")),
                       reason="real NUT genericups/liebert absent"),
    pytest.mark.e2e,
]

SETTLE = 2.5  # a poll on each side after a change (both poll every second)
#: overrides of every kind, on the FTTx type (the one with RB and BYPASS lines)
#: (no blanks: serial_bench writes the real ups.conf's values unquoted)
OVERRIDES = {"upstype": "23", "mfr": "Acme", "model": "Contact-9", "serial": "AC-0042",
             "CP": "DTR/-RTS", "OL": "-CTS", "LB": "DCD", "RB": "RNG+DSR", "BYPASS": "none",
             "sdtime": "0"}
#: overrides that change nothing (NUT logs a notice)
SAME = {"upstype": "2", "SD": "RTS+DTR", "LB": "DCD"}


def genericups_units() -> list[Unit]:
    units = [Unit(f"t{n}", {"upstype": str(n)}, ContactUps(cable), ContactUps(cable))
             for n, cable in enumerate(TYPES)]
    for name, options in (("custom", OVERRIDES), ("same", SAME)):
        cable = genericups.configure(options).cable
        units.append(Unit(name, options, ContactUps(cable), ContactUps(cable)))
    return units


async def compare_all(b) -> dict[str, dict[str, str]]:  # type: ignore[no-untyped-def]
    return {name: await b.compare(name) for name in b.units}


async def test_every_genericups_type_serves_what_real_genericups_serves(tmp_path: Path) -> None:
    async with contact_bench(tmp_path, "genericups", genericups_units()) as b:
        found = await compare_all(b)
        assert found["t4"]["ups.model"] == "Generic RUPS model"  # the Apollo 1000F's
        assert found["t7"]["ups.mfr"] == "CyberPower" and found["t7"]["ups.status"] == "OL"
        assert found["custom"]["ups.serial"] == "AC-0042"
        assert {values["ups.status"] for values in found.values()} == {"OL"}
        for name, unit in b.units.items():  # the cable power, set once at the start
            power = genericups.configure(unit.options).cable.power
            assert b.lines[name, "ours"].events() == b.lines[name, "real"].events() == [
                ("SET", power)], name
        assert b.lines["custom", "ours"].outputs == DTR

        steps = ({"online": False}, {"lowbatt": True}, {"online": True},
                 {"replace": True, "bypass": True}, {"lowbatt": False, "replace": False},
                 {"bypass": False})
        seen = []
        for step in steps:
            for name in b.units:
                b.both(name, lambda ups, s=step: ups.show(**s))
            await trio.sleep(SETTLE)
            found = await compare_all(b)
            seen.append((found["t4"]["ups.status"], found["t23"]["ups.status"],
                         found["custom"]["ups.status"]))
        assert seen == [("OB", "OB", "OB"), ("LB OB", "LB OB", "LB OB"),
                        ("LB OL", "LB OL", "LB OL"), ("LB OL", "LB OL RB BYPASS", "LB OL RB"),
                        ("OL", "OL BYPASS", "OL"), ("OL", "OL", "OL")]


KILL_EXTRA = {"sdhold": {"upstype": "7", "sdtime": "1"},  # holds DTR a second
              "sdgiven": {"upstype": "8", "SD": "RTS"},  # a type without one, given one
              "sdoff": {"upstype": "12", "SD": "none"},  # shutdown drops every line
              "cpbreak": {"upstype": "13", "CP": "NULL"}}


async def test_killpower_sets_the_lines_genericups_k_sets(tmp_path: Path) -> None:
    sections = {f"t{n}": {"upstype": str(n)} for n in range(len(TYPES))} | KILL_EXTRA
    lab = ModemLab(tmp_path)
    ptys = {(name, side): open_pty() for name in sections for side in ("real", "ours")}
    try:
        for pty in ptys.values():
            lab.line(pty.path)
        config = nutrio_config(tmp_path, "genericups",
                               {n: (ptys[n, "ours"].path, o) for n, o in sections.items()})
        real: dict[str, tuple[int, str]] = {}

        async def kill(name: str) -> None:
            real[name] = await real_kill_on("genericups", ptys[name, "real"].path,
                                            sections[name], lab)

        async with trio.open_nursery() as nursery:
            for name in sections:
                nursery.start_soon(kill, name)
            ours = await nutrio_shutdown(config, lab)
        said = dict(line.split(": ", 1) for line in ours.stdout.decode().splitlines())
        for name in sections:
            theirs = lab.line(ptys[name, "real"].path).events()
            mine = lab.line(ptys[name, "ours"].path).events()
            assert mine == theirs, name
            failed = real[name][0] != 0
            assert failed == said[name].startswith("failed"), (name, real[name], said[name])
        for n in (8, 16, 17, 18):
            assert "No shutdown command defined for this model!" in real[f"t{n}"][1]
            assert said[f"t{n}"].endswith("No shutdown command defined for this model!")
        assert lab.line(ptys["t7", "ours"].path).events() == [("SET", RTS), ("SET", DTR)]
        assert lab.line(ptys["t11", "ours"].path).events() == [("SET", DTR), ("BREAK", 4901)]
        assert lab.line(ptys["t4", "ours"].path).events() == [("SET", RTS), ("SET", 0)]
        assert lab.line(ptys["cpbreak", "ours"].path).events() == [("SET", 0), ("BREAK", 4901)]
        assert said["sdhold"] == "SD sent: DTR held 1 s"
        assert ours.returncode == 1  # four types cannot
    finally:
        for pty in ptys.values():
            await pty.aclose()
        lab.close()


async def test_a_failing_port_goes_stale_on_both_and_nutrio_restarts_the_driver(
        tmp_path: Path) -> None:
    cable = TYPES[7]
    units = [Unit("bbox", {"upstype": "7"}, ContactUps(cable), ContactUps(cable))]
    async with contact_bench(tmp_path, "genericups", units, extra='restart_after = "8"') as b:
        await both_say(b, "bbox", 'VAR bbox ups.status "OL"', 10)
        for spell in ("short", "long"):
            for side in ("real", "ours"):
                b.lines["bbox", side].fail(errno.EIO)
            await both_say(b, "bbox", "ERR DATA-STALE", 15)
            if spell == "long":  # past restart_after: the actor ends, starts again, fails
                await trio.to_thread.run_sync(b.nutrio.wait_for_event, "driver.gone")
            b.both("bbox", lambda ups, s=spell: ups.show(online=s == "short"))
            for side in ("real", "ours"):
                b.lines["bbox", side].fail(0)
            await both_say(b, "bbox", f'VAR bbox ups.status "{"OL" if spell == "short" else "OB"}"',
                           20)
            if spell == "short":  # back within one incarnation: one warning, one recovery
                assert len(b.nutrio.events("driver.bad_reply")) == 1
                assert len(b.nutrio.events("driver.communication_restored")) == 1
                assert not b.nutrio.events("driver.gone")
        assert len(b.nutrio.events("driver.gone")) == 1


def liebert_units() -> list[Unit]:
    options = ({}, {}, {"mfr": "Emerson", "model": "PowerSure-PSA-500"})
    return [Unit(name, opts, ContactUps(None), ContactUps(None))
            for name, opts in zip(("gxt3", "psa500", "named"), options, strict=True)]


async def test_liebert_serves_what_real_liebert_serves(tmp_path: Path) -> None:
    async with contact_bench(tmp_path, "liebert", liebert_units()) as b:
        found = await compare_all(b)
        assert found["gxt3"]["ups.model"] == "MultiLink" and found["gxt3"]["ups.status"] == "OL"
        assert found["named"]["ups.mfr"] == "Emerson"
        for name in b.units:
            assert b.lines[name, "ours"].events() == b.lines[name, "real"].events() == [
                ("BIS", RTS)], name

        # a glitch of two polls never shows (each side's reads count its polls)
        lines = [b.lines[n, s] for n in b.units for s in ("real", "ours")]
        start = [line.reads for line in lines]
        for name in b.units:
            b.both(name, lambda ups: ups.show(online=False, lowbatt=True))
        while any(line.reads < was + 2 for line, was in zip(lines, start, strict=True)):
            await trio.sleep(0.1)
        for name in b.units:
            b.both(name, lambda ups: ups.show(online=True, lowbatt=False))
        await trio.sleep(6)
        for name in b.units:
            assert await statuses(b, name) == [[f'VAR {name} ups.status "OL"']] * 2

        for step, expected in (({"online": False}, "OB"), ({"lowbatt": True}, "OB LB"),
                               ({"online": True}, "OL LB"), ({"lowbatt": False}, "OL")):
            for name in b.units:
                b.both(name, lambda ups, s=step: ups.show(**s))
            for name in b.units:
                await both_say(b, name, f'VAR {name} ups.status "{expected}"', 25)
            await compare_all(b)


async def test_liebert_noise_reads_as_on_line_with_one_warning(tmp_path: Path) -> None:
    units = [Unit("noisy", {}, ContactUps(None, noise=b"\xaa"), ContactUps(None, noise=b"\xaa"))]
    async with contact_bench(tmp_path, "liebert", units) as b:
        b.both("noisy", lambda ups: ups.show(online=False))
        await trio.sleep(8)
        await b.compare("noisy")
        assert await statuses(b, "noisy") == [['VAR noisy ups.status "OL"']] * 2
        assert len(b.nutrio.events("driver.bad_reply")) == 1


async def test_liebert_killpower_refuses_after_raising_rts_as_liebert_k(tmp_path: Path) -> None:
    lab = ModemLab(tmp_path)
    theirs, mine = open_pty(), open_pty()
    try:
        config = nutrio_config(tmp_path, "liebert", {"gxt3": (mine.path, {})})
        for pty in (theirs, mine):
            lab.line(pty.path)
        code, words = await real_kill_on("liebert", theirs.path, {}, lab)
        ours = await nutrio_shutdown(config, lab)
        assert code == 1 and "shutdown not supported" in words
        assert ours.returncode == 1
        assert ours.stdout.decode() == "gxt3: failed (KillPowerUnsupported): shutdown not supported\n"
        assert lab.line(mine.path).events() == lab.line(theirs.path).events() == [("BIS", RTS)]
    finally:
        for pty in (theirs, mine):
            await pty.aclose()
        lab.close()
