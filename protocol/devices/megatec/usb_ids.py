"""Which USB-to-serial bridge carries a Megatec/Q1 UPS, as NUT 2.8.0 decides it.

Pure data and rules, shared by the USB transports (actors/drivers/megatec/usb.py),
`nutrio drivers supported` and the catalog:

- :data:`QX_BRIDGES` and :data:`BLAZER_BRIDGES`: the bridge ("subdriver") names
  ``subdriver =`` accepts, in the order NUT lists them;
- :data:`QX_USB_IDS` and :data:`BLAZER_USB_IDS`: each driver's table of vendor and
  product ids (and, for some, the manufacturer and product strings) with the bridge
  a matching device gets; the first row that matches wins, so a generic row after
  a specific one only catches what the specific one leaves (nutdrv_qx.c qx_usb_id,
  blazer_usb.c blazer_usb_id);
- :func:`wants_usb`: nutdrv_qx's rule for USB or serial (its initups).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

__all__ = [
    "BLAZER_BRIDGES",
    "BLAZER_USB_IDS",
    "QX_BRIDGES",
    "QX_USB_IDS",
    "USB_OPTIONS",
    "UsbId",
    "bridge_usb_ids",
    "known_ids",
    "pick_bridge",
    "wants_usb",
]

#: nutdrv_qx's bridges, as its help lists them (usbsubdriver[] of nutdrv_qx.c 2.8.0)
QX_BRIDGES = ("cypress", "phoenixtec", "phoenix", "ippon", "krauler", "fabula", "hunnox", "fuji",
              "sgs", "snr", "ablerex", "armac")  # fmt: skip
#: blazer_usb's four
BLAZER_BRIDGES = ("cypress", "phoenix", "ippon", "krauler")

#: the ups.conf options that make nutdrv_qx use USB when set (``port = auto`` does too);
#: ``device`` and ``busport`` are not among them in 2.8.0
USB_OPTIONS = ("subdriver", "vendorid", "productid", "vendor", "product", "serial", "bus",
               "langid_fix")  # fmt: skip


@dataclass(frozen=True, slots=True)
class UsbId:
    """One row of a driver's table: ids, the strings it also needs (None: any), the bridge."""

    vendor_id: int
    product_id: int
    bridge: str
    vendor: str | None = None
    product: str | None = None
    #: the device NUT names in its comment for the row
    example: str = ""

    def fits(self, vendor_id: int, product_id: int, vendor: str | None,
             product: str | None) -> bool:
        """The ids equal, and each string the row names equal (ignoring case) and present."""
        if (vendor_id, product_id) != (self.vendor_id, self.product_id):
            return False
        for wanted, seen in ((self.vendor, vendor), (self.product, product)):
            if wanted is not None and (seen is None or seen.lower() != wanted.lower()):
                return False
        return True


