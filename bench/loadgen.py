"""A NUT protocol load generator: N connections, each sending one request in a loop.

Usage: python bench/loadgen.py HOST PORT "GET VAR ups ups.status" --conns 100 --seconds 5
Prints one JSON object: requests/second, latency percentiles (ms), errors.

Each connection sends a request, reads the complete reply (one line, or up to
the END LIST line), records the latency and repeats. The generator runs on
Trio in one process, so at high connection counts it can itself be the
bottleneck; run it the same way against both servers and compare ratios.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time

import trio


def _complete(buf: bytes, listing: bool) -> bool:
    if not buf.endswith(b"\n"):
        return False
    if not listing:
        return True
    return b"\nEND LIST " in buf or buf.startswith(b"END LIST ") or buf.startswith(b"ERR ")


async def _worker(host: str, port: int, request: bytes, until: float, lat: list[float], errs: list[int]) -> None:
    listing = request.startswith(b"LIST ")
    try:
        stream = await trio.open_tcp_stream(host, port)
    except OSError:
        errs.append(1)
        return
    async with stream:
        while trio.current_time() < until:
            start = time.perf_counter()
            await stream.send_all(request)
            buf = b""
            while not _complete(buf, listing):
                chunk = await stream.receive_some(65536)
                if not chunk:
                    errs.append(1)
                    return
                buf += chunk
            lat.append(time.perf_counter() - start)


async def run_load(host: str, port: int, request: str, conns: int, seconds: float) -> dict[str, float]:
    lat: list[float] = []
    errs: list[int] = []
    until = trio.current_time() + seconds
    began = time.perf_counter()
    async with trio.open_nursery() as nursery:
        for _ in range(conns):
            nursery.start_soon(_worker, host, port, request.encode() + b"\n", until, lat, errs)
    elapsed = time.perf_counter() - began
    lat.sort()

    def pct(p: float) -> float:
        return lat[min(len(lat) - 1, int(p * len(lat)))] * 1000 if lat else float("nan")

    return {
        "conns": conns,
        "requests": len(lat),
        "rps": len(lat) / elapsed if elapsed else 0.0,
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
        "mean_ms": statistics.fmean(lat) * 1000 if lat else float("nan"),
        "errors": len(errs),
    }


async def hold_idle(host: str, port: int, conns: int, hold: float) -> int:
    """Open *conns* idle connections, keep them for *hold* seconds; return how many opened."""
    streams: list[trio.SocketStream] = []
    try:
        for _ in range(conns):
            try:
                streams.append(await trio.open_tcp_stream(host, port))
            except OSError:
                break
        await trio.sleep(hold)
        return len(streams)
    finally:
        for s in streams:
            await s.aclose()


def raise_fd_limit(want: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = max(soft, want)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, max(hard, target)))
    except (ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("host")
    p.add_argument("port", type=int)
    p.add_argument("request")
    p.add_argument("--conns", type=int, default=1)
    p.add_argument("--seconds", type=float, default=5.0)
    ns = p.parse_args(argv)
    raise_fd_limit(ns.conns + 100)
    result = trio.run(run_load, ns.host, ns.port, ns.request, ns.conns, ns.seconds)
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
