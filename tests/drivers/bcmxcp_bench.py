"""The bcmxcp benches (tests/drivers/serial_bench.py), with bcmxcp's shorter pause."""

from __future__ import annotations

from serial_bench import Bench, Unit, listing, nutrio_side, real_side

from nutrio.actors.drivers.bcmxcp.link import XcpTiming

__all__ = ["FAST", "Bench", "Unit", "listing", "nutrio_side", "real_side"]

#: nutrio's side pauses less after the authorization: the same bytes, a shorter test
FAST = XcpTiming(authorize=0.2)
