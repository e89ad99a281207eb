"""Chaos run: `nutrio run` under client load while a seeded fault plan breaks it.

    python -m bench.chaos [--duration 300] [--seed 7] [--clients 4] [--keep DIR]

What runs: one `nutrio run` subprocess (JSON log on stderr, into a file)
serving five dummy-ups UPSes and monitoring two of them with a recording
SHUTDOWNCMD. ``c1``-``c3`` and ``doomed`` play ``.dev`` files this script
rewrites every 0.2 s with a growing ``ups.load`` (dummy-once mode re-reads a
changed file), so the truth only ever moves forward, even across driver
restarts that re-read the file from the top; at half time ``doomed`` turns
``OB DISCHRG LB``: from then on one shutdown is owed. ``flappy`` plays a
``.seq`` going OL -> OB and back (powervalue 0: never owed a shutdown).

Meanwhile client threads loop GET VAR / LIST VAR over every UPS on their own
connections (reconnecting after a listener crash), one admin client sends
SET VAR (a driver's message seam), and the ``[chaos]`` plan made from the seed
(:func:`make_plan`) crashes drivers, the listener and monitor actors, freezes a
driver, delays polls and notifier messages and drops commands and
notifications. The plan keeps within the supervisors' restart intensities,
so no give-up is expected; the check still verifies any give-up against them.

Checked afterwards from the log and the client observations (:func:`check`):
every crash is followed by a restart within its back-off (plus slack); a
give-up only past its intensity; the process still runs; ``ups.load`` never
goes back for one client; DATA-STALE and DRIVER-NOT-CONNECTED only while that
driver is down or frozen, connection errors only around a listener crash, and
no gap in any UPS's answers otherwise; no shutdown before it is owed, exactly
one after. Same seed, same plan; the order of faults per actor follows it.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

COUNTERS = ("c1", "c2", "c3", "doomed")  # .dev files with a growing ups.load
UPSES = (*COUNTERS, "flappy")
#: the supervisors' limits in nutrio/app.py (intensity, period)
#: intensity and period of each supervisor (nutrio/tree.py)
LIMITS = {"root": (3, 60.0), "drivers": (100, 60.0), "upsd": (5, 60.0),
          "monitoring": (5, 60.0), "extras": (5, 60.0)}
#: the root's children whose failures never count toward its intensity
NOT_CRITICAL = {"monitoring", "extras"}
MAXAGE = 2.5  # server MAXAGE: a frozen driver turns DATA-STALE after this
POLL = 0.2  # driver pollinterval and .dev rewrite period
FREEZE = 6.0  # past MAXAGE by 3.5 s: room for a loaded machine to see DATA-STALE
#: allowance for a loaded machine (2 shared cores) on every time comparison
SLACK = 1.5
#: answers of one UPS may pause this long without a fault to explain it
GAP = 3.0
#: an owed shutdown must be recorded within this long
SHUTDOWN_BOUND = 12.0

FLAPPY_SEQ = "ups.status: OL\nups.load: 10\nTIMER 2\nups.status: OB DISCHRG\nTIMER 1\n"


# -- the plan ---------------------------------------------------------------


def make_plan(seed: int, duration: float, port: int) -> tuple[dict[str, Any], ...]:
    """The faults for a run: a pure function of (seed, duration, port).

    Root children (listener, notifier, upsmon, monitors) crash at most 3
    times per 60 s, drivers at most ~18 per 60 s: under the limits in LIMITS.
    """
    rng = random.Random(seed)
    faults: list[dict[str, Any]] = []
    # one exact target per actor: the crash times below are planned per actor
    listener = f"listener:127.0.0.1:{port}"
    monitors = ["upsmon", "monitor:doomed@*", "monitor:flappy@*"]
    root_targets = [listener, rng.choice(monitors)]
    slots = max(1, int(duration // 21)) * 3
    root_targets += [rng.choice([*monitors, "notifier", listener])
                     for _ in range(slots - len(root_targets))]
    rng.shuffle(root_targets)
    # Absolute crash times spaced >= 21 s apart in long runs (so any 60 s holds
    # at most 3); a short run spreads its 3 crashes over the middle.
    spacing = 21.0 if duration >= 60 else max(2.0, (duration - 6) / 3)
    starts: dict[str, float] = defaultdict(float)  # estimated start of each target's incarnation
    at = 2.0 + rng.uniform(0.0, 1.0)
    for target in root_targets:
        if at > duration - 3:
            break
        faults.append({"target": target, "kind": "crash",
                       "after_seconds": round(max(0.5, at - starts[target]), 2), "times": 1})
        starts[target] = at + 0.1  # the first back-off; a later start only widens the spacing
        at += spacing + rng.uniform(0.0, spacing / 4)
    for name in ("c1", "c3", "doomed"):  # timer crashes, again in each incarnation
        faults.append({"target": f"driver:{name}", "kind": "crash",
                       "after_seconds": round(rng.uniform(3.0, 7.0) if duration < 60
                                              else rng.uniform(10.0, 14.0), 2),
                       "times": max(1, int(duration // 10))})
    faults += [
        {"target": "driver:c[13]", "kind": "crash", "after_messages": 10,
         "probability": 0.02, "times": 2},
        {"target": "driver:c2", "kind": "freeze", "duration": FREEZE,
         "after_seconds": round(rng.uniform(3.0, max(3.5, duration / 2)), 2),
         "times": 1 + int(duration // 60)},
        {"target": "driver:*", "kind": "delay", "delay": 0.2, "probability": 0.05, "times": 50},
        {"target": "driver:*", "kind": "drop", "probability": 0.5},
        {"target": "notifier", "kind": "delay", "delay": 0.3, "probability": 0.3},
        {"target": "notifier", "kind": "drop", "probability": 0.2},
    ]
    return tuple(faults)


def plan_toml(seed: int, faults: tuple[dict[str, Any], ...]) -> str:
    out = f"[chaos]\nseed = {seed}\n"
    for fault in faults:
        out += "\n[[chaos.fault]]\n" + "".join(
            f"{k} = {json.dumps(v)}\n" for k, v in fault.items())
    return out


# -- the world around nutrio ---------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")


def write_dev(path: Path, status: str, load: int) -> None:
    """Replace the file in one rename: the driver never reads half of it."""
    tmp = path.with_suffix(".tmp")
    tmp.write_text(f"ups.status: {status}\nups.load: {load}\nbattery.charge: 100\n")
    os.replace(tmp, path)


def recorder(path: Path, record: Path, what: str) -> Path:
    path.write_text(f'#!/bin/sh\necho "{what} ${{NOTIFYTYPE:--}} $(date +%s.%N)" >> {record}\n')
    path.chmod(0o755)
    return path


def write_config(home: Path, port: int, *, chaos: str = "", extra: str = "") -> Path:
    devices = ""
    for name in COUNTERS:
        write_dev(home / f"{name}.dev", "OL", 0)
        devices += (f'[devices.{name}]\ndriver = "dummy-ups"\nport = "{name}.dev"\n'
                    f"pollinterval = {POLL}\n\n")
    (home / "flappy.seq").write_text(FLAPPY_SEQ)
    devices += f'[devices.flappy]\ndriver = "dummy-ups"\nport = "flappy.seq"\npollinterval = {POLL}\n\n'
    record = home / "calls"
    shutdown = recorder(home / "shutdown.sh", record, "shutdown")
    notify = recorder(home / "notify.sh", record, "notify")
    monitors = "".join(
        f'[[monitor.ups]]\nsystem = "{name}@127.0.0.1:{port}"\npowervalue = {power}\n'
        f'user = "mon"\npassword = "pass"\nrole = "primary"\n\n'
        for name, power in (("doomed", 1), ("flappy", 0)))
    config = home / "nutrio.toml"
    config.write_text(
        f'[server]\nlisten = ["127.0.0.1:{port}"]\nmaxage = {MAXAGE}\n'
        f'statepath = "{home}"\n\n{devices}'
        '[users.mon]\npassword = "pass"\nupsmon = "primary"\n\n'
        '[users.admin]\npassword = "secret"\nactions = ["SET"]\n\n'
        f'[monitor]\nminsupplies = 1\nshutdowncmd = "{shutdown}"\npollfreq = 0.5\n'
        f'pollfreqalert = 0.5\ndeadtime = 6\nhostsync = 2\nfinaldelay = 0\n\n{monitors}'
        f'[notify]\nnotifycmd = "{notify}"\n\n[notify.flags]\n'
        'ONBATT = ["EXEC"]\nONLINE = ["EXEC"]\nLOWBATT = ["EXEC"]\nSHUTDOWN = ["EXEC"]\n\n'
        f"{extra}\n{chaos}")
    return config


def start_nutrio(config: Path, log_path: Path) -> subprocess.Popen[bytes]:
    """`nutrio run` in its own session, so a kill -9 can take its whole group."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with log_path.open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "nutrio", "run", "--config", str(config),
             "--log-format", "json"],
            env=env, cwd=config.parent, stdout=subprocess.DEVNULL, stderr=log,
            start_new_session=True)


