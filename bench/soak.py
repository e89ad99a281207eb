"""Soak `nutrio run`: mixed GET/LIST/SET/INSTCMD traffic with random disconnects.

    python bench/soak.py [--seconds 600] [--conns 100] [--seed 1] [--think 0.005]
                         [--cmd-rate 200] [--dev FILE]

Starts `nutrio run` on a real dump (dummy-ups), drives it from one epoll
loop and prints one JSON object: requests, throughput, p50/p99 latency,
reconnects, errors, resident memory after warm-up and at the end, and the
verdict. Exit status 1 when the verdict fails. tests/load/test_soak.py runs
the same :func:`soak` for 60 seconds.

Each connection sends one request, reads the whole reply, checks it, waits
a random think time and picks the next request. About a third of the
connections log in as admin and also send SET VAR and INSTCMD, at most
--cmd-rate of them a second in all (the driver runs commands one by one;
past its pace its queue fills and upsd's answer is ERR SET-FAILED /
INSTCMD-FAILED, counted as ``refused``, expected only then). After each
reply a connection may leave cleanly (and a new one takes its place), and
now and then one sends a request and drops the socket without reading.
"""

from __future__ import annotations

import argparse
import heapq
import json
import random
import select
import socket
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.load.loadkit import ADMIN, BIG_DEV, LineClient, nutrio_served, rss_kib

#: A request stuck this long is an error (a server that stopped answering).
STUCK = 10.0
#: After each reply: chance to leave cleanly; chance to send and vanish unread.
LEAVE = 0.01
VANISH = 0.002


@dataclass(frozen=True, slots=True)
class Plan:
    """What the traffic asks for, learnt from the server before the run."""

    ups: str
    list_lines: int  # lines of a LIST VAR reply, BEGIN and END included
    rw_var: str
    command: str | None


@dataclass(eq=False)
class Conn:
    sock: socket.socket
    admin: bool
    todo: list[bytes] = field(default_factory=list)  # login lines still to send
    sent: bytes = b""
    started: float = 0.0
    buf: bytearray = field(default_factory=bytearray)


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    kinds: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    reconnects: int = 0
    vanished: int = 0
    refused: int = 0  # SET/INSTCMD the driver's full queue turned away: overload, not a bug

    def error(self, what: str) -> None:
        if len(self.errors) < 1000:
            self.errors.append(what)


def learn_plan(port: int, ups: str) -> Plan:
    with LineClient(port) as client:
        lines = client.ask(f"LIST VAR {ups}").count("\n")
        rw = [ln.split()[2] for ln in client.ask(f"LIST RW {ups}").splitlines()[1:-1]]
        cmds = [ln.split()[2] for ln in client.ask(f"LIST CMD {ups}").splitlines()[1:-1]]
    rw_var = next(v for v in rw if v != "ups.status")
    return Plan(ups=ups, list_lines=lines, rw_var=rw_var, command=cmds[0] if cmds else None)


def _request(rng: random.Random, plan: Plan, command_ok: bool) -> bytes:
    roll = rng.random()
    if command_ok and roll < 0.15:
        return f'SET VAR {plan.ups} {plan.rw_var} "{rng.randrange(1000)}"\n'.encode()
    if command_ok and roll < 0.30 and plan.command:
        return f"INSTCMD {plan.ups} {plan.command}\n".encode()
    if roll < 0.50:
        return f"LIST VAR {plan.ups}\n".encode()
    return f"GET VAR {plan.ups} ups.status\n".encode()


def _complete(buf: bytearray) -> bool:
    if not buf.endswith(b"\n"):
        return False
    if not buf.startswith(b"BEGIN LIST"):
        return True
    last_line = buf[buf.rfind(b"\n", 0, len(buf) - 1) + 1 :]
    return last_line.startswith((b"END LIST", b"ERR "))


def _check(request: bytes, reply: bytes, plan: Plan) -> str | None:
    """None when *reply* is the right kind of answer to *request*; else what is wrong."""
    word = request.split(b" ", 1)[0]
    if word in (b"SET", b"INSTCMD") and reply in (b"ERR SET-FAILED\n", b"ERR INSTCMD-FAILED\n"):
        return "refused"
    if word in (b"USERNAME", b"PASSWORD", b"SET", b"INSTCMD"):
        ok = reply == b"OK\n" or reply.startswith(b"OK TRACKING ")
    elif word == b"LIST":
        ok = (reply.startswith(f"BEGIN LIST VAR {plan.ups}\n".encode())
              and reply.endswith(f"END LIST VAR {plan.ups}\n".encode())
              and reply.count(b"\n") == plan.list_lines)
    else:
        ok = reply.startswith(f'VAR {plan.ups} ups.status "'.encode()) and reply.count(b"\n") == 1
    return None if ok else f"{request.decode().strip()!r} -> {reply[:120]!r}"


