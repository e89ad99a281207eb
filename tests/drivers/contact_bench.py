"""The real NUT 2.8.0 contact-closure drivers and nutrio's, side by side on the modem lab.

Like serial_bench (whose Bench, listing and status helpers this uses), but nutrio runs
as a `nutrio run` subprocess: the lab's library is preloaded into it and into each real
driver (tests/drivers/sim/modemlab.py says why), so both read and set the lines of
their own ptys through libc. Each unit has two simulators, one per side, on two ptys
with their own lines; a change is made on both (``Bench.both``).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Mapping
from pathlib import Path

import trio
from serial_bench import POLL, Bench, Unit, real_kill, real_side
from sim.modemlab import ModemLab, ModemLine
from sim.pty import PtyPair, open_pty

from tests.nutriorun import USERS, nutrio_env, start_nutrio, wait_ready
from tests.paths import ROOT
from tests.procs import Proc

__all__ = ["ContactBench", "contact_bench", "nutrio_config", "nutrio_shutdown", "real_kill_on"]


def _toml_value(value: str | None) -> str:
    return "true" if value is None else '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def nutrio_config(folder: Path, driver: str, sections: Mapping[str, tuple[str, Mapping[str, str | None]]],
                  extra: str = "") -> Path:
    """A nutrio.toml with one device per section (name -> (port, options)), polled each
    second, and the test users."""
    text = ""
    for name, (port, options) in sections.items():
        keys = {**POLL, **options}
        text += (f'[devices.{name}]\ndriver = "{driver}"\nport = "{port}"\n'
                 + "".join(f"{k} = {_toml_value(v)}\n" for k, v in keys.items() if k != "pollinterval")
                 + f"pollinterval = {POLL['pollinterval']}\n{extra}\n")
    config = folder / "nutrio.toml"
    config.write_text(text + USERS)
    return config


class ContactBench(Bench):
    """A :class:`Bench` with each unit's lines (``lines[name, "real"|"ours"]``) and the
    `nutrio run` process."""

    lines: dict[tuple[str, str], ModemLine]
    nutrio: Proc


@contextlib.asynccontextmanager
async def contact_bench(tmp: Path, driver: str, units: list[Unit], *, settle: float = 1.5,
                        extra: str = "") -> AsyncIterator[ContactBench]:
    """Both sides serving ``units`` (each ``unit.real``/``unit.ours`` a ContactUps)."""
    lab = ModemLab(tmp)
    ptys: list[PtyPair] = []
    lines: dict[tuple[str, str], ModemLine] = {}
    proc: Proc | None = None
    try:
        async with trio.open_nursery() as sims:
            ttys = {}
            for unit in units:
                for side in ("real", "ours"):
                    ptys.append(open_pty())
                    ttys[unit.name, side] = ptys[-1].path
                    lines[unit.name, side] = lab.line(ptys[-1].path)
                    getattr(unit, side).attach(lines[unit.name, side])
                    sims.start_soon(getattr(unit, side).serve, ptys[-1])
            config = nutrio_config(tmp, driver, {u.name: (ttys[u.name, "ours"], u.options)
                                                 for u in units}, extra)
            proc = start_nutrio(config, env=nutrio_env(**lab.env()))
            our_port = (await trio.to_thread.run_sync(wait_ready, proc))[0]
            sections = {u.name: (ttys[u.name, "real"], u.options) for u in units}
            async with real_side(driver, sections, envs={u.name: lab.env() for u in units}
                                 ) as real_port:
                await trio.sleep(settle)
                bench = ContactBench({u.name: u for u in units}, real_port, our_port)
                bench.lines, bench.nutrio = lines, proc
                yield bench
            sims.cancel_scope.cancel()
    finally:
        if proc is not None:
            await trio.to_thread.run_sync(proc.stop)
        for pty in ptys:
            await pty.aclose()
        lab.close()


async def real_kill_on(driver: str, port: str, options: Mapping[str, str | None],
                       lab: ModemLab) -> tuple[int, str]:
    """``driver -a sim -k`` on ``port`` with the lab preloaded: (exit code, its words)."""
    return await real_kill(driver, port, options, env=lab.env())


async def nutrio_shutdown(config: Path, lab: ModemLab, *args: str
                          ) -> subprocess.CompletedProcess[bytes]:
    """`nutrio drivers shutdown` on ``config`` with the lab preloaded."""
    return await trio.run_process(
        [sys.executable, "-m", "nutrio", "drivers", "--config", str(config), "shutdown", *args],
        env={**os.environ, "PYTHONPATH": str(ROOT), **lab.env()}, capture_stdout=True,
        capture_stderr=True, check=False)
