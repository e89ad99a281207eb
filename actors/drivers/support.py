"""What hardware nutrio drives: `nutrio drivers supported` and docs/hardware.md.

Built from the pure device tables (protocol/devices/...) and the catalog's names,
so listing support never imports a driver's I/O stack. A driver or a variant is
listed here only once a test compares it with the real NUT driver (or, where NUT
2.8.0 has no binary for it, with a simulator built from NUT's source).

``version_data`` is the name part of what the driver publishes in
``driver.version.data`` (NUT's own strings, "APC HID", "Megatec", "apcc MIB");
``version`` the number NUT puts after it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from nutrio.protocol.devices.megatec.usb_ids import UsbId

__all__ = ["Bus", "DriverSupport", "Variant", "supported", "to_json"]

Bus = Literal["usb", "serial", "network", "i2c"]
VariantKind = Literal["subdriver", "protocol", "usb-bridge", "mib"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Variant:
    """One usbhid-ups subdriver, nutdrv_qx protocol or USB bridge, or snmp-ups MIB table."""

    name: str
    kind: VariantKind
    buses: tuple[Bus, ...]
    version_data: str | None = None
    version: str | None = None
    usb_ids: tuple[str, ...] = ()  # "vvvv:pppp", lower-case hex
    #: names NUT published this variant under before (its older driver.version.data)
    formerly: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class DriverSupport:
    """One driver by its NUT name, the old NUT names it answers to, and its variants."""

    name: str
    buses: tuple[Bus, ...]
    also: tuple[str, ...] = ()
    variants: tuple[Variant, ...] = ()
    #: the NUT release that brought a driver NUT 2.8.0 lacks: no 2.8.0 binary checks it,
    #: its tests compare it with simulators built from that release's source
    since: str | None = None
    #: in NUT 2.8.0 but not in Debian's build of it (pijuice): no binary to compare with,
    #: its tests compare it with a simulator built from NUT's source
    source_only: bool = False


def _usb_ids(devices: Mapping[int, frozenset[int]]) -> tuple[str, ...]:
    return tuple(f"{vendor:04x}:{product:04x}"
                 for vendor in sorted(devices) for product in sorted(devices[vendor]))


def _split_version(published: str) -> tuple[str, str | None]:
    """"Megatec 0.06" -> ("Megatec", "0.06"); a string without a number stays whole."""
    name, _, last = published.rpartition(" ")
    if name and last[:1].isdigit():
        return name, last
    return published, None


#: usbhid-ups subdrivers' older names: NUT 2.0 - 2.2 had one APC/CyberPower subdriver,
#: and belkin-hid.c published "Belkin HID" before NUT 2.7.3 ("Belkin/Liebert HID" since)
_HID_FORMERLY = {"apc": ("APC/CyberPower HID",), "cps": ("APC/CyberPower HID",),
                 "belkin": ("Belkin HID",)}


def _hid_variants() -> tuple[Variant, ...]:
    """usbhid-ups subdrivers by NUT's short names (its drivers/<name>-hid.c files)."""
    from nutrio.protocol.devices.hid import SUBDRIVERS

    return tuple(Variant(name=sub.short, kind="subdriver", buses=("usb",),
                         version_data=sub.version_data, version=sub.version,
                         usb_ids=_usb_ids(sub.devices), formerly=_HID_FORMERLY.get(sub.short, ()))
                 for sub in SUBDRIVERS)


#: snmp-ups mappings' older names: NUT 2.7.4's eaton_ats (the legacy NMC's sysObjectID and
#: model OID) became eaton_ats16, then eaton_ats16_nmc in 2.8.0
_MIB_FORMERLY = {"eaton_ats16_nmc": ("eaton_ats MIB", "eaton_ats16 MIB")}


def _mib_variants() -> tuple[Variant, ...]:
    """snmp-ups' MIB-to-NUT mappings by name (apc_pdu has three sysObjectIDs, one line)."""
    from nutrio.protocol.devices.snmp import SUPPORTED

    by_name = {s.name: s for s in reversed(SUPPORTED)}  # the first of each name wins
    return tuple(Variant(name=s.name, kind="mib", buses=("network",),
                         version_data=_split_version(s.version_data)[0],
                         version=_split_version(s.version_data)[1],
                         formerly=_MIB_FORMERLY.get(s.name, ()))
                 for s in SUPPORTED if by_name[s.name] is s)


