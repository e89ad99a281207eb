"""Which drivers claim a USB device: the union of nutrio's tables, plus NUT's Q1 bridges.

nutrio's own claims come from actors/drivers/support.py (``supported()``: every
variant's ``usb_ids``), so a subdriver or bridge added there is found by
``nutrio scan`` and written to the udev rules with no change here.

NUT 2.8.0's nutdrv_qx also takes Megatec/Q1 UPSes behind USB-to-serial bridges
(drivers/nutdrv_qx.c, its ``qx_usb_id`` table: ids, sometimes the manufacturer
and product strings, and the bridge that the first matching row picks).
nutrio does not drive those over USB yet; the scan still names them, with the
bridge NUT would use, so a user learns what the device is. A row that
``supported()`` also lists counts as driven.
"""

from __future__ import annotations

from dataclasses import dataclass

from nutrio.actors.drivers.support import supported

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


#: NUT 2.8.0 nutdrv_qx qx_usb_id, in its order (the first matching row wins):
#: (vendor id, product id, manufacturer string, product string, bridge)
_NUT_QX_BRIDGES: tuple[tuple[int, int, str | None, str | None, str], ...] = (
    (0x05B8, 0x0000, None, None, "cypress"),
    (0xFFFF, 0x0000, None, None, "ablerex"),
    (0x1CB0, 0x0035, None, None, "krauler"),
    (0x0665, 0x5161, None, None, "cypress"),
    (0x06DA, 0x0002, "Phoenixtec Power", "USB Cable (V2.00)", "phoenixtec"),
    (0x06DA, 0x0002, None, None, "cypress"),
    (0x06DA, 0x0003, None, None, "ippon"),
    (0x06DA, 0x0004, None, None, "cypress"),
    (0x06DA, 0x0005, None, None, "cypress"),
    (0x06DA, 0x0201, None, None, "cypress"),
    (0x06DA, 0x0601, None, None, "phoenix"),
    (0x0F03, 0x0001, None, None, "cypress"),
    (0x14F0, 0x00C9, None, None, "phoenix"),
    (0x0483, 0x0035, None, None, "sgs"),
    (0x0001, 0x0000, "MEC", "MEC0003", "fabula"),
    (0x0001, 0x0000, None, "MEC0003", "hunnox"),
    (0x0001, 0x0000, "ATCL FOR UPS", "ATCL FOR UPS", "fuji"),
    (0x0001, 0x0000, None, None, "krauler"),
    (0x0001, 0x0000, None, "MEC0003", "snr"),
    (0x0925, 0x1234, None, None, "armac"),
)


def claims() -> tuple[UsbClaim, ...]:
    """Every row: nutrio's drivers first (in `drivers supported` order), then NUT's bridges."""
    rows: list[UsbClaim] = []
    for driver in supported():
        for variant in driver.variants:
            for usb_id in variant.usb_ids:
                vid, _, pid = usb_id.partition(":")
                rows.append(UsbClaim(vendor_id=int(vid, 16), product_id=int(pid, 16),
                                     driver=driver.name, variant=variant.name, kind=variant.kind))
    # NUT's bridge rows carry the strings that tell the 0001:0000 bridges apart: they
    # replace nutrio's own rows for the same bridge and id, in NUT's order
    nut_rows = {("nutdrv_qx", bridge, v, p) for v, p, _, _, bridge in _NUT_QX_BRIDGES}
    driven = {(r.driver, r.variant, r.vendor_id, r.product_id) for r in rows}
    rows = [r for r in rows if (r.driver, r.variant, r.vendor_id, r.product_id) not in nut_rows]
    for vendor_id, product_id, vendor, product, bridge in _NUT_QX_BRIDGES:
        key = ("nutdrv_qx", bridge, vendor_id, product_id)
        rows.append(UsbClaim(vendor_id=vendor_id, product_id=product_id, driver="nutdrv_qx",
                             variant=bridge, kind="usb-bridge", vendor=vendor, product=product,
                             driven=key in driven))
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
