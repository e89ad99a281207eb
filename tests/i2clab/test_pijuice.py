"""nutrio's pijuice on a simulated PiJuice HAT, through its real I2C code path: ``nutrio
run`` in a subprocess with the I2C lab's LD_PRELOAD library (tests/i2clab/i2c_lab.c), so
its os.open("/dev/i2c-1") and fcntl.ioctl(I2C_SLAVE, I2C_SMBUS) reach the simulator.

Debian's NUT 2.8.0 has no pijuice binary: the HAT is built from NUT's drivers/pijuice.c
and the library's five PiJuice dumps; each unit must serve its dump's values. Then
the status changes, a HAT that stops answering (stale, then fresh), one that answers
garbage (no crash loop), and killpower's register writes as pijuice.c makes them.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from nutrio.protocol.devices.pijuice import Reg
from tests.i2clab.pijuice import DUMPS, UNITS, PiJuiceHat
from tests.i2clab.server import I2cLab
from tests.nutriorun import NUTRIO, SHARED, USERS, nutrio_env, start_nutrio, wait_ready
from tests.procs import Proc, wait_until
from tests.usblab.build import missing_compiler_reason

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(
    missing_compiler_reason() is not None, reason=str(missing_compiler_reason()))]

PORT = "/dev/i2c-1"
DDL = SHARED / "data/ddl"
STALE = "Error: Data stale"


def config(tmp: Path, options: str = "") -> Path:
    path = tmp / "nutrio.toml"
    path.write_text(f'[devices.hat]\ndriver = "pijuice"\nport = "{PORT}"\npollinterval = 1\n'
                    f'maxage = 5\n{options}\n{USERS}')
    return path


@contextmanager
def running_hat(tmp: Path, hat: PiJuiceHat, options: str = "") -> Iterator[tuple[Proc, int, I2cLab]]:
    with I2cLab() as lab:
        lab.attach(PORT, 0x14, hat)
        proc = start_nutrio(config(tmp, options), env=nutrio_env(**lab.env()))
        try:
            [port] = wait_ready(proc)[:1]
            yield proc, port, lab
        finally:
            proc.stop()


def upsc(port: int, var: str | None = None) -> str:
    done = subprocess.run(["upsc", f"hat@127.0.0.1:{port}", *([var] if var else [])],
                          capture_output=True, text=True, timeout=10)
    if done.returncode == 0:
        return done.stdout.strip()
    return done.stderr.strip().splitlines()[-1]  # after upsc's SSL notice


def values(port: int) -> dict[str, str]:
    return dict(line.split(": ", 1) for line in upsc(port).splitlines() if ": " in line)


def dump(name: str) -> dict[str, str]:
    found = {}
    for line in (DDL / DUMPS[name]).read_text().splitlines():
        if line and not line.startswith("#") and ": " in line:
            key, value = line.split(": ", 1)
            found[key] = value.split("\t")[0].strip()
    return found


def status_becomes(port: int, want: str) -> None:
    seen: list[str] = []
    assert wait_until(lambda: seen.append(upsc(port, "ups.status")) or seen[-1] == want, 20), \
        f"wanted {want!r}, last {seen[-1:]}"


@pytest.mark.parametrize("name", list(UNITS))
def test_each_simulated_hat_serves_its_dumps_values(tmp_path: Path, name: str) -> None:
    with running_hat(tmp_path, PiJuiceHat(UNITS[name])) as (_, port, _lab):
        served = wait_until(lambda: (v := values(port)).get("ups.status") and v, 20)
    expected = {k: v for k, v in dump(name).items() if not k.startswith("driver.")}
    assert {k: served.get(k) for k in expected} == expected
    assert served["driver.name"] == "pijuice" and served["driver.version.internal"] == "0.10"


def test_status_follows_the_inputs_and_the_charge(tmp_path: Path) -> None:
    hat = PiJuiceHat(UNITS["hat_2019"])
    with running_hat(tmp_path, hat) as (_, port, lab):
        status_becomes(port, "HB OL")
        hat.on_battery()
        status_becomes(port, "HB OB DISCHRG")
        hat.low_battery()
        status_becomes(port, "LB OB DISCHRG")
        hat.on_line()
        status_becomes(port, "HB OL")
        assert upsc(port, "battery.charge") == "93.7"
        reads = [(c.op, c.register) for c in lab.calls()]
    # pijuice.c's order: firmware at start, then address and profiles, then each update
    assert reads[:4] == [("read_word", Reg.FIRMWARE_VERSION), ("read_byte", Reg.I2C_ADDRESS),
                         ("read_block", Reg.BATTERY_PROFILE), ("read_block", Reg.BATTERY_EXT_PROFILE)]
    assert reads[4:15] == [
        ("read_byte", Reg.STATUS), ("read_word", Reg.CHARGE_LEVEL_HI_RES),
        ("read_word", Reg.BATTERY_TEMPERATURE), ("read_word", Reg.BATTERY_VOLTAGE),
        ("read_word", Reg.BATTERY_CURRENT), ("read_word", Reg.IO_VOLTAGE),
        ("read_word", Reg.IO_CURRENT), ("read_block", Reg.RTC_TIME),
        ("read_byte", Reg.POWER_OFF), ("read_byte", Reg.STATUS),
        ("read_word", Reg.CHARGE_LEVEL_HI_RES)]
    assert {c.address for c in lab.calls()} == {0x14}


def test_a_hat_that_stops_answering_goes_stale_and_recovers(tmp_path: Path) -> None:
    hat = PiJuiceHat(UNITS["hat_usb"])
    with running_hat(tmp_path, hat) as (proc, port, lab):
        status_becomes(port, "OL")
        opened = lab.opened
        hat.silent = True
        status_becomes(port, STALE)
        assert wait_until(lambda: lab.opened >= opened + 2, 10)  # reopened the bus, twice
        hat.silent = False
        status_becomes(port, "OL")
        warned = [e["event"] for e in proc.events() if e.get("level") == "warning"]
    assert warned.count("driver.poll_failed") == 1 and warned.count("driver.stale") == 1
    assert not proc.events("actor.crashed", "driver.crashed")


def test_a_hat_silent_past_restart_after_is_restarted_with_back_off_and_recovers(
        tmp_path: Path) -> None:
    hat = PiJuiceHat(UNITS["hat_usb"])
    with running_hat(tmp_path, hat, 'restart_after = "2"') as (proc, port, _lab):
        status_becomes(port, "OL")
        hat.silent = True
        assert wait_until(lambda: len(proc.events("actor.restarting")) >= 3, 20)
        hat.silent = False
        status_becomes(port, "OL")
    delays = [e["delay"] for e in proc.events("actor.restarting")]
    assert delays[:3] == sorted(delays[:3]) and delays[0] < delays[2]  # backing off
    assert "stale for" in proc.events("actor.crashed")[0]["error"]


def test_garbage_from_the_hat_is_served_as_nut_would_without_a_crash_loop(
        tmp_path: Path) -> None:
    hat = PiJuiceHat(UNITS["hat_usb"])
    with running_hat(tmp_path, hat) as (proc, port, _lab):
        status_becomes(port, "OL")
        hat.garbage = True
        assert wait_until(lambda: upsc(port, "battery.voltage") != "3.700", 10)
        hat.garbage = False
        status_becomes(port, "OL")
        assert proc.alive
    assert not proc.events("actor.crashed", "driver.crashed", "actor.restarting")


def test_a_hat_at_another_address_than_i2c_address_stops_the_driver(tmp_path: Path) -> None:
    with running_hat(tmp_path, PiJuiceHat(UNITS["hat_usb"]), 'i2c_address = "21"') as (
            proc, port, lab):
        assert wait_until(lambda: proc.events("actor.crashed"), 20)
        crashed = proc.events("actor.crashed")[0]
        assert crashed["kind"] == "DriverConfigError"
        assert "Could not find PiJuice HAT at I2C address 0x15" in crashed["error"]
        assert upsc(port, "ups.status") == "Error: Driver not connected"
        # NUT sets the slave address before it reads the option: 0x14 all the same
        assert {c.address for c in lab.calls()} == {0x14}


def test_killpower_writes_the_power_off_delay_after_the_firmware_read(tmp_path: Path) -> None:
    hat = PiJuiceHat(UNITS["hat_2019"])
    with I2cLab() as lab:
        lab.attach(PORT, 0x14, hat)
        done = subprocess.run(
            [*NUTRIO, "drivers", "shutdown", "--config", str(config(tmp_path))],
            env=nutrio_env(**lab.env()), capture_output=True, text=True, timeout=60)
        calls = [(c.op, c.register, c.value) for c in lab.calls()]
    assert done.returncode == 0, done.stderr
    assert calls == [("read_word", Reg.FIRMWARE_VERSION, 0x13),
                     ("write_byte", Reg.POWER_OFF, 30)]
    assert hat.power_off == 30
