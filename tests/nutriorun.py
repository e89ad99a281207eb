"""Start `nutrio run` as a real subprocess on a free port, for end-to-end tests."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.paths import ROOT, SHARED
from tests.realnut import free_port, wait_port

EDGE_DEV = SHARED / "data/edge/edge-cases.dev"

USERS = """
[users.admin]
password = "secret"
actions = ["SET", "FSD"]
instcmds = ["all"]

[users.monuser]
password = "pass"
upsmon = "primary"

[users.helper]
password = "help"
instcmds = ["test.battery.start"]
"""


@dataclass
class Nutrio:
    proc: subprocess.Popen[str]
    port: int
    config: Path

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"


@contextlib.contextmanager
def nutrio_run(
    tmp: Path, devices: dict[str, Path], *, extra: str = "", users: str = USERS, desc: str | None = None
) -> Iterator[Nutrio]:
    """Serve ``name -> dump file`` with dummy-ups under `nutrio run`; stop it with SIGTERM."""
    port = free_port()
    for path in devices.values():  # served by file name, as real_nut does: same driver.parameter.port
        shutil.copyfile(path, tmp / Path(path).name)
    tables = ""
    for name, path in devices.items():
        label = desc or f"Test UPS {name}"
        tables += f'[devices.{name}]\ndriver = "dummy-ups"\nport = "{Path(path).name}"\ndesc = "{label}"\n\n'
    config = tmp / "nutrio.toml"
    config.write_text(f'[server]\nlisten = ["127.0.0.1:{port}"]\n\n{tables}{users}\n{extra}')
    proc = subprocess.Popen(
        [sys.executable, "-m", "nutrio", "run", "--config", str(config), "--log-format", "json"],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    try:
        wait_port(port, timeout=20)
        yield Nutrio(proc, port, config)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
