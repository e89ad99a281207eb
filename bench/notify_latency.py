"""Time from a power event at the driver to the NOTIFYCMD call, ours beside the real upsmon.

    python bench/notify_latency.py [--repeat 5] [--pollfreq 5] [--driver-poll 0.2]

One power event is seen by four observers at once:

    nutrio-local     nutrio A serves the UPS and monitors it itself (the push path:
                     the monitor wakes on the driver's state cell)
    nutrio-network   nutrio B monitors A's UPS over TCP (polls at POLLFREQ)
    upsmon/real upsd the real /lib/nut/upsmon against the real upsd + dummy-ups
    upsmon/our upsd  the real upsmon against nutrio A's upsd

The event is a rewrite of the ``.dev`` file each dummy-ups driver serves
(dummy-once mode re-reads a changed file), OL -> OB DISCHRG and back,
written to both drivers' files at one recorded ``time.time()``. Each
NOTIFYCMD script appends ``NOTIFYTYPE $(date +%s.%N)``; latency is that
stamp minus the event's. The figures include the driver noticing the file
(ours every --driver-poll seconds; the real dummy-ups every second, its
smallest pollinterval) and the process start of the script (a fork+exec).
Each repetition is two events (ONBATT, then ONLINE), so n = 2 * --repeat.
The row "local, from driver" starts the clock when nutrio A's monitor saw the
driver's status change (its debug log line), leaving out the file polling.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.realnut import free_port, real_nut, wait_port

UPSMON = Path("/lib/nut/upsmon")
OBSERVERS = ("nutrio-local", "nutrio-network", "upsmon/real upsd", "upsmon/our upsd")
#: nutrio-local counted from the driver's change instead of the file write
PUSH_ROW = "  local, from driver"
STATES = {"ONBATT": "OB DISCHRG", "ONLINE": "OL"}


def dev_text(status: str) -> str:
    return (f"ups.status: {status}\nbattery.charge: 100\nups.mfr: Bench\nups.model: Latency\n"
            "device.type: ups\n")


@dataclass
class Observer:
    name: str
    record: Path

    def stamps(self, notify_type: str) -> list[float]:
        if not self.record.exists():
            return []
        out = []
        for line in self.record.read_text().splitlines():
            kind, _, at = line.partition(" ")
            if kind == notify_type:
                out.append(float(at))
        return out

    def first_after(self, notify_type: str, t: float) -> float | None:
        return next((s for s in self.stamps(notify_type) if s >= t), None)


def recorder(directory: Path, name: str) -> tuple[Observer, Path]:
    record = directory / f"{name.replace('/', '-').replace(' ', '-')}.calls"
    script = directory / f"{record.stem}.sh"
    script.write_text(f'#!/bin/sh\necho "$NOTIFYTYPE $(date +%s.%N)" >> {record}\n')
    script.chmod(0o755)
    return Observer(name, record), script


def notify_toml(script: Path) -> str:
    return (f'[notify]\nnotifycmd = "{script}"\n[notify.flags]\nONBATT = ["EXEC"]\n'
            'ONLINE = ["EXEC"]\nCOMMOK = "IGNORE"\nCOMMBAD = "IGNORE"\nNOCOMM = "IGNORE"\n')


def monitor_toml(system: str, role: str, pollfreq: float) -> str:
    user, password = ("monuser", "pass") if role == "primary" else ("secuser", "sec")
    return (f"[monitor]\nshutdowncmd = \"/bin/true\"\npollfreq = {pollfreq}\n"
            f"pollfreqalert = {pollfreq}\n[[monitor.ups]]\nsystem = \"{system}\"\n"
            f"user = \"{user}\"\npassword = \"{password}\"\nrole = \"{role}\"\n")


USERS = ('[users.monuser]\npassword = "pass"\nupsmon = "primary"\n'
         '[users.secuser]\npassword = "sec"\nupsmon = "secondary"\n')


@contextlib.contextmanager
def process(argv: list[str], log: Path, env: dict[str, str] | None = None,
            ) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        proc = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def nutrio(directory: Path, config: str) -> list[str]:
    path = directory / "nutrio.toml"
    path.write_text(config)
    return [sys.executable, "-m", "nutrio", "run", "--config", str(path), "--log-format", "json",
            "--log-level", "debug"]


def upsmon_env(directory: Path, system: str, user: str, password: str, script: Path,
               pollfreq: float) -> dict[str, str]:
    etc, state = directory / "etc", directory / "state"
    etc.mkdir(parents=True)
    state.mkdir()
    conf = etc / "upsmon.conf"
    conf.write_text(
        f"MONITOR {system} 1 {user} {password} secondary\nMINSUPPLIES 1\n"
        'SHUTDOWNCMD "/bin/true"\n'
        f"POLLFREQ {int(pollfreq)}\nPOLLFREQALERT {int(pollfreq)}\nDEADTIME {3 * int(pollfreq)}\n"
        f'RUN_AS_USER root\nNOTIFYCMD "{script}"\n'
        "NOTIFYFLAG ONBATT EXEC\nNOTIFYFLAG ONLINE EXEC\n")
    conf.chmod(0o640)
    return {**os.environ, "NUT_CONFPATH": str(etc), "NUT_STATEPATH": str(state),
            "NUT_ALTPIDPATH": str(state)}


def private_run_nut(*argv: object) -> list[str]:
    """upsmon 2.8.0 keeps its pid file in /run/nut whatever NUT_ALTPIDPATH says, and
    refuses to start beside another upsmon: give each one its own /run/nut."""
    command = " ".join(f"'{a}'" for a in argv)
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c",
            f"mount -t tmpfs nut-run /run/nut && exec {command}"]


def numlogins(port: int, ups: str) -> int:
    try:
        with socket.create_connection(("127.0.0.1", port), 2) as sock:
            sock.sendall(f"GET NUMLOGINS {ups}\n".encode())
            reply = sock.makefile().readline().split()
    except OSError:
        return -1
    return int(reply[-1]) if reply[:1] == ["NUMLOGINS"] else -1


def wait(predicate, timeout: float, every: float = 0.02) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return False


def driver_changes(log: Path) -> list[float]:
    """When nutrio A's monitor saw its driver's status change (debug log, wall time)."""
    found = []
    for line in log.read_text(errors="replace").splitlines():
        if '"monitor.driver_changed"' in line:
            event = json.loads(line)
            found.append(datetime.fromisoformat(event["timestamp"]).timestamp())
    return found


class Files:
    """The two drivers' .dev files, rewritten together: one event, one time stamp."""

    def __init__(self, *paths: Path) -> None:
        self.paths = paths
        self.count = 0

    def write(self, status: str) -> float:
        self.count += 1
        # real dummy-ups compares whole-second mtimes: give each version its own second
        stamp = 1_000_000_000 + self.count
        for path in self.paths:
            tmp = path.with_suffix(".new")
            tmp.write_text(dev_text(status))
            os.utime(tmp, (stamp, stamp))
        at = time.time()
        for path in self.paths:
            os.replace(path.with_suffix(".new"), path)  # atomic: no reader sees half a file
        return at