def _qx_variants() -> tuple[Variant, ...]:
    from nutrio.protocol.devices.megatec.subdrivers import SUBDRIVERS
    from nutrio.protocol.devices.megatec.usb_ids import QX_BRIDGES, QX_USB_IDS

    out = []
    for sub in SUBDRIVERS:
        if sub.protocol == "Masterguard":
            continue  # NUT 2.8.0's claim never succeeds (tests/drivers/test_qx_other.py)
        name, version = _split_version(sub.version)
        out.append(Variant(name=sub.protocol.lower(), kind="protocol", buses=("serial", "usb"),
                           version_data=name, version=version))
    return tuple(out) + _bridges(QX_BRIDGES, QX_USB_IDS)


def _bridges(names: tuple[str, ...], table: tuple[UsbId, ...]) -> tuple[Variant, ...]:
    """USB-to-serial bridges (tests/usblab/test_qx_usb_*.py), with the ids of NUT's table
    rows for each (snr's row is never reached: ``subdriver = snr`` selects it)."""
    from nutrio.protocol.devices.megatec.usb_ids import bridge_usb_ids

    return tuple(Variant(name=name, kind="usb-bridge", buses=("usb",),
                         usb_ids=bridge_usb_ids(table, name)) for name in names)


def _blazer_usb_variants() -> tuple[Variant, ...]:
    from nutrio.protocol.devices.megatec.usb_ids import BLAZER_BRIDGES, BLAZER_USB_IDS

    return _bridges(BLAZER_BRIDGES, BLAZER_USB_IDS)


def _xcp_usb_variants() -> tuple[Variant, ...]:
    from nutrio.protocol.devices.bcmxcp import USB_DEVICES, USB_REQUESTS

    return tuple(Variant(name=style, kind="subdriver", buses=("usb",),
                         usb_ids=tuple(sorted(f"{v:04x}:{p:04x}"
                                              for (v, p), used in USB_DEVICES.items()
                                              if used == style)))
                 for style in USB_REQUESTS)


def _tripplite_usb_variants() -> tuple[Variant, ...]:
    """One row for the id NUT's table takes, then the protocols a test compares."""
    from nutrio.protocol.devices.tripplite.usbframe import COMPARED_PROTOCOLS

    ids = ("09ae:0001",)
    return (Variant(name="tripplite", kind="subdriver", buses=("usb",), usb_ids=ids),
            *(Variant(name=f"{p.value:04x}", kind="protocol", buses=("usb",))
              for p in COMPARED_PROTOCOLS))


def _shut_variants() -> tuple[Variant, ...]:
    """mge-shut has the MGE subdriver alone, on a serial line."""
    from nutrio.protocol.devices.hid import MGE

    return (Variant(name=MGE.short, kind="subdriver", buses=("serial",),
                    version_data=MGE.version_data, version=MGE.version),)


def _riello_variants() -> tuple[Variant, ...]:
    """Riello's two serial protocols (riello_ser finds which one the unit speaks)."""
    return tuple(Variant(name=name, kind="protocol", buses=("serial",))
                 for name in ("gpser", "sentr"))


def _riello_usb_variants() -> tuple[Variant, ...]:
    """riello_usb speaks GPSER through its Cypress bridge, the one id NUT's table has."""
    return (Variant(name="gpser", kind="protocol", buses=("usb",), usb_ids=("04b4:5500",)),)


def _richcomm_variants() -> tuple[Variant, ...]:
    """richcomm_usb takes the one id of NUT's table."""
    return (Variant(name="richcomm", kind="usb-bridge", buses=("usb",), usb_ids=("0925:1234",)),)


def _atcl_variants() -> tuple[Variant, ...]:
    """nutdrv_atcl_usb: NUT's one id, taken only with the 'ATCL FOR UPS' string."""
    return (Variant(name="atcl", kind="usb-bridge", buses=("usb",), usb_ids=("0001:0000",)),)


def _none() -> tuple[Variant, ...]:
    return ()


