"""Driver actors: each owns one device and publishes its state.

``DRIVERS`` maps a NUT driver name (ups.conf ``driver = ...``) to the factory
of nutrio's equivalent; :func:`run_driver` is the one actor loop for all,
:func:`kill_power` the killpower sequence (``driver -k``) outside the tree.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from nutrio.actors.drivers.apcsmart.driver import ApcSmart
from nutrio.actors.drivers.base import (
    Chaos,
    DeviceLike,
    Driver,
    DriverFactory,
    DriverKind,
    PollResult,
    run_driver,
)
from nutrio.actors.drivers.dummy_ups import DummyUps
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
from nutrio.actors.drivers.megatec.driver import BlazerSer, NutdrvQx
from nutrio.actors.drivers.snmp.driver import SnmpUps
from nutrio.actors.drivers.usbhid import UsbHid

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

DRIVERS: Mapping[str, DriverKind] = MappingProxyType({
    "dummy-ups": DummyUps,
    "nutdrv_qx": NutdrvQx,
    "blazer_ser": BlazerSer,
    "apcsmart": ApcSmart,
    "usbhid-ups": UsbHid,
    "snmp-ups": SnmpUps,
})


def make_driver(device: DeviceLike) -> Driver:
    """The driver for ``device.driver``.

    Raises:
        UnknownDriverError: nutrio has no driver of that name.
        DriverConfigError: the driver cannot work with this configuration.
    """
    factory = DRIVERS.get(device.driver)
    if factory is None:
        raise UnknownDriverError(device.driver, tuple(sorted(DRIVERS)))
    return factory(device)
