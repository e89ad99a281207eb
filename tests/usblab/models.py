"""Simulated USB devices for the lab: descriptors are data, transfers are small methods.

A model is a :class:`UsbModel` (or a subclass). Its identity (ids, strings,
release number) and its configuration descriptor are plain data; the lab
answers the standard requests from them (GET_DESCRIPTOR for the device,
configuration and string descriptors, GET_STATUS, SET_CONFIGURATION ...), so a
subclass only writes what its device class adds:

- :meth:`UsbModel.class_request` for class and vendor control transfers;
- :meth:`UsbModel.read` for interrupt/bulk IN (``None`` means "nothing yet":
  the lab waits, polling the model, until data comes or the transfer times out);
- :meth:`UsbModel.write` for interrupt/bulk OUT;
- :meth:`UsbModel.on_reset` for a port reset.

Models raise :class:`UsbError` to answer with a libusb error (``UsbStatus.PIPE``
is a stall). The lab calls them from its connection threads under one lock, so
a model never runs twice at once; tests may change a model's plain fields at
any time.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tests.usblab.wire import UsbStatus

__all__ = [
    "Endpoint", "Interface", "Setup", "UsbError", "UsbModel", "config_descriptor",
    "string_descriptor",
]

GET_STATUS, CLEAR_FEATURE, SET_FEATURE = 0x00, 0x01, 0x03
GET_DESCRIPTOR, GET_CONFIGURATION, SET_CONFIGURATION = 0x06, 0x08, 0x09
GET_INTERFACE, SET_INTERFACE = 0x0A, 0x0B
DT_DEVICE, DT_CONFIG, DT_STRING, DT_INTERFACE, DT_ENDPOINT = 1, 2, 3, 4, 5
LANG_EN_US = 0x0409


class UsbError(Exception):
    """A model's answer that is a libusb error (PIPE = the device stalled)."""

    def __init__(self, status: UsbStatus) -> None:
        super().__init__(status.name)
        self.status = status


@dataclass(frozen=True, slots=True)
class Setup:
    """The SETUP packet of a control transfer."""

    request_type: int
    request: int
    value: int
    index: int
    length: int

    @property
    def is_in(self) -> bool:
        return bool(self.request_type & 0x80)

    @property
    def kind(self) -> str:
        """standard, class, vendor or reserved (bits 5-6 of bmRequestType)."""
        return ("standard", "class", "vendor", "reserved")[(self.request_type >> 5) & 3]

    @property
    def recipient(self) -> int:
        """0 device, 1 interface, 2 endpoint, 3 other."""
        return self.request_type & 0x1F

    def __str__(self) -> str:
        return (f"{self.request_type:02x} {self.request:02x} {self.value:04x} "
                f"{self.index:04x} {self.length}")


@dataclass(frozen=True)
class Endpoint:
    address: int  # 0x81 = IN 1
    attributes: int = 3  # interrupt
    max_packet: int = 8
    interval: int = 10

    def descriptor(self) -> bytes:
        return bytes([7, DT_ENDPOINT, self.address, self.attributes,
                      self.max_packet & 0xFF, self.max_packet >> 8, self.interval])


@dataclass(frozen=True)
class Interface:
    number: int = 0
    alternate: int = 0
    cls: int = 3  # HID
    subclass: int = 0
    protocol: int = 0
    string: int = 0
    extra: bytes = b""  # class descriptors after the interface (the HID descriptor)
    endpoints: tuple[Endpoint, ...] = (Endpoint(0x81),)

    def descriptor(self) -> bytes:
        head = bytes([9, DT_INTERFACE, self.number, self.alternate, len(self.endpoints),
                      self.cls, self.subclass, self.protocol, self.string])
        return head + self.extra + b"".join(e.descriptor() for e in self.endpoints)


def config_descriptor(*interfaces: Interface, value: int = 1, attributes: int = 0xA0,
                      max_power: int = 50) -> bytes:
    """A whole configuration descriptor (what GET_DESCRIPTOR(config) returns)."""
    body = b"".join(i.descriptor() for i in interfaces)
    count = len({i.number for i in interfaces})
    total = 9 + len(body)
    return bytes([9, DT_CONFIG, total & 0xFF, total >> 8, count, value, 0, attributes,
                  max_power]) + body


