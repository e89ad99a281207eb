"""USB-to-serial bridges for the lab: a serial-side UPS simulator behind a USB chip.

Megatec/Q1 UPSes talk their serial protocol through a small USB chip; NUT's
nutdrv_qx and blazer_usb know each chip's way of carrying the bytes (their
"subdrivers"). A bridge model here is that chip: it takes the USB transfers a
driver makes, hands complete command lines to a :class:`SerialSide` (any object
with ``answer(line) -> reply``, such as tests/drivers/sim/megatec_sim.MegatecSim)
and carries the reply back the way the chip does. The transfers of each chip are
the ones NUT 2.8.0's drivers/nutdrv_qx.c and blazer_usb.c make (the real drivers
on the lab check the models: every byte they send and expect is in the record):

- :class:`CypressBridge` (``cypress``, and ``phoenix`` with other ids): the command
  in 8-byte HID SET_REPORTs (0x21 0x09 0x0200, zero padded), the reply in 8-byte
  interrupt IN reports on 0x81, zero padded after the CR; nothing to send: the read
  waits (times out);
- :class:`IpponBridge`: SET_REPORTs with wValue 0x0002; the whole reply in one
  64-byte report;
- :class:`SgsBridge`: each SET_REPORT and each report read carries a count byte and
  up to 7 bytes; the end of a reply is a read that times out;
- :class:`ArmacBridge`: 4-byte SET_REPORTs (0xa0 + count, 3 bytes); 6-byte reports
  whose first byte holds the count in its low nibble (0x80/0xc0 alternate, as the
  Vultech trace shows), a count of 0 after the reply, stale bytes after the count;
- :class:`FujiBridge`: an 8-byte interrupt OUT on endpoint 2 (0x80 0x06 count 0x03,
  the command without its CR, the reply length the host expects), the reply as
  cypress sends it;
- :class:`PhoenixtecBridge`: a vendor request 0x0d carries the command; the reply
  comes in one interrupt read;
- :class:`AblerexBridge`: a 47-byte feature SET_REPORT (id 5: 0x05 0x00 count,
  the command), the reply from a GET_REPORT of the same report (47 bytes).

The string-descriptor chips (krauler, fabula, hunnox, snr) are in string_bridges.py.
Identities come from the captures in ../shared/data/usb/Q1USB__* where one exists
(cypress: "Cypress Semiconductor"/"USB to Serial", release 0002, as blazer_usb
printed it for an Ippon); the HID report descriptors are synthetic (no capture has
one): a vendor page with 8-byte input, output and feature reports.
"""

from __future__ import annotations

from typing import Any, Protocol

from tests.usblab.hid import hid_interface
from tests.usblab.models import Endpoint, Interface, Setup, UsbError, UsbModel
from tests.usblab.wire import UsbStatus

__all__ = [
    "CYPRESS_REPORT_DESCRIPTOR", "AblerexBridge", "ArmacBridge", "CypressBridge", "FujiBridge",
    "IpponBridge", "LineBridge", "PhoenixtecBridge", "SerialSide", "SgsBridge",
]

#: synthetic (see the module comment): vendor page 0xFFA0, 8 bytes in, out and feature
CYPRESS_REPORT_DESCRIPTOR = bytes.fromhex(
    "06 a0 ff 09 01 a1 01 09 02 15 00 26 ff 00 75 08 95 08 81 02"
    " 09 03 91 02 09 04 b1 02 c0"
)
_SET_REPORT = (0x21, 0x09)


class SerialSide(Protocol):
    def answer(self, line: bytes) -> bytes:
        """The UPS's reply to one command line (CR included); b"" for none."""
        ...


