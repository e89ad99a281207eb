"""usbhid-ups: USB HID Power Device Class UPSes (see driver.py; the USB side is link.py,
the ups.conf options options.py, the pure mapping protocol/devices/hid/)."""

from __future__ import annotations

from nutrio.actors.drivers.usbhid.driver import UsbHid
from nutrio.actors.drivers.usbhid.link import UsbAccessDenied
from nutrio.actors.drivers.usbhid.options import FLAGS, MATCH_OPTIONS, UsbHidOptions, parse_options

__all__ = ["FLAGS", "MATCH_OPTIONS", "UsbAccessDenied", "UsbHid", "UsbHidOptions", "parse_options"]