def string_descriptor(text: str) -> bytes:
    body = text.encode("utf-16-le")
    return bytes([len(body) + 2, DT_STRING]) + body


@dataclass
class UsbModel:
    """A USB device that answers the standard requests; subclass it for a device class."""

    vendor_id: int
    product_id: int
    strings: dict[int, str] = field(default_factory=dict)
    manufacturer_index: int = 1
    product_index: int = 2
    serial_index: int = 3
    bcd_device: int = 0x0100
    bcd_usb: int = 0x0110
    max_packet0: int = 8
    speed: int = 2  # LIBUSB_SPEED_FULL
    langids: tuple[int, ...] = (LANG_EN_US,)
    interfaces: tuple[Interface, ...] = (Interface(),)
    #: the configuration value SET_CONFIGURATION chose (1 once the host configured it)
    configuration: int = 1
    #: "kernel driver bound" per interface: usbhid holds HID devices until detached
    kernel_driver: bool = True

    # -- descriptors -------------------------------------------------------------------

    def device_descriptor(self) -> bytes:
        def index(i: int) -> int:
            return i if i in self.strings else 0

        return bytes([18, DT_DEVICE, self.bcd_usb & 0xFF, self.bcd_usb >> 8, 0, 0, 0,
                      self.max_packet0, self.vendor_id & 0xFF, self.vendor_id >> 8,
                      self.product_id & 0xFF, self.product_id >> 8, self.bcd_device & 0xFF,
                      self.bcd_device >> 8, index(self.manufacturer_index),
                      index(self.product_index), index(self.serial_index), 1])

    def config_descriptors(self) -> list[bytes]:
        return [config_descriptor(*self.interfaces)]

    def string(self, index: int, langid: int) -> bytes:
        """GET_DESCRIPTOR(String): the language table at 0, else the text (stall if none)."""
        if index == 0:
            body = b"".join(lang.to_bytes(2, "little") for lang in self.langids)
            return bytes([len(body) + 2, DT_STRING]) + body
        if index not in self.strings:
            raise UsbError(UsbStatus.PIPE)
        return string_descriptor(self.strings[index])

    # -- transfers ---------------------------------------------------------------------

    def control(self, setup: Setup, data: bytes) -> bytes | int:
        """One control transfer: the bytes sent back (IN) or the count taken (OUT)."""
        if setup.kind == "standard":
            return self.standard_request(setup, data)
        return self.class_request(setup, data)

    def standard_request(self, setup: Setup, data: bytes) -> bytes | int:
        kind, index = setup.value >> 8, setup.value & 0xFF
        match setup.request:
            case 0x06 if kind == DT_DEVICE:
                return self.device_descriptor()
            case 0x06 if kind == DT_CONFIG:
                configs = self.config_descriptors()
                if index >= len(configs):
                    raise UsbError(UsbStatus.PIPE)
                return configs[index]
            case 0x06 if kind == DT_STRING:
                return self.string(index, setup.index)
            case 0x00:
                return b"\0\0"
            case 0x08:
                return bytes([self.configuration])
            case 0x09:
                self.configuration = setup.value
                return 0
            case 0x0A:
                return b"\0"
            case 0x01 | 0x03 | 0x0B:
                return 0
        return self.class_request(setup, data)

    def class_request(self, setup: Setup, data: bytes) -> bytes | int:
        """Class and vendor requests, and standard ones the base does not know: stall."""
        raise UsbError(UsbStatus.PIPE)

    def read(self, endpoint: int, length: int) -> bytes | None:
        """Interrupt/bulk IN: bytes now, or None while the device has nothing to send."""
        return None

    def write(self, endpoint: int, data: bytes) -> int:
        """Interrupt/bulk OUT: how many bytes the device took."""
        return len(data)

    def on_reset(self) -> None:
        """A port reset (libusb_reset_device): forget half-done exchanges."""
