"""The lab's wire format between libusb_lab.c and the device server, and libusb's numbers.

Every request is a 36-byte header (magic ``ULAB``, version, op, six signed 32-bit
arguments, payload length) and its payload; every reply a 16-byte header (magic,
status, value, payload length) and its payload. Little endian. A connection
starts with HELLO (the client's pid and name); a version the server does not
speak gets a non-zero status and the library gives up. libusb_lab.c holds the
same numbers: change both together and bump VERSION.
"""

from __future__ import annotations

import enum
import struct

MAGIC = 0x42414C55  # "ULAB"
VERSION = 1
REQUEST = struct.Struct("<IHH6iI")
REPLY = struct.Struct("<IiiI")
MAX_PORTS = 7


class Op(enum.IntEnum):
    HELLO = 1
    LIST = 2
    OPEN = 3
    CLOSE = 4
    CLAIM = 5
    RELEASE = 6
    KERNEL_ACTIVE = 7
    DETACH = 8
    ATTACH = 9
    SET_CONFIG = 10
    GET_CONFIG = 11
    SET_ALT = 12
    RESET = 13
    CLEAR_HALT = 14
    CONTROL = 15
    BULK = 16
    INTERRUPT = 17
    AUTO_DETACH = 18


class UsbStatus(enum.IntEnum):
    """libusb's return codes (enum libusb_error)."""

    SUCCESS = 0
    IO = -1
    INVALID_PARAM = -2
    ACCESS = -3
    NO_DEVICE = -4
    NOT_FOUND = -5
    BUSY = -6
    TIMEOUT = -7
    OVERFLOW = -8
    PIPE = -9
    INTERRUPTED = -10
    NO_MEM = -11
    NOT_SUPPORTED = -12
    OTHER = -99


def reply(status: int, value: int = 0, data: bytes = b"") -> bytes:
    return REPLY.pack(MAGIC, status, value, len(data)) + data
