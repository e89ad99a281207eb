"""The real NUT 2.8.0 safenet and nutrio's, on the same simulated SafeNet units.

Two units (tests/drivers/sim/safenet_sim.py) after the dumps: an Elsist UPS
(nothing configured; delays set here to see them in the shutdown requests)
and a Fenton PowerPal P600E (its dump's manufacturer, model and serial). The
real driver reads DSR at start and a pseudo-terminal has none: it runs with
the modem-lines shim preloaded (tests/drivers/sim/modemlines.c). Compared:
the variables and commands, the requests at start (the "random" status
requests included: both draw glibc's unseeded sequence), the status
changes, the stopped battery test, the bytes of every command and of
killpower on line and on battery.
"""

from __future__ import annotations

import os
from pathlib import Path
from types import MappingProxyType

import pytest
import trio
from driver_helpers import Device
from serial_bench import Unit, read_out, real_kill, serial_bench
from sim.shims import NO_DSR, modem_env
from sim.realdriver import SBIN, have_driver
from sim.safenet_sim import SafenetUps, safenet_sim

from nutrio.actors.drivers.killpower import KillResult, kill_power
from nutrio.actors.drivers.safenet.driver import Safenet
from nutrio.protocol.devices import safenet as sn
from tests.usblab.build import missing_compiler_reason

pytestmark = [
    pytest.mark.realnut,
    pytest.mark.skipif(not have_driver("safenet"), reason="real NUT safenet absent"),
    pytest.mark.skipif(missing_compiler_reason() is not None, reason="no C compiler for the shim"),
    pytest.mark.e2e,
]

SETTLE = 2.5  # a poll on each side after a change (both poll every second)
ELSIST = {"ondelay": "2", "offdelay": "120"}
FENTON = {"manufacturer": "Fenton", "modelname": "PowerPal P600E", "serialnumber": "23091046"}


def units() -> list[Unit]:
    quoted = {**FENTON, "modelname": '"PowerPal P600E"'}  # as ups.conf spells it
    return [Unit("elsist", ELSIST, SafenetUps(), SafenetUps()),
            Unit("fenton", quoted, SafenetUps(), SafenetUps(), our_options=FENTON)]


async def changed(b, change) -> None:  # type: ignore[no-untyped-def]
    for name in b.units:
        b.both(name, change)
    await trio.sleep(SETTLE)
    for name in b.units:
        await b.compare(name)


async def test_nutrio_serves_what_real_safenet_serves_for_the_same_units(nursery) -> None:
    async with serial_bench(nursery, "safenet", units(), Safenet, settle=2.5,
                            env=modem_env()) as b:
        found = {name: await b.compare(name) for name in b.units}
        assert found["fenton"]["ups.model"] == "PowerPal P600E"
        assert found["elsist"]["ups.mfr"] == "unknown" and found["elsist"]["ups.status"] == "OL"
        assert found["elsist"]["ups.delay.start"] == "120"
        for unit in b.units.values():  # the initialising request, then the same status requests
            assert unit.ours.received[0] == unit.real.received[0] == sn.INITIALIZE
            assert unit.ours.received[1:3] == unit.real.received[1:3], unit.name
            assert all(sn.is_status_request(r) for r in unit.real.received[1:3])

        for change in (SafenetUps.on_battery, SafenetUps.low_battery, SafenetUps.on_line,
                       lambda ups: ups.set("overload", "batteryfail"),
                       lambda ups: ups.set("systemfail"), lambda ups: ups.set("systemtest")):
            await changed(b, change)
        # a battery test that ran the battery low: both stop it
        b.both("elsist", lambda ups: ups.received.clear())
        await changed(b, lambda ups: ups.set("systemtest", "batterylow"))
        for ups in (b.units["elsist"].real, b.units["elsist"].ours):
            assert ups.commands() == [sn.STOP_TEST] and "systemtest" not in ups.flags
        await changed(b, SafenetUps.on_line)

        name = "elsist"
        sent = await b.commands(name, [f"INSTCMD {name} {c}" for c in (
            "test.battery.start", "test.battery.stop", "test.failure.start",
            "test.failure.stop", "beeper.mute", "beeper.mute", "beeper.on", "beeper.toggle",
            "beeper.off", "beeper.enable")], count=8, pace=1.5)
        assert sent == [sn.BATTERY_TEST, sn.STOP_TEST, sn.MAINS_TEST, sn.STOP_TEST,
                        sn.TOGGLE_BEEP, sn.TOGGLE_BEEP, sn.TOGGLE_BEEP, sn.TOGGLE_BEEP]
        assert await b.commands(name, [f"INSTCMD {name} shutdown.return",
                                       f"INSTCMD {name} shutdown.reboot"], count=2, pace=1.5) == [
            b"ZBASBCAWLPGE\r", b"ZAFBCARAAACO\r"]
        await b.compare(name)


def section(port: str, **options: str) -> Device:
    return Device(name="sim", port=port, config_dir=Path("/tmp"), driver="safenet",
                  options=MappingProxyType(options))


@pytest.mark.parametrize(("flags", "command"), [((), "shutdown.reboot"),
                                                (("onbattery",), "shutdown.return")])
async def test_killpower_sends_what_safenet_k_sends(flags, command) -> None:
    async with safenet_sim() as (theirs, their_tty), safenet_sim() as (mine, my_tty), \
            trio.open_nursery() as both:
        theirs.set(*flags)
        mine.set(*flags)
        both.start_soon(real_kill, "safenet", their_tty, ELSIST, modem_env())
        result = await kill_power(section(my_tty, **ELSIST), factory=Safenet)
        await read_out(theirs, mine)
    assert isinstance(result, KillResult) and result.command == command
    assert mine.received == theirs.received
    assert mine.received[0] == sn.INITIALIZE and len(mine.received) == 2


async def real_start(tty: str, env: dict[str, str], tmp: Path) -> tuple[int, str]:
    """The real safenet started in the foreground until it exits (10 s at most)."""
    (tmp / "ups.conf").write_text(f"[sim]\n    driver = safenet\n    port = {tty}\n")
    (tmp / "nut.conf").write_text("MODE=standalone\n")
    with trio.fail_after(10):
        done = await trio.run_process(
            [str(SBIN / "safenet"), "-a", "sim", "-u", "root", "-F"],
            env={**os.environ, **env, "NUT_CONFPATH": str(tmp), "NUT_STATEPATH": str(tmp)},
            capture_stdout=True, capture_stderr=True, check=False)
    return done.returncode, (done.stdout + done.stderr).decode()


async def test_the_real_driver_stops_at_start_without_dsr(tmp_path) -> None:
    """Why the shim: without DSR the real driver stops before a single request. On a bare
    pty it reads an unset int instead (TIOCMGET fails), which stopped it in every run
    here but is not something to test on; nutrio reads the failure as a line without
    modem lines and goes on."""
    async with safenet_sim() as (ups, tty):
        code, output = await real_start(tty, modem_env(NO_DSR), tmp_path)
    assert code != 0 and "Serial cable problem or nothing attached to" in output
    assert ups.received == []
