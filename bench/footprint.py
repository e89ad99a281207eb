"""Idle resident memory of nutrio against the real NUT doing the same job.

    python bench/footprint.py [--idle 1000] [--python VENV/bin/python]

The job is the embedded default: one dummy-ups UPS looping through a power
failure, served by upsd and watched by upsmon. Prints the resident memory (summed
over the process tree) of

- `nutrio run` on the default without [web], and with it;
- the real upsd + dummy-ups + upsmon 2.8.0 on the same .seq file;
- each server's growth per idle client connection (--idle connections held open).

Targets (issue 13): at most 30 MB idle without the web, at most 2 KiB per idle connection.

``--python`` runs nutrio with another interpreter, e.g. a venv where only
``pip install .`` went (no test tools): structlog imports greenlet and twisted
when they are installed, and the test dependencies bring both.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.compare import _raise_nofile, idle  # noqa: E402
from tests.realnut import free_port, real_nut, wait_port  # noqa: E402

DEFAULT = ROOT / "conf/default"
SETTLE = 3.0  # seconds after start before memory is read: imports done, first polls served


def tree_rss_kib(pid: int) -> int:
    """VmRSS of *pid* and its descendants (nutrio's root helper, NUT's daemons)."""
    total = 0
    for proc in [pid, *_descendants(pid)]:
        try:
            status = Path(f"/proc/{proc}/status").read_text()
        except OSError:
            continue
        found = re.search(r"^VmRSS:\s+(\d+)", status, re.M)
        total += int(found.group(1)) if found else 0
    return total


def _descendants(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    children = [int(p) for p in out.stdout.split()]
    return children + [d for c in children for d in _descendants(c)]


def nutrio_config(tmp: Path, *, web: bool) -> tuple[Path, int]:
    """The embedded default on free ports; without [web] unless *web*."""
    port, web_port = free_port(), free_port()
    text = (DEFAULT / "nutrio.toml").read_text()
    text = text.replace("127.0.0.1:3493", f"127.0.0.1:{port}").replace(
        "localhost:3493", f"localhost:{port}")
    head, _, tail = text.partition("[web]")
    text = head + (f'[web]\nlisten = "127.0.0.1:{web_port}"\n' if web else "")
    (tmp / "dummy.seq").write_text((DEFAULT / "dummy.seq").read_text())
    config = tmp / "nutrio.toml"
    config.write_text(text.replace("[server]\n", f'[server]\nstatepath = "{tmp}"\nmaxconn = 20000\n', 1))
    return config, port


def measure_nutrio(web: bool, conns: int, python: str = sys.executable) -> tuple[int, float]:
    with tempfile.TemporaryDirectory(prefix="footprint-") as tmp:
        config, port = nutrio_config(Path(tmp), web=web)
        proc = subprocess.Popen(
            [python, "-m", "nutrio", "run", "--config", str(config), "--log-level", "warning"],
            env=_env_for(python), preexec_fn=_raise_nofile,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_port(port, 30)
            time.sleep(SETTLE)
            rss = tree_rss_kib(proc.pid)
            per_conn = idle(port, conns, proc.pid)[1] if conns else 0.0
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(40)
    return rss, per_conn


def _env_for(python: str) -> dict[str, str]:
    """The repository on the path for this checkout's interpreter; an installed nutrio else."""
    if python == sys.executable:
        return {**os.environ, "PYTHONPATH": str(ROOT)}
    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


def measure_real_nut(conns: int) -> tuple[int, float]:
    with real_nut({"dummy": DEFAULT / "dummy.seq"}, upsd_extra="MAXCONN 20000",
                  preexec_fn=_raise_nofile) as nut:
        conf = nut.confdir
        (conf / "upsmon.conf").write_text(
            f"MONITOR dummy@127.0.0.1:{nut.port} 1 monuser pass primary\n"
            "MINSUPPLIES 1\nSHUTDOWNCMD \"/bin/true\"\nPOLLFREQ 5\nPOLLFREQALERT 5\n"
            f"POWERDOWNFLAG {conf}/killpower\n")
        (conf / "upsmon.conf").chmod(0o640)
        # /lib/nut/upsmon itself: /sbin/upsmon is a wrapper that exits when
        # /etc/nut/nut.conf says MODE=none. Its own process group: it forks.
        upsmon = subprocess.Popen(["/lib/nut/upsmon", "-F", "-u", "root"], env=nut.env,
                                  start_new_session=True,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            time.sleep(SETTLE)
            procs = [p.pid for p in nut.procs] + [upsmon.pid]
            rss = sum(tree_rss_kib(pid) for pid in procs)
            upsd = nut.procs[-1].pid
            per_conn = idle(nut.port, conns, upsd)[1] if conns else 0.0
        finally:
            os.killpg(upsmon.pid, signal.SIGTERM)
            upsmon.wait(10)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(upsmon.pid, signal.SIGKILL)
    return rss, per_conn


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--idle", type=int, default=1000, help="idle connections (0: skip)")
    parser.add_argument("--python", default=sys.executable,
                        help="the interpreter that runs nutrio (default: this one, on the checkout)")
    ns = parser.parse_args()
    rows = [("nutrio, default without [web]", *measure_nutrio(False, ns.idle, ns.python)),
            ("nutrio, default with [web]", *measure_nutrio(True, 0, ns.python)),
            ("NUT 2.8.0 upsd + dummy-ups + upsmon", *measure_real_nut(ns.idle))]
    print(f"{'':40} {'idle RSS':>10} {'per idle conn':>14}")
    for name, rss, per_conn in rows:
        conn = f"{per_conn:.2f} KiB" if per_conn else "-"
        print(f"{name:40} {rss / 1024:7.1f} MB {conn:>14}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