def all_seen(observers: list[Observer], kind: str, at: float) -> bool:
    return all(o.first_after(kind, at) is not None for o in observers)


def measure(files: Files, observers: list[Observer], repeat: int, pollfreq: float,
            ) -> tuple[dict[str, list[float]], list[tuple[str, float]]]:
    """Latencies per observer, and each event as (notify type, time.time())."""
    latencies: dict[str, list[float]] = {o.name: [] for o in observers}
    events: list[tuple[str, float]] = []
    for _ in range(repeat):
        for kind in ("ONBATT", "ONLINE"):
            at = files.write(STATES[kind])
            events.append((kind, at))
            timeout = 2 * pollfreq + 5
            if not wait(functools.partial(all_seen, observers, kind, at), timeout):
                missing = [o.name for o in observers if o.first_after(kind, at) is None]
                print(f"  {kind}: no notification from {missing} in {timeout} s", file=sys.stderr)
            for o in observers:
                seen = o.first_after(kind, at)
                if seen is not None:
                    latencies[o.name].append(seen - at)
            # a new second for dummy-ups, then a pause spread over a whole poll period, so
            # the next event falls at a uniformly random phase of every observer's polls
            time.sleep(1.1 + random.uniform(0, pollfreq))
    return latencies, events


def push_path(local: Observer, log: Path, events: list[tuple[str, float]]) -> list[float]:
    """nutrio-local minus the driver: from the monitor seeing the change to NOTIFYCMD."""
    changes = driver_changes(log)
    out = []
    for kind, at in events:
        seen = next((c for c in changes if c >= at), None)
        called = local.first_after(kind, at)
        if seen is not None and called is not None:
            out.append(called - seen)
    return out