def stop_nutrio(proc: subprocess.Popen[bytes]) -> int | None:
    if proc.poll() is not None:
        return proc.returncode
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        return None


class Feeder(threading.Thread):
    """Rewrites the .dev files: ups.load counts up; ``doomed`` fails at ``fail_at``."""

    def __init__(self, home: Path, fail_at: float | None) -> None:
        super().__init__(daemon=True)
        self.home, self.fail_at = home, fail_at
        self.failed_at: float | None = None
        self.halt = threading.Event()

    def run(self) -> None:
        load = 0
        while not self.halt.wait(POLL):
            load += 1
            for name in COUNTERS:
                status = "OL"
                if name == "doomed" and self.fail_at is not None and time.time() >= self.fail_at:
                    status = "OB DISCHRG LB"
                    if self.failed_at is None:
                        self.failed_at = time.time()
                write_dev(self.home / f"{name}.dev", status, load)


# -- the clients -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Seen:
    """One answer: ``value`` for a VAR, ``error`` an ERR code or a connection failure."""

    at: float
    client: int
    ups: str
    var: str
    value: str | None = None
    error: str | None = None


class NutLine:
    """A blocking line-oriented NUT connection (the clients are plain threads)."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), 2.0)
        self.sock.settimeout(5.0)
        self.file = self.sock.makefile("rb")

    def ask(self, line: str) -> list[str]:
        """Send one request; the reply's lines (a LIST up to its END)."""
        self.sock.sendall(line.encode() + b"\n")
        first = self._line()
        if not first.startswith("BEGIN LIST"):
            return [first]
        lines = [first]
        while not lines[-1].startswith("END LIST"):
            lines.append(self._line())
        return lines

    def _line(self) -> str:
        raw = self.file.readline()
        if not raw:
            raise ConnectionError("eof")
        return raw.decode(errors="replace").rstrip("\n")

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.file.close()
            self.sock.close()


