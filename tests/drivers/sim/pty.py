"""A pseudo-terminal pair: the simulator owns the master, a driver opens the slave path."""

from __future__ import annotations

import os
import tty
from dataclasses import dataclass, field

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
