"""Micro-benchmark of the pure protocol session: microseconds per request, no sockets.

    python bench/session_micro.py [--dev FILE] [-n 200000]

Times Session.receive_data for a GET VAR and a LIST VAR line on the device of
a dummy-ups .dev file, the per-request cost the listener's poller adds to
one recv and one send. Not a test: numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import functools
import sys
import timeit
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.compare import DEFAULT_DEV
from nutrio.protocol.common.state import UpsData, UpsSnapshot, freeze_vars
from nutrio.protocol.upsd.session import ServerContext, ServerSettings, Session
from nutrio.protocol.upsd.static_devices import StaticDevice, StaticDevices
from nutrio.protocol.upsd.users import FixedAccounts

NOW = 1000.0


def _vars(dev: Path) -> dict[str, str]:
    values = {}
    for raw in dev.read_text(errors="replace").splitlines():
        name, sep, value = raw.partition(":")
        if sep and name.strip() and not name.startswith("#"):
            values[name.strip()] = value.strip()
    return values


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dev", type=Path, default=DEFAULT_DEV)
    p.add_argument("-n", type=int, default=200_000)
    ns = p.parse_args()
    data = UpsData(vars=freeze_vars(_vars(ns.dev)))
    device = StaticDevice("bench", "bench", UpsSnapshot(ups="bench", seq=1, taken_at=NOW, data=data))
    ctx = ServerContext(settings=ServerSettings(), devices=StaticDevices(device),
                        accounts=FixedAccounts({}), submit=lambda request: False)
    session = Session(ctx, "127.0.0.1", now=NOW)
    session.record_requests = False
    print(f"{len(data.vars)} variables")
    for line in (b"GET VAR bench ups.status\n", b"LIST VAR bench\n", b"GET VAR bench ups.status\n" * 10):
        reply = session.receive_data(line, NOW).reply
        seconds = timeit.timeit(functools.partial(session.receive_data, line, NOW), number=ns.n)
        lines = line.count(b"\n")
        label = line.split(b"\n")[0].decode() + (f" (x{lines} in one read)" if lines > 1 else "")
        print(f"{label:<45} {seconds / ns.n * 1e6:7.2f} us per read, reply {len(reply)} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
