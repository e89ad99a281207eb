"""A pseudo-terminal pair: the simulator owns the master, a driver opens the slave path."""

from __future__ import annotations

import os
import tty
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

import trio


@dataclass
class PtyPair:
    """``path`` is the slave device a driver opens (/dev/pts/N).

    The simulator keeps its own slave descriptor open, so the master never
    sees a hang-up while a driver closes and reopens the port.
    """

    master: trio.lowlevel.FdStream
    slave_fd: int
    path: str = field(init=False)

    def __post_init__(self) -> None:
        self.path = os.ttyname(self.slave_fd)

    async def aclose(self) -> None:
        await self.master.aclose()
        os.close(self.slave_fd)


def open_pty() -> PtyPair:
    master, slave = os.openpty()
    tty.setraw(slave)  # no echo, no CR/NL translation until a driver configures it
    return PtyPair(master=trio.lowlevel.FdStream(master), slave_fd=slave)


class Simulator(Protocol):
    async def serve(self, pty: PtyPair) -> None: ...


SimT = TypeVar("SimT", bound=Simulator)


@asynccontextmanager
async def serving(sim: SimT) -> AsyncIterator[tuple[SimT, str]]:
    """Run ``sim.serve`` on a fresh pty for the block; yields (sim, tty path a driver opens)."""
    pty = open_pty()
    try:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(sim.serve, pty)
            yield sim, pty.path
            nursery.cancel_scope.cancel()
    finally:
        await pty.aclose()


@asynccontextmanager
async def serving_all(sims: list[SimT]) -> AsyncIterator[list[tuple[SimT, str]]]:
    """:func:`serving` for many simulators at once, in one nursery."""
    ptys = [open_pty() for _ in sims]
    try:
        async with trio.open_nursery() as nursery:
            for sim, pty in zip(sims, ptys, strict=True):
                nursery.start_soon(sim.serve, pty)
            yield [(sim, pty.path) for sim, pty in zip(sims, ptys, strict=True)]
            nursery.cancel_scope.cancel()
    finally:
        for pty in ptys:
            await pty.aclose()
