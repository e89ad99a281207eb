"""The real NUT 2.8.0 powercom and nutrio's, on the same simulated PowerCom units.

Five units (tests/drivers/sim/powercom_sim.py): a KIN-1500AP, a BNT-1000AP
and an IMP-625AP that the start detects, a Trust unit (11-byte frames, the
linear coefficients), and a KIN 2200 run as BNT-other with every
coefficient option of the ULT33046 dump. All real drivers behind one real
upsd, nutrio's actors behind nutrio's listener (tests/drivers/serial_bench.py):
the same variables and commands, the same status changes, the same bytes
at the start, for the commands and for killpower. Then random frames of
six types, read by nutrio's formulas and printed by the real driver at -DD.
"""

from __future__ import annotations

import os
import random
import re
from pathlib import Path
from types import MappingProxyType

import pytest
import trio
from driver_helpers import Device
from serial_bench import Unit, read_out, real_kill, serial_bench
from sim.powercom_sim import (
    BNT_1000,
    IMP_625,
    KIN_1500,
    KIN_2200_120,
    TRUST,
    PcProfile,
    PowercomUps,
    powercom_sim,
)
from sim.pty import serving
from sim.realdriver import SBIN, have_driver, stop_processes, ups_conf_section

from nutrio.actors.drivers.killpower import KillResult, kill_power
from nutrio.actors.drivers.powercom.driver import PowerCom
from nutrio.protocol.devices import powercom as pc

pytestmark = [
    pytest.mark.realnut,
    pytest.mark.skipif(not have_driver("powercom"), reason="real NUT powercom absent"),
    pytest.mark.e2e,
]

SETTLE = 2.5  # a poll on each side after a change (both poll every second)
#: the ULT33046 dump's options (a KIN 2200 on 120 V taken as BNT-other)
ULTRA = {"type": "BNT-other", "linevoltage": "120", "manufacturer": "PowerCom",
         "modelname": "RCD-UPS2000D", "serialnumber": "40206430906",
         "methodOfFlowControl": "no_flow_control", "numOfBytesFromUPS": "16",
         "validationSequence": "{{8,0},{8,0},{8,0}}", "shutdownArguments": "{{1,30},y}",
         "loadPercentage": "{1.4474,0.0,0.8594,0.0}",
         "batteryPercentage": "{5.0000,0.3268,-825.00,0.46511,0}",
         "voltage": "{1.9216,-0.0977,0.82857,0.0000}", "nobt": None}


def units() -> list[Unit]:
    return [Unit(name, options, PowercomUps(profile), PowercomUps(profile))
            for name, profile, options in (("kin", KIN_1500, {"type": "KIN"}),
                                           ("bnt", BNT_1000, {"type": "BNT"}),
                                           ("imp", IMP_625, {"type": "IMP"}),
                                           ("trust", TRUST, {}),
                                           ("ultra", KIN_2200_120, ULTRA))]


async def test_nutrio_serves_what_real_powercom_serves_for_the_same_units(nursery) -> None:
    async with serial_bench(nursery, "powercom", units(), PowerCom, settle=2.5) as b:
        found = {name: await b.compare(name) for name in b.units}
        assert found["kin"]["ups.model"] == "KIN-1500AP" and found["kin"]["ups.status"] == "OL TEST"
        assert found["bnt"]["input.voltage.nominal"] == "230"
        assert found["imp"]["ups.model.type"] == "IMP" and found["imp"]["input.frequency"] == "50.00"
        assert found["trust"]["ups.model"] == "Unknown" and found["trust"]["ups.status"] == "OL"
        assert found["ultra"]["ups.model.type"] == "BNT-other"
        assert found["ultra"]["driver.flag.nobt"] == "enabled"
        for unit in b.units.values():  # detection, battery test (not for nobt or Trust)
            assert unit.ours.received[:3] == unit.real.received[:3], unit.name
        assert b.units["ultra"].real.commands() == b.units["trust"].real.commands() == []

        for change in (PowercomUps.on_battery, PowercomUps.low_battery, PowercomUps.on_line,
                       lambda ups: ups.avr(80), lambda ups: ups.avr(160)):
            for name in b.units:
                b.both(name, change)
            await trio.sleep(SETTLE)
            for name in b.units:
                await b.compare(name)

        assert await b.commands("kin", ["INSTCMD kin test.battery.start"], count=1) == [b"\x03"]
        # NUT's driver exits after a shutdown: these come last
        assert await b.commands("trust", ["INSTCMD trust shutdown.stayoff"], count=1) == [
            bytes([0xBA, 10])]
        assert await b.commands("kin", ["INSTCMD kin shutdown.return"], count=1) == [
            bytes([0xB9, 0xBC, 1, 30])]


