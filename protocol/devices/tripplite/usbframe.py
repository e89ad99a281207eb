"""Tripp Lite's own USB protocol (not HID Power Device): the messages and their framing,
as NUT 2.8.0's tripplite_usb (0.33) sends them.

A message is a command letter and its argument bytes, sent as one 8-byte
HID SET_REPORT: ``:``, the message, a checksum (255 less the sum of the
message bytes), CR, zero padding. NUT passes each message with the NUL
that ends its C string and then writes the checksum over that last byte:
the NUL counts in the sum and never goes out (so the protocol query, C's ``"\\0"``, two
NULs, goes out as ``: 00 FF CR``). The reply comes back in 8-byte
interrupt reads; it is the one asked for when its first byte is the byte
after the colon, and a unit that does not know a command sends its
previous reply again.
"""

from __future__ import annotations

from enum import Enum

__all__ = [
    "COMPARED_PROTOCOLS",
    "FRAME_SIZE",
    "PROTOCOL_QUERY",
    "Proto",
    "accepts",
    "frame",
    "letter",
    "offdelay_message",
    "outlet_messages",
    "protocol_of",
    "unit_id_message",
]

FRAME_SIZE = 8
#: the protocol query (the first message at start)
PROTOCOL_QUERY = b"\0\0"
#: NUT refuses to send a message longer than this (its send_cmd is fatal on more)
MAX_MESSAGE = 5


class Proto(Enum):
    """The protocol families tripplite_usb tells apart (the number the UPS reports)."""

    UNKNOWN = 0
    OMNIVS = 0x1001
    OMNIVS_2001 = 0x2001
    SMARTPRO = 0x3003
    SMART_0004 = 0x0004
    SMART_3005 = 0x3005

    @property
    def binary(self) -> bool:
        """Numbers in replies are big-endian bytes, not hex text."""
        return self is Proto.SMART_3005

    @property
    def smart(self) -> bool:
        return self in (Proto.SMARTPRO, Proto.SMART_0004, Proto.SMART_3005)

    @property
    def omnivs(self) -> bool:
        return self in (Proto.OMNIVS, Proto.OMNIVS_2001)


#: the families tests compare with the real tripplite_usb (0004 has no unit to shape one after)
COMPARED_PROTOCOLS = (Proto.OMNIVS, Proto.OMNIVS_2001, Proto.SMARTPRO, Proto.SMART_3005)


def protocol_of(number: int) -> Proto:
    """The family of a protocol number; UNKNOWN for numbers 2.8.0 does not know."""
    try:
        return Proto(number) if number else Proto.UNKNOWN
    except ValueError:
        return Proto.UNKNOWN


def letter(command: str) -> bytes:
    """A one-letter query as NUT passes it ("S" and its NUL)."""
    return command.encode("latin-1") + b"\0"


def frame(message: bytes) -> bytes:
    """The 8-byte report that carries ``message`` (see the module comment)."""
    if not 0 < len(message) <= MAX_MESSAGE:
        raise ValueError(f"a tripplite_usb message has 1 to {MAX_MESSAGE} bytes: {message!r}")
    out = bytearray(FRAME_SIZE)
    out[0] = ord(":")
    out[1 : 1 + len(message)] = message
    out[len(message)] = 255 - (sum(message) & 0xFF)
    out[len(message) + 1] = 0x0D
    return bytes(out)


def accepts(sent: bytes, reply: bytes) -> bool:
    """A whole reply that answers the report ``sent`` (its first byte echoes ``sent[1]``)."""
    return len(reply) == FRAME_SIZE and reply[0] == sent[1]


def _c_string(text: bytes) -> bytes:
    """What ``strlen(s) + 1`` bytes of a formatted C string are: up to the first NUL, and it."""
    return text.split(b"\0", 1)[0] + b"\0"


def offdelay_message(delay: int) -> bytes:
    """``N`` with the shutdown delay as two binary bytes (every protocol, as NUT's -k)."""
    return bytes([ord("N"), (delay >> 8) & 0xFF, delay & 0xFF, 0])


def unit_id_message(unit_id: int) -> bytes:
    """``J`` with the new unit id as two binary bytes."""
    return bytes([ord("J"), (unit_id >> 8) & 0xFF, unit_id & 0xFF, 0])


def outlet_messages(proto: Proto, outlet: int, on: bool) -> tuple[bytes, bytes] | None:
    """The delay then the relay message that switch ``outlet`` (0: the main relay), or
    None where 2.8.0 has no way to (the OMNIVS families, unknown protocols)."""
    state = 1 if on else 0
    if proto in (Proto.SMARTPRO, Proto.SMART_0004):
        return _c_string(b"N05"), _c_string(f"K{outlet}{state}".encode())
    if proto is Proto.SMART_3005:  # binary: a NUL outlet number ends the string early
        return _c_string(bytes([ord("N"), 5])), _c_string(bytes([ord("K"), outlet & 0xFF, state]))
    return None
