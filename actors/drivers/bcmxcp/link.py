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

import structlog

__all__ = ["CommWatch", "XcpTiming", "XcpTransport"]

log = structlog.get_logger()


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


class CommWatch:
    """One warning when the UPS stops answering properly, one line when it is back.

    NUT's ser_comm_fail and nutusb_comm_fail log every failure until a limit;
    a UPS sending garbage every poll would fill the log, so nutrio logs the
    first failure of a spell as a warning and the rest at debug level. The
    spell ends with a whole poll read well (the driver calls :meth:`good`),
    not with one good answer: replies left over from the garbage would start
    a new spell at every other request.
    """

    def __init__(self) -> None:
        self.failing = False

    def failed(self, reason: str, **fields: object) -> None:
        (log.debug if self.failing else log.warning)("driver.bad_reply", reason=reason, **fields)
        self.failing = True

    def good(self) -> None:
        if self.failing:
            log.info("driver.communication_restored")
        self.failing = False
