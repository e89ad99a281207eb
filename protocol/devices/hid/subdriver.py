"""What a vendor subdriver is (usbhid-ups.h subdriver_t) and the USB facts it is given."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from nutrio.protocol.devices.hid.descriptor import ReportDescriptor
from nutrio.protocol.devices.hid.hid2nut import DEFAULT_POLLFREQ, Hid2Nut
from nutrio.protocol.devices.hid.usages import UsageTable

__all__ = ["DeviceInfo", "ItemString", "Subdriver", "Support", "supported"]


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
    release: int = 0


class Support:
    """is_usb_device_supported() answers."""

    NOT = 0
    POSSIBLY = 1  # the vendor is known, the product is not: needs -x productid
    SUPPORTED = 2


def supported(table: Mapping[int, frozenset[int]], info: DeviceInfo) -> int:
    products = table.get(info.vendor_id)
    if products is None:
        return Support.NOT
    return Support.SUPPORTED if info.product_id in products else Support.POSSIBLY


#: Reads the string whose index is stored at a HID path (HIDGetItemString); None if absent.
ItemString = Callable[[str], "str | None"]


def _identity(desc: ReportDescriptor, info: DeviceInfo, disabled: bool) -> ReportDescriptor:
    return desc


def _no_vars(info: DeviceInfo, item_string: ItemString) -> Mapping[str, str | None]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True, kw_only=True)
class Subdriver:
    """A vendor's table and quirks."""

    name: str  # served as driver.version.data
    devices: Mapping[int, frozenset[int]]  # vendor id -> product ids
    usages: UsageTable
    table: tuple[Hid2Nut, ...]
    #: ups.mfr / ups.model / ups.serial and any extra variables (format_* functions)
    describe: Callable[[DeviceInfo, ItemString], Mapping[str, str | None]] = _no_vars
    fix_descriptor: Callable[[ReportDescriptor, DeviceInfo, bool], ReportDescriptor] = _identity
    #: product ids whose interrupt pipe must not be used (APC 5G models)
    pollonly_products: frozenset[tuple[int, int]] = frozenset()
    pollfreq: int = DEFAULT_POLLFREQ
    #: the explore subdriver takes any device
    claims_all: bool = False
    #: sets conversion state before the first read (CPS battery scale)
    quirks: Callable[[DeviceInfo], Mapping[str, object]] = field(
        default=lambda info: MappingProxyType({})
    )

    def claim(self, info: DeviceInfo, *, productid_given: bool) -> bool:
        """Whether this subdriver takes the device (its claim() function)."""
        if self.claims_all:
            return True
        match supported(self.devices, info):
            case Support.SUPPORTED:
                return True
            case Support.POSSIBLY:
                return productid_given
            case _:
                return False
