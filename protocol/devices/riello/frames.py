"""Riello's two serial protocols on the wire, as NUT 2.8.0's riello.c frames and finds them.

GPSER (most units): a request is ``STX 0x20 0x22`` then two command letters,
a two-digit argument length, the arguments, a four-digit check and ``ETX``.
Numbers are written one hex digit per byte, each digit plus 0x30 (so 10-15
are ``:;<=>?``). The check covers everything between STX and the check: a
16-bit sum of the bytes, or, once the UPS said it uses error control (its
identification's byte 4), a CRC seeded with 0x554D. A reply has the same
shape; a NAK has 0x15 in its fourth byte.

SENTR (Sentinel/Sentry and older three-phase units): one request byte (192
identifies, 240 reads more, 176 with four more bytes reads the extended
block; commands are ``176 code lo hi sum``). A reply starts with the request
byte and its length (103, or 164 for the extended block) and ends with a
little-endian 16-bit sum (of the first 100 bytes only in a 103-byte reply).

:class:`PacketFinder` is NUT's byte-at-a-time finder: it keeps the last six
bytes seen, and, as NUT does, keeps a packet it was in the middle of from one
request to the next (only the byte count starts again per request).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

__all__ = [
    "BUFFER_SIZE",
    "SENTR_ALSO240",
    "SENTR_EXT176",
    "SENTR_ONLY192",
    "Packet",
    "PacketFinder",
    "Protocol",
    "gpser_check",
    "gpser_request",
    "hex_digits",
    "read_digits",
    "sentr_command",
    "sentr_request",
    "sentr_sum",
    "usb_packets",
    "usb_payload",
]

STX, ETX, NAK = 0x02, 0x03, 0x15
#: NUT keeps at most this many bytes of a reply
BUFFER_SIZE = 220
SENTR_EXT176, SENTR_ALSO240, SENTR_ONLY192 = 176, 240, 192
SENTR_SHORT, SENTR_LONG = 103, 164
_CRC_SEED = 0x554D


class Protocol(Enum):
    GPSER = "GPSER"
    SENTR = "SENTR"


def hex_digits(value: int, count: int) -> bytes:
    """``value`` as ``count`` digits, most significant first, each 0x30 + a nibble."""
    return bytes(0x30 + ((value >> (4 * i)) & 0x0F) for i in reversed(range(count)))


def read_digits(data: bytes | bytearray, start: int, count: int) -> int:
    """The number in ``count`` digits at ``start``, as NUT computes it (no check of the
    digits: a byte below 0x30 subtracts)."""
    total = 0
    for byte in data[start:start + count]:
        total = total * 16 + (byte - 0x30)
    return total


def gpser_check(body: bytes | bytearray, crc: bool) -> int:
    """The check of the bytes between STX and the check digits."""
    if not crc:
        return sum(body) & 0xFFFF
    word = _CRC_SEED
    for byte in body:
        mixed = (word ^ byte) & 0xFF
        mixed = (mixed ^ (mixed << 4)) & 0xFF
        mixed = mixed << 8
        mixed ^= mixed << 3
        mixed &= 0xFFFF
        mixed ^= mixed >> 4
        word = ((word >> 8) ^ mixed) & 0xFFFF
    return word


def gpser_request(command: str, args: bytes = b"", *, crc: bool = False) -> bytes:
    """One GPSER request frame (the identification request is always summed)."""
    head = bytes([STX, 0x20, 0x22]) + command.encode("ascii") + hex_digits(len(args), 2) + args
    return head + hex_digits(gpser_check(head[1:], crc), 4) + bytes([ETX])


def sentr_sum(data: bytes | bytearray) -> int:
    """The 16-bit sum a SENTR packet ends with, over what NUT adds up."""
    body = data[:-2]
    if len(body) == 101:  # NUT leaves the 101st byte of a short reply out
        body = body[:100]
    return sum(body) & 0xFFFF


def sentr_request(kind: int) -> bytes:
    """The SENTR read request NUT sends for ``kind`` (192, 240 or 176)."""
    if kind == SENTR_EXT176:
        return bytes([SENTR_EXT176, 103, 1, 0, 24])
    return bytes([kind])


def sentr_command(code: int, delay: int = 0) -> bytes:
    """A SENTR command: 176, its code, the delay (little endian), their 8-bit sum."""
    body = bytes([SENTR_EXT176, code, delay & 0xFF, (delay >> 8) & 0xFF])
    return body + bytes([sum(body) & 0xFF])


def usb_packets(request: bytes) -> list[bytes]:
    """riello_usb's 8-byte bulk packets of ``request``: whole sevens behind 0x37 ('7'), then
    the rest behind '0' + its length, padded with '0' characters."""
    packets = [b"7" + request[at:at + 7] for at in range(0, len(request) - 6, 7)]
    rest = len(request) % 7
    if rest:
        packets.append(bytes([0x30 + rest]) + request[-rest:].ljust(7, b"0"))
    return packets


def usb_payload(packet: bytes) -> bytes:
    """The bytes a bulk packet from the unit carries: as many as its first byte's low
    three bits say."""
    if not packet:
        return b""
    return packet[1:1 + (packet[0] & 0x07)]


@dataclass(frozen=True, slots=True)
class Packet:
    """A reply as NUT found it: its bytes, and whether it is a NAK or fails its check."""

    data: bytes
    nak: bool
    bad_check: bool

    @property
    def ok(self) -> bool:
        return not self.nak and not self.bad_check


class PacketFinder:
    """NUT's riello_parse_serialport, fed one byte at a time (see the module comment)."""

    def __init__(self) -> None:
        self.window = [0] * 6
        self.in_packet = False
        #: NUT's bufIn: what a parser reads, even when the request got no reply
        self.buffer = bytearray(BUFFER_SIZE)
        self.count = 0
        self.length = 0

    def start(self) -> None:
        """A new request: the byte count starts again (a packet begun stays open)."""
        self.count = 0

    def feed(self, protocol: Protocol, byte: int, crc: bool) -> Packet | None:
        """One byte; the packet it completes, if any."""
        self.window = self.window[1:] + [byte]
        if self._header(protocol) and not self.in_packet:
            self.in_packet = True
            self.buffer = bytearray(BUFFER_SIZE)
            self.buffer[0] = self.window[4]
            self.count = 1
        if self.in_packet and self.count < BUFFER_SIZE:
            self.buffer[self.count] = byte
            self.count += 1
        if not (self.in_packet and self._tail(protocol)):
            return None
        self.in_packet = False
        self.window = [0] * 6
        data = bytes(self.buffer[:self.count])
        if protocol is Protocol.SENTR:
            bad = len(data) < 2 or sentr_sum(data) != data[-2] + 256 * data[-1]
            return Packet(data, nak=False, bad_check=bad)
        return Packet(data, nak=self.buffer[3] == NAK, bad_check=not _gpser_ok(data, crc))

    def _header(self, protocol: Protocol) -> bool:
        before, last = self.window[4], self.window[5]
        if protocol is Protocol.SENTR:
            if (before >= SENTR_ONLY192 and last == SENTR_SHORT) or (
                    before == SENTR_EXT176 and last == SENTR_LONG):
                self.length = last
                return True
            return False
        return self.count == 0 and last > 0x20 and before == STX

    def _tail(self, protocol: Protocol) -> bool:
        if protocol is Protocol.SENTR:
            return self.count >= self.length
        return self.window[5] == ETX


def _gpser_ok(data: bytes, crc: bool) -> bool:
    if len(data) < 6:
        return False
    said = read_digits(data, len(data) - 5, 4) & 0xFFFF
    return said == gpser_check(data[1:len(data) - 5], crc)
