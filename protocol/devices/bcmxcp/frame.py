"""BCM/XCP framing: the bytes of a request, and the checks a reply block must pass.

A request is ``AB <length> <payload> <checksum>``; the checksum makes the sum
of every byte 0 (mod 256). A reply is one or more blocks ``AB <block>
<length> <sequence> <data> <checksum>``: the sequence counts from 1 and its
top bit marks the last block; the data of all blocks joined is the answer.
The serial driver also checks the block number against the request (the
USB one does not): the reply to a read request 0x3n is block 0x0n, to a
command (0x89 and up) block 0x09, to 0xA0 block 0x01.
"""

from __future__ import annotations

__all__ = [
    "AUTHORIZATION",
    "ESCAPE",
    "FrameError",
    "MAX_BLOCK_DATA",
    "START",
    "USB_DEVICES",
    "USB_REQUESTS",
    "Cmd",
    "block_ok",
    "checksum",
    "request",
    "sum_ok",
]

#: every request and every reply block starts with this byte
START = 0xAB
#: the byte the serial driver sends first "to take the UPS out of its menu"
ESCAPE = 0x1D
#: longest data of one reply block the drivers accept (USB: 140; the serial reader 123)
MAX_BLOCK_DATA = 140
#: the last-block flag of the sequence byte
LAST = 0x80


class Cmd:
    """Request bytes (NUT's PW_*) the drivers send."""

    ID_BLOCK = 0x31
    STATUS = 0x33
    METER_BLOCK = 0x34
    ALARMS = 0x35
    CONFIG_BLOCK = 0x36
    BATTERY = 0x3B
    LIMIT_BLOCK = 0x3C
    COMMAND_LIST = 0x40
    OUTLET_BLOCK = 0x41
    TOPOLOGY = 0x43
    GO_TO_BYPASS = 0x88
    UPS_ON = 0x89
    LOAD_OFF_RESTART = 0x8A
    UPS_OFF = 0x8B
    SET_CONFIG = 0x95
    SET_OUTLET = 0x97
    REQUEST_ONLY_MODE = 0xA0
    BATTERY_TEST = 0xB1
    SYSTEM_TEST = 0xB2
    AUTHORIZE = 0xCF


#: the standard authorization block, sent before every command that changes something
AUTHORIZATION = bytes([Cmd.AUTHORIZE, 0x69, 0xE8, 0xD5])

#: how a request reaches a USB unit: (bmRequestType, bRequest, wValue, wIndex) of the OUT
#: control transfer; Powerware units take a SET_DESCRIPTOR, the Phoenixtec-made ones a
#: vendor request (NUT's bcmxcp_usb device table)
USB_REQUESTS = {"powerware": (0x00, 0x07, 0x0304, 0), "phoenixtec": (0x42, 0x0D, 0x0000, 0)}
#: (vendor, product) -> which of :data:`USB_REQUESTS`; HP's are the T500 and T750
USB_DEVICES = {(0x0592, 0x0002): "powerware", (0x06DA, 0x0002): "phoenixtec",
               (0x03F0, 0x1F01): "phoenixtec", (0x03F0, 0x1F02): "phoenixtec"}


class FrameError(Exception):
    """A reply block that fails a check: the words say which."""


def checksum(data: bytes) -> int:
    """The byte that makes ``data`` plus it sum to 0 (mod 256)."""
    return -sum(data) & 0xFF


def request(payload: bytes) -> bytes:
    """One request frame for ``payload`` (the command byte and its arguments)."""
    head = bytes([START, len(payload)]) + payload
    return head + bytes([checksum(head)])


def sum_ok(block: bytes) -> bool:
    """A whole reply block (header, data, checksum) sums to 0."""
    return len(block) >= 5 and sum(block[: block[2] + 5]) & 0xFF == 0


def block_ok(command: int, block: int) -> bool:
    """The serial driver's test of a reply's block number against the request byte."""
    if command <= 0x43:
        return block == command - 0x30
    if command >= 0x89:
        return block == (0x01 if command == Cmd.REQUEST_ONLY_MODE else 0x09)
    return True
