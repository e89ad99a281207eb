"""The explore subdriver (NUT's explore-hid.c): takes any device, maps nothing.

It exists to look at unknown units: the driver logs every HID path with its
value and serves only what the USB descriptors say (ups.mfr, ups.model,
ups.serial); with no status bits read, the status shows OB, as in NUT.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from nutrio.protocol.devices.hid.subdriver import DeviceInfo, ItemString, Subdriver
from nutrio.protocol.devices.hid.usages import STANDARD

__all__ = ["EXPLORE"]


def _describe(info: DeviceInfo, item_string: ItemString) -> Mapping[str, str | None]:
    return {"ups.mfr": info.vendor, "ups.model": info.product, "ups.serial": info.serial}


EXPLORE = Subdriver(
    name="EXPLORE HID 0.2",
    devices=MappingProxyType({}),
    usages=STANDARD,
    table=(),
    describe=_describe,
    claims_all=True,
)
