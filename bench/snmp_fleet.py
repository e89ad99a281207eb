"""Many SNMP devices from one nutrio process, against as many real snmp-ups processes.

    python bench/snmp_fleet.py [--devices 10,100,1000] [--window 90] [--real-max 100]

N simulated agents: snmpsim serving one walk under N communities (spread over
a few snmpsim processes); every device polled at pollinterval = pollfreq = 30
(NUT walks a device once more than pollfreq seconds have passed, so a walk
every other poll). After all devices answer, the bench watches one window:
polls late or failed (nutrio logs driver.poll_late / driver.poll_failed),
devices not fresh when asked through upsd (sampled every 15 s), CPU seconds
(utime + stime) per poll and as a share of one core, resident memory and
threads. The same for N real snmp-ups processes plus upsd where N <=
--real-max (their summed RSS; one process per device, as NUT runs them).
Results go to stdout as a table and, with --json FILE, as JSON.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "drivers" / "snmp"))

from snmpsim_agent import Agent, free_udp_port  # noqa: E402
from upsd_pair import SNMP_UPS, Conn  # noqa: E402

from tests.realnut import UPSD, free_port, wait_port  # noqa: E402

WALK = ROOT / "tests" / "drivers" / "snmp" / "walks" / "ietf.snmprec"
TICKS = os.sysconf("SC_CLK_TCK")
PER_AGENT = 250  # communities per snmpsim process
SAMPLE_EVERY = 15.0  # seconds between freshness samples through upsd (both sides pay for them)


@dataclass
class Result:
    side: str
    devices: int
    window: float
    polls: int
    late_or_failed: int
    not_fresh: int
    samples: int
    cpu_s: float
    cpu_per_poll_ms: float
    core_share: float
    rss_mib: float
    threads: int
    processes: int
    startup_s: float


def _proc_cpu(pid: int) -> float:
    """CPU seconds of every thread of ``pid``: the scheduler's exact run time where the
    kernel keeps it (schedstat, ns); else utime + stime, which the tick samples (a
    process that runs half a millisecond a poll is charged whole ticks, or none)."""
    try:
        return sum(int(path.read_text().split()[0])
                   for path in Path(f"/proc/{pid}/task").glob("*/schedstat")) / 1e9
    except (OSError, ValueError, IndexError):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS


def _status(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


@contextlib.contextmanager
def agents(root: Path, count: int) -> Iterator[list[tuple[int, list[str]]]]:
    """snmpsim processes serving ``count`` communities dev00000...; yields (port, names)."""
    running: list[Agent] = []
    groups: list[tuple[int, list[str]]] = []
    try:
        for start in range(0, count, PER_AGENT):
            names = [f"dev{n:05d}" for n in range(start, min(count, start + PER_AGENT))]
            base = root / f"agent{start}"
            (base / "data").mkdir(parents=True)
            for name in names:
                try:
                    os.link(WALK, base / "data" / f"{name}.snmprec")  # snmpsim skips symlinks
                except OSError:
                    shutil.copyfile(WALK, base / "data" / f"{name}.snmprec")
            shutil.copyfile(WALK, base / "data" / "ietf-ups.snmprec")  # the readiness probe
            agent = Agent(port=free_udp_port(), root=base)
            agent.start()
            running.append(agent)
            groups.append((agent.port, names))
        yield groups
    finally:
        for agent in running:
            agent.stop()


def _devices(groups: list[tuple[int, list[str]]], interval: int) -> dict[str, dict[str, str]]:
    return {name: {"port": f"127.0.0.1:{port}", "community": name, "snmp_version": "v2c",
                   "pollfreq": str(interval)} for port, names in groups for name in names}


def _sample(port: int, names: list[str]) -> int:
    """How many devices upsd does not serve fresh right now."""
    conn = Conn(port)
    try:
        replies = conn.ask([f"GET VAR {n} ups.status" for n in names], lists=False)
    finally:
        conn.close()
    return sum(1 for r in replies if r[0][0] != "VAR")


def _wait_all(port: int, names: list[str], timeout: float) -> float:
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        with contextlib.suppress(OSError):
            if _sample(port, names) == 0:
                return time.monotonic() - began
        time.sleep(2)
    raise TimeoutError(f"not every device answered within {timeout:g} s")


def _watch(side: str, pids: list[int], port: int, names: list[str], window: float,
           interval: int, startup: float, events: list[dict[str, object]] | None) -> Result:
    cpu0 = sum(_proc_cpu(p) for p in pids)
    began = time.monotonic()
    skip = len(events) if events is not None else 0
    samples = not_fresh = 0
    rss = threads = 0
    while time.monotonic() - began < window:
        not_fresh += _sample(port, names)
        samples += 1
        rss = max(rss, sum(_status(p, "VmRSS") for p in pids))
        threads = max(threads, sum(_status(p, "Threads") for p in pids))
        time.sleep(SAMPLE_EVERY)
    elapsed = time.monotonic() - began
    cpu = sum(_proc_cpu(p) for p in pids) - cpu0
    polls = int(len(names) * elapsed / interval)
    bad = 0
    if events is not None:
        bad = sum(1 for e in events[skip:] if e.get("event") in (
            "driver.poll_late", "driver.poll_failed", "driver.stale"))
    return Result(side, len(names), round(elapsed, 1), polls, bad, not_fresh, samples,
                  round(cpu, 2), round(1000 * cpu / max(polls, 1), 3), round(cpu / elapsed, 4),
                  round(rss / 1024, 1), threads, len(pids), round(startup, 1))


def run_nutrio(groups: list[tuple[int, list[str]]], interval: int, window: float,
               tmp: Path) -> Result:
    devices = _devices(groups, interval)
    port = free_port()
    tables = []
    for name, opts in devices.items():
        body = "\n".join(f'{k} = "{v}"' for k, v in opts.items())
        tables.append(f'[devices.{name}]\ndriver = "snmp-ups"\npollinterval = {interval}\n{body}')
    config = tmp / "nutrio.toml"
    config.write_text(f'[server]\nlisten = ["127.0.0.1:{port}"]\nmaxconn = 100\n\n'
                      + "\n\n".join(tables) + "\n")
    proc = subprocess.Popen(
        [sys.executable, "-m", "nutrio", "run", "--config", str(config), "--log-format", "json"],
        env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True)
    events: list[dict[str, object]] = []

    def read_log() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            with contextlib.suppress(ValueError):
                events.append(json.loads(line))

    threading.Thread(target=read_log, daemon=True).start()
    try:
        began = time.monotonic()
        wait_port(port, timeout=3600)
        startup = _wait_all(port, list(devices), 600) + (time.monotonic() - began)
        return _watch("nutrio", [proc.pid], port, list(devices), window, interval, startup,
                      events)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)


def run_real(groups: list[tuple[int, list[str]]], interval: int, window: float,
             tmp: Path) -> Result:
    devices = _devices(groups, interval)
    conf, state = tmp / "etc", tmp / "state"
    conf.mkdir()
    state.mkdir()
    os.chmod(state, 0o777)
    port = free_port()
    (conf / "nut.conf").write_text("MODE=standalone\n")
    (conf / "ups.conf").write_text("".join(
        f"[{n}]\n driver = snmp-ups\n pollinterval = {interval}\n"
        + "".join(f' {k} = "{v}"\n' for k, v in o.items()) for n, o in devices.items()))
    (conf / "upsd.conf").write_text(f"LISTEN 127.0.0.1 {port}\nMAXAGE 15\nMAXCONN 2048\n")
    (conf / "upsd.users").write_text("")
    env = {**os.environ, "NUT_CONFPATH": str(conf), "NUT_STATEPATH": str(state)}
    procs = []
    try:
        began = time.monotonic()
        for name in devices:
            procs.append(subprocess.Popen([str(SNMP_UPS), "-a", name, "-u", "root", "-F"],
                                          env=env, stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL))
        procs.append(subprocess.Popen([str(UPSD), "-u", "root", "-F"], env=env,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait_port(port)
        startup = _wait_all(port, list(devices), 600) + (time.monotonic() - began)
        return _watch("real", [p.pid for p in procs], port, list(devices), window, interval,
                      startup, None)
    finally:
        for p in procs:
            with contextlib.suppress(ProcessLookupError):
                p.send_signal(signal.SIGTERM)
        for p in procs:
            p.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--devices", default="10,100,1000")
    parser.add_argument("--interval", type=int, default=30, help="pollinterval = pollfreq")
    parser.add_argument("--window", type=float, default=95.0, help="seconds watched per run")
    parser.add_argument("--real-max", type=int, default=100)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    results: list[Result] = []
    for count in (int(n) for n in args.devices.split(",")):
        with tempfile.TemporaryDirectory(prefix="snmpfleet-") as tmpdir:
            tmp = Path(tmpdir)
            with agents(tmp, count) as groups:
                (tmp / "nutrio").mkdir()
                results.append(run_nutrio(groups, args.interval, args.window, tmp / "nutrio"))
                print(results[-1], flush=True)
                if count <= args.real_max:
                    (tmp / "real").mkdir()
                    results.append(run_real(groups, args.interval, args.window, tmp / "real"))
                    print(results[-1], flush=True)
    print(f"\n{'side':7}{'N':>6}{'polls':>7}{'late':>6}{'stale':>7}{'CPU s':>8}"
          f"{'ms/poll':>9}{'core':>7}{'RSS MiB':>9}{'threads':>9}{'procs':>7}{'start s':>9}")
    for r in results:
        print(f"{r.side:7}{r.devices:>6}{r.polls:>7}{r.late_or_failed:>6}{r.not_fresh:>7}"
              f"{r.cpu_s:>8}{r.cpu_per_poll_ms:>9}{r.core_share:>7}{r.rss_mib:>9}"
              f"{r.threads:>9}{r.processes:>7}{r.startup_s:>9}")
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=1))


if __name__ == "__main__":
    main()