class Soak:
    """The client side: an epoll loop over *conns* connections."""

    def __init__(self, port: int, plan: Plan, conns: int, seed: int, think: float,
                 cmd_rate: float) -> None:
        self.port, self.plan, self.think = port, plan, think
        self.cmd_rate = cmd_rate
        self.tokens, self.refilled = 0.0, time.perf_counter()
        self.rng = random.Random(seed)
        self.ep = select.epoll()
        self.conns: dict[int, Conn] = {}
        self.due: list[tuple[float, int, int]] = []  # (when, seq, fd): next request of a conn
        self.seq = 0
        self.tally = Tally()
        for i in range(conns):
            self.open(admin=i % 3 == 0)

    def open(self, admin: bool) -> None:
        try:
            sock = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        except OSError as exc:
            self.tally.error(f"connect: {exc}")
            return
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.setblocking(False)
        conn = Conn(sock, admin)
        if admin:
            conn.todo = [f"USERNAME {ADMIN[0]}\n".encode(), f"PASSWORD {ADMIN[1]}\n".encode()]
        self.conns[sock.fileno()] = conn
        self.ep.register(sock.fileno(), select.EPOLLIN)
        self.schedule(sock.fileno(), time.perf_counter())

    def close(self, fd: int) -> Conn:
        conn = self.conns.pop(fd)
        self.ep.unregister(fd)
        conn.sock.close()
        return conn

    def schedule(self, fd: int, when: float) -> None:
        self.seq += 1
        heapq.heappush(self.due, (when, self.seq, fd))

    def send_next(self, fd: int, now: float) -> None:
        conn = self.conns[fd]
        conn.sent = conn.todo.pop(0) if conn.todo else self.next_request(conn, now)
        conn.started = now
        conn.sock.send(conn.sent)  # one short line: always fits an idle socket's buffer
        if not conn.todo and self.rng.random() < VANISH:
            self.close(fd)  # gone with a request in flight: the server must cope
            self.tally.vanished += 1
            self.open(conn.admin)

    def next_request(self, conn: Conn, now: float) -> bytes:
        """Admins send SET/INSTCMD within a budget of *cmd_rate* per second (0: no limit):
        people send commands now and then, and a driver executes them one by one."""
        if self.cmd_rate:
            self.tokens = min(self.cmd_rate, self.tokens + (now - self.refilled) * self.cmd_rate)
            self.refilled = now
        command_ok = conn.admin and (not self.cmd_rate or self.tokens >= 1.0)
        request = _request(self.rng, self.plan, command_ok)
        if request.startswith((b"SET ", b"INSTCMD ")) and self.cmd_rate:
            self.tokens -= 1.0
        return request

    def on_readable(self, fd: int, now: float) -> None:
        conn = self.conns[fd]
        try:
            chunk = conn.sock.recv(65536)
        except BlockingIOError:
            return
        except OSError as exc:
            chunk = b""
            self.tally.error(f"recv: {exc}")
        if not chunk:
            self.tally.error(f"server closed after {conn.sent!r}")
            self.close(fd)
            self.open(conn.admin)
            return
        conn.buf += chunk
        if not _complete(conn.buf):
            return
        self.tally.latencies.append(now - conn.started)
        kind = conn.sent.split(b" ", 1)[0].decode()
        self.tally.kinds[kind] = self.tally.kinds.get(kind, 0) + 1
        problem = _check(conn.sent, bytes(conn.buf), self.plan)
        if problem == "refused":
            self.tally.refused += 1
        elif problem:
            self.tally.error(problem)
        conn.buf.clear()
        conn.sent = b""
        if not conn.todo and self.rng.random() < LEAVE:
            self.close(fd)
            self.tally.reconnects += 1
            self.open(conn.admin)
            return
        pause = self.rng.uniform(0, 2 * self.think) if self.think else 0.0
        self.schedule(fd, now + pause)

    def run(self, seconds: float, sample: Callable[[float], None]) -> float:
        began = time.perf_counter()
        until = began + seconds
        next_sample = began
        while True:
            now = time.perf_counter()
            if now >= next_sample:
                sample(now - began)
                next_sample += 1.0
            if now >= until:
                break
            while self.due and self.due[0][0] <= now:
                _, _, fd = heapq.heappop(self.due)
                if fd in self.conns and not self.conns[fd].sent:
                    self.send_next(fd, now)
            timeout = min(next_sample, until, self.due[0][0] if self.due else until) - now
            for fd, _ in self.ep.poll(max(timeout, 0.0)):
                if fd in self.conns:
                    self.on_readable(fd, time.perf_counter())
            for fd, conn in list(self.conns.items()):
                if conn.sent and now - conn.started > STUCK:
                    self.tally.error(f"no reply in {STUCK}s to {conn.sent!r}")
                    self.close(fd)
                    self.open(conn.admin)
        elapsed = time.perf_counter() - began
        for fd in list(self.conns):
            self.close(fd)
        self.ep.close()
        return elapsed


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))] if ordered else float("nan")


