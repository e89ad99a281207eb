"""The real NUT 2.8.0 mge-shut and nutrio's, each on its own copy of a simulated Eaton/MGE
SHUT UPS (a HID unit shaped after an mge-shut dump, behind a SHUT serial line on a pty).

Both serve through an upsd (the real one, and nutrio's own in `nutrio run`): the same
LIST VAR, LIST RW (types and enumerations) and LIST CMD, the same ups.status as the unit
goes on battery, low, and back, and the same SET_REPORT packets for every instant command
and SET VAR. The units pad their report descriptor for NUT 2.8.0's length bug
(tests/drivers/sim/shut_units.py); a last test shows that bug against nutrio.
"""

from __future__ import annotations

import subprocess
import threading
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from types import MappingProxyType

import pytest
import trio
from driver_helpers import Device
from sim.realdriver import RealDriver, have_driver, private_nut, real_serial_driver
from sim.shut_sim import shut_sim
from sim.shut_units import unit

from nutrio.actors.drivers.killpower import kill_power
from tests.nutriorun import USERS, start_nutrio, wait_ready
from tests.usblab.compare import exercise, set_status
from tests.usblab.nutwire import served

pytestmark = [
    pytest.mark.realnut,
    pytest.mark.skipif(not have_driver("mge-shut"), reason="real NUT mge-shut absent"),
    pytest.mark.e2e,
]

#: what tells the two apart: the build, each one's own pty
ASIDE = frozenset({"driver.version", "driver.parameter.port"})
OPTIONS = {"pollinterval": "1", "pollfreq": "3"}


class _Line:
    """set_status changes a unit under a lab's lock: the SHUT simulator runs in this
    test's own Trio run, so a plain lock does."""

    lock = threading.Lock()


@asynccontextmanager
async def nutrio_serial(driver: str, tty: str, options: Mapping[str, str],
                        tmp: Path) -> AsyncIterator[RealDriver]:
    """`nutrio run` with one serial device table, read through its own upsd."""
    numbers = {"pollinterval", "maxage"}
    table = "".join(f"{k} = {v}\n" if k in numbers else f'{k} = "{v}"\n'
                    for k, v in options.items())
    config = tmp / "nutrio.toml"
    config.write_text(f'[devices.sim]\ndriver = "{driver}"\nport = "{tty}"\n{table}\n{USERS}')
    proc = start_nutrio(config)
    try:
        port = (await trio.to_thread.run_sync(wait_ready, proc))[0]
        yield RealDriver("sim", port, {})
    finally:
        await trio.to_thread.run_sync(proc.stop, 20)


async def wait_status(run: RealDriver, expected: str, timeout: float = 15.0) -> str:
    seen = ""
    with trio.move_on_after(timeout):
        while (seen := (await run.upsc()).get("ups.status", "")) != expected:
            await trio.sleep(0.1)
    return seen


def aside(values: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in values.items() if k not in ASIDE}


@pytest.mark.parametrize("name", ["mge-pulsar-1500", "eaton-9px-2000", "mge-ellipse-premium-800"])
async def test_nutrio_serves_what_real_mge_shut_serves(name: str, tmp_path: Path) -> None:
    sim, make = unit(name)
    real_ups, our_ups = make(), make()
    async with (
        shut_sim(real_ups) as (real_line, real_tty),
        shut_sim(our_ups) as (our_line, our_tty),
        real_serial_driver("mge-shut", real_tty, OPTIONS) as real,
        nutrio_serial("mge-shut", our_tty, OPTIONS, tmp_path) as ours,
    ):
        await wait_status(ours, (await real.upsc())["ups.status"])
        theirs_listed, ours_listed = await served(real.port, "sim"), await served(ours.port, "sim")
        assert aside(ours_listed.vars) == aside(theirs_listed.vars)
        assert ours_listed.rw == theirs_listed.rw
        assert sorted(ours_listed.cmds) == sorted(theirs_listed.cmds)
        assert theirs_listed.vars["driver.name"] == "mge-shut"

        for words in ("OB DISCHRG", "OB DISCHRG LB", "OL CHRG"):
            set_status(_Line(), sim, real_ups, words)  # type: ignore[arg-type]
            set_status(_Line(), sim, our_ups, words)  # type: ignore[arg-type]
            seen_real = await wait_status(real, words)
            assert await wait_status(ours, seen_real) == seen_real == words

        real_line.transfers.clear()
        our_line.transfers.clear()
        real_line.set_packets.clear()
        our_line.set_packets.clear()
        theirs_said = await exercise(real, theirs_listed)  # type: ignore[arg-type]
        ours_said = await exercise(ours, theirs_listed)  # type: ignore[arg-type]
        assert ours_said == theirs_said
        assert our_line.sets() == real_line.sets()
        assert our_line.set_packets == real_line.set_packets  # byte for byte on the line
        assert real_line.sets(), "no command or setting reached the unit"


async def test_real_mge_shut_2_8_0_cannot_read_most_descriptor_lengths(tmp_path: Path) -> None:
    """NUT 2.8.0 takes the report descriptor's low length byte for both (fixed in 2.8.1):
    a unit whose length is not a multiple of 257 is refused; nutrio reads it."""
    _, make = unit("mge-pulsar-1500", pad=False)
    async with shut_sim(make()) as (line, tty):
        nut = private_nut("mge-shut", tty, {}, name="sim", prefix="shut-")
        done = await trio.run_process(["/lib/nut/mge-shut", "-a", "sim", "-u", "root", "-DD"],
                                      env=nut.env, capture_stdout=True,
                                      stderr=subprocess.STDOUT, check=False)
        assert done.returncode != 0
        assert b"No matching HID UPS found" in done.stdout
        length = len(line.model.report_descriptor)
        assert f"Reportlen = {(length & 0xFF) * 257}".encode() in done.stdout
        async with nutrio_serial("mge-shut", tty, OPTIONS, tmp_path) as ours:
            assert await wait_status(ours, "ALARM OL CHRG RB") == "ALARM OL CHRG RB"
            assert (await ours.upsc())["ups.model"] == "Pulsar 1500"


async def test_killpower_sends_what_real_mge_shut_k_sends(tmp_path: Path) -> None:
    _, make = unit("mge-pulsar-1500")
    async with shut_sim(make()) as (real_line, real_tty), shut_sim(make()) as (our_line, our_tty):
        nut = private_nut("mge-shut", real_tty, {"offdelay": "60"}, name="sim", prefix="shut-")
        done = await trio.run_process(["/lib/nut/mge-shut", "-a", "sim", "-u", "root", "-k"],
                                      env=nut.env, capture_stdout=True,
                                      stderr=subprocess.STDOUT, check=False)
        dev = Device(name="sim", port=our_tty, config_dir=tmp_path, driver="mge-shut",
                     options=MappingProxyType({"offdelay": "60"}))
        result = await kill_power(dev)
    assert done.returncode == 0, done.stdout
    assert result.command == "shutdown.return"
    assert our_line.sets() == real_line.sets() != []
    assert our_line.set_packets == real_line.set_packets
