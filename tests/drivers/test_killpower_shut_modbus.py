"""`nutrio drivers shutdown` with mge-shut (a SHUT UPS on a pty) and apc_modbus (a Modbus TCP
unit): each UPS says what it was sent, and the units got NUT's writes. The mge-shut bytes
are compared with the real `mge-shut -k` in test_mge_shut_vs_real_nut.py; apc_modbus has
no 2.8.0 binary (NUT 2.8.5's upsdrv_shutdown: shutdown.return on every outlet group)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
import trio
from sim.apc_modbus_sim import modbus_tcp_sim
from sim.shut_sim import shut_sim
from sim.shut_units import unit

from tests.paths import ROOT

pytestmark = pytest.mark.e2e


async def test_drivers_shutdown_powers_both_off(tmp_path: Path) -> None:
    _, make = unit("mge-pulsar-1500")
    async with shut_sim(make()) as (line, tty), modbus_tcp_sim() as (smt, port):
        config = tmp_path / "nutrio.toml"
        config.write_text(
            f'[devices.pulsar]\ndriver = "mge-shut"\nport = "{tty}"\noffdelay = "60"\n\n'
            f'[devices.smt]\ndriver = "apc_modbus"\nport = "127.0.0.1:{port}"\n'
            'porttype = "tcp"\nsdorder = 1\n')
        done = await trio.run_process(
            [sys.executable, "-m", "nutrio", "drivers", "--config", str(config), "shutdown"],
            env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_stdout=True,
            capture_stderr=True, check=False)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    assert done.stdout.decode().splitlines() == [
        "pulsar: shutdown.return sent: ups.delay.shutdown 60, ups.delay.start 30",
        "smt: shutdown.return sent: outlet command 0x0388",
    ]
    assert smt.commands() == [(1538, (0, 0x0388))]
    assert line.sets(), "the SHUT unit got no SET_REPORT"
