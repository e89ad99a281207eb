"""A real apcupsd (the Debian package's, unpacked into /opt/apcupsd by .ci/run: installed,
the package would remove NUT's) in a temporary directory, watching
the APC smart simulator (apcsmart_sim.py) on a pty and serving its NIS on 127.0.0.1 at
a free port: the source both apcupsd-ups drivers read.

Its own apcupsd.conf (UPSTYPE apcsmart, POLLTIME 1, no shutdown levels so a low
battery never starts a shutdown), its own event script (events go to
``events.log``) and PID file. ``pause``/``resume`` stop and continue the daemon
(its NIS accepts connections and says nothing), ``stop``/``start`` end it and
start it again on the same port.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import trio

from tests.procs import pick_port

__all__ = ["APCUPSD", "Apcupsd", "have_apcupsd", "nis_status", "running_apcupsd"]

APCUPSD = Path(os.environ.get("NUTRIO_APCUPSD", "/opt/apcupsd/sbin/apcupsd"))


def have_apcupsd() -> bool:
    return APCUPSD.exists()


_CONF = """## apcupsd.conf v1.1 ##
UPSNAME apcsim
UPSCABLE smart
UPSTYPE apcsmart
DEVICE {tty}
LOCKFILE {dir}
SCRIPTDIR {dir}/scripts
PWRFAILDIR {dir}
NOLOGINDIR {dir}
POLLTIME 1
ONBATTERYDELAY 0
BATTERYLEVEL 0
MINUTES 0
TIMEOUT 0
NETSERVER on
NISIP 127.0.0.1
NISPORT {port}
EVENTSFILE {dir}/apcupsd.events
STATTIME 0
STATFILE {dir}/apcupsd.status
LOGSTATS off
DATATIME 0
"""


async def nis_status(port: int) -> list[str]:
    """apcupsd's answer to "status", one line per record ([] when it gives none)."""
    try:
        stream = await trio.open_tcp_stream("127.0.0.1", port)
    except OSError:
        return []
    data = b""
    async with stream:
        await stream.send_all(b"\x00\x06status")
        with trio.move_on_after(5):
            while not data.endswith(b"\x00\x00") and (chunk := await stream.receive_some(65536)):
                data += chunk
    lines, at = [], 0
    while at + 2 <= len(data) and (size := int.from_bytes(data[at:at + 2], "big")):
        lines.append(data[at + 2:at + 2 + size].decode("latin-1").rstrip("\n"))
        at += 2 + size
    return lines


class Apcupsd:
    """One daemon (see the module comment); ``port`` is its NIS port."""

    def __init__(self, tty: str, tmp: Path, port: int) -> None:
        self.tmp, self.port = tmp, port
        (tmp / "scripts").mkdir(exist_ok=True)
        script = tmp / "scripts" / "apccontrol"
        script.write_text(f'#!/bin/sh\necho "$@" >> {tmp}/events.log\nexit 0\n')
        script.chmod(0o755)
        (tmp / "apcupsd.conf").write_text(_CONF.format(tty=tty, dir=tmp, port=port))
        self.proc: trio.Process | None = None

    async def start(self) -> None:
        with (self.tmp / "apcupsd.log").open("a") as log:
            self.proc = await trio.lowlevel.open_process(
                [str(APCUPSD), "-b", "-f", str(self.tmp / "apcupsd.conf"),
                 "-P", str(self.tmp / "apcupsd.pid")], stdout=log, stderr=subprocess.STDOUT)
        with trio.fail_after(30):
            while not any(line.startswith("STATUS") for line in await nis_status(self.port)):
                await trio.sleep(0.2)

    async def stop(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.resume()
            self.proc.terminate()
            with trio.move_on_after(10):
                await self.proc.wait()
            if self.proc.returncode is None:
                self.proc.kill()
                await self.proc.wait()
        (self.tmp / "apcupsd.pid").unlink(missing_ok=True)

    def pause(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGSTOP)

    def resume(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            os.kill(self.proc.pid, signal.SIGCONT)

    def log(self) -> str:
        return (self.tmp / "apcupsd.log").read_text(errors="replace")


@contextlib.asynccontextmanager
async def running_apcupsd(tty: str) -> AsyncIterator[Apcupsd]:
    """A started apcupsd on ``tty``; stopped and cleaned up at the end."""
    tmp = Path(tempfile.mkdtemp(prefix="apcupsd-"))
    try:
        daemon = await _started(tty, tmp)
        try:
            yield daemon
        finally:
            await daemon.stop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


async def _started(tty: str, tmp: Path, attempts: int = 3) -> Apcupsd:
    """A daemon serving its NIS, on another port if another process took the one picked."""
    for _ in range(attempts):
        daemon = Apcupsd(tty, tmp, pick_port())
        try:
            await daemon.start()
            return daemon
        except trio.TooSlowError:
            await daemon.stop()
    raise AssertionError(f"apcupsd never served its NIS:\n{daemon.log()}")
