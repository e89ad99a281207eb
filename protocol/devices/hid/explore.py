"""The explore subdriver (NUT 2.8.0 explore-hid.c): takes any device when asked to, maps
nothing.

It exists to look at unknown units: with ``explore`` set (and ``vendorid``, which NUT
demands then) it claims whatever device it is asked about, first of all subdrivers.
The driver logs every HID path with its value and serves only what the USB
descriptors say (ups.mfr, ups.model, ups.serial); with no status bits read, the
status shows OB, as in NUT.
"""

from __future__ import annotations

from nutrio.protocol.devices.hid.subdriver import (
    Claim,
    ClaimContext,
    DeviceInfo,
    Subdriver,
)
from nutrio.protocol.devices.hid.usages import STANDARD

__all__ = ["EXPLORE"]


def _explore_rule(sub: Subdriver, info: DeviceInfo, ctx: ClaimContext) -> Claim | None:
    return Claim() if ctx.explore else None


EXPLORE = Subdriver(
    name="EXPLORE HID 0.2",
    short="explore",
    ids=(),
    usages=STANDARD,
    table=(),
    rule=_explore_rule,
)
