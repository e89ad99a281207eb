"""Run the real upsd and nutrio side by side on the same dummy device and compare.

    python bench/compare.py [--seconds 5] [--repeat 3] [--idle 10000] [--dev FILE]
                            [--transport auto|stream|epoll] [--generator c|python]
                            [--conns 1,100,1000] [--requests get,list]

Prints, for GET VAR and LIST VAR at 1, 100 and 1,000 connections: requests/s,
p50/p99 latency and resident memory of both servers, and the ratios ours/theirs;
then the resident memory per idle connection with --idle connections open.
The load generator runs in its own process: by default the compiled one
(bench/loadgen.c, built with gcc by bench/cloadgen.py), which is not the
bottleneck; ``--generator python`` is bench/loadgen.py. Each case is run
--repeat times per server, alternating, and the medians are shown: the
machine is shared, and a burst of other work should not decide a ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import cloadgen  # noqa: E402
from tests.realnut import free_port, real_nut, wait_port  # noqa: E402

DEFAULT_DEV = (
    ROOT.parent / "shared/data/ddl/Cyber_Power_Systems__Cyber_Power_Systems__Value_1200ELCD__usbhid-ups__2.7.2__01.dev"
)
REQUESTS = {"get": "GET VAR bench ups.status", "list": "LIST VAR bench"}


def _raise_nofile() -> None:
    """Soft fd limit up to the hard one (a container may not allow raising the hard limit)."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def loadgen(port: int, request: str, conns: int, seconds: float,
            generator: str = "c") -> dict[str, float]:
    if generator == "c":
        return cloadgen.load("127.0.0.1", port, request, conns, seconds)
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench/loadgen.py"), "127.0.0.1", str(port), request,
         "--conns", str(conns), "--seconds", str(seconds)],
        capture_output=True, text=True, check=True, preexec_fn=_raise_nofile,
    )
    return json.loads(out.stdout)


def idle(port: int, conns: int, pid: int) -> tuple[int, float]:
    """Open *conns* idle connections; return (opened, KiB of RSS growth per connection)."""
    before = rss_kib(pid)
    code = (
        f"import sys; sys.path.insert(0, {str(ROOT)!r}); from bench.loadgen import hold_idle; "
        f"hold_idle('127.0.0.1', {port}, {conns}, 30.0)"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True, preexec_fn=_raise_nofile)
    assert proc.stdin is not None and proc.stdout is not None
    opened = int(proc.stdout.readline().strip() or 0)  # printed once all are open
    time.sleep(2.0)  # let the server finish setting up the last ones
    during = rss_kib(pid)
    proc.stdin.close()  # tells the holder to let go
    proc.wait(timeout=60)
    return opened, (during - before) / max(opened, 1)


def start_nutrio(dev: Path, tmp: Path,
                 transport: str = "auto") -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    cfg = tmp / "bench.toml"
    cfg.write_text(
        f'[server]\nlisten = ["127.0.0.1:{port}"]\nmaxconn = 20000\ntransport = "{transport}"\n\n'
        f'[devices.bench]\ndriver = "dummy-ups"\nport = "{dev}"\n'
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "nutrio", "run", "--config", str(cfg), "--log-format", "json",
         "--log-level", "warning"],
        env={**os.environ, "PYTHONPATH": str(ROOT)}, preexec_fn=_raise_nofile,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    wait_port(port, 20)
    time.sleep(1.0)
    return proc, port


def median_run(runs: list[dict[str, float]]) -> dict[str, float]:
    """Each figure's median over the runs (the machine is shared: one run can be unlucky)."""
    return {key: statistics.median(r[key] for r in runs) for key in ("rps", "p50_ms", "p99_ms")}


def fmt_row(name: str, theirs: dict, ours: dict, rss_t: int, rss_o: int) -> str:
    return (
        f"{name:<28} {theirs['rps']:>9.0f} {ours['rps']:>9.0f} {ours['rps'] / max(theirs['rps'], 1e-9):>6.2f}x"
        f" {theirs['p50_ms']:>8.2f} {ours['p50_ms']:>8.2f}"
        f" {theirs['p99_ms']:>8.2f} {ours['p99_ms']:>8.2f} {ours['p99_ms'] / max(theirs['p99_ms'], 1e-9):>6.2f}x"
        f" {rss_t:>8} {rss_o:>8}"
    )


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=5.0)
    p.add_argument("--idle", type=int, default=10000)
    p.add_argument("--dev", type=Path, default=DEFAULT_DEV)
    p.add_argument("--transport", default="auto", choices=("auto", "stream", "epoll"),
                   help="nutrio's [server] transport")
    p.add_argument("--repeat", type=int, default=3,
                   help="split each case into this many alternating NUT/ours runs; report medians")
    p.add_argument("--generator", default="c", choices=("c", "python"),
                   help="the load generator: compiled bench/loadgen.c or bench/loadgen.py")
    p.add_argument("--conns", default="1,100,1000", help="connection counts, comma-separated")
    p.add_argument("--requests", default="get,list", help="which of get, list")
    ns = p.parse_args()
    cases = [(REQUESTS[r], int(n)) for r in ns.requests.split(",") for n in ns.conns.split(",")]
    print(f"device: {ns.dev.name}; {ns.seconds:.0f} s per case and server, as {ns.repeat} alternating"
          f" runs (medians shown); {ns.generator} loadgen in its own process;"
          f" transport {ns.transport}")
    header = (f"{'case':<28} {'rps NUT':>9} {'rps ours':>9} {'ratio':>7} {'p50 NUT':>8} {'p50 ours':>8}"
              f" {'p99 NUT':>8} {'p99 ours':>8} {'ratio':>7} {'RSS NUT':>8} {'RSS ours':>8}")
    with tempfile.TemporaryDirectory() as tmp, real_nut(
        {"bench": ns.dev}, upsd_extra="MAXCONN 20000", preexec_fn=_raise_nofile
    ) as nut:
        upsd_pid = nut.procs[-1].pid
        ours, port = start_nutrio(ns.dev, Path(tmp), ns.transport)
        try:
            print(header)
            for request, conns in cases:
                runs_t, runs_o = [], []
                share = ns.seconds / ns.repeat
                for _ in range(ns.repeat):  # interleaved: a load change elsewhere hits both
                    runs_t.append(loadgen(nut.port, request, conns, share, ns.generator))
                    runs_o.append(loadgen(port, request, conns, share, ns.generator))
                rss_t, rss_o = rss_kib(upsd_pid), rss_kib(ours.pid)
                print(fmt_row(f"{request.split(' bench')[0]} x{conns}", median_run(runs_t),
                              median_run(runs_o), rss_t, rss_o), flush=True)
            if ns.idle:
                for label, prt, pid in (("NUT upsd", nut.port, upsd_pid), ("nutrio", port, ours.pid)):
                    opened, per = idle(prt, ns.idle, pid)
                    print(f"idle: {label}: {opened} connections held, {per:.1f} KiB RSS per connection")
        finally:
            ours.terminate()
            ours.wait(timeout=20)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