class LineBridge(UsbModel):
    """A chip with a serial line behind it: bytes in until a CR, the UPS's reply queued.

    Subclasses say how the bytes travel on USB; ``identity`` takes UsbModel's fields
    (strings, bcd_device, interfaces ...)."""

    def __init__(self, ups: SerialSide, vendor_id: int, product_id: int, **identity: Any) -> None:
        identity.setdefault("interfaces", (hid_interface(len(CYPRESS_REPORT_DESCRIPTOR)),))
        super().__init__(vendor_id, product_id, **identity)
        self.ups = ups
        self.line = bytearray()  # command bytes not yet ended by a CR
        self.pending = bytearray()  # reply bytes not yet read

    def take(self, chunk: bytes) -> None:
        """Bytes for the serial line: a CR ends a command; a report ends at its first NUL
        (what a host leaves in its buffer after that is not sent on the line)."""
        for byte in chunk.split(b"\0", 1)[0]:
            self.line.append(byte)
            if byte == 0x0D:
                self.pending = bytearray(self.ups.answer(bytes(self.line)))
                self.line.clear()

    def next_bytes(self, count: int) -> bytes:
        chunk, self.pending = bytes(self.pending[:count]), self.pending[count:]
        return chunk

    def class_request(self, setup: Setup, data: bytes) -> bytes | int:
        if setup.kind == "standard" and setup.request == 0x06 and setup.value >> 8 == 0x22:
            return CYPRESS_REPORT_DESCRIPTOR
        return self.request(setup, data)

    def request(self, setup: Setup, data: bytes) -> bytes | int:
        """The chip's own control requests (default: none, a stall)."""
        raise UsbError(UsbStatus.PIPE)

    def on_reset(self) -> None:
        self.line.clear()
        self.pending.clear()


class CypressBridge(LineBridge):
    """The Cypress "USB to Serial" HID bridge (NUT's ``cypress`` and ``phoenix``)."""

    def __init__(self, ups: SerialSide, *, vendor_id: int = 0x0665, product_id: int = 0x5161,
                 **identity: Any) -> None:
        identity.setdefault("strings", {1: "Cypress Semiconductor", 2: "USB to Serial"})
        identity.setdefault("bcd_device", 0x0002)
        super().__init__(ups, vendor_id, product_id, **identity)

    report_value = 0x0200

    def request(self, setup: Setup, data: bytes) -> bytes | int:
        if (setup.request_type, setup.request) != _SET_REPORT or setup.value != self.report_value:
            raise UsbError(UsbStatus.PIPE)
        self.take(data)
        return len(data)

    def read(self, endpoint: int, length: int) -> bytes | None:
        """One 8-byte report of the reply; nothing (a timeout) when none is waiting."""
        if not self.pending:
            return None
        return self.next_bytes(8).ljust(8, b"\0")


class IpponBridge(CypressBridge):
    """Ippon's chip (06da:0003, Mustek Powermust): wValue 2, the reply in one 64-byte report."""

    report_value = 0x0002

    def __init__(self, ups: SerialSide, **identity: Any) -> None:
        identity.setdefault("strings", {})
        identity.setdefault("interfaces", (hid_interface(len(CYPRESS_REPORT_DESCRIPTOR),
                                                         max_packet=64),))
        super().__init__(ups, vendor_id=0x06DA, product_id=0x0003, **identity)

    def read(self, endpoint: int, length: int) -> bytes | None:
        if not self.pending:
            return None
        return self.next_bytes(64).ljust(64, b"\0")[:length]


class SgsBridge(LineBridge):
    """The SGS/ST chip of TS Shara units (0483:0035): a count byte before up to 7 bytes."""

    def __init__(self, ups: SerialSide, **identity: Any) -> None:
        identity.setdefault("strings", {1: "STMicroelectronics", 2: "TS Shara UPS"})
        super().__init__(ups, 0x0483, 0x0035, **identity)

    def request(self, setup: Setup, data: bytes) -> bytes | int:
        if (setup.request_type, setup.request, setup.value) != (*_SET_REPORT, 0x0200):
            raise UsbError(UsbStatus.PIPE)
        self.take(data[1:1 + min(data[0], 7)])
        return len(data)

    def read(self, endpoint: int, length: int) -> bytes | None:
        if not self.pending:
            return None  # how a reply ends: the host's read times out
        chunk = self.next_bytes(7)
        return (bytes([len(chunk)]) + chunk).ljust(8, b"\0")