#: (name, buses, old NUT names, variants), in the order `drivers supported` lists them
_DRIVERS: tuple[tuple[str, tuple[Bus, ...], tuple[str, ...], Callable[[], tuple[Variant, ...]]],
                ...] = (
    ("usbhid-ups", ("usb",), ("newhidups", "hidups"), _hid_variants),
    ("nutdrv_qx", ("serial", "usb"),
     ("megatec", "megatec_usb", "mustek", "powermust", "fentonups", "bestups"), _qx_variants),
    ("blazer_ser", ("serial",), (), _none),
    ("blazer_usb", ("usb",), (), _blazer_usb_variants),
    ("apcsmart", ("serial",), (), _none),
    ("mge-shut", ("serial",), ("newmge-shut",), _shut_variants),
    ("snmp-ups", ("network",), (), _mib_variants),
    ("bcmxcp", ("serial",), (), _none),
    ("bcmxcp_usb", ("usb",), (), _xcp_usb_variants),
    ("tripplite_usb", ("usb",), (), _tripplite_usb_variants),
    ("tripplite", ("serial",), (), _none),
    ("tripplitesu", ("serial",), (), _none),
    ("riello_ser", ("serial",), (), _riello_variants),
    ("riello_usb", ("usb",), (), _riello_usb_variants),
    ("liebert-esp2", ("serial",), (), _none),
    ("powercom", ("serial",), (), _none),
    ("powerpanel", ("serial",), ("cpsups", "cyberpower"), _none),
    ("upscode2", ("serial",), (), _none),
    ("mge-utalk", ("serial",), (), _none),
    ("belkin", ("serial",), (), _none),
    ("genericups", ("serial",), (), _none),
    ("liebert", ("serial",), (), _none),
    ("belkinunv", ("serial",), (), _none),
    ("huawei-ups2000", ("serial",), (), _none),
    ("richcomm_usb", ("usb",), (), _richcomm_variants),
    ("nutdrv_atcl_usb", ("usb",), (), _atcl_variants),
    ("pijuice", ("i2c",), (), _none),
    ("netxml-ups", ("network",), (), _none),
    ("apcupsd-ups", ("network",), (), _none),
    ("safenet", ("serial",), (), _none),
    ("gamatronic", ("serial",), (), _none),
    ("ivtscd", ("serial",), (), _none),
    ("optiups", ("serial",), (), _none),
    ("masterguard", ("serial",), (), _none),
    ("apcsmart-old", ("serial",), (), _none),
    ("dummy-ups", ("network",), (), _none),
    ("apc_modbus", ("usb", "serial", "network"), (), _none),
)
#: drivers NUT 2.8.0 does not have, and the release that brought them
_SINCE = {"apc_modbus": "2.8.1"}
#: NUT 2.8.0 drivers Debian's build leaves out (no binary in /lib/nut)
_SOURCE_ONLY = frozenset({"pijuice"})


def supported() -> tuple[DriverSupport, ...]:
    """Every driver nutrio has, with its variants."""
    return tuple(DriverSupport(name=name, buses=buses, also=also, variants=variants(),
                               since=_SINCE.get(name), source_only=name in _SOURCE_ONLY)
                 for name, buses, also, variants in _DRIVERS)


def to_json(drivers: tuple[DriverSupport, ...]) -> dict[str, Any]:
    """The `--json` document: empty fields left out, key order as the interface shows it."""
    return {"drivers": [_driver_json(d) for d in drivers]}


def _driver_json(driver: DriverSupport) -> dict[str, Any]:
    out: dict[str, Any] = {"name": driver.name}
    if driver.also:
        out["also"] = list(driver.also)
    out["buses"] = list(driver.buses)
    if driver.since:
        out["since"] = driver.since
    if driver.source_only:
        out["source_only"] = True
    out["variants"] = [_variant_json(v) for v in driver.variants]
    return out


def _variant_json(variant: Variant) -> dict[str, Any]:
    out: dict[str, Any] = {"name": variant.name, "kind": variant.kind}
    if variant.version_data is not None:
        out["version_data"] = variant.version_data
    if variant.version is not None:
        out["version"] = variant.version
    out["buses"] = list(variant.buses)
    if variant.usb_ids:
        out["usb_ids"] = list(variant.usb_ids)
    if variant.formerly:
        out["formerly"] = list(variant.formerly)
    return out
