"""Run a REAL NUT 2.8 serial driver (nutdrv_qx, apcsmart) + upsd against a simulator.

Async, so the simulator keeps answering in the same Trio run while the
real driver talks to it over the pseudo-terminal. Each instance gets its
own NUT_CONFPATH/NUT_STATEPATH and a free port; ``upsc`` reads the result.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import trio

from tests.procs import Proc, pick_port, start, wait_until
from tests.realnut import SBIN, start_upsd, wait_served


def have_driver(name: str) -> bool:
    return (SBIN / name).exists() and (SBIN / "upsd").exists() and shutil.which("upsc") is not None


@dataclass
class RealDriver:
    name: str
    port: int
    env: dict[str, str]
    procs: list[trio.Process] = field(default_factory=list)
    logdir: Path | None = None

    def log(self) -> str:
        """What the real driver printed (-DD), for a failing test's message."""
        if self.logdir is None:
            return ""
        return (self.logdir / f"driver-{self.name}.log").read_text(errors="replace")

    async def upsc(self) -> dict[str, str]:
        """All variables as upsc prints them."""
        done = await trio.run_process(
            ["upsc", f"{self.name}@127.0.0.1:{self.port}"],
            capture_stdout=True, capture_stderr=True, env=self.env, check=False,
        )
        values = {}
        for line in done.stdout.decode().splitlines():
            key, _, value = line.partition(": ")
            values[key] = value
        return values

    async def upsrw(self) -> dict[str, tuple[str, ...]]:
        """Writable variables and their enum options, as upsrw lists them."""
        done = await trio.run_process(
            ["upsrw", f"{self.name}@127.0.0.1:{self.port}"],
            capture_stdout=True, capture_stderr=True, env=self.env, check=False,
        )
        found: dict[str, tuple[str, ...]] = {}
        name = ""
        for line in done.stdout.decode().splitlines():
            if line.startswith("[") and line.endswith("]"):
                name = line[1:-1]
                found[name] = ()
            elif line.startswith("Option: ") and name:
                found[name] += (line.split('"')[1],)
        return found

    async def upscmd(self, command: str, value: str | None = None) -> str:
        args = ["upscmd", "-u", "admin", "-p", "secret", f"{self.name}@127.0.0.1:{self.port}", command]
        if value is not None:
            args.append(value)
        done = await trio.run_process(
            args, capture_stdout=True, capture_stderr=True, env=self.env, check=False,
        )
        return (done.stdout + done.stderr).decode().strip()