class ArmacBridge(LineBridge):
    """The Richcomm-style chip of Armac/Vultech units (0925:1234)."""

    #: how many bytes each report carries, in turn (the chip trickles them)
    counts = (3, 2, 5)

    def __init__(self, ups: SerialSide, **identity: Any) -> None:
        identity.setdefault("strings", {})
        identity.setdefault("interfaces", (hid_interface(len(CYPRESS_REPORT_DESCRIPTOR)),))
        super().__init__(ups, 0x0925, 0x1234, **identity)
        self.turn = 0
        self.last = bytearray(5)  # a report's bytes past its count are what the last one had
        self.ending = False

    def request(self, setup: Setup, data: bytes) -> bytes | int:
        if (setup.request_type, setup.request, setup.value) != (*_SET_REPORT, 0x0200):
            raise UsbError(UsbStatus.PIPE)
        self.take(data[1:1 + ((data[0] - 0xA0) & 0x0F)])
        self.ending = bool(self.pending)
        return len(data)

    def read(self, endpoint: int, length: int) -> bytes | None:
        if not self.pending:
            if not self.ending:
                return None
            self.ending = False
            return bytes([0x80 | (0x40 if self.turn % 2 else 0)]) + bytes(self.last)
        chunk = self.next_bytes(self.counts[self.turn % len(self.counts)])
        self.last[:len(chunk)] = chunk
        self.turn += 1
        return bytes([(0xC0 if self.turn % 2 else 0x80) | len(chunk)]) + bytes(self.last)


class FujiBridge(CypressBridge):
    """Fuji's chip ("ATCL FOR UPS", 0001:0000): commands as interrupt OUT on endpoint 2."""

    def __init__(self, ups: SerialSide, **identity: Any) -> None:
        identity.setdefault("strings", {1: "ATCL FOR UPS", 2: "ATCL FOR UPS"})
        identity.setdefault("interfaces", (Interface(endpoints=(Endpoint(0x81), Endpoint(0x02))),))
        super().__init__(ups, vendor_id=0x0001, product_id=0x0000, **identity)
        self.expected: list[int] = []  # the reply lengths the host said it expects

    def request(self, setup: Setup, data: bytes) -> bytes | int:
        raise UsbError(UsbStatus.PIPE)

    def write(self, endpoint: int, data: bytes) -> int:
        if endpoint != 0x02 or data[:2] != b"\x80\x06" or data[3] != 0x03:
            raise UsbError(UsbStatus.PIPE)
        self.expected.append(data[7])
        self.take(data[4:4 + data[2] - 1] + b"\r")
        return len(data)


class PhoenixtecBridge(LineBridge):
    """The Masterguard A series cable ("Phoenixtec Power", "USB Cable (V2.00)", 06da:0002)."""

    def __init__(self, ups: SerialSide, **identity: Any) -> None:
        identity.setdefault("strings", {1: "Phoenixtec Power", 2: "USB Cable (V2.00)"})
        super().__init__(ups, 0x06DA, 0x0002, **identity)

    def request(self, setup: Setup, data: bytes) -> bytes | int:
        if (setup.request_type, setup.request) != (0x42, 0x0D):
            raise UsbError(UsbStatus.PIPE)
        self.take(data)
        return len(data)

    def read(self, endpoint: int, length: int) -> bytes | None:
        return self.next_bytes(length) if self.pending else None


class AblerexBridge(LineBridge):
    """Ablerex's chip (ffff:0000): feature report 5 both ways, 47 bytes."""

    def __init__(self, ups: SerialSide, **identity: Any) -> None:
        identity.setdefault("strings", {})
        super().__init__(ups, 0xFFFF, 0x0000, **identity)

    def request(self, setup: Setup, data: bytes) -> bytes | int:
        if (setup.request_type, setup.request, setup.value) == (*_SET_REPORT, 0x0305):
            self.pending.clear()
            self.take(data[3:3 + data[2]])
            return len(data)
        if (setup.request_type, setup.request, setup.value) == (0xA1, 0x01, 0x0305):
            return self.next_bytes(47).ljust(47, b"\0")[:setup.length]
        raise UsbError(UsbStatus.PIPE)
