"""What a vendor subdriver is (usbhid-ups.h subdriver_t), how it claims a device, and the
USB facts it is given.

How claiming works (NUT 2.8.0, usb-common.c is_usb_device_supported): a subdriver's id table
lists (vendor, product, quirk) rows. A device whose vendor appears is "possibly supported";
one whose vendor and product appear is "supported", and the row's quirk runs. Most
subdrivers take a supported device, and a possibly supported one only when ``productid``
is given in ups.conf; a few add their own rules (``rule``). A quirk does not change global
state here, as NUT's do: it returns :class:`Settings` (USB interface, interrupt pipe,
report size, conversion scales) that the driver and the session apply to this device.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from types import MappingProxyType
from typing import Protocol

from nutrio.protocol.devices.hid.descriptor import ReportDescriptor
from nutrio.protocol.devices.hid.hid2nut import DEFAULT_POLLFREQ, Hid2Nut
from nutrio.protocol.devices.hid.usages import UsageTable

__all__ = [
    "Claim",
    "ClaimContext",
    "DescribeIO",
    "DeviceInfo",
    "Settings",
    "Subdriver",
    "Support",
    "UsbId",
    "default_rule",
    "polled_only",
    "supported",
]

#: USB-layer and conversion settings a claim hands to the driver (see :class:`Settings`).
Settings = Mapping[str, object]
_NONE: Settings = MappingProxyType({})


@dataclass(frozen=True, slots=True, kw_only=True)
class DeviceInfo:
    """One USB device as NUT's matcher sees it (USBDevice_t)."""

    vendor_id: int
    product_id: int
    vendor: str | None = None
    product: str | None = None
    serial: str | None = None
    bus: str = "001"
    device: str = "001"
    busport: str | None = None
    release: int = 0


class Support(IntEnum):
    """is_usb_device_supported() answers."""

    NOT = 0
    POSSIBLY = 1  # the vendor is known, the product is not: needs -x productid
    SUPPORTED = 2


Quirk = Callable[[DeviceInfo], Settings]


@dataclass(frozen=True, slots=True)
class UsbId:
    """One row of a subdriver's id table; ``quirk`` runs when it matches (the C ``fun``)."""

    vendor_id: int
    product_id: int
    quirk: Quirk | None = None


def polled_only(info: DeviceInfo) -> Settings:
    """The quirk of units whose interrupt pipe NUT does not read (disable_interrupt_pipe)."""
    return _POLLONLY


_POLLONLY: Settings = MappingProxyType({"pollonly": True})


def supported(ids: tuple[UsbId, ...], info: DeviceInfo) -> tuple[Support, Settings]:
    """is_usb_device_supported: the answer and the matching row's settings."""
    answer = Support.NOT
    for row in ids:
        if row.vendor_id != info.vendor_id:
            continue
        answer = Support.POSSIBLY
        if row.product_id != info.product_id:
            continue
        return Support.SUPPORTED, row.quirk(info) if row.quirk else _NONE
    return answer, _NONE


@dataclass(frozen=True, slots=True)
class ClaimContext:
    """The ups.conf options claims look at."""

    productid_given: bool = False
    explore: bool = False


@dataclass(frozen=True, slots=True)
class Claim:
    """A subdriver took the device, with these settings."""

    settings: Settings = field(default_factory=lambda: _NONE)


Rule = Callable[["Subdriver", DeviceInfo, ClaimContext], "Claim | None"]


def default_rule(sub: Subdriver, info: DeviceInfo, ctx: ClaimContext) -> Claim | None:
    """The common claim: supported, or possibly supported with ``productid`` given."""
    answer, settings = supported(sub.ids, info)
    if answer == Support.SUPPORTED or (answer == Support.POSSIBLY and ctx.productid_given):
        return Claim(MappingProxyType({**sub.settings, **settings}))
    return None


class DescribeIO(Protocol):
    """What format_mfr/model/serial may read: HID items of the device, and scratch state."""

    def item_string(self, path: str, size: int = 512) -> str:
        """HIDGetItemString: the string whose index sits at ``path`` ("" if none)."""

    def item_value(self, path: str) -> float | None:
        """HIDGetItemValue: the value at ``path``, None if the device has none."""

    def set(self, name: str, value: str) -> None:
        """dstate_setinfo, for formats that serve extra variables (APC firmware)."""

    @property
    def scratch(self) -> dict[str, object]: ...


#: format_mfr, format_model or format_serial
Format = Callable[[DeviceInfo, DescribeIO], "str | None"]


def _vendor(default: str | None) -> Format:
    return lambda info, io: info.vendor if info.vendor else default


def _product(info: DeviceInfo, io: DescribeIO) -> str | None:
    return info.product


def _serial(info: DeviceInfo, io: DescribeIO) -> str | None:
    return info.serial


def _keep(desc: ReportDescriptor, info: DeviceInfo) -> ReportDescriptor:
    return desc


@dataclass(frozen=True, slots=True, kw_only=True)
class Subdriver:
    """A vendor's table and quirks. ``name`` is NUT's version string ("APC HID 0.98"),
    ``short`` NUT's file name for it (apc for apc-hid.c)."""

    name: str
    short: str
    ids: tuple[UsbId, ...]
    usages: UsageTable
    table: tuple[Hid2Nut, ...]
    rule: Rule = default_rule
    #: settings every claim of this subdriver carries (Arduino's interface, ...)
    settings: Settings = field(default_factory=lambda: _NONE)
    format_mfr: Format = field(default=_vendor(None))
    format_model: Format = _product
    format_serial: Format = _serial
    #: the subdriver's fix_report_desc (skipped with disable_fix_report_desc, NUT 2.8.1)
    fix_descriptor: Callable[[ReportDescriptor, DeviceInfo], ReportDescriptor] = _keep
    pollfreq: int = DEFAULT_POLLFREQ
    #: no 2.8.0 oracle exists for it (a subdriver of a later NUT release)
    later: str | None = None

    def claim(self, info: DeviceInfo, ctx: ClaimContext) -> Claim | None:
        """Whether this subdriver takes the device (its claim() function)."""
        return self.rule(self, info, ctx)

    @property
    def devices(self) -> Mapping[int, frozenset[int]]:
        """vendor id -> product ids of the id table."""
        out: dict[int, set[int]] = {}
        for row in self.ids:
            out.setdefault(row.vendor_id, set()).add(row.product_id)
        return MappingProxyType({v: frozenset(p) for v, p in out.items()})

    @property
    def version_data(self) -> str:
        """The name part of ``name`` ("APC HID")."""
        head, _, last = self.name.rpartition(" ")
        return head if head and last[:1].isdigit() else self.name

    @property
    def version(self) -> str | None:
        head, _, last = self.name.rpartition(" ")
        return last if head and last[:1].isdigit() else None


def vendor_format(default: str | None) -> Format:
    """format_mfr returning the USB vendor string, else ``default``."""
    return _vendor(default)