def _write(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(0o640)


async def _wait(predicate, timeout: float) -> None:  # type: ignore[no-untyped-def]
    with trio.fail_after(timeout):
        while not predicate():
            await trio.sleep(0.05)


@dataclass(frozen=True)
class PrivateNut:
    """A private NUT configuration for one driver behind upsd (see :func:`private_nut`)."""

    tmp: Path
    state: Path
    port: int
    env: dict[str, str]


def private_nut(driver: str, port: str, options: Mapping[str, str] | None = None, *,
                name: str, prefix: str) -> PrivateNut:
    """nut.conf, ups.conf (``port`` and the options), upsd.conf on a free port, upsd.users
    (admin/secret) and a state directory, in a new temporary directory."""
    return private_nut_sections(driver, {name: (port, options or {})}, prefix=prefix)


#: a ups.conf section: its port and options (None: a flag)
Section = tuple[str, Mapping[str, "str | None"]]


def ups_conf_section(name: str, driver: str, port: str, options: Mapping[str, str | None]) -> str:
    """One ups.conf section. Values are quoted, so spaces, '#' and '=' stay in them; None
    or an empty value writes a bare flag ("pollonly"), as ups.conf spells flags."""
    lines = [f"[{name}]", f"    driver = {driver}", f"    port = {_quoted(port)}"]
    lines += [f"    {k}" if v is None or v == "" else f"    {k} = {_quoted(v)}"
              for k, v in options.items()]
    return "\n".join(lines) + "\n"


def _quoted(value: object) -> str:
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def private_nut_sections(driver: str | Mapping[str, str], sections: Mapping[str, Section], *,
                         prefix: str) -> PrivateNut:
    """:func:`private_nut` with one ups.conf section per name (``driver``: one for all, or
    name -> driver)."""
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    conf, state = tmp / "etc", tmp / "state"
    conf.mkdir()
    state.mkdir()
    os.chmod(state, 0o777)
    upsd_port = pick_port()
    ups_conf = "".join(
        ups_conf_section(name, driver if isinstance(driver, str) else driver[name], port, options)
        for name, (port, options) in sections.items())
    _write(conf / "nut.conf", "MODE=standalone\n")
    _write(conf / "ups.conf", ups_conf)
    _write(conf / "upsd.conf", f"LISTEN 127.0.0.1 {upsd_port}\n")
    _write(conf / "upsd.users", "[admin]\n    password = secret\n    instcmds = ALL\n    actions = SET\n")
    env = {**os.environ, "NUT_CONFPATH": str(conf), "NUT_STATEPATH": str(state)}
    return PrivateNut(tmp, state, upsd_port, env)


async def stop_processes(procs: list[trio.Process]) -> None:
    """SIGTERM, last started first; SIGKILL whatever still runs after 5 seconds."""
    for proc in reversed(procs):
        with suppress(ProcessLookupError):
            proc.send_signal(signal.SIGTERM)
    with trio.move_on_after(5, shield=True) as scope:
        for proc in procs:
            await proc.wait()
    if scope.cancelled_caught:
        for proc in procs:
            with suppress(ProcessLookupError):
                proc.kill()


@asynccontextmanager
async def real_serial_driver(
    driver: str, tty: str, options: Mapping[str, str] | None = None, *, name: str = "sim"
) -> AsyncIterator[RealDriver]:
    """The real ``driver`` on ``tty`` behind a real upsd, once upsd serves its data;
    stops both on exit. upsd starts again on another port if its bind lost a race.
    The waits run in threads: the simulator answering the driver runs in this Trio run."""
    nut = private_nut(driver, tty, options, name=name, prefix="realserial-")
    tmp, state, env = nut.tmp, nut.state, nut.env
    real = RealDriver(name, 0, env)
    procs: list[Proc] = []
    try:
        procs.append(start([SBIN / driver, "-a", name, "-u", "root", "-F", "-DD"], logdir=tmp,
                           name="driver", env=env, stderr=subprocess.STDOUT))
        if not await trio.to_thread.run_sync(
                wait_until, lambda: any(state.glob(f"{driver}-{name}")), 20):
            raise AssertionError(f"{driver} never made its socket: {procs[0].describe()}")
        upsd, real.port = await trio.to_thread.run_sync(
            lambda: start_upsd(tmp / "etc", env, "", logdir=tmp))
        procs.append(upsd)
        if not await trio.to_thread.run_sync(lambda: wait_served(real.port, name)):
            raise AssertionError(f"upsd never served {name}: {procs[0].describe()}")
        yield real
    finally:
        for proc in reversed(procs):
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            await trio.to_thread.run_sync(proc.stop, 5)
        if os.environ.get("NUTRIO_KEEP_REALSERIAL"):
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


@asynccontextmanager
async def real_serial_drivers(
    driver: str | Mapping[str, str], sections: Mapping[str, Section], *, settle: float = 1.5,
    envs: Mapping[str, Mapping[str, str]] | None = None,
) -> AsyncIterator[dict[str, RealDriver]]:
    """One real ``driver`` process per ups.conf section (name -> (tty, options)), all behind
    one real upsd; yields name -> RealDriver. A driver that exits at start-up (a device it
    does not support) is left out of upsd, as upsdrvctl would. Stops everything on exit.
    ``driver`` may name each section's; ``envs`` adds to a section's driver environment
    (a USB lab's, tests/usblab/runners.real_usb_drivers)."""
    nut = private_nut_sections(driver, sections, prefix="realserial-")
    reals = {name: RealDriver(name, nut.port, nut.env, logdir=nut.tmp) for name in sections}
    drivers = {name: driver if isinstance(driver, str) else driver[name] for name in sections}
    procs: list[trio.Process] = []
    logs: list[int] = []
    try:
        for name in sections:
            logs.append(os.open(nut.tmp / f"driver-{name}.log", os.O_WRONLY | os.O_CREAT, 0o644))
            procs.append(await trio.lowlevel.open_process(
                [str(SBIN / drivers[name]), "-a", name, "-u", "root", "-F", "-DD"],
                env={**nut.env, **(envs or {}).get(name, {})}, stdout=logs[-1],
                stderr=subprocess.STDOUT,
            ))
        started = list(zip(sections, procs, strict=True))
        await _wait(lambda: all(
            any(nut.state.glob(f"{drivers[name]}-{name}")) or proc.poll() is not None
            for name, proc in started
        ), 90)
        procs.append(await trio.lowlevel.open_process(
            [str(SBIN / "upsd"), "-u", "root", "-F"], env=nut.env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        ))
        await trio.sleep(settle)
        for real in reals.values():
            real.procs = procs
        yield reals
    finally:
        await stop_processes(procs)
        for log in logs:
            os.close(log)
        if os.environ.get("NUTRIO_KEEP_REALSERIAL"):
            print(f"kept {nut.tmp}")
        else:
            shutil.rmtree(nut.tmp, ignore_errors=True)