class Client(threading.Thread):
    """GET VAR ups.load / ups.status on every UPS, LIST VAR now and then; reconnects."""

    def __init__(self, number: int, port: int, halt: threading.Event, admin: bool = False) -> None:
        super().__init__(daemon=True)
        self.number, self.port, self.halt, self.admin = number, port, halt, admin
        self.seen: list[Seen] = []
        self.requests = 0
        self.connects = 0

    def run(self) -> None:
        conn: NutLine | None = None
        rounds = 0
        while not self.halt.is_set():
            try:
                if conn is None:
                    conn = NutLine(self.port)
                    self.connects += 1
                    if self.admin:
                        conn.ask("USERNAME admin")
                        conn.ask("PASSWORD secret")
                rounds += 1
                if self.admin:
                    conn.ask(f"SET VAR c2 battery.charge {50 + rounds % 50}")
                    self.requests += 1
                    time.sleep(0.3)
                    continue
                for ups in UPSES:
                    for var in ("ups.load", "ups.status"):
                        self.record(ups, var, conn.ask(f"GET VAR {ups} {var}")[0])
                    if rounds % 10 == 0:
                        self.record_list(ups, conn.ask(f"LIST VAR {ups}"))
                time.sleep(0.02)  # leave the two shared cores some air
            except (OSError, ConnectionError) as exc:
                self.seen.append(Seen(time.time(), self.number, "*", "*",
                                      error=f"connection: {type(exc).__name__}"))
                if conn is not None:
                    conn.close()
                conn = None
                time.sleep(0.05)
        if conn is not None:
            conn.close()

    def record(self, ups: str, var: str, reply: str) -> None:
        self.requests += 1
        now = time.time()
        parts = reply.split(" ", 3)
        if parts[:1] == ["VAR"] and len(parts) == 4:
            self.seen.append(Seen(now, self.number, ups, var, value=parts[3].strip('"')))
        elif parts[:1] == ["ERR"]:
            self.seen.append(Seen(now, self.number, ups, var, error=parts[1]))
        else:
            self.seen.append(Seen(now, self.number, ups, var, error=f"odd reply: {reply}"))

    def record_list(self, ups: str, lines: list[str]) -> None:
        self.requests += 1
        now = time.time()
        if lines[0].startswith("ERR"):
            self.seen.append(Seen(now, self.number, ups, "LIST", error=lines[0].split()[1]))
            return
        for line in lines:
            if line.startswith(f"VAR {ups} ups.load "):
                self.seen.append(Seen(now, self.number, ups, "ups.load",
                                      value=line.split(" ", 3)[3].strip('"')))