def section(port: str, **options: str) -> Device:
    return Device(name="sim", port=port, config_dir=Path("/tmp"), driver="powercom",
                  options=MappingProxyType(options))


@pytest.mark.parametrize(("profile", "options"), [(KIN_1500, {"type": "KIN"}), (TRUST, {})])
async def test_killpower_sends_what_powercom_k_sends(profile, options) -> None:
    async with powercom_sim(profile) as (theirs, their_tty), \
            powercom_sim(profile) as (mine, my_tty), trio.open_nursery() as both:
        both.start_soon(real_kill, "powercom", their_tty, options)
        result = await kill_power(section(my_tty, **options), factory=PowerCom)
        await read_out(theirs, mine)
    assert isinstance(result, KillResult) and result.command == "shutdown.return"
    assert mine.received == theirs.received
    assert mine.commands()[-1][:2] == bytes([0xB9, 0xBC])


class RandomUnit(PowercomUps):
    """Random frames that pass the type's checks, each kept in ``sent``; the line voltage
    nibble stays one NUT knows (past it NUT reads beyond its load tables)."""

    def __init__(self, kind: pc.PcType, seed: int) -> None:
        super().__init__(PcProfile(bytes(16), length=kind.frame))
        self.kind, self.rng, self.sent = kind, random.Random(seed), []

    def answer(self) -> bytes:
        frame = bytearray(self.rng.randrange(256) for _ in range(16))
        if self.rng.random() < 0.5:
            frame[9] &= 0x0B  # on line more often: BOOST and TRIM
        frame[12] -= 5 if frame[12] % 16 > 10 else 0
        for index, value in self.kind.checks:
            frame[index] = value
        self.sent.append(bytes(frame[: self.kind.frame]))
        return self.sent[-1]


_PRINTED = re.compile(r"\[D2\] (input\.frequency|output\.frequency|ups\.load|battery\.charge|"
                      r"input\.voltage|output\.voltage|STATUS): (.*)$")


async def printed_by_real_driver(unit: RandomUnit, options: dict[str, str], seconds: float,
                                 tmp: Path) -> list[dict[str, str]]:
    """Each update's readings as the real driver prints them at -DD."""
    async with serving(unit) as (_, tty):
        (tmp / "ups.conf").write_text(
            ups_conf_section("sim", "powercom", tty, {"pollinterval": "1", **options}))
        (tmp / "nut.conf").write_text("MODE=standalone\n")
        with (tmp / "log").open("w") as log:
            proc = await trio.lowlevel.open_process(
                [str(SBIN / "powercom"), "-a", "sim", "-u", "root", "-F", "-DD"],
                env={**os.environ, "NUT_CONFPATH": str(tmp), "NUT_STATEPATH": str(tmp)},
                stdout=log, stderr=log)
            await trio.sleep(seconds)
            await stop_processes([proc])
    updates, current = [], {}
    for line in (tmp / "log").read_text().splitlines():
        if (found := _PRINTED.search(line)) is not None:
            current["ups.status" if found[1] == "STATUS" else found[1]] = found[2]
            if found[1] == "STATUS":
                updates.append(current)
                current = {}
    return updates


@pytest.mark.parametrize(("options", "seed"), [
    ({"type": "KIN"}, 1), ({"type": "BNT"}, 2), ({}, 3), ({"type": "IMP"}, 4),
    ({"type": "BNT-other", "linevoltage": "120"}, 5), ({"type": "Egys"}, 6)])
async def test_random_frames_read_as_the_real_driver_prints_them(options, seed, tmp_path) -> None:
    setup = pc.configure(options)
    unit = RandomUnit(setup.kind, seed)
    updates = await printed_by_real_driver(unit, options, 12, tmp_path)
    frames = [f.ljust(16, b"\0") for f in unit.sent]
    found = pc.Reading(setup.kind.name, setup.model, setup.linevoltage)
    if setup.detects:  # the first frame is the start's detection
        found, frames = pc.detect(setup.kind, frames[0], setup.model), frames[1:]
    assert len(updates) >= 10
    for frame, printed in zip(frames, updates, strict=False):
        ours = pc.read_frame(setup.kind, found.family, found.linevoltage, frame)
        ours["ups.status"] = " ".join(pc.status_words(setup.kind, found.family,
                                                      found.linevoltage, frame))
        assert ours == printed, frame.hex()
