"""The speed a driver set on a pseudo-terminal: a pty moves no bits, but keeps the setting,
so a simulator can stay deaf at any speed but its own, as a UPS hears only noise then."""

from __future__ import annotations

import termios
from collections.abc import AsyncIterator

from sim.pty import PtyPair

__all__ = ["heard", "line_speed"]

_RATES = {getattr(termios, f"B{rate}"): rate for rate in (1200, 2400, 4800, 9600, 19200, 38400)}


def line_speed(pty: PtyPair) -> int:
    """The output speed in baud (0 for one not listed)."""
    return _RATES.get(termios.tcgetattr(pty.slave_fd)[5], 0)


async def heard(pty: PtyPair, baud: int, raw: bytearray) -> AsyncIterator[bytes | None]:
    """What a unit talking at ``baud`` hears: each chunk the driver wrote (all kept in
    ``raw``), or None for one written at another speed (noise: the unit starts over)."""
    while True:
        chunk = await pty.master.receive_some(256)
        if not chunk:
            return
        raw += chunk
        yield chunk if line_speed(pty) == baud else None