# -- reading the log ----------------------------------------------------------------


def read_events(log_path: Path) -> list[dict[str, Any]]:
    events = []
    for line in log_path.read_text(errors="replace").splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue  # a traceback line or a line cut by kill -9
        if isinstance(event, dict) and "timestamp" in event:
            event["at"] = datetime.fromisoformat(event["timestamp"]).timestamp()
            events.append(event)
    return events


def read_calls(record: Path) -> list[tuple[str, str, float]]:
    if not record.exists():
        return []
    calls = []
    for line in record.read_text().splitlines():
        parts = line.split()
        if len(parts) >= 3:
            calls.append((parts[0], parts[1], float(parts[-1])))
    return calls


# -- the checks ------------------------------------------------------------------------


@dataclass
class Outages:
    """Per actor: (from, to) windows while it was down, frozen or slowed."""

    down: dict[str, list[tuple[float, float]]] = field(default_factory=lambda: defaultdict(list))
    frozen: dict[str, list[tuple[float, float]]] = field(default_factory=lambda: defaultdict(list))

    def covers(self, windows: list[tuple[float, float]], at: float) -> bool:
        return any(a - SLACK <= at <= b + SLACK for a, b in windows)

    def driver_down(self, ups: str, at: float) -> bool:
        return self.covers(self.down[f"driver:{ups}"], at)

    def driver_frozen(self, ups: str, at: float) -> bool:
        return self.covers(self.frozen[f"driver:{ups}"], at)

    def listener_down(self, at: float) -> bool:
        return any(self.covers(w, at) for a, w in self.down.items() if a.startswith("listener:"))


@dataclass
class Report:
    seed: int
    duration: float
    faults: Counter[str] = field(default_factory=Counter)
    fault_sequence: dict[str, list[str]] = field(default_factory=dict)
    crashes: int = 0
    restarts: int = 0
    recoveries: list[float] = field(default_factory=list)
    gave_up: int = 0
    requests: int = 0
    answers: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    shutdowns: list[float] = field(default_factory=list)
    owed_at: float | None = None
    violations: list[str] = field(default_factory=list)

    def summary(self) -> str:
        worst = max(self.recoveries, default=0.0)
        lines = [
            f"chaos run: seed {self.seed}, {self.duration:g} s",
            f"  faults injected: {sum(self.faults.values())} "
            + " ".join(f"{k}={v}" for k, v in sorted(self.faults.items())),
            f"  crashes: {self.crashes}, restarts: {self.restarts}, gave up: {self.gave_up}",
            (f"  max recovery time: {worst:.3f} s "
             f"(mean {sum(self.recoveries) / max(1, len(self.recoveries)):.3f} s)"),
            f"  client requests: {self.requests}, answers checked: {self.answers}, errors: "
            + (" ".join(f"{k}={v}" for k, v in sorted(self.errors.items())) or "none"),
            f"  shutdowns: {len(self.shutdowns)} (owed from "
            + ("never" if self.owed_at is None else f"+{self.owed_at:.1f} s") + ")",
            f"  violations: {len(self.violations)}",
        ]
        lines += [f"    {v}" for v in self.violations[:20]]
        return "\n".join(lines)


