"""The same SNMP agents behind the real NUT (snmp-ups 2.8.0 + upsd) and behind `nutrio run`.

``real_snmp`` starts Debian's /lib/nut/snmp-ups once per device (a device it
refuses simply exits, as it does in production) and a real upsd; ``nutrio_snmp``
starts one nutrio process with every device. ``read_served`` reads what a
upsd serves (LIST VAR/RW/CMD, GET TYPE) over a raw socket, so both sides are
read by the same code.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from nutrio.protocol.common.parseconf import split_line
from tests.drivers.sim.realdriver import ups_conf_section
from tests.paths import ROOT
from tests.realnut import UPSD, free_port, wait_port

SNMP_UPS = Path("/lib/nut/snmp-ups")
#: served by nutrio under its own version
MASKED = ("driver.version", "driver.version.internal")
Options = Mapping[str, str]


@dataclass
class Served:
    """What one upsd serves for one UPS (``error``: the ERR of LIST VAR, if any)."""

    values: dict[str, str] = field(default_factory=dict)
    rw: list[str] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)
    types: dict[str, str] = field(default_factory=dict)
    error: str | None = None

    def masked(self) -> dict[str, str]:
        return {k: ("<nutrio>" if k in MASKED else v) for k, v in self.values.items()}


class Conn:
    """A raw upsd client: several requests at once, LIST replies read up to END."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.file = self.sock.makefile("rb")

    def ask(self, requests: list[str], lists: bool) -> list[list[tuple[str, ...]]]:
        self.sock.sendall("".join(r + "\n" for r in requests).encode())
        replies = []
        for _ in requests:
            lines = []
            while True:
                words = split_line(self.file.readline())
                lines.append(words)
                if not lists or words[:1] in (("END",), ("ERR",)):
                    break
            replies.append(lines)
        return replies

    def close(self) -> None:
        self.file.close()
        self.sock.close()


def read_served(port: int, names: list[str]) -> dict[str, Served]:
    conn = Conn(port)
    try:
        requests = [f"LIST {kind} {n}" for n in names for kind in ("VAR", "RW", "CMD")]
        replies = conn.ask(requests, lists=True)
        out: dict[str, Served] = {}
        for i, name in enumerate(names):
            var, rw, cmd = replies[3 * i : 3 * i + 3]
            if var[0][:1] == ("ERR",):
                out[name] = Served(error=var[0][1])
                continue
            out[name] = Served(
                values={w[2]: w[3] for w in var if w[0] == "VAR"},
                rw=[w[2] for w in rw if w[0] == "RW"],
                commands=[w[2] for w in cmd if w[0] == "CMD"],
            )
        for name, served in out.items():
            if served.rw:
                got = conn.ask([f"GET TYPE {name} {v}" for v in served.rw], lists=False)
                served.types = {r[0][2]: " ".join(r[0][3:]) for r in got}
        return out
    finally:
        conn.close()


def _ups_conf(name: str, options: Options) -> str:
    rest = {k: v for k, v in options.items() if k != "port"}
    return ups_conf_section(name, "snmp-ups", options["port"], rest)


@contextlib.contextmanager
def real_snmp(devices: Mapping[str, Options], *, start_timeout: float = 60.0) -> Iterator[int]:
    """The real snmp-ups per device (``port`` and options in each mapping) behind a real
    upsd; yields upsd's port once every driver is serving or gone."""
    tmp = Path(tempfile.mkdtemp(prefix="realsnmp-"))
    conf, state = tmp / "etc", tmp / "state"
    conf.mkdir()
    state.mkdir()
    os.chmod(state, 0o777)
    port = free_port()
    (conf / "nut.conf").write_text("MODE=standalone\n")
    (conf / "ups.conf").write_text("".join(_ups_conf(n, o) for n, o in devices.items()))
    (conf / "upsd.conf").write_text(f"LISTEN 127.0.0.1 {port}\nMAXAGE 60\n")
    (conf / "upsd.users").write_text("[admin]\n  password = secret\n  actions = SET\n"
                                     "  instcmds = ALL\n")
    env = {**os.environ, "NUT_CONFPATH": str(conf), "NUT_STATEPATH": str(state)}
    procs: list[subprocess.Popen[bytes]] = []
    try:
        drivers = {}
        for n in devices:
            with open(tmp / f"{n}.log", "wb") as log:  # a file: a full pipe would stall it
                drivers[n] = subprocess.Popen([str(SNMP_UPS), "-a", n, "-u", "root", "-F"],
                                              env=env, stdout=log, stderr=subprocess.STDOUT)
        procs += drivers.values()
        deadline = time.monotonic() + start_timeout
        while time.monotonic() < deadline:
            waiting = [n for n, p in drivers.items()
                       if p.poll() is None and not (state / f"snmp-ups-{n}").exists()]
            if not waiting:
                break
            time.sleep(0.1)
        procs.append(subprocess.Popen([str(UPSD), "-u", "root", "-F"], env=env,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait_port(port)
        time.sleep(1.0)  # upsd dumps each driver's state
        yield port
    finally:
        for proc in reversed(procs):
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if not os.environ.get("NUTRIO_KEEP_REALSNMP"):
            shutil.rmtree(tmp, ignore_errors=True)


def _toml(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


@contextlib.contextmanager
def nutrio_snmp(tmp: Path, devices: Mapping[str, Options], *, extra: str = "",
                start_timeout: float = 180.0) -> Iterator[int]:
    """`nutrio run` with every device; yields its upsd port once it listens."""
    port = free_port()
    tables = []
    for name, options in devices.items():
        lines = [f"[devices.{name}]", 'driver = "snmp-ups"']
        lines += [f"{k} = {_toml(v)}" if v else f"{k} = true" for k, v in options.items()]
        tables.append("\n".join(lines))
    users = '[users.admin]\npassword = "secret"\nactions = ["SET"]\ninstcmds = ["all"]\n'
    config = tmp / "nutrio.toml"
    config.write_text(f'[server]\nlisten = ["127.0.0.1:{port}"]\nmaxage = 60\n{extra}\n\n'
                      + "\n\n".join(tables) + "\n\n" + users)
    with open(tmp / "nutrio.log", "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "nutrio", "run", "--config", str(config), "--log-format", "json"],
            env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.DEVNULL, stderr=log)
        try:
            wait_port(port, timeout=start_timeout)  # drivers start one after the other
            yield port
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def wait_settled(port: int, names: list[str], timeout: float = 30.0) -> dict[str, Served]:
    """Read until two readings agree and no device is still starting."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        now = read_served(port, names)
        if now == last or time.monotonic() > deadline:
            return now
        last = now
        time.sleep(1.0)
