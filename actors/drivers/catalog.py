"""The catalog of drivers: a NUT driver name (ups.conf ``driver = ...``) to nutrio's driver.

The catalog knows every name without importing a driver module: a driver class
(and what it imports: pyusb for usbhid-ups, pysnmp for snmp-ups) is loaded the
first time its name is looked up, so a configuration without SNMP never pays
for the SNMP stack. Its own module because the driver modules import the
framework (actors/drivers/base.py): the actor loop and killpower look drivers
up here.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from pathlib import Path

from nutrio.actors.drivers.base import DeviceLike, Driver, DriverKind
from nutrio.actors.drivers.errors import UnknownDriverError

__all__ = ["DRIVERS", "DriverCatalog", "device_file", "make_driver"]

#: NUT driver name -> (module under nutrio.actors.drivers, class), in ups.conf's terms
_WHERE: dict[str, tuple[str, str]] = {
    "dummy-ups": ("dummy_ups", "DummyUps"),
    "nutdrv_qx": ("megatec.driver", "NutdrvQx"),
    "blazer_ser": ("megatec.driver", "BlazerSer"),
    "apcsmart": ("apcsmart.driver", "ApcSmart"),
    "usbhid-ups": ("usbhid", "UsbHid"),
    "snmp-ups": ("snmp.driver", "SnmpUps"),
    "bcmxcp": ("bcmxcp.driver", "BcmXcp"),
    "bcmxcp_usb": ("bcmxcp.driver", "BcmXcpUsb"),
    "liebert-esp2": ("liebert_esp2.driver", "LiebertEsp2"),
    "powercom": ("powercom.driver", "PowerCom"),
    # NUT's retired names for what nutdrv_qx protocols do now (a warning says so)
    "megatec": ("megatec.renamed", "RetiredMegatec"),
    "mustek": ("megatec.renamed", "RetiredMustek"),
    "powermust": ("megatec.renamed", "RetiredPowermust"),
    "fentonups": ("megatec.renamed", "RetiredFentonups"),
    "bestups": ("megatec.renamed", "RetiredBestups"),
}


class DriverCatalog(Mapping[str, DriverKind]):
    """Driver name -> driver class, each class imported on its first lookup."""

    def __init__(self, where: Mapping[str, tuple[str, str]]) -> None:
        self._where = dict(where)
        self._loaded: dict[str, DriverKind] = {}

    def __getitem__(self, name: str) -> DriverKind:
        kind = self._loaded.get(name)
        if kind is None:
            module, cls = self._where[name]  # KeyError: no such driver
            kind = getattr(importlib.import_module(f"nutrio.actors.drivers.{module}"), cls)
            self._loaded[name] = kind
        return kind

    def __iter__(self) -> Iterator[str]:
        return iter(self._where)

    def __len__(self) -> int:
        return len(self._where)

    def __contains__(self, name: object) -> bool:
        return name in self._where


DRIVERS = DriverCatalog(_WHERE)


def make_driver(device: DeviceLike) -> Driver:
    """The driver for ``device.driver``.

    Raises:
        UnknownDriverError: nutrio has no driver of that name.
        DriverConfigError: the driver cannot work with this configuration.
    """
    if device.driver not in DRIVERS:
        raise UnknownDriverError(device.driver, tuple(sorted(DRIVERS)))
    return DRIVERS[device.driver](device)


#: drivers whose port is a serial device node
_SERIAL = frozenset({"nutdrv_qx", "blazer_ser", "apcsmart", "bcmxcp", "megatec", "mustek",
                     "powermust", "fentonups", "bestups", "liebert-esp2", "powercom"})  # fmt: skip


def device_file(device: DeviceLike) -> Path | None:
    """The file or device node *device* reads (a .dev/.seq file, a serial port), or None
    for a port that names no file (USB "auto", a network address, a repeater's ups@host)."""
    if device.driver == "dummy-ups":
        mode = device.options.get("mode")
        if mode == "repeater" or (mode is None and "@" in device.port):
            return None
        return Path(device.config_dir) / device.port  # an absolute port stays absolute
    if device.driver in _SERIAL:
        return Path(device.port)
    return None
