"""USB-to-serial bridges for the lab: a serial-side UPS simulator behind a USB chip.

Megatec/Q1 UPSes talk their serial protocol through a small USB chip; NUT's
nutdrv_qx and blazer_usb know each chip's way of carrying the bytes (their
"subdrivers"). A bridge model here is that chip: it takes the USB transfers a
driver makes, hands complete command lines to a :class:`SerialSide` (any object
with ``answer(line) -> reply``, such as tests/drivers/sim/megatec_sim.MegatecSim)
and carries the reply back the way the chip does.

Only the ``cypress`` bridge is here yet (the later helper adds the others beside
it). Facts from NUT 2.8.0's drivers/nutdrv_qx.c (cypress_command) and
blazer_usb.c: the command goes out in 8-byte HID SET_REPORT control transfers
(bmRequestType 0x21, bRequest 0x09, wValue 0x0200, wIndex 0, zero padded) and
the reply comes back in 8-byte interrupt IN reads on endpoint 0x81 until one
holds the CR. The chip's identity (0665:5161, "Cypress Semiconductor", "USB to
Serial", release 0002) is the one blazer_usb printed in
../shared/data/usb/Q1USB__Ippon__unknown_model__0665-5161.log.txt. Its report
descriptor is not in any capture we have: the one here is a synthetic vendor
page with 8-byte input, output and feature reports.
"""

from __future__ import annotations

from typing import Any, Protocol

from tests.usblab.hid import hid_interface
from tests.usblab.models import Setup, UsbError, UsbModel
from tests.usblab.wire import UsbStatus

__all__ = ["CYPRESS_REPORT_DESCRIPTOR", "CypressBridge", "SerialSide"]

#: synthetic (see the module comment): vendor page 0xFFA0, 8 bytes in, out and feature
CYPRESS_REPORT_DESCRIPTOR = bytes.fromhex(
    "06 a0 ff 09 01 a1 01 09 02 15 00 26 ff 00 75 08 95 08 81 02"
    " 09 03 91 02 09 04 b1 02 c0"
)


class SerialSide(Protocol):
    def answer(self, line: bytes) -> bytes:
        """The UPS's reply to one command line (CR included); b"" for none."""
        ...


class CypressBridge(UsbModel):
    """The Cypress "USB to Serial" HID bridge (NUT's ``cypress`` subdriver)."""

    def __init__(self, ups: SerialSide, *, vendor_id: int = 0x0665, product_id: int = 0x5161,
                 **identity: Any) -> None:
        identity.setdefault("strings", {1: "Cypress Semiconductor", 2: "USB to Serial"})
        identity.setdefault("bcd_device", 0x0002)
        identity.setdefault("interfaces", (hid_interface(len(CYPRESS_REPORT_DESCRIPTOR)),))
        super().__init__(vendor_id, product_id, **identity)
        self.ups = ups
        self.line = bytearray()  # command bytes not yet ended by a CR
        self.pending = bytearray()  # reply bytes not yet read

    def class_request(self, setup: Setup, data: bytes) -> bytes | int:
        if setup.kind == "standard" and setup.request == 0x06 and setup.value >> 8 == 0x22:
            return CYPRESS_REPORT_DESCRIPTOR
        if (setup.request_type, setup.request, setup.value) != (0x21, 0x09, 0x0200):
            raise UsbError(UsbStatus.PIPE)
        self.take(data)
        return len(data)

    def take(self, chunk: bytes) -> None:
        """Bytes for the serial line: a CR ends a command, the zero padding is dropped."""
        for byte in chunk:
            if byte == 0:
                continue
            self.line.append(byte)
            if byte == 0x0D:
                self.pending = bytearray(self.ups.answer(bytes(self.line)))
                self.line.clear()

    def read(self, endpoint: int, length: int) -> bytes | None:
        """One 8-byte report of the reply; nothing (a timeout) when none is waiting."""
        if not self.pending:
            return None
        chunk, self.pending = bytes(self.pending[:8]), self.pending[8:]
        return chunk.ljust(8, b"\0")

    def on_reset(self) -> None:
        self.line.clear()
        self.pending.clear()
