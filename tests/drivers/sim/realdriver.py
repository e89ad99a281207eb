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

SBIN = Path("/lib/nut")


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


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _wait(predicate, timeout: float) -> None:  # type: ignore[no-untyped-def]
    with trio.fail_after(timeout):
        while not predicate():
            await trio.sleep(0.05)


@asynccontextmanager
async def real_serial_driver(
    driver: str, tty: str, options: Mapping[str, str] | None = None, *, name: str = "sim"
) -> AsyncIterator[RealDriver]:
    """The real ``driver`` on ``tty`` behind a real upsd; stops both on exit."""
    async with real_serial_drivers(driver, {name: (tty, options or {})}) as reals:
        yield reals[name]


@asynccontextmanager
async def real_serial_drivers(
    driver: str, sections: Mapping[str, tuple[str, Mapping[str, str | None]]], *, settle: float = 1.5
) -> AsyncIterator[dict[str, RealDriver]]:
    """One real ``driver`` process per ups.conf section (name -> (tty, options)), all behind
    one real upsd; yields name -> RealDriver. A driver that exits at start-up (a device
    it does not support) is left out of upsd, as upsdrvctl would. Stops everything on exit."""
    tmp = Path(tempfile.mkdtemp(prefix="realserial-"))
    conf, state = tmp / "etc", tmp / "state"
    conf.mkdir()
    state.mkdir()
    os.chmod(state, 0o777)
    port = _free_port()
    ups_conf = ""
    for name, (tty, options) in sections.items():
        extra = "".join(f"    {k}\n" if v is None else f"    {k} = {v}\n" for k, v in options.items())
        ups_conf += f"[{name}]\n    driver = {driver}\n    port = {tty}\n{extra}"
    _write(conf / "nut.conf", "MODE=standalone\n")
    _write(conf / "ups.conf", ups_conf)
    _write(conf / "upsd.conf", f"LISTEN 127.0.0.1 {port}\n")
    _write(conf / "upsd.users", "[admin]\n    password = secret\n    instcmds = ALL\n    actions = SET\n")
    env = {**os.environ, "NUT_CONFPATH": str(conf), "NUT_STATEPATH": str(state)}
    reals = {name: RealDriver(name, port, env) for name in sections}
    procs: list[trio.Process] = []
    logs = []
    try:
        for name in sections:
            log = os.open(tmp / f"driver-{name}.log", os.O_WRONLY | os.O_CREAT, 0o644)
            logs.append(log)
            procs.append(await trio.lowlevel.open_process(
                [str(SBIN / driver), "-a", name, "-u", "root", "-F", "-DD"],
                env=env, stdout=log, stderr=subprocess.STDOUT,
            ))
        drivers = list(zip(sections, procs, strict=True))
        await _wait(lambda: all(
            any(state.glob(f"{driver}-{name}")) or proc.poll() is not None for name, proc in drivers
        ), 90)
        procs.append(await trio.lowlevel.open_process(
            [str(SBIN / "upsd"), "-u", "root", "-F"], env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        ))
        await trio.sleep(settle)
        for real in reals.values():
            real.procs = procs
            real.logdir = tmp
        yield reals
    finally:
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
        for log in logs:
            os.close(log)
        if os.environ.get("NUTRIO_KEEP_REALSERIAL"):
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
