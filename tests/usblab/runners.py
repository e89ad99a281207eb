"""Run a real NUT 2.8 USB driver, or `nutrio run`, against the lab; read them with upsc.

Both helpers are async context managers that yield a
:class:`~tests.drivers.sim.realdriver.RealDriver` (``await x.upsc()`` gives every
variable the upsd in front of the driver serves), with the driver's log file
in ``log``:

- :func:`real_usb_driver`: ``/lib/nut/<driver> -a NAME -u root -F`` with a private
  ups.conf (``port = auto`` plus the options given), NUT_STATEPATH and
  ``LD_LIBRARY_PATH`` pointing at the lab's libusb, and a real upsd in front.
  With ``upsd=False`` only the driver runs (for one that exits at start).
- :func:`nutrio_usb`: ``python -m nutrio run`` with one ``[devices.NAME]`` table,
  ``NUTRIO_LIBUSB`` naming the lab's library.

Each client names itself to the lab (``USBLAB_CLIENT``): the driver's name for
NUT, ``nutrio`` for nutrio, so ``lab.transfers(client=...)`` tells them apart.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import trio

from tests.drivers.sim.realdriver import (
    RealDriver,
    private_nut,
    real_serial_drivers,
    stop_processes,
)
from tests.paths import ROOT
from tests.usblab.server import UsbLab

__all__ = [
    "SBIN", "UsbDriverRun", "UsbSection", "have_nut_driver", "nutrio_usb", "real_usb_driver",
    "real_usb_drivers",
]

SBIN = Path("/lib/nut")
#: the user real_usb_driver's upsd knows too (private_nut's upsd.users)
_USERS = '[users.admin]\npassword = "secret"\nactions = ["SET"]\ninstcmds = ["all"]\n'
#: nutrio's own device keys, numbers in TOML; every other option is a string
_NUMBERS = frozenset({"pollinterval", "maxage", "maxstartdelay"})


def have_nut_driver(name: str) -> bool:
    return (SBIN / name).exists() and (SBIN / "upsd").exists() and shutil.which("upsc") is not None


@dataclass
class UsbDriverRun(RealDriver):
    """A driver (real or nutrio) on the lab, and where its log goes."""

    log: Path = Path()
    driver: trio.Process | None = None
    kept_log: str | None = None

    async def wait_values(self, check: Callable[[dict[str, str]], bool] = lambda v: True,
                          timeout: float = 30.0) -> dict[str, str]:
        """upsc's values once the driver serves data (not WAIT) and ``check`` accepts them."""
        with trio.fail_after(timeout):
            while True:
                values = await self.upsc()
                if values.get("ups.status", "WAIT") != "WAIT" and check(values):
                    return values
                await trio.sleep(0.2)

    async def status(self) -> str:
        """``upsc NAME ups.status`` as a user sees it: the value, or upsc's error line."""
        done = await trio.run_process(
            ["upsc", f"{self.name}@127.0.0.1:{self.port}", "ups.status"],
            capture_stdout=True, capture_stderr=True, env=self.env, check=False,
        )
        if done.returncode == 0:
            return done.stdout.decode().strip()
        errors = [line for line in done.stderr.decode().splitlines() if line.startswith("Error")]
        return errors[-1] if errors else done.stderr.decode().strip()

    def log_text(self) -> str:
        """The driver's output so far (kept after the run ends)."""
        if self.kept_log is not None:
            return self.kept_log
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def exited(self) -> int | None:
        """The driver's exit code once it has stopped, else None."""
        return None if self.driver is None else self.driver.poll()