def soak(port: int, *, seconds: float, conns: int = 100, seed: int = 1, think: float = 0.005,
         cmd_rate: float = 200.0,
         ups: str = "ups", pid: int | None = None, warmup: float | None = None) -> dict[str, Any]:
    """Run the traffic for *seconds*; sample *pid*'s RSS each second. Returns the report.

    Memory is compared after warm-up (default: 10% of the run, at least 5 s)
    with the median of the last 5 samples, so one sample caught mid-burst
    decides nothing."""
    plan = learn_plan(port, ups)
    warmup = max(5.0, seconds * 0.1) if warmup is None else warmup
    rss: list[tuple[float, int]] = []

    def sample(at: float) -> None:
        if pid is not None:
            rss.append((round(at, 1), rss_kib(pid)))

    runner = Soak(port, plan, conns, seed, think, cmd_rate)
    elapsed = runner.run(seconds, sample)
    tally = runner.tally
    after_warmup = next((kib for at, kib in rss if at >= warmup), rss[0][1] if rss else 0)
    tail = sorted(kib for _, kib in rss[-5:])
    end = tail[len(tail) // 2] if tail else 0
    return {
        "seconds": round(elapsed, 1), "conns": conns, "seed": seed, "think_s": think,
        "cmd_rate": cmd_rate,
        "requests": len(tally.latencies), "by_kind": tally.kinds,
        "rps": round(len(tally.latencies) / elapsed, 1),
        "p50_ms": round(pct(tally.latencies, 0.50) * 1000, 2),
        "p99_ms": round(pct(tally.latencies, 0.99) * 1000, 2),
        "max_ms": round(max(tally.latencies, default=float("nan")) * 1000, 2),
        "reconnects": tally.reconnects, "vanished": tally.vanished, "refused": tally.refused,
        "errors": len(tally.errors), "error_samples": tally.errors[:10],
        "rss_start_kib": rss[0][1] if rss else None, "rss_after_warmup_kib": after_warmup,
        "rss_end_kib": end, "rss_max_kib": max((k for _, k in rss), default=None),
        "rss_growth_kib": end - after_warmup,
    }


def memory_ok(report: dict[str, Any], slack_kib: int = 5 * 1024, ratio: float = 0.10) -> bool:
    """Growth after warm-up stays under the larger of *slack_kib* and *ratio* of the warm RSS."""
    return report["rss_growth_kib"] < max(slack_kib, ratio * report["rss_after_warmup_kib"])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=600.0)
    p.add_argument("--conns", type=int, default=100)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--think", type=float, default=0.005, help="mean pause between requests (s)")
    p.add_argument("--cmd-rate", type=float, default=200.0,
                   help="SET+INSTCMD per second at most, all admins together (0: no limit)")
    p.add_argument("--dev", type=Path, default=BIG_DEV)
    ns = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp, \
            nutrio_served(Path(tmp), ns.dev, fds=ns.conns + 500) as served:
        report = soak(served.port, seconds=ns.seconds, conns=ns.conns, seed=ns.seed,
                      think=ns.think, cmd_rate=ns.cmd_rate, pid=served.pid)
        time.sleep(0.5)
        report["server_crashes"] = len(served.crashes())
        report["driver_queue_refusals"] = len(served.events("request.refused"))
    report["memory_ok"] = memory_ok(report)
    # Within the command budget the driver keeps up: a refusal is a failure.
    # With --cmd-rate 0 (overload) refusals are the expected back-pressure.
    refusals_ok = ns.cmd_rate == 0 or report["driver_queue_refusals"] == 0
    report["verdict"] = ("pass" if report["errors"] == 0 and report["server_crashes"] == 0
                         and refusals_ok and report["memory_ok"] else "fail")
    sys.stdout.write(json.dumps(report) + "\n")
    return 0 if report["verdict"] == "pass" else 1


if __name__ == "__main__":
    raise SystemExit(main())
