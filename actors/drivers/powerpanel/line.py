"""The serial line as powerpanel uses it: paced requests, a pause, a timed read.

Both protocols flush the line, send a request one byte every 50 ms, wait
100 ms (200 ms before a status) and read with 250 ms of patience per wait,
as NUT 2.8.0's powerpanel does; a read that falls silent before it is
complete counts as no answer.
"""

from __future__ import annotations

from dataclasses import dataclass

import trio

from nutrio.actors.drivers.nutserial import get_buf_len, get_line, send_paced
from nutrio.actors.drivers.serialport import SerialPort

__all__ = ["PpLine", "PpTiming"]


@dataclass(frozen=True, slots=True)
class PpTiming:
    """NUT's pauses (UPSDELAY, the usleeps, SER_WAIT_USEC); tests shrink them."""

    pace: float = 0.05
    settle: float = 0.1
    status: float = 0.2
    read: float = 0.25
    dtr: float = 0.01


class PpLine:
    """Requests and answers on one port (see the module comment)."""

    def __init__(self, port: SerialPort, timing: PpTiming) -> None:
        self.port = port
        self.t = timing

    async def send(self, request: bytes, *, pause: float) -> None:
        await self.port.discard_input()
        await send_paced(self.port, request, self.t.pace)
        await trio.sleep(pause)

    async def line(self, request: bytes) -> bytes | None:
        """The answer line (CR cut), or None: silence, or an empty line (NUT's 0)."""
        await self.send(request, pause=self.t.settle)
        answer, whole = await get_line(self.port, b"\r", self.t.read)
        return answer if whole and answer else None

    async def exactly(self, request: bytes, count: int, *, pause: float | None = None) -> bytes | None:
        """``count`` bytes of answer, or None when they do not all come."""
        await self.send(request, pause=self.t.settle if pause is None else pause)
        return await self.more(count)

    async def more(self, count: int) -> bytes | None:
        answer = await get_buf_len(self.port, count, self.t.read)
        return answer if len(answer) == count else None
