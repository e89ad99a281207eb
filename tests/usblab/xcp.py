"""A BCM/XCP UPS on the lab's USB bus: how Powerware/Eaton units carry XCP frames over USB.

Facts from NUT 2.8.0's drivers/bcmxcp_usb.c: the device has class 0 (per
interface); a request frame comes in one OUT control transfer, a standard
SET_DESCRIPTOR (0x00, 0x07, wValue 0x0304) on Powerware units (0592:0002),
a vendor request (0x42, 0x0d, 0) on the Phoenixtec-made ones (06da:0002,
HP 03f0:1f01 and 03f0:1f02); the reply blocks come back on the interrupt
endpoint 0x81. As the Powerware 3105 in NUT issue #769 does, the reply
streams: a read takes up to its length of what is waiting, across block
boundaries, and nothing (the read times out) while no reply waits. The
interface is vendor specific: no kernel driver binds.

The UPS behind it is tests/drivers/sim/bcmxcp_sim.XcpUps, the same object
the serial tests put on a pty.
"""

from __future__ import annotations

from typing import Any, Protocol

from tests.usblab.models import Endpoint, Interface, Setup, UsbError, UsbModel
from tests.usblab.wire import UsbStatus

__all__ = ["XcpUsbUps"]

_POWERWARE = (0x00, 0x07, 0x0304)
_PHOENIXTEC = (0x42, 0x0D, 0x0000)
_PHOENIXTEC_IDS = {(0x06DA, 0x0002), (0x03F0, 0x1F01), (0x03F0, 0x1F02)}


class XcpSide(Protocol):
    def answer(self, frame: bytes) -> bytes:
        """The reply blocks to one request frame (b"" for none)."""
        ...


class XcpUsbUps(UsbModel):
    """The UPS's USB side (see the module comment)."""

    def __init__(self, ups: XcpSide, vendor_id: int, product_id: int, **identity: Any) -> None:
        identity.setdefault("interfaces", (Interface(cls=0xFF, endpoints=(Endpoint(0x81),)),))
        identity.setdefault("kernel_driver", False)
        super().__init__(vendor_id, product_id, **identity)
        self.ups = ups
        self.method = _PHOENIXTEC if (vendor_id, product_id) in _PHOENIXTEC_IDS else _POWERWARE
        self.pending = b""

    def class_request(self, setup: Setup, data: bytes) -> bytes | int:
        if (setup.request_type, setup.request, setup.value) != self.method or setup.is_in:
            raise UsbError(UsbStatus.PIPE)
        self.pending = self.ups.answer(bytes(data))
        return len(data)

    def read(self, endpoint: int, length: int) -> bytes | None:
        if not self.pending:
            return None
        chunk, self.pending = self.pending[:length], self.pending[length:]
        return chunk

    def on_reset(self) -> None:
        self.pending = b""
