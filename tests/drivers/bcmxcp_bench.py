"""The bcmxcp and Tripp Lite benches: tests/drivers/serial_bench.py with bcmxcp's shorter
pause and a bench over units named in a dict."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import trio
from serial_bench import (
    NOT_COMPARED,
    Bench,
    Unit,
    both_say,
    listing,
    nut_client,
    nutrio_side,
    real_side,
    statuses,
)
from serial_bench import serial_bench as _bench_of_list

from nutrio.actors.drivers.bcmxcp.link import XcpTiming

__all__ = ["FAST", "NOT_COMPARED", "Bench", "Unit", "both_say", "listing", "nut_client",
           "nutrio_side", "real_side", "serial_bench", "statuses"]

#: nutrio's side pauses less after the authorization: the same bytes, a shorter test
FAST = XcpTiming(authorize=0.2)


@asynccontextmanager
async def serial_bench(nursery: trio.Nursery, driver: str, units: dict[str, Unit],
                       factory: Callable[[Any], Any], *, debug: str = "-DD") -> AsyncIterator[Bench]:
    """serial_bench.serial_bench for units by name (the real drivers run with ``debug``)."""
    async with _bench_of_list(nursery, driver, list(units.values()), factory,
                              debug=debug) as bench:
        yield bench
