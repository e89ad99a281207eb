"""End to end: a Megatec UPS on a pty, `nutrio run` driving it, Debian's real upsc reading it.

The simulator runs under its own trio loop in a background thread (the test
itself is synchronous: it starts `nutrio run` as a subprocess and calls
upsc). Its state is a plain dataclass, so the test flips bits directly and
the next Q1 reply carries them. A second test does the same with dummy-ups
to show what upsc reports while a device is gone: DATA-STALE, then
DRIVER-NOT-CONNECTED while the supervisor restarts the driver, then data.
"""

from __future__ import annotations

import contextlib
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import trio
from sim.megatec_sim import MegatecSim, megatec_sim

from tests.nutriorun import start_nutrio, wait_ready
from tests.procs import wait_until
from tests.realnut import requires_real_nut

pytestmark = [requires_real_nut, pytest.mark.e2e]


class SimThread:
    """A MegatecSim answering on a pty from a trio loop in a daemon thread."""

    def __init__(self) -> None:
        self.sim: MegatecSim | None = None
        self.tty = ""
        self._ready = threading.Event()
        self._token: trio.lowlevel.TrioToken | None = None
        self._scope: trio.CancelScope | None = None
        self._thread = threading.Thread(target=trio.run, args=(self._main,), daemon=True)

    async def _main(self) -> None:
        with trio.CancelScope() as scope:
            async with megatec_sim() as (sim, tty):
                self.sim, self.tty, self._scope = sim, tty, scope
                self._token = trio.lowlevel.current_trio_token()
                self._ready.set()
                await trio.sleep_forever()

    def __enter__(self) -> tuple[MegatecSim, str]:
        self._thread.start()
        assert self._ready.wait(10), "the simulator did not start"
        assert self.sim is not None
        return self.sim, self.tty

    def __exit__(self, *exc: object) -> None:
        assert self._scope is not None
        trio.from_thread.run_sync(self._scope.cancel, trio_token=self._token)
        self._thread.join(10)


@contextlib.contextmanager
def nutrio_run(tmp: Path, devices: str) -> Iterator[int]:
    """`nutrio run` serving ``devices`` (TOML tables) on a free port; yields the port."""
    config = tmp / "nutrio.toml"
    config.write_text(devices)
    proc = start_nutrio(config)
    try:
        yield wait_ready(proc)[0]
    finally:
        proc.stop(20)


def upsc(port: int, var: str = "ups.status") -> str:
    """What real upsc prints (its error line when upsd refuses)."""
    done = subprocess.run(
        ["upsc", f"ups@127.0.0.1:{port}", var],
        check=False, capture_output=True, text=True, timeout=10
    )
    if done.returncode == 0:
        return done.stdout.strip()
    # stderr also carries "Init SSL without certificate database"
    errors = [line for line in done.stderr.splitlines() if line.startswith("Error")]
    return errors[-1] if errors else done.stderr.strip()


def until(port: int, check: Callable[[str], bool], timeout: float = 20.0) -> str:
    """What upsc prints once it passes *check* (asked every 0.1 s)."""
    seen = [upsc(port)]

    def passes() -> bool:
        seen.append(upsc(port))
        return check(seen[-1])

    assert check(seen[0]) or wait_until(passes, timeout, every=0.1), f"upsc still says {seen[-1]!r}"
    return seen[-1]


def test_megatec_ups_going_on_battery_then_low_reaches_real_upsc(tmp_path: Path) -> None:
    with SimThread() as (ups, tty), nutrio_run(
        tmp_path, f'[devices.ups]\ndriver = "nutdrv_qx"\nport = "{tty}"\npollinterval = 1\n'
    ) as port:
        assert until(port, lambda s: s == "OL") == "OL"
        assert upsc(port, "device.mfr") == "SimuPower"
        ups.on_battery()
        assert until(port, lambda s: s != "OL") == "OB"
        ups.low_battery()
        assert until(port, lambda s: s != "OB") == "OB LB"
        ups.on_line()
        assert until(port, lambda s: s != "OB LB") == "OL"


def test_upsc_sees_a_gone_device_stale_then_not_connected_then_back(tmp_path: Path) -> None:
    dev = tmp_path / "ups.dev"
    dev.write_text("ups.status: OL\nbattery.charge: 100\n")
    tables = (
        '[devices.ups]\ndriver = "dummy-ups"\nport = "ups.dev"\npollinterval = 0.5\n'
        'restart_after = "2"\n'
    )
    with nutrio_run(tmp_path, tables) as port:
        until(port, lambda s: s == "OL")
        dev.unlink()
        assert until(port, lambda s: s != "OL") == "Error: Data stale"
        assert until(port, lambda s: "stale" not in s) == "Error: Driver not connected"
        dev.write_text("ups.status: OB\nbattery.charge: 90\n")
        assert until(port, lambda s: "Error" not in s) == "OB"
