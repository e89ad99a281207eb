"""USB dry-contact interfaces: a status byte read over USB, a shutdown packet sent back.
NUT's richcomm_usb (Richcomm's 0925:1234 adapter) and nutdrv_atcl_usb ('ATCL FOR UPS',
0001:0000)."""

from nutrio.protocol.devices.drycontact import atcl, richcomm

__all__ = ["atcl", "richcomm"]
