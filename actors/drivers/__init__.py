"""Driver actors: each owns one device and publishes its state.

``DRIVERS`` maps a NUT driver name (ups.conf ``driver = ...``) to the factory
of nutrio's equivalent; :func:`run_driver` is the one actor loop for all,
:func:`kill_power` the killpower sequence (``driver -k``) outside the tree.
"""

from __future__ import annotations

from nutrio.actors.drivers.actor import run_driver
from nutrio.actors.drivers.base import (
    Chaos,
    DeviceLike,
    Driver,
    DriverFactory,
    DriverKind,
    PollResult,
)
from nutrio.actors.drivers.catalog import DRIVERS, make_driver
from nutrio.actors.drivers.errors import (
    DriverConfigError,
    DriverCrashed,
    DriverError,
    DriverIOError,
    DriverTimeout,
    KillPowerFailed,
    KillPowerUnsupported,
    UnknownDriverError,
)
from nutrio.actors.drivers.killpower import KillResult, kill_power

__all__ = [
    "DRIVERS",
    "Chaos",
    "DeviceLike",
    "Driver",
    "DriverConfigError",
    "DriverCrashed",
    "DriverError",
    "DriverFactory",
    "DriverKind",
    "DriverIOError",
    "DriverTimeout",
    "KillPowerFailed",
    "KillPowerUnsupported",
    "KillResult",
    "PollResult",
    "UnknownDriverError",
    "kill_power",
    "make_driver",
    "run_driver",
]
