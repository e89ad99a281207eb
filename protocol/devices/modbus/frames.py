"""Modbus client frames: the subset apc_modbus uses, on its three transports.

Two functions only: read holding registers (0x03) and write multiple registers
(0x10). A request is a PDU (function code and data) wrapped for its transport:

- ``TCP``: the MBAP header (transaction id, protocol 0, length, unit id) first;
- ``RTU``: serial line, the unit (slave) id first and a CRC-16 (low byte first) last;
- ``USB``: APC's Modbus over USB HID: RTU without the CRC (the HID layer checks).

Replies are read the way libmodbus reads them (NUT's apc_modbus links it): the
header and function code first, then what the function says follows
(:func:`reply_length` tells how long the whole frame is once enough of it is
there), then :func:`parse_reply` checks it against the request (CRC, unit,
transaction, function, register count) and returns the registers, or raises
:class:`ModbusException` (the device refused) or :class:`BadReply` (garbage).
Pure: bytes in, values out.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "MAX_READ",
    "READ_HOLDING",
    "WRITE_MULTIPLE",
    "BadReply",
    "ModbusError",
    "ModbusException",
    "ReadRequest",
    "Transport",
    "WriteRequest",
    "crc16",
    "frame",
    "parse_reply",
    "reply_length",
]

READ_HOLDING = 0x03
WRITE_MULTIPLE = 0x10
#: the most registers one read may ask for (Modbus application protocol 6.3)
MAX_READ = 125
_MAX_WRITE = 123

#: Modbus exception codes (application protocol section 7)
_EXCEPTIONS = {
    1: "illegal function", 2: "illegal data address", 3: "illegal data value",
    4: "server device failure", 5: "acknowledge", 6: "server device busy",
    8: "memory parity error", 10: "gateway path unavailable",
    11: "gateway target device failed to respond",
}


class Transport(StrEnum):
    TCP = "tcp"
    RTU = "serial"
    USB = "usb"


class ModbusError(Exception):
    """A Modbus exchange that gave no registers."""


class ModbusException(ModbusError):
    """The device answered with an exception code."""

    def __init__(self, function: int, code: int) -> None:
        self.function = function
        self.code = code
        super().__init__(f"exception {code} ({_EXCEPTIONS.get(code, 'unknown')}) "
                         f"to function 0x{function:02x}")


class BadReply(ModbusError):
    """A reply that is not the answer to the request (libmodbus's EMBBADDATA,
    EMBBADCRC, EMBBADSLAVE)."""


@dataclass(frozen=True, slots=True)
class ReadRequest:
    """Read ``count`` holding registers from ``address``."""

    address: int
    count: int

    def __post_init__(self) -> None:
        if not (0 <= self.address <= 0xFFFF and 1 <= self.count <= MAX_READ):
            raise ValueError(f"bad read {self.address}+{self.count}")

    def pdu(self) -> bytes:
        return bytes([READ_HOLDING]) + _u16(self.address) + _u16(self.count)


@dataclass(frozen=True, slots=True)
class WriteRequest:
    """Write ``values`` (16-bit each) to consecutive registers from ``address``."""

    address: int
    values: tuple[int, ...]

    def __post_init__(self) -> None:
        if not (0 <= self.address <= 0xFFFF and 1 <= len(self.values) <= _MAX_WRITE):
            raise ValueError(f"bad write {self.address}+{len(self.values)}")
        if any(not 0 <= v <= 0xFFFF for v in self.values):
            raise ValueError("register values are 16-bit")

    def pdu(self) -> bytes:
        data = b"".join(_u16(v) for v in self.values)
        return (bytes([WRITE_MULTIPLE]) + _u16(self.address) + _u16(len(self.values))
                + bytes([len(data)]) + data)


Request = ReadRequest | WriteRequest


def _u16(value: int) -> bytes:
    return value.to_bytes(2, "big")


def crc16(data: bytes) -> int:
    """The Modbus RTU CRC (reflected polynomial 0xA001, start 0xFFFF)."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def frame(transport: Transport, unit: int, request: Request, tid: int = 0) -> bytes:
    """The bytes that carry ``request`` to unit ``unit`` (``tid``: TCP's transaction id)."""
    adu = bytes([unit]) + request.pdu()
    match transport:
        case Transport.TCP:
            return _u16(tid) + _u16(0) + _u16(len(adu)) + adu
        case Transport.RTU:
            return adu + crc16(adu).to_bytes(2, "little")
        case Transport.USB:
            return adu


def _header(transport: Transport) -> int:
    """Bytes before the function code: the MBAP header, else the unit id."""
    return 7 if transport == Transport.TCP else 1


def _checksum(transport: Transport) -> int:
    return 2 if transport == Transport.RTU else 0


def reply_length(transport: Transport, data: bytes) -> int | None:
    """How long the reply that starts with ``data`` is, or None while that is unknown.

    libmodbus's steps: header and function; then the meta bytes the function has
    (the byte count of a read, address and quantity of a write, the code of an
    exception); then a read's data; then the CRC.
    """
    head = _header(transport)
    if len(data) < head + 1:
        return None
    function = data[head]
    if function == READ_HOLDING:
        if len(data) < head + 2:
            return None
        return head + 2 + data[head + 1] + _checksum(transport)
    meta = 4 if function == WRITE_MULTIPLE else 1  # an exception, or garbage: one byte
    return head + 1 + meta + _checksum(transport)


def parse_reply(transport: Transport, unit: int, request: Request, data: bytes,
                tid: int = 0) -> tuple[int, ...]:
    """The registers a whole reply carries (none for a write).

    Raises:
        ModbusException: the device answered an exception.
        BadReply: CRC, unit, transaction, function or count is not the request's.
    """
    if transport == Transport.RTU:
        if len(data) < 4 or crc16(data[:-2]) != int.from_bytes(data[-2:], "little"):
            raise BadReply("CRC mismatch")
        data = data[:-2]
    if transport == Transport.TCP:
        if len(data) < 8 or int.from_bytes(data[0:2], "big") != tid or data[2:4] != b"\0\0":
            raise BadReply("transaction or protocol id mismatch")
        data = data[6:]
    if len(data) < 2:
        raise BadReply("reply too short")
    if data[0] != unit:
        raise BadReply(f"reply from unit {data[0]}, asked {unit}")
    function, body = data[1], data[2:]
    expected = READ_HOLDING if isinstance(request, ReadRequest) else WRITE_MULTIPLE
    if function == expected | 0x80 and body:
        raise ModbusException(expected, body[0])
    if function != expected:
        raise BadReply(f"function 0x{function:02x} in reply to 0x{expected:02x}")
    if isinstance(request, ReadRequest):
        if not body or body[0] != 2 * request.count or len(body) != 1 + body[0]:
            raise BadReply(f"{len(body) - 1} data bytes for {request.count} registers")
        return tuple(int.from_bytes(body[i:i + 2], "big") for i in range(1, len(body), 2))
    if body[:4] != _u16(request.address) + _u16(len(request.values)):
        raise BadReply("write echo is not the request's address and count")
    return ()