async def _wait(predicate, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    with trio.move_on_after(timeout):
        while not predicate():
            await trio.sleep(0.02)
        return
    raise TimeoutError(what)


async def _finish(run: UsbDriverRun, logfd: int, tmp: Path) -> None:
    await stop_processes(run.procs)
    os.close(logfd)
    run.kept_log = run.log_text()
    shutil.rmtree(tmp, ignore_errors=True)


@asynccontextmanager
async def real_usb_driver(lab: UsbLab, driver: str, options: Mapping[str, str] | None = None,
                          *, name: str = "ups", upsd: bool = True, debug: str = "-DD",
                          client: str | None = None) -> AsyncIterator[UsbDriverRun]:
    """The real ``driver`` on the lab's devices behind a real upsd (see the module comment);
    ``client``: the name it gives the lab (the driver's name by default)."""
    nut = private_nut(driver, "auto", options, name=name, prefix="realusb-")
    env = {**nut.env, **lab.env(client=client or driver)}
    state, tmp = nut.state, nut.tmp
    run = UsbDriverRun(name, nut.port, env, log=tmp / "driver.log")
    logfd = os.open(run.log, os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        run.driver = await trio.lowlevel.open_process(
            [str(SBIN / driver), "-a", name, "-u", "root", "-F", *([debug] if debug else [])],
            env=env, stdout=logfd, stderr=subprocess.STDOUT,
        )
        run.procs.append(run.driver)
        if upsd:
            await _wait(lambda: any(state.glob(f"{driver}-{name}")) or run.exited() is not None,
                        60, f"{driver} never opened its socket")
            run.procs.append(await trio.lowlevel.open_process(
                [str(SBIN / "upsd"), "-u", "root", "-F"], env=env,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            ))
            await _wait_port(nut.port)
        yield run
    finally:
        await _finish(run, logfd, tmp)


@dataclass(frozen=True)
class UsbSection:
    """One ups.conf section of :func:`real_usb_drivers`: its driver, options, and lab."""

    driver: str
    options: Mapping[str, str | None]
    lab: UsbLab


@asynccontextmanager
async def real_usb_drivers(sections: Mapping[str, UsbSection]) -> AsyncIterator[dict[str, RealDriver]]:
    """One real NUT driver per section, each on its own lab (``port = auto``), all behind
    one real upsd; yields name -> RealDriver (``log()``: its -DD output). A driver that
    exits at start-up is left out of upsd, as upsdrvctl would. Stops everything on exit."""
    async with real_serial_drivers(
        {name: s.driver for name, s in sections.items()},
        {name: ("auto", s.options) for name, s in sections.items()}, settle=0,
        envs={name: s.lab.env(client=s.driver) for name, s in sections.items()},
    ) as reals:
        await _wait_port(next(iter(reals.values())).port)
        yield reals


@asynccontextmanager
async def nutrio_usb(lab: UsbLab, driver: str, options: Mapping[str, str] | None = None,
                     *, name: str = "ups", client: str = "nutrio") -> AsyncIterator[UsbDriverRun]:
    """`nutrio run` with one USB device table, on the lab (see the module comment)."""
    tmp = Path(tempfile.mkdtemp(prefix="nutriousb-"))
    table = "".join(f'{k} = {v if k in _NUMBERS else repr(v)}\n'
                    for k, v in (options or {}).items())
    config = tmp / "nutrio.toml"
    config.write_text(f'[devices.{name}]\n'
                      f'driver = "{driver}"\nport = "auto"\n{table}\n{_USERS}')
    env = {**os.environ, **lab.env(client=client), "PYTHONPATH": str(ROOT)}
    env.pop("LD_LIBRARY_PATH")  # nutrio finds the lab through NUTRIO_LIBUSB alone
    run = UsbDriverRun(name, 0, env, log=tmp / "nutrio.log")
    logfd = os.open(run.log, os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        run.driver = await trio.lowlevel.open_process(
            # port 0: nutrio names the port it bound in its nutrio.ready line (no free-port race)
            [sys.executable, "-m", "nutrio", "run", "--config", str(config), "--log-format", "json",
             "--listen", "127.0.0.1:0"],
            env=env, stdout=subprocess.DEVNULL, stderr=logfd,
        )
        run.procs.append(run.driver)
        run.port = await _ready_port(run)
        yield run
    finally:
        await _finish(run, logfd, tmp)


async def _ready_port(run: UsbDriverRun, timeout: float = 30.0) -> int:
    """The port from nutrio's ``nutrio.ready`` log line."""
    with trio.fail_after(timeout):
        while True:
            for line in run.log.read_text(errors="replace").splitlines():
                if '"nutrio.ready"' in line:
                    return int(json.loads(line)["ports"][0])
            if run.driver is not None and run.driver.poll() is not None:
                raise RuntimeError(f"nutrio run ended before it was ready:\n{run.log_text()[-2000:]}")
            await trio.sleep(0.05)


async def _wait_port(port: int, timeout: float = 30.0) -> None:
    with trio.fail_after(timeout):
        while True:
            try:
                stream = await trio.open_tcp_stream("127.0.0.1", port)
            except OSError:
                await trio.sleep(0.05)
                continue
            await stream.aclose()
            return
