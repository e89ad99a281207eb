"""The virtual USB lab: a libusb-1.0 stand-in and simulated devices (docs/testing-usb.md)."""

from tests.usblab.bridges import CypressBridge, SerialSide
from tests.usblab.calls import Call
from tests.usblab.hid import HidDevice
from tests.usblab.hub import PluggedDevice
from tests.usblab.models import Endpoint, Interface, Setup, UsbError, UsbModel
from tests.usblab.server import UsbLab
from tests.usblab.wire import UsbStatus

__all__ = [
    "Call", "CypressBridge", "Endpoint", "HidDevice", "Interface", "PluggedDevice", "SerialSide",
    "Setup", "UsbError", "UsbLab", "UsbModel", "UsbStatus",
]
