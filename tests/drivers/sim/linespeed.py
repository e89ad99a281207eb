"""The speed a driver set on a pseudo-terminal: a pty moves no bits, but keeps the setting,
so a simulator can stay deaf at any speed but its own, as a UPS hears only noise then."""

from __future__ import annotations

import termios

from sim.pty import PtyPair

__all__ = ["line_speed"]

_RATES = {getattr(termios, f"B{rate}"): rate for rate in (1200, 2400, 4800, 9600, 19200, 38400)}


def line_speed(pty: PtyPair) -> int:
    """The output speed in baud (0 for one not listed)."""
    return _RATES.get(termios.tcgetattr(pty.slave_fd)[5], 0)
