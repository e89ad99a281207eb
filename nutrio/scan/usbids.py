"""Which drivers claim a USB device: the union of nutrio's tables, plus NUT's Q1 bridges.

nutrio's own claims come from actors/drivers/support.py (``supported()``: every
variant's ``usb_ids``), so a subdriver or bridge added there is found by
``nutrio scan`` and written to the udev rules with no change here.

nutdrv_qx takes Megatec/Q1 UPSes behind USB-to-serial bridges by NUT 2.8.0's
``qx_usb_id`` table (protocol/devices/megatec/usb_ids.py: ids, sometimes the
manufacturer and product strings, and the bridge the first matching row picks);
its rows replace the plain ids ``supported()`` lists for the bridges, so the
strings tell the 0001:0000 bridges apart. A row that ``supported()`` also lists
counts as driven.
"""

from __future__ import annotations

from dataclasses import dataclass

from nutrio.actors.drivers.support import supported
from nutrio.protocol.devices.megatec.usb_ids import QX_USB_IDS

__all__ = ["UsbClaim", "claims", "matching", "same_vendor"]


@dataclass(frozen=True, slots=True, kw_only=True)
class UsbClaim:
    """One row: this driver (with this subdriver or bridge) takes vendor:product.

    ``vendor``/``product``: the manufacturer and product strings the row also
    needs (NUT compares them ignoring case), or None for any.
    """

    vendor_id: int
    product_id: int
    driver: str
    variant: str
    kind: str  # "subdriver" (usbhid-ups) or "usb-bridge" (nutdrv_qx)
    vendor: str | None = None
    product: str | None = None
    driven: bool = True

    @property
    def usb_id(self) -> str:
        return f"{self.vendor_id:04x}:{self.product_id:04x}"

    def accepts(self, vendor: str | None, product: str | None) -> bool:
        """Whether the device's strings satisfy the row (a row without strings takes all)."""
        return _same(self.vendor, vendor) and _same(self.product, product)


def _same(wanted: str | None, seen: str | None) -> bool:
    return wanted is None or (seen is not None and wanted.lower() == seen.lower())


def claims() -> tuple[UsbClaim, ...]:
    """Every row: nutrio's drivers first (in `drivers supported` order), then NUT's bridges."""
    rows: list[UsbClaim] = []
    for driver in supported():
        if driver.name == "blazer_usb":
            continue  # every id of its table is nutdrv_qx's: name the driver NUT moved them to
        for variant in driver.variants:
            for usb_id in variant.usb_ids:
                vid, _, pid = usb_id.partition(":")
                rows.append(UsbClaim(vendor_id=int(vid, 16), product_id=int(pid, 16),
                                     driver=driver.name, variant=variant.name, kind=variant.kind))
    # NUT's bridge rows carry the strings that tell the 0001:0000 bridges apart: they
    # replace nutrio's own rows for the same bridge and id, in NUT's order
    nut_rows = {("nutdrv_qx", row.bridge, row.vendor_id, row.product_id) for row in QX_USB_IDS}
    driven = {(r.driver, r.variant, r.vendor_id, r.product_id) for r in rows}
    rows = [r for r in rows if (r.driver, r.variant, r.vendor_id, r.product_id) not in nut_rows]
    for row in QX_USB_IDS:
        key = ("nutdrv_qx", row.bridge, row.vendor_id, row.product_id)
        rows.append(UsbClaim(vendor_id=row.vendor_id, product_id=row.product_id,
                             driver="nutdrv_qx", variant=row.bridge, kind="usb-bridge",
                             vendor=row.vendor, product=row.product, driven=key in driven))
    return tuple(rows)


def matching(rows: tuple[UsbClaim, ...], vendor_id: int, product_id: int,
             vendor: str | None = None, product: str | None = None) -> list[UsbClaim]:
    """The rows that take this device, in table order, one per (driver, variant)."""
    out: list[UsbClaim] = []
    seen: set[tuple[str, str]] = set()
    for row in rows:
        if (row.vendor_id, row.product_id) != (vendor_id, product_id):
            continue
        if not row.accepts(vendor, product) or (row.driver, row.variant) in seen:
            continue
        seen.add((row.driver, row.variant))
        out.append(row)
    return out


def same_vendor(rows: tuple[UsbClaim, ...], vendor_id: int, driver: str) -> list[UsbClaim]:
    """*driver*'s rows for this vendor id (usbhid-ups calls such a device "possibly
    supported" and takes it when ``productid`` is given)."""
    return [r for r in rows if r.vendor_id == vendor_id and r.driver == driver]
