"""A NUT protocol load generator: N connections, each sending one request in a loop.

Usage: python bench/loadgen.py HOST PORT "GET VAR ups ups.status" --conns 100 --seconds 5 [--procs 1]
Prints one JSON object: requests/second, latency percentiles (ms), errors.

Each connection sends a request, reads the complete reply (one line, or up to
the END LIST line), records the latency and repeats. It is a plain epoll loop
over non-blocking sockets, about the cheapest Python can drive a socket, so
that the generator (which shares the machine's cores with the server under
test) costs each server the same little. ``--procs`` splits the connections
over several processes. A connection the server resets is counted in
``errors`` and opened again.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import select
import socket
import statistics
import sys
import time

_END = b"END LIST "


def _complete(buf: bytearray, listing: bool) -> bool:
    if not buf.endswith(b"\n"):
        return False
    if not listing or buf.startswith((b"ERR ", _END)):
        return True
    return b"\n" + _END in buf[-600:]


def _connect(host: str, port: int) -> socket.socket:
    sock = socket.create_connection((host, port), timeout=10)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.setblocking(False)
    return sock


def run_load(host: str, port: int, request: str, conns: int, seconds: float) -> tuple[list[float], int, float]:
    """Drive *conns* connections for *seconds*; (latencies in s, errors, elapsed s)."""
    line = request.encode() + b"\n"
    listing = line.startswith(b"LIST ")
    ep = select.epoll()
    socks: dict[int, socket.socket] = {}
    bufs: dict[int, bytearray] = {}
    started: dict[int, float] = {}
    lat: list[float] = []
    errors = 0
    clock = time.perf_counter

    def open_one(start: bool = True) -> None:
        nonlocal errors
        for _ in range(5):
            try:
                sock = _connect(host, port)
            except OSError:
                errors += 1
                continue
            fd = sock.fileno()
            socks[fd], bufs[fd] = sock, bytearray()
            ep.register(fd, select.EPOLLIN)
            started[fd] = clock()
            if start:
                sock.send(line)
            return

    def drop(fd: int) -> None:
        ep.unregister(fd)
        socks.pop(fd).close()
        del bufs[fd], started[fd]

    # All connections first, then the first requests: latencies measure
    # serving, not how long the other connections took to open.
    for _ in range(conns):
        open_one(start=False)
    for fd, sock in socks.items():
        started[fd] = clock()
        sock.send(line)
    began = clock()
    until = began + seconds
    while socks:
        for fd, _ in ep.poll(0.5):
            sock, buf = socks[fd], bufs[fd]
            try:
                chunk = sock.recv(65536)
            except BlockingIOError:
                continue
            except OSError:
                chunk = b""
            if not chunk:
                errors += 1
                drop(fd)
                if clock() < until:
                    open_one()
                continue
            buf += chunk
            if not _complete(buf, listing):
                continue
            now = clock()
            lat.append(now - started[fd])
            buf.clear()
            if now >= until:
                drop(fd)
                continue
            started[fd] = now
            sock.send(line)  # a request line always fits an empty send buffer
        if clock() > until + 30:
            break  # a server that stopped answering: give up on the rest
    elapsed = clock() - began
    ep.close()
    return lat, errors, elapsed


def _child(args: tuple[str, int, str, int, float], out: multiprocessing.connection.Connection) -> None:
    out.send(run_load(*args))
    out.close()


def summarize(lat: list[float], errors: int, elapsed: float, conns: int) -> dict[str, float]:
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
        "errors": errors,
    }


def load(host: str, port: int, request: str, conns: int, seconds: float, procs: int = 1) -> dict[str, float]:
    if procs <= 1:
        return summarize(*run_load(host, port, request, conns, seconds), conns)
    pipes, workers = [], []
    for i in range(procs):
        share = conns // procs + (1 if i < conns % procs else 0)
        recv_end, send_end = multiprocessing.Pipe(duplex=False)
        proc = multiprocessing.Process(target=_child, args=((host, port, request, share, seconds), send_end))
        proc.start()
        pipes.append(recv_end)
        workers.append(proc)
    lat: list[float] = []
    errors, elapsed = 0, 0.0
    for pipe, proc in zip(pipes, workers):
        part, errs, took = pipe.recv()
        proc.join()
        lat += part
        errors += errs
        elapsed = max(elapsed, took)
    return summarize(lat, errors, elapsed, conns)


def hold_idle(host: str, port: int, conns: int, hold: float, budget: float = 60.0) -> int:
    """Open up to *conns* idle connections (giving up after *budget* seconds), print
    how many the server keeps open, hold them until stdin closes or *hold*
    seconds pass; return that number. (A server out of descriptors may accept
    and close at once: such connections are not counted.)"""
    socks: list[socket.socket] = []
    deadline = time.monotonic() + budget
    try:
        for _ in range(conns):
            if time.monotonic() > deadline:
                break
            try:
                socks.append(socket.create_connection((host, port), timeout=2))
            except OSError:
                break
        time.sleep(1.0)
        poll = select.poll()
        for s in socks:
            poll.register(s, select.POLLIN)
        alive = len(socks) - len(poll.poll(0))  # readable here means EOF: closed by the server
        print(alive, flush=True)
        select.select([sys.stdin], [], [], hold)
        return alive
    finally:
        for s in socks:
            s.close()


def raise_fd_limit(want: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = min(max(soft, want), hard)
    resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def arguments(description: str) -> argparse.ArgumentParser:
    """The command line both generators take (this one and bench/cloadgen.py)."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("host")
    p.add_argument("port", type=int)
    p.add_argument("request")
    p.add_argument("--conns", type=int, default=1)
    p.add_argument("--seconds", type=float, default=5.0)
    return p


def main(argv: list[str] | None = None) -> int:
    p = arguments(__doc__.splitlines()[0])
    p.add_argument("--procs", type=int, default=1)
    ns = p.parse_args(argv)
    raise_fd_limit(ns.conns + 100)
    result = load(ns.host, ns.port, ns.request, ns.conns, ns.seconds, ns.procs)
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