QX_USB_IDS: tuple[UsbId, ...] = (
    UsbId(0x05B8, 0x0000, "cypress", example="Agiler UPS"),
    UsbId(0xFFFF, 0x0000, "ablerex", example="Ablerex 625L USB"),
    UsbId(0x1CB0, 0x0035, "krauler", example="Legrand Daker DK / DK Plus"),
    UsbId(0x0665, 0x5161, "cypress", example="Belkin F6C1200-UNV, Voltronic Power UPSes"),
    UsbId(0x06DA, 0x0002, "phoenixtec", "Phoenixtec Power", "USB Cable (V2.00)",
          example="Masterguard A Series"),
    UsbId(0x06DA, 0x0002, "cypress", example="Online Yunto YQ450"),
    UsbId(0x06DA, 0x0003, "ippon", example="Mustek Powermust"),
    UsbId(0x06DA, 0x0004, "cypress", example="Phoenixtec Innova 3/1 T"),
    UsbId(0x06DA, 0x0005, "cypress", example="Phoenixtec Innova RT"),
    UsbId(0x06DA, 0x0201, "cypress", example="Phoenixtec Innova T"),
    UsbId(0x06DA, 0x0601, "phoenix", example="Online Zinto A"),
    UsbId(0x0F03, 0x0001, "cypress", example="Unitek Alpha 1200Sx"),
    UsbId(0x14F0, 0x00C9, "phoenix", example="GE EP series"),
    UsbId(0x0483, 0x0035, "sgs", example="TS Shara UPSes"),
    UsbId(0x0001, 0x0000, "fabula", "MEC", "MEC0003", example="Fideltronik/MEC LUPUS 500 USB"),
    UsbId(0x0001, 0x0000, "hunnox", None, "MEC0003", example="Hunnox HNX 850, Powercool"),
    UsbId(0x0001, 0x0000, "fuji", "ATCL FOR UPS", "ATCL FOR UPS", example="Fuji UPSes"),
    UsbId(0x0001, 0x0000, "krauler", example="Krauler UP-M500VA"),
    # never reached by ids alone (the krauler row above takes every 0001:0000 left):
    # NUT lists it all the same, and `subdriver = snr` selects the bridge
    UsbId(0x0001, 0x0000, "snr", None, "MEC0003", example="SNR-UPS-LID-XXXX UPSes"),
    UsbId(0x0925, 0x1234, "armac", example="Armac UPS, Richcomm PowerManagerII units"),
)

BLAZER_USB_IDS: tuple[UsbId, ...] = (
    UsbId(0x05B8, 0x0000, "cypress", example="Agiler UPS"),
    UsbId(0x0001, 0x0000, "krauler", example="Krauler UP-M500VA"),
    UsbId(0xFFFF, 0x0000, "krauler", example="Ablerex 625L USB"),
    UsbId(0x0665, 0x5161, "cypress", example="Belkin F6C1200-UNV"),
    UsbId(0x06DA, 0x0002, "cypress", example="Online Yunto YQ450"),
    UsbId(0x06DA, 0x0003, "ippon", example="Mustek Powermust"),
    UsbId(0x06DA, 0x0004, "cypress", example="Phoenixtec Innova 3/1 T"),
    UsbId(0x06DA, 0x0005, "cypress", example="Phoenixtec Innova RT"),
    UsbId(0x06DA, 0x0201, "cypress", example="Phoenixtec Innova T"),
    UsbId(0x06DA, 0x0601, "phoenix", example="Online Zinto A"),
    UsbId(0x0F03, 0x0001, "cypress", example="Unitek Alpha 1200Sx"),
    UsbId(0x14F0, 0x00C9, "phoenix", example="GE EP series"),
)


def pick_bridge(table: tuple[UsbId, ...], vendor_id: int, product_id: int,
                vendor: str | None = None, product: str | None = None) -> str | None:
    """The bridge of the first row the device fits, or None (not supported)."""
    for row in table:
        if row.fits(vendor_id, product_id, vendor, product):
            return row.bridge
    return None


def known_ids(table: tuple[UsbId, ...], vendor_id: int, product_id: int) -> bool:
    """Whether some row has these ids (its strings aside): worth opening to read them."""
    return any((row.vendor_id, row.product_id) == (vendor_id, product_id) for row in table)


def bridge_usb_ids(table: tuple[UsbId, ...], bridge: str) -> tuple[str, ...]:
    """"vvvv:pppp" of every row that picks ``bridge``, in table order, each once."""
    ids = (f"{row.vendor_id:04x}:{row.product_id:04x}" for row in table if row.bridge == bridge)
    return tuple(dict.fromkeys(ids))


def wants_usb(port: str, options: Mapping[str, str]) -> bool:
    """nutdrv_qx's choice: USB when ``port`` is "auto" or any USB option is set."""
    keys = {key.lower() for key in options}
    return port.lower() == "auto" or any(name in keys for name in USB_OPTIONS)