def check_supervision(events: list[dict[str, Any]], report: Report, end: float) -> Outages:
    """Crash -> restarting(delay) -> started within delay + SLACK; give-ups only past intensity."""
    outages = Outages()
    open_crash: dict[str, tuple[float, float | None]] = {}  # actor -> (crashed at, delay)
    crashes_by_sup: dict[str, list[float]] = defaultdict(list)
    supervisor_of: dict[str, str] = {}
    for e in events:
        name, actor, sup = e.get("event"), e.get("actor", ""), e.get("supervisor")
        if name == "chaos.injected":
            report.faults[e["kind"]] += 1
            report.fault_sequence.setdefault(actor, []).append(e["kind"])
            if e["kind"] == "freeze":
                outages.frozen[actor].append((e["at"], e["at"] + FREEZE + POLL))
            continue
        if sup is None:
            continue
        if name == "actor.crashed":
            supervisor_of[actor] = sup
            report.crashes += 1
            if not (sup == "root" and actor in NOT_CRITICAL):
                crashes_by_sup[sup].append(e["at"])
            open_crash[actor] = (e["at"], None)
        elif name == "actor.restarting" and actor in open_crash:
            report.restarts += 1
            open_crash[actor] = (open_crash[actor][0], float(e["delay"]))
        elif name == "actor.started" and actor in open_crash:
            crashed, delay = open_crash.pop(actor)
            took = e["at"] - crashed
            report.recoveries.append(took)
            outages.down[actor].append((crashed, e["at"]))
            if delay is None:
                report.violations.append(f"{actor} started again without actor.restarting")
            elif took > delay + SLACK:
                report.violations.append(
                    f"{actor} took {took:.2f} s to restart, back-off was {delay:.2f} s")
        elif name == "supervisor.gave_up":
            report.gave_up += 1
            intensity, period = LIMITS.get(sup, (0, 0.0))
            recent = [t for t in crashes_by_sup[sup] if e["at"] - period < t <= e["at"]]
            if len(recent) <= intensity:
                report.violations.append(
                    f"{sup} gave up after {len(recent)} crashes in {period:g} s "
                    f"(intensity {intensity})")
            # its children are stopped for good: their pending restarts never come
            for gone in [a for a, s in supervisor_of.items() if s == sup and a in open_crash]:
                del open_crash[gone]
    for actor, (crashed, delay) in open_crash.items():
        outages.down[actor].append((crashed, end))
        if end - crashed > (delay or 0.0) + SLACK:
            report.violations.append(f"{actor} crashed at {crashed:.2f} and never came back")
    return outages


def check_clients(seen: list[Seen], outages: Outages, report: Report, since: float) -> None:
    by_client: dict[int, list[Seen]] = defaultdict(list)
    for s in sorted(seen, key=lambda s: s.at):
        by_client[s.client].append(s)
    for client, answers in by_client.items():
        highest: dict[str, int] = {}
        last_ok: dict[str, float] = {}
        for s in answers:
            report.answers += 1
            if s.error is not None:
                report.errors[s.error.split(":")[0]] += 1
                _check_error(s, outages, report)
                continue
            if s.var == "ups.load" and s.ups in COUNTERS:
                value = int(s.value or "0")
                if value < highest.get(s.ups, -1):
                    report.violations.append(
                        f"client {client}: {s.ups} ups.load went back {highest[s.ups]} -> "
                        f"{value} at {s.at - since:.2f}")
                highest[s.ups] = max(value, highest.get(s.ups, -1))
            before = last_ok.get(s.ups, since)
            if s.at - before > GAP and not _explained(s.ups, before, s.at, outages):
                report.violations.append(
                    f"client {client}: no answer for {s.ups} from {before - since:.2f} "
                    f"to {s.at - since:.2f} without a fault")
            last_ok[s.ups] = s.at


def _explained(ups: str, start: float, end: float, outages: Outages) -> bool:
    """A pause in one UPS's answers overlapping its driver's or the listener's outage."""
    windows = outages.down[f"driver:{ups}"] + outages.frozen[f"driver:{ups}"]
    windows += [w for a, ws in outages.down.items() if a.startswith("listener:") for w in ws]
    return any(a - SLACK <= end and start <= b + SLACK for a, b in windows)