def table(latencies: dict[str, list[float]], pollfreq: float) -> str:
    head = f"{'observer':<20} {'n':>3} {'median ms':>10} {'max ms':>9}"
    rows = [f"{head}   (POLLFREQ {pollfreq:g} s)"]
    for name in (OBSERVERS[0], PUSH_ROW, *OBSERVERS[1:]):
        values = latencies.get(name, [])
        if values:
            rows.append(f"{name:<20} {len(values):>3} {statistics.median(values) * 1000:>10.0f}"
                        f" {max(values) * 1000:>9.0f}")
        else:
            rows.append(f"{name:<20} {0:>3} {'-':>10} {'-':>9}")
    return "\n".join(rows)


def run(repeat: int, pollfreq: float, driver_poll: float, keep: bool) -> str:
    base = Path(tempfile.mkdtemp(prefix="notify-latency-"))
    local, network, real_real, real_ours = (base / n for n in ("a", "b", "r1", "r2"))
    for d in (local, network, real_real, real_ours):
        d.mkdir()
    observers = []
    scripts = {}
    for name, d in zip(OBSERVERS, (local, network, real_real, real_ours), strict=True):
        observer, scripts[name] = recorder(d, name)
        observers.append(observer)
    seed = base / "ups.dev"
    seed.write_text(dev_text("OL"))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    port_a, port_b = free_port(), free_port()
    (local / "ups.dev").write_text(dev_text("OL"))
    config_a = (f'[server]\nlisten = ["127.0.0.1:{port_a}"]\n[devices.ups]\ndriver = "dummy-ups"\n'
                f'port = "ups.dev"\npollinterval = {driver_poll}\n{USERS}'
                + monitor_toml(f"ups@127.0.0.1:{port_a}", "primary", pollfreq)
                + notify_toml(scripts["nutrio-local"]))
    config_b = (f'[server]\nlisten = ["127.0.0.2:{port_b}"]\n'
                + monitor_toml(f"ups@127.0.0.1:{port_a}", "secondary", pollfreq)
                + notify_toml(scripts["nutrio-network"]))
    with contextlib.ExitStack() as stack:
        extra = {"ups": "    pollinterval = 1\n"}  # the real dummy-ups' smallest
        nut = stack.enter_context(real_nut({"ups": seed}, ups_extra=extra))
        stack.enter_context(process(nutrio(local, config_a), local / "log", env))
        wait_port(port_a, 20)
        stack.enter_context(process(nutrio(network, config_b), network / "log", env))
        real_env = upsmon_env(real_real, f"ups@127.0.0.1:{nut.port}", "monuser", "pass",
                              scripts["upsmon/real upsd"], pollfreq)
        ours_env = upsmon_env(real_ours, f"ups@127.0.0.1:{port_a}", "secuser", "sec",
                              scripts["upsmon/our upsd"], pollfreq)
        for d, e in ((real_real, real_env), (real_ours, ours_env)):
            stack.enter_context(process(private_run_nut(UPSMON, "-D", "-F", "-u", "root"),
                                        d / "log", e))
        if not wait(lambda: numlogins(port_a, "ups") == 3 and numlogins(nut.port, "ups") == 1, 30,
                    every=0.3):
            raise SystemExit(f"observers did not log in; see {base}")
        time.sleep(pollfreq + 1)  # every observer has polled OL once
        files = Files(local / "ups.dev", nut.confdir / "ups.dev")
        latencies, events = measure(files, observers, repeat, pollfreq)
    latencies[PUSH_ROW] = push_path(observers[0], local / "log", events)
    if not keep:
        import shutil

        shutil.rmtree(base, ignore_errors=True)
    return table(latencies, pollfreq)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="OL->OB->OL cycles (default 5)")
    parser.add_argument("--pollfreq", type=float, default=5.0,
                        help="POLLFREQ/POLLFREQALERT of every monitor (default NUT's 5 s)")
    parser.add_argument("--driver-poll", type=float, default=0.2,
                        help="our dummy-ups pollinterval: how soon it sees the file (s)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    print(run(args.repeat, args.pollfreq, args.driver_poll, args.keep))


if __name__ == "__main__":
    main()
