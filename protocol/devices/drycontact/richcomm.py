"""Richcomm's dry-contact to USB adapter (0925:1234), as NUT 2.8.0's richcomm_usb 0.10.

Each poll sends the 4-byte query in a class control transfer (0x21, request 0x09,
value 0x200) and reads up to 6 bytes back on the interrupt endpoint 0x81. Byte 3
carries the two contacts: bit 2 set means on line, bit 1 clear means low battery.
NUT counts a reply shorter than 4 bytes as a failed update. The shutdown is two
packets: the first flips the "shutdown" contact (the unit powers down once on
battery), the second arms the restart for when the mains come back.
"""

from __future__ import annotations

__all__ = ["MFR", "PREPARE", "QUERY", "REPLY_SIZE", "RESTART", "USB_ID", "reply", "status_words"]

USB_ID = (0x0925, 0x1234)
#: what NUT serves as ups.mfr, whatever the adapter's strings say
MFR = "Richcomm dry-contact to USB solution"
QUERY = bytes([0x01, 0x00, 0x00, 0x30])
PREPARE = bytes([0x02, 0x00, 0x00, 0x00])
RESTART = bytes([0x02, 0x01, 0x00, 0x00])
REPLY_SIZE = 6
#: the shortest reply NUT accepts
_MIN_REPLY = 4
_ONLINE, _BATTERY_OK = 0x04, 0x02


def status_words(data: bytes) -> tuple[str, ...] | None:
    """ups.status words of one reply; None for a reply too short to count."""
    if len(data) < _MIN_REPLY:
        return None
    words = ["OL" if data[3] & _ONLINE else "OB"]
    if not data[3] & _BATTERY_OK:
        words.append("LB")
    return tuple(words)


def reply(*, online: bool, battery_low: bool) -> bytes:
    """A unit's 6-byte answer for these contacts (what the simulator sends)."""
    bits = (_ONLINE if online else 0) | (0 if battery_low else _BATTERY_OK)
    return bytes([0x01, 0x00, 0x00, bits, 0x00, 0x00])