def _check_error(s: Seen, outages: Outages, report: Report) -> None:
    if s.error is None:
        return
    if s.error.startswith("connection"):
        if not outages.listener_down(s.at):
            report.violations.append(f"client {s.client}: {s.error} with the listener up")
    elif s.error == "DRIVER-NOT-CONNECTED":
        if not outages.driver_down(s.ups, s.at):
            report.violations.append(f"{s.ups}: DRIVER-NOT-CONNECTED while its driver ran")
    elif s.error == "DATA-STALE":
        if not (outages.driver_down(s.ups, s.at) or outages.driver_frozen(s.ups, s.at)):
            report.violations.append(f"{s.ups}: DATA-STALE with its driver neither down nor frozen")
    else:
        report.violations.append(f"client {s.client}: unexpected {s.error} for {s.ups} {s.var}")


def check_shutdown(calls: list[tuple[str, str, float]], owed_at: float | None,
                   report: Report, end: float) -> None:
    report.shutdowns = [at for what, _type, at in calls if what == "shutdown"]
    for at in report.shutdowns:
        if owed_at is None or at < owed_at:
            report.violations.append("spurious shutdown: none was owed")
    if owed_at is not None and end - owed_at > SHUTDOWN_BOUND:
        if len(report.shutdowns) != 1:
            report.violations.append(f"owed shutdown ran {len(report.shutdowns)} times, not once")
        elif report.shutdowns[0] - owed_at > SHUTDOWN_BOUND:
            report.violations.append("owed shutdown came too late")


# -- one run ---------------------------------------------------------------------------


def run_chaos(home: Path, *, seed: int, duration: float, clients: int = 4) -> Report:
    """Start nutrio with the seed's plan, load and break it for *duration* s, check it."""
    port = free_port()
    plan = make_plan(seed, duration, port)
    config = write_config(home, port, chaos=plan_toml(seed, plan))
    log_path = home / "nutrio.log"
    report = Report(seed=seed, duration=duration)
    proc = start_nutrio(config, log_path)
    halt = threading.Event()
    threads: list[Client] = []
    feeder: Feeder | None = None
    try:
        wait_port(port, 20)
        began = time.time()
        feeder = Feeder(home, fail_at=began + duration * 0.5)
        feeder.start()
        threads = [Client(i, port, halt) for i in range(clients)]
        threads.append(Client(clients, port, halt, admin=True))
        for t in threads:
            t.start()
        time.sleep(duration)
        halt.set()
        feeder.halt.set()
        for t in threads:
            t.join(10)
        end = time.time()
        alive = proc.poll() is None
    finally:
        halt.set()
        if feeder is not None:
            feeder.halt.set()
        code = stop_nutrio(proc)
    events = read_events(log_path)
    outages = check_supervision(events, report, end)
    seen = [s for t in threads if not t.admin for s in t.seen]
    report.requests = sum(t.requests for t in threads)
    check_clients(seen, outages, report, began)
    owed = feeder.failed_at if feeder else None
    report.owed_at = None if owed is None else owed - began
    check_shutdown(read_calls(home / "calls"), owed, report, end)
    if not alive:
        report.violations.append(f"nutrio exited during the run (code {proc.returncode})")
    if code not in (0, None) and alive:
        report.violations.append(f"nutrio stopped with code {code}")
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.chaos", description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=300.0, help="seconds of chaos")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--keep", type=Path, help="run in this directory and keep it")
    args = parser.parse_args(argv)
    with contextlib.ExitStack() as stack:
        home = args.keep or Path(stack.enter_context(tempfile.TemporaryDirectory()))
        home.mkdir(parents=True, exist_ok=True)
        report = run_chaos(home, seed=args.seed, duration=args.duration, clients=args.clients)
    print(report.summary())
    for actor, kinds in sorted(report.fault_sequence.items()):
        print(f"  {actor}: {' '.join(kinds)}")
    return 1 if report.violations else 0


if __name__ == "__main__":
    sys.exit(main())
