"""Checks before `nutrio run` starts anything: already running? can upsd bind its addresses?

Both are expected failures an operator meets (a second `nutrio run`, a port another
program holds): each is one log line and exit status 1, before the tree starts, so
systemd never hears READY=1 from a server that cannot serve.
"""

from __future__ import annotations

import contextlib
import json
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

__all__ = ["BindFailure", "bind_failures", "running_pid"]


@dataclass(frozen=True, slots=True)
class BindFailure:
    host: str
    port: int
    error: str


def running_pid(control: Path, timeout: float = 2.0) -> int | None:
    """The pid of the `nutrio run` answering on *control*, or None when none does."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        try:
            sock.connect(str(control))
            sock.sendall(b'{"op": "pid"}\n')
            reply = json.loads(sock.recv(4096) or b"{}")
        except (OSError, ValueError):
            return None
    pid = reply.get("pid") if isinstance(reply, dict) else None
    return pid if isinstance(pid, int) else None


def bind_failures(addresses: Iterable[tuple[str, int]]) -> list[BindFailure]:
    """The listen addresses upsd could not bind now (port in use, address not here, ...).

    Binds each resolved address as the listener will (SO_REUSEADDR) and lets go at once.
    """
    failures = []
    for host, port in addresses:
        error = _bind_error(host, port)
        if error is not None:
            failures.append(BindFailure(host, port, error))
    return failures


def _bind_error(host: str, port: int) -> str | None:
    try:
        infos = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM,
                                   flags=socket.AI_PASSIVE)
    except OSError as exc:
        return str(exc)
    for family, kind, proto, _name, address in infos:
        with contextlib.closing(socket.socket(family, kind, proto)) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            try:
                sock.bind(address)
            except OSError as exc:
                return exc.strerror or str(exc)
    return None
