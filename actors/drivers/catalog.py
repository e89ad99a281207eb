"""The catalog of drivers: a NUT driver name (ups.conf ``driver = ...``) to nutrio's driver.

Its own module because it imports every driver module, and those import the framework
(actors/drivers/base.py): the actor loop and killpower look drivers up here.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from nutrio.actors.drivers.apcsmart.driver import ApcSmart
from nutrio.actors.drivers.base import DeviceLike, Driver, DriverKind
from nutrio.actors.drivers.dummy_ups import DummyUps
from nutrio.actors.drivers.errors import UnknownDriverError
from nutrio.actors.drivers.megatec.driver import BlazerSer, NutdrvQx
from nutrio.actors.drivers.megatec.renamed import RenamedDriver
from nutrio.actors.drivers.snmp.driver import SnmpUps
from nutrio.actors.drivers.usbhid import UsbHid
from nutrio.protocol.devices.megatec.old_names import OLD_DRIVERS

__all__ = ["DRIVERS", "make_driver"]

DRIVERS: Mapping[str, DriverKind] = MappingProxyType({
    "dummy-ups": DummyUps,
    "nutdrv_qx": NutdrvQx,
    "blazer_ser": BlazerSer,
    "apcsmart": ApcSmart,
    "usbhid-ups": UsbHid,
    "snmp-ups": SnmpUps,
    # NUT's retired names for what nutdrv_qx protocols do now (a warning says so)
    **{name: RenamedDriver(old) for name, old in OLD_DRIVERS.items()},
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
