"""A Riello GPSER unit on the lab's USB bus, behind its Cypress bridge (04b4:5500).

Facts from NUT 2.8.0's drivers/riello_usb.c: the driver sends the bridge a feature
report (SET_REPORT 0x0300: 0xB0 0x04 0x00 0x00 0x03), then each GPSER request in 8-byte
packets on the interrupt endpoint 2 (NUT's libusb-1.0 layer turns its bulk calls into
interrupt transfers) (``'7'`` + seven bytes, the rest behind ``'0'`` + its
count); the reply comes in 8-byte reads on 0x81, the low three bits of the first
byte saying how many of the next seven carry data. The unit's answers are those of the
serial simulator (tests/drivers/sim/riello_sim.py), shaped after the library's
riello_usb dumps: IPG 600 (:data:`IPG600`: no runtime, bypass or temperature: all ones),
VSD3000 (:data:`VSD3000`) and iDialog 800 (:data:`IDIALOG800`: never answers ``RE``).
It is HID class, as the bridge is (NUT's USB open reads the HID descriptors).
``features`` keeps the feature reports; ``ups.received`` every request.
"""

from __future__ import annotations

from sim.riello_sim import GpserUnit, GpserUps

from tests.usblab.bridges import CYPRESS_REPORT_DESCRIPTOR
from tests.usblab.hid import DT_HID, DT_REPORT, hid_class_descriptor
from tests.usblab.models import Endpoint, Interface, Setup, UsbError, UsbModel
from tests.usblab.wire import UsbStatus

__all__ = ["IDIALOG800", "IPG600", "UNITS", "VSD3000", "RielloUsbUps", "usb_ups"]

VENDOR, PRODUCT = 0x04B4, 0x5500
ALL_ONES = 0xFFF

IPG600 = GpserUnit(
    serial=b"", model=b"USV5", version=b"SWM036-01-02", ident=b"100000010000",
    nominal=(600, 360, 12, 5, 230, 500),
    readings=(501, 235, 501, 233, 0, ALL_ONES, ALL_ONES, 135, 0xFF, ALL_ONES, 0xFF),
    status=(8, 0, 0, 0, 0), extended=(0,) * 9, pad=b"\0")
VSD3000 = GpserUnit(
    serial=b" " * 16, model=b"ULC3", version=b"SWM047-00-07", ident=b"100000060000",
    nominal=(3000, 2700, 72, 9, 230, 500),
    readings=(500, 231, 500, 231, 10, 500, 231, 820, 100, 117, 47),
    status=(8, 0, 0, 0, 0), extended=(3, 0, 0, 250, 0, 0, 300, 0, 0))
IDIALOG800 = GpserUnit(
    serial=b"", model=b"UNV1", version=b"SWM038-01-00", ident=b"100010010000",
    nominal=(800, 480, 12, 7, 230, 500),
    readings=(501, 232, 501, 233, 0, ALL_ONES, ALL_ONES, 137, 0xFF, ALL_ONES, 0xFF),
    status=(8, 0, 4, 0, 0), pad=b"\0")
#: name -> (unit, requests it never answers)
UNITS = {"ipg600": (IPG600, frozenset()), "vsd3000": (VSD3000, frozenset()),
         "idialog800": (IDIALOG800, frozenset({b"RE"}))}


def usb_ups(name: str) -> GpserUps:
    unit, unanswered = UNITS[name]
    return GpserUps(unit, unanswered=unanswered)


class RielloUsbUps(UsbModel):
    """The bridge and its unit (see the module comment)."""

    def __init__(self, ups: GpserUps, **identity: object) -> None:
        identity.setdefault("strings", {1: "Cypress Semiconductor", 2: "USB to Serial"})
        identity.setdefault("interfaces", (Interface(
            extra=hid_class_descriptor(len(CYPRESS_REPORT_DESCRIPTOR)), endpoints=(
            Endpoint(0x81), Endpoint(0x02))),))
        super().__init__(VENDOR, PRODUCT, **identity)  # type: ignore[arg-type]
        self.ups = ups
        self.request = b""
        self.pending = b""
        self.features: list[bytes] = []

    def class_request(self, setup: Setup, data: bytes) -> bytes | int:
        if setup.kind == "standard" and setup.request == 0x06:  # NUT's open reads these
            if setup.value >> 8 == DT_REPORT:
                return CYPRESS_REPORT_DESCRIPTOR
            if setup.value >> 8 == DT_HID:
                return hid_class_descriptor(len(CYPRESS_REPORT_DESCRIPTOR))
        if (setup.request_type, setup.request, setup.value) != (0x21, 0x09, 0x0300):
            raise UsbError(UsbStatus.PIPE)
        self.features.append(bytes(data))
        return len(data)

    def write(self, endpoint: int, data: bytes) -> int:
        count = 7 if data[:1] == b"7" else data[0] - 0x30
        self.request += bytes(data[1:1 + max(0, min(count, 7))])
        if self.request.endswith(b"\x03"):
            start = self.request.rfind(b"\x02")
            reply = self.ups.answer(self.request[max(start, 0):])
            self.request = b""
            if not self.ups.silent:
                self.pending += reply
        return len(data)

    def read(self, endpoint: int, length: int) -> bytes | None:
        if not self.pending:
            return None
        chunk, self.pending = self.pending[:7], self.pending[7:]
        return (bytes([len(chunk)]) + chunk).ljust(8, b"\0")[:length]

    def on_reset(self) -> None:
        self.request = self.pending = b""
