"""SHUT (Serial HID UPS Transfer), Eaton/MGE's HID over a serial line, as NUT 2.8.0's
libshut.c (0.86, under mge-shut) speaks it.

How it works: the line runs at 2400 baud, 8N1, DTR low and RTS high. The host
first sends a sync byte (0x18 asks for no notifications, 0x17 some, 0x16 all)
and the UPS echoes it. Then each USB control transfer of the HID layer
(descriptors, strings, GET_REPORT, SET_REPORT) travels as packets:

    type | length | 1..8 data bytes | checksum (XOR of the data)

``type`` is 0x01 for a request, 0x04 for a response, 0x05 for a notification,
plus 0x80 on the last packet of a transfer; ``length`` holds the data length
in both nibbles (0x88 for 8). A request carries the 8-byte SETUP packet of the
control transfer (little endian, as on USB); a SET_REPORT sends it unmarked,
then the report. Every packet is answered with ACK (0x06) or NAK (0x15, send it
again). A GET's data comes back in response packets of 8 bytes, the host
acknowledging each, the last one marked. Pure: bytes in, bytes and values out.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ACK",
    "DESCRIPTOR_DEVICE",
    "DESCRIPTOR_HID",
    "DESCRIPTOR_REPORT",
    "DESCRIPTOR_STRING",
    "LAST",
    "NAK",
    "NOTIFY",
    "REQUEST",
    "RESPONSE",
    "SYNC",
    "SYNC_LIGHT",
    "SYNC_OFF",
    "DeviceDescriptor",
    "Setup",
    "checksum",
    "data_length",
    "packet",
    "request_packets",
    "string_text",
]

REQUEST, RESPONSE, NOTIFY = 0x01, 0x04, 0x05
LAST = 0x80
ACK, NAK = 0x06, 0x15
SYNC, SYNC_LIGHT, SYNC_OFF = 0x16, 0x17, 0x18
DESCRIPTOR_DEVICE, DESCRIPTOR_STRING, DESCRIPTOR_HID, DESCRIPTOR_REPORT = 0x01, 0x03, 0x21, 0x22
_MAX_DATA = 8


def checksum(data: bytes) -> int:
    value = 0
    for byte in data:
        value ^= byte
    return value


def packet(kind: int, data: bytes, *, last: bool) -> bytes:
    """One packet: type (with LAST), length in both nibbles, data, checksum."""
    if not 1 <= len(data) <= _MAX_DATA:
        raise ValueError(f"a SHUT packet carries 1 to 8 bytes, not {len(data)}")
    size = len(data)
    return bytes([kind | (LAST if last else 0), size << 4 | size]) + data + bytes([checksum(data)])


def data_length(length_byte: int) -> int | None:
    """The data length a packet's second byte announces; None if it is no length byte
    (the nibbles differ, or more than 8: NUT then drops the packet)."""
    size = length_byte & 0x0F
    if length_byte >> 4 != size or size > _MAX_DATA:
        return None
    return size


@dataclass(frozen=True, slots=True)
class Setup:
    """A control transfer's SETUP packet (USB 2.0 section 9.3)."""

    request_type: int
    request: int
    value: int
    index: int
    length: int

    def pack(self) -> bytes:
        return (bytes([self.request_type, self.request]) + self.value.to_bytes(2, "little")
                + self.index.to_bytes(2, "little") + self.length.to_bytes(2, "little"))

    @classmethod
    def unpack(cls, data: bytes) -> Setup:
        return cls(data[0], data[1], int.from_bytes(data[2:4], "little"),
                   int.from_bytes(data[4:6], "little"), int.from_bytes(data[6:8], "little"))

    @classmethod
    def get_descriptor(cls, kind: int, index: int, length: int) -> Setup:
        """libshut asks HID class descriptors of the interface (0x81), the rest of the
        device (0x80)."""
        request_type = 0x81 if kind >= DESCRIPTOR_HID else 0x80
        return cls(request_type, 0x06, kind << 8 | index, 0, length)

    @classmethod
    def get_report(cls, report_id: int, length: int) -> Setup:
        return cls(0xA1, 0x01, 0x0300 | report_id, 0, length)  # a feature report

    @classmethod
    def set_report(cls, report_id: int, length: int) -> Setup:
        return cls(0x21, 0x09, 0x0300 | report_id, 0, length)

    @property
    def is_set(self) -> bool:
        return self.request_type == 0x21


def request_packets(setup: Setup, data: bytes = b"") -> list[bytes]:
    """The packets of one control transfer, in order (each waits for its ACK).

    A SET_REPORT's report follows its SETUP packet; NUT 2.8.0 sends a report of up
    to 7 bytes whole in one packet, and for 8 bytes and more sends the SETUP packet
    again in its place (a bug that garbles the write): nutrio sends the report in
    8-byte packets instead.
    """
    if not setup.is_set:
        return [packet(REQUEST, setup.pack(), last=True)]
    out = [packet(REQUEST, setup.pack(), last=False)]
    chunks = [data[i:i + _MAX_DATA] for i in range(0, len(data), _MAX_DATA)]
    for number, chunk in enumerate(chunks):
        out.append(packet(REQUEST, chunk, last=number == len(chunks) - 1))
    return out


@dataclass(frozen=True, slots=True)
class DeviceDescriptor:
    """The fields of the USB device descriptor libshut keeps."""

    vendor_id: int
    product_id: int
    release: int
    manufacturer_index: int
    product_index: int
    serial_index: int

    @classmethod
    def parse(cls, data: bytes) -> DeviceDescriptor | None:
        """None when too short (NUT wants at least 9 bytes; the ids need 14, the
        string indexes 17: what is missing reads as 0)."""
        if len(data) < 9:
            return None
        data = data.ljust(18, b"\0")
        return cls(int.from_bytes(data[8:10], "little"), int.from_bytes(data[10:12], "little"),
                   int.from_bytes(data[12:14], "little"), data[14], data[15], data[16])


def string_text(data: bytes, size: int) -> str | None:
    """shut_get_string_simple: a string descriptor's text for a ``size``-byte buffer.

    None (NUT's error) when it is not a string descriptor or says it is longer than
    what came; a character outside Latin-1's first 256 reads as "?".
    """
    if len(data) < 2 or data[1] != DESCRIPTOR_STRING or data[0] > len(data):
        return None
    out: list[str] = []
    for i in range(2, data[0], 2):
        if len(out) >= size - 1:
            break
        high = data[i + 1] if i + 1 < len(data) else 0
        out.append("?" if high else chr(data[i]))
    return "".join(out)
