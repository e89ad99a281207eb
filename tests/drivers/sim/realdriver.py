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
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    conf, state = tmp / "etc", tmp / "state"
    conf.mkdir()
    state.mkdir()
    os.chmod(state, 0o777)
    upsd_port = _free_port()
    # an empty value writes a bare flag ("pollonly"), as ups.conf spells flags
    extra = "".join(f"    {k} = {v}\n" if v != "" else f"    {k}\n"
                    for k, v in (options or {}).items())
    _write(conf / "nut.conf", "MODE=standalone\n")
    _write(conf / "ups.conf", f"[{name}]\n    driver = {driver}\n    port = {port}\n{extra}")
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
    """The real ``driver`` on ``tty`` behind a real upsd; stops both on exit."""
    nut = private_nut(driver, tty, options, name=name, prefix="realserial-")
    tmp, state, env = nut.tmp, nut.state, nut.env
    real = RealDriver(name, nut.port, env)
    log = os.open(tmp / "driver.log", os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        real.procs.append(await trio.lowlevel.open_process(
            [str(SBIN / driver), "-a", name, "-u", "root", "-F", "-DD"],
            env=env, stdout=log, stderr=subprocess.STDOUT,
        ))
        await _wait(lambda: any(state.glob(f"{driver}-{name}")), 20)
        real.procs.append(await trio.lowlevel.open_process(
            [str(SBIN / "upsd"), "-u", "root", "-F"], env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        ))
        await trio.sleep(1.5)
        yield real
    finally:
        await stop_processes(real.procs)
        os.close(log)
        if os.environ.get("NUTRIO_KEEP_REALSERIAL"):
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
