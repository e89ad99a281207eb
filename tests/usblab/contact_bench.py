"""The side-by-side bench of the dry-contact USB drivers (richcomm_usb, nutdrv_atcl_usb):
one unit on a lab of each side, nutrio's actor and the real driver behind a real upsd."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import trio
from bcmxcp_bench import NOT_COMPARED, Bench, Unit, nutrio_side, real_side

from tests.usblab.server import UsbLab

__all__ = ["contact_bench", "said"]

#: two polls of both drivers (pollinterval 1)
SETTLE = 2.5
IGNORE = NOT_COMPARED | {"driver.version.usb"}


@contextlib.asynccontextmanager
async def contact_bench(nursery: trio.Nursery, lab: UsbLab, driver: str, unit: Unit,
                        factory: Callable[[Any], Any],
                        plug: Callable[[UsbLab, Any], None]) -> AsyncIterator[tuple[Bench, UsbLab]]:
    """``plug(lab, model)`` puts the unit (and what shares its bus) on each side's lab;
    yields the bench and the real side's lab, once both drivers updated twice."""
    plug(lab, unit.ours)
    our_port, handles = await nutrio_side(nursery, driver, [unit], factory)
    with UsbLab() as theirs:
        plug(theirs, unit.real)
        async with real_side(driver, {unit.name: ("auto", unit.options)},
                             envs={unit.name: theirs.env()}) as port:
            await trio.sleep(SETTLE)
            yield Bench({unit.name: unit}, port, our_port, handles, ignore=IGNORE), theirs


def said(name: str, status: str) -> str:
    """upsd's answer to GET VAR name ups.status."""
    return f'VAR {name} ups.status "{status}"'
