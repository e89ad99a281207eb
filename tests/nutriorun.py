"""`nutrio run` as a real subprocess for end-to-end tests, on the port it reports.

``nutrio run --listen 127.0.0.1:0`` binds any free port and logs it in its
``nutrio.ready`` line: no port is picked in advance, so none can be lost to a
race. A config that must name its own port (a host monitoring itself) starts
through :func:`start_on_free_port`, which starts again on another port if the
bind lost a race.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.paths import ROOT, SHARED
from tests.procs import DEADLINE, AddressInUse, Proc, on_free_port, start

__all__ = [
    "EDGE_DEV", "NUTRIO", "SHARED", "USERS", "Nutrio", "nutrio_env", "nutrio_run", "start_nutrio",
    "start_on_free_port", "wait_ready",
]

EDGE_DEV = SHARED / "data/edge/edge-cases.dev"
#: how tests run the nutrio under test
NUTRIO = (sys.executable, "-m", "nutrio")
ANY_PORT = "127.0.0.1:0"

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


def nutrio_env(**extra: str) -> dict[str, str]:
    """The test's environment with this checkout importable."""
    return {**os.environ, "PYTHONPATH": str(ROOT), **extra}


def start_nutrio(config: Path, *args: str, logdir: Path | None = None,
                 listen: str | None = ANY_PORT, log_format: str | None = "json",
                 name: str = "nutrio", env: dict[str, str] | None = None, cwd: Path | None = None,
                 **popen: Any) -> Proc:
    """``nutrio run --config CONFIG [--log-format json] [--listen LISTEN] ARGS`` (no wait:
    see :func:`wait_ready`); its output goes to *logdir* (the config's folder)."""
    argv = [*NUTRIO, "run", "--config", str(config),
            *(["--log-format", log_format] if log_format else []),
            *(["--listen", listen] if listen else []), *args]
    return start(argv, logdir=logdir or config.parent, name=name, env=env or nutrio_env(),
                 cwd=cwd, **popen)


def wait_ready(proc: Proc, timeout: float = DEADLINE) -> list[int]:
    """The ports its listeners bound, from its ``nutrio.ready`` line; raises
    :class:`AddressInUse` (after stopping it) if a configured port was taken."""
    line = proc.wait_for_line(lambda s: '"nutrio.ready"' in s or "Address already in use" in s,
                              timeout)
    if "Address already in use" in line:
        proc.stop()
        raise AddressInUse(line[:200])
    return [int(p) for p in proc.wait_for_event("nutrio.ready", 0)["ports"]]


def start_on_free_port(launch: Callable[[int], Proc], timeout: float = DEADLINE) -> Proc:
    """``launch(port)`` for a config that names its own port, ready; another port if the
    first one was taken before nutrio could bind it."""
    def ready(port: int) -> Proc:
        proc = launch(port)
        wait_ready(proc, timeout)
        return proc

    return on_free_port(ready)


@dataclass
class Nutrio:
    proc: Proc
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
    for path in devices.values():  # served by file name, as real_nut does: same driver.parameter.port
        shutil.copyfile(path, tmp / Path(path).name)
    tables = ""
    for name, path in devices.items():
        label = desc or f"Test UPS {name}"
        tables += f'[devices.{name}]\ndriver = "dummy-ups"\nport = "{Path(path).name}"\ndesc = "{label}"\n\n'
    config = tmp / "nutrio.toml"
    config.write_text(f"{tables}{users}\n{extra}")
    proc = start_nutrio(config)
    try:
        port = wait_ready(proc)[0]
        yield Nutrio(proc, port, config)
    finally:
        proc.stop(20)
