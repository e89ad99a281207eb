"""What the bcmxcp driver needs from its transport (serial or USB), and the waits they share.

A transport sends request payloads (it adds the frame) and reads the reply
blocks back, retrying as NUT's transport does; ``exchange`` returns the
joined data, or b"" when the UPS gave no usable answer after the retries.
A transport raises :class:`DriverIOError` only when the line itself is gone
(the port closed, the USB device unplugged): then the poll fails at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from nutrio.actors.drivers.nutserial import CommWatch

__all__ = ["CommWatch", "XcpTiming", "XcpTransport"]


@dataclass(frozen=True, slots=True)
class XcpTiming:
    """bcmxcp's waits, in seconds (tests shrink them)."""

    #: after the authorization block, and (USB) before reading a command's answer: PW_SLEEP
    authorize: float = 2.0
    #: serial: how long each byte of a reply may take (ser_get_char's 1 s)
    byte: float = 1.0
    #: USB: how long one answer may take over all its interrupt reads (XCP_USB_TIMEOUT)
    usb_answer: float = 5.0
    #: serial start-up: after the escape byte, after the authorization, before the ID request
    escape: float = 0.09
    settle: float = 0.5


class XcpTransport(Protocol):
    """One BCM/XCP line (see the module comment)."""

    watch: CommWatch

    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def send(self, payload: bytes) -> None:
        """Send a request and read nothing back (the authorization block)."""

    async def exchange(self, payload: bytes, *, write: bool = False) -> bytes:
        """Send a request and read its answer; ``write``: a command that changes something
        (NUT's write sequence: over USB, a pause before reading). b"": no answer."""
