"""A small NUT network client for comparing what two upsd's serve, line for line.

:func:`served` reads LIST VAR, LIST RW (with each variable's TYPE and ENUM/RANGE
lines) and LIST CMD of one UPS; :class:`Session` logs in and sends INSTCMD and
SET VAR, returning upsd's answer line. Works the same against the real upsd
and nutrio's.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import trio

__all__ = ["Served", "Session", "served", "session"]


class Session:
    def __init__(self, stream: trio.SocketStream) -> None:
        self.stream = stream
        self.buffer = b""

    async def line(self) -> str:
        with trio.fail_after(15):
            while b"\n" not in self.buffer:
                chunk = await self.stream.receive_some(65536)
                if not chunk:
                    raise EOFError("upsd closed the connection")
                self.buffer += chunk
        head, _, self.buffer = self.buffer.partition(b"\n")
        return head.decode()

    async def ask(self, line: str) -> str:
        await self.stream.send_all(line.encode() + b"\n")
        return await self.line()

    async def lines(self, request: str) -> list[str]:
        """A LIST request's lines between BEGIN and END (an ERR line alone if refused)."""
        first = await self.ask(request)
        if first.startswith("ERR"):
            return [first]
        out = []
        while not (line := await self.line()).startswith("END LIST"):
            out.append(line)
        return out

    async def login(self, user: str = "admin", password: str = "secret") -> None:
        for line in (f"USERNAME {user}", f"PASSWORD {password}"):
            answer = await self.ask(line)
            assert answer == "OK", answer


@asynccontextmanager
async def session(port: int) -> AsyncIterator[Session]:
    stream = await trio.open_tcp_stream("127.0.0.1", port)
    try:
        yield Session(stream)
    finally:
        await stream.aclose()


@dataclass(frozen=True)
class Served:
    """What upsd serves for one UPS."""

    vars: dict[str, str]
    rw: dict[str, tuple[str, ...]]  # name -> TYPE words, then ENUM/RANGE values
    cmds: tuple[str, ...]


def _value(line: str) -> str:
    return line.split('"', 1)[1].rsplit('"', 1)[0]


async def served(port: int, ups: str = "ups") -> Served:
    async with session(port) as s:
        variables = {}
        for line in await s.lines(f"LIST VAR {ups}"):
            name = line.split()[2]
            variables[name] = _value(line)
        rw: dict[str, tuple[str, ...]] = {}
        for line in await s.lines(f"LIST RW {ups}"):
            name = line.split()[2]
            kind = (await s.ask(f"GET TYPE {ups} {name}")).split()[3:]
            extra = [_value(x) for x in await s.lines(f"LIST ENUM {ups} {name}")
                     if not x.startswith("ERR")]
            extra += [" ".join(x.split()[3:]) for x in await s.lines(f"LIST RANGE {ups} {name}")
                      if not x.startswith("ERR")]
            rw[name] = (*kind, *extra)
        cmds = tuple(line.split()[2] for line in await s.lines(f"LIST CMD {ups}"))
        return Served(variables, rw, cmds)
