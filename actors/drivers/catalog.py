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

import structlog

from nutrio.actors.drivers.base import DeviceLike, Driver, DriverKind
from nutrio.actors.drivers.errors import UnknownDriverError
from nutrio.protocol.devices.megatec.usb_ids import wants_usb

log = structlog.get_logger()

__all__ = ["DRIVERS", "DriverCatalog", "device_file", "make_driver"]

#: NUT driver name -> (module under nutrio.actors.drivers, class), in ups.conf's terms
_WHERE: dict[str, tuple[str, str]] = {
    "dummy-ups": ("dummy_ups", "DummyUps"),
    "nutdrv_qx": ("megatec.driver", "NutdrvQx"),
    "blazer_ser": ("megatec.driver", "BlazerSer"),
    "blazer_usb": ("megatec.blazer_usb", "BlazerUsb"),
    "apcsmart": ("apcsmart.driver", "ApcSmart"),
    "apcsmart-old": ("apcsmart.old_driver", "ApcSmartOld"),
    "usbhid-ups": ("usbhid", "UsbHid"),
    "snmp-ups": ("snmp.driver", "SnmpUps"),
    "bcmxcp": ("bcmxcp.driver", "BcmXcp"),
    "bcmxcp_usb": ("bcmxcp.driver", "BcmXcpUsb"),
    "tripplite_usb": ("tripplite.usbdriver", "TrippliteUsb"),
    "tripplite": ("tripplite.serialdriver", "Tripplite"),
    "tripplitesu": ("tripplite.sudriver", "TrippliteSu"),
    "liebert-esp2": ("liebert_esp2.driver", "LiebertEsp2"),
    "powercom": ("powercom.driver", "PowerCom"),
    "powerpanel": ("powerpanel.driver", "PowerPanel"),
    # NUT's retired names for powerpanel's units
    "cpsups": ("powerpanel.driver", "RetiredCpsups"),
    "cyberpower": ("powerpanel.driver", "RetiredCyberpower"),
    "apc_modbus": ("apc_modbus.driver", "ApcModbusDriver"),
    "mge-shut": ("mge_shut.driver", "MgeShut"),
    "riello_ser": ("riello.serdriver", "RielloSer"),
    "riello_usb": ("riello.usbdriver", "RielloUsb"),
    "upscode2": ("upscode2.driver", "UpsCode2"),
    "mge-utalk": ("mge_utalk.driver", "MgeUtalk"),
    "belkin": ("belkin.driver", "Belkin"),
    "genericups": ("contact.genericups", "GenericUps"),
    "liebert": ("contact.liebert", "Liebert"),
    "belkinunv": ("belkin.unv", "BelkinUnv"),
    "huawei-ups2000": ("huawei_ups2000.driver", "HuaweiUps2000"),
    "richcomm_usb": ("drycontact.richcomm", "RichcommUsb"),
    "nutdrv_atcl_usb": ("drycontact.atcl", "AtclUsb"),
    "pijuice": ("pijuice.driver", "PiJuice"),
    "netxml-ups": ("netxml.driver", "NetXmlUps"),
    "apcupsd-ups": ("apcupsd.driver", "ApcupsdUps"),
    "safenet": ("safenet.driver", "Safenet"),
    "gamatronic": ("gamatronic.driver", "Gamatronic"),
    "ivtscd": ("ivtscd.driver", "Ivtscd"),
    "optiups": ("optiups.driver", "OptiUps"),
    "masterguard": ("masterguard.driver", "MasterGuard"),
    # NUT's retired names for what nutdrv_qx protocols do now (a warning says so)
    "megatec": ("megatec.renamed", "RetiredMegatec"),
    "mustek": ("megatec.renamed", "RetiredMustek"),
    "powermust": ("megatec.renamed", "RetiredPowermust"),
    "fentonups": ("megatec.renamed", "RetiredFentonups"),
    "bestups": ("megatec.renamed", "RetiredBestups"),
    "megatec_usb": ("megatec.renamed", "RetiredMegatecUsb"),
}


#: names NUT gave a driver before its current one, with nothing else changed; a
#: warning names the driver to use (retired names that changed options are in _WHERE)
_RENAMED: dict[str, str] = {
    "newhidups": "usbhid-ups",  # NUT 2.0 - 2.2
    "hidups": "usbhid-ups",  # NUT 2.0
    "newmge-shut": "mge-shut",  # NUT 2.6 (mge-shut's new implementation, renamed in 2.7.1)
}


class _Renamed:
    """A retired driver name: the current driver, with a warning at each start."""

    def __init__(self, old: str, new: str, kind: DriverKind) -> None:
        self.old, self.new, self.kind = old, new, kind

    @property
    def flags(self) -> frozenset[str]:
        return self.kind.flags

    def __call__(self, device: DeviceLike) -> Driver:
        log.warning("driver.renamed", driver=self.old, use=self.new,
                    hint=f'NUT renamed {self.old} to {self.new}: set driver = "{self.new}"')
        return self.kind(device)


class DriverCatalog(Mapping[str, DriverKind]):
    """Driver name -> driver class, each class imported on its first lookup."""

    def __init__(self, where: Mapping[str, tuple[str, str]],
                 renamed: Mapping[str, str] | None = None) -> None:
        self._where = dict(where)
        self._renamed = dict(renamed or {})
        self._loaded: dict[str, DriverKind] = {}

    def __getitem__(self, name: str) -> DriverKind:
        kind = self._loaded.get(name)
        if kind is None:
            kind = self._load(name)
            self._loaded[name] = kind
        return kind

    def _load(self, name: str) -> DriverKind:
        if name in self._renamed:
            new = self._renamed[name]
            return _Renamed(name, new, self[new])
        module, cls = self._where[name]  # KeyError: no such driver
        kind: DriverKind = getattr(importlib.import_module(f"nutrio.actors.drivers.{module}"), cls)
        return kind

    def __iter__(self) -> Iterator[str]:
        yield from self._where
        yield from self._renamed

    def __len__(self) -> int:
        return len(self._where) + len(self._renamed)

    def __contains__(self, name: object) -> bool:
        return name in self._where or name in self._renamed


DRIVERS = DriverCatalog(_WHERE, _RENAMED)


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
                     "powermust", "fentonups", "bestups", "mge-shut", "newmge-shut",
                     "tripplite", "tripplitesu", "riello_ser",
                     "liebert-esp2", "powercom", "powerpanel", "cpsups", "cyberpower",
                     "upscode2", "mge-utalk", "belkin",
                     "genericups", "liebert", "belkinunv", "huawei-ups2000",
                     "safenet", "gamatronic", "ivtscd", "optiups", "masterguard",
                     "apcsmart-old"})  # fmt: skip


def device_file(device: DeviceLike) -> Path | None:
    """The file or device node *device* reads (a .dev/.seq file, a serial port), or None
    for a port that names no file (USB "auto", a network address, a repeater's ups@host)."""
    if device.driver == "dummy-ups":
        mode = device.options.get("mode")
        if mode == "repeater" or (mode is None and "@" in device.port):
            return None
        return Path(device.config_dir) / device.port  # an absolute port stays absolute
    if device.driver == "nutdrv_qx" and wants_usb(device.port, device.options):
        return None  # NUT's rule: nutdrv_qx on USB
    if device.driver in _SERIAL or device.driver == "pijuice":  # pijuice: an I2C bus node
        return Path(device.port)
    if device.driver == "apc_modbus" and device.options.get("porttype", "").lower() == "serial":
        return Path(device.port)
    return None
