"""A fixed set of devices for a Session without drivers: docs examples, benches, tests."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from nutrio.protocol.common.state import UpsSnapshot

__all__ = ["StaticDevice", "StaticDevices"]


@dataclass
class StaticDevice:
    """One device as the session sees it (fits protocol.upsd.session.DeviceView)."""

    name: str
    desc: str
    snapshot: UpsSnapshot


class StaticDevices:
    """Devices looked up by name, case-insensitively as upsd does, listed in the given order."""

    def __init__(self, *devices: StaticDevice) -> None:
        self.devices = {d.name: d for d in devices}

    def get(self, name: str) -> StaticDevice | None:
        lower = name.lower()
        return next((d for n, d in self.devices.items() if n.lower() == lower), None)

    def names(self) -> Mapping[str, StaticDevice]:
        return dict(self.devices)
