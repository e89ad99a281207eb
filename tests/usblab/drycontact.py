"""Dry-contact USB interfaces on the lab's bus: Richcomm's adapter (0925:1234) and an
'ATCL FOR UPS' unit (0001:0000), with their contacts as plain fields.

Facts from NUT 2.8.0's richcomm_usb.c and nutdrv_atcl_usb.c (the byte layouts are
protocol/devices/drycontact/); the identities from the library's dumps: Digitus
DN-170014 and StarPower PCF-800VA (richcomm_usb: product "UPS USB MON V1.4", no serial
string) and Kanji 800 VA (nutdrv_atcl_usb: "ATCL FOR UPS" for manufacturer and product).
``received`` keeps every packet the unit got (queries and shutdown packets).
"""

from __future__ import annotations

from nutrio.protocol.devices.drycontact import atcl, richcomm
from tests.usblab.calls import Call
from tests.usblab.models import Endpoint, Interface, Setup, UsbError, UsbModel
from tests.usblab.wire import UsbStatus

__all__ = ["AtclUnit", "RichcommUnit", "bystander", "data_transfers"]

#: product string of both richcomm_usb dumps
RICHCOMM_PRODUCT = "UPS USB MON V1.4"


class Contacts(UsbModel):
    """A unit whose state is two contacts: mains present and battery low."""

    def __init__(self, vendor: int, product: int, **identity: object) -> None:
        super().__init__(vendor, product, **identity)  # type: ignore[arg-type]
        self.online = True
        self.battery_low = False
        self.received: list[bytes] = []

    def on_battery(self) -> None:
        self.online = False

    def low_battery(self) -> None:
        self.battery_low = True

    def on_line(self) -> None:
        self.online, self.battery_low = True, False


class RichcommUnit(Contacts):
    """Answers each 4-byte query (a class control transfer) with one 6-byte interrupt
    packet; shutdown packets get the same answer. ``short``: only its first 2 bytes."""

    def __init__(self, **identity: object) -> None:
        identity.setdefault("strings", {2: RICHCOMM_PRODUCT})
        identity.setdefault("interfaces", (Interface(endpoints=(Endpoint(0x81),)),))
        super().__init__(*richcomm.USB_ID, **identity)
        self.pending: bytes | None = None
        self.short = False

    def class_request(self, setup: Setup, data: bytes) -> bytes | int:
        if (setup.request_type, setup.request, setup.value) != (0x21, 0x09, 0x200):
            raise UsbError(UsbStatus.PIPE)
        self.received.append(bytes(data))
        self.pending = richcomm.reply(online=self.online, battery_low=self.battery_low)
        return len(data)

    def read(self, endpoint: int, length: int) -> bytes | None:
        data, self.pending = self.pending, None
        if data is None:
            return None
        return data[:2] if self.short else data[:length]

    def on_reset(self) -> None:
        self.pending = None

    def commands(self) -> list[bytes]:
        return [p for p in self.received if p != richcomm.QUERY]


class AtclUnit(Contacts):
    """Sends its 8-byte state on 0x81 whenever asked; takes shutdown packets on 0x02.
    ``state`` overrides the state byte (garbage, an unknown state)."""

    def __init__(self, **identity: object) -> None:
        identity.setdefault("strings", {1: atcl.VENDOR, 2: atcl.VENDOR})
        identity.setdefault("interfaces", (Interface(endpoints=(Endpoint(0x81), Endpoint(0x02))),))
        super().__init__(*atcl.USB_ID, **identity)
        self.state: int | None = None
        self.padding = bytes(7)

    def read(self, endpoint: int, length: int) -> bytes | None:
        byte = self.state
        if byte is None:
            byte = (2 if self.battery_low else 1) if not self.online else 3
        return (bytes([byte]) + self.padding)[:length]

    def write(self, endpoint: int, data: bytes) -> int:
        self.received.append(bytes(data))
        return len(data)

    def commands(self) -> list[bytes]:
        return list(self.received)


def bystander() -> UsbModel:
    """Another device on the bus (a keyboard's ids), so a bus never looks empty: NUT's
    dry-contact drivers exit when the device list is empty, which a real host never
    shows (its root hubs are always listed)."""
    return UsbModel(0x046D, 0xC31C, strings={1: "Logitech", 2: "USB Keyboard"})


def data_transfers(calls: list[Call], count: int, device: str | None = None
                   ) -> list[tuple[object, ...]]:
    """The first ``count`` transfers that carry the protocol (interrupt transfers and
    class control requests; the descriptor reads of each USB stack differ), on the wire."""
    return [c.wire() for c in calls if (device is None or c.device == device) and (
        c.op == "interrupt" or (c.setup is not None and c.setup.kind == "class"))][:count]
