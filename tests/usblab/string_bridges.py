"""The lab's string-descriptor bridges: chips that answer a Megatec query as a USB string.

NUT's krauler, fabula, hunnox and snr subdrivers read no serial line: the reply to
a query is the string descriptor whose index names the query (GET_DESCRIPTOR
0x80 0x06 0x03<index> <langid>), UTF-16LE, the CR included, as the raw capture of
a MEC0003 unit shows (../shared/data/usb/Q1USB__unknown_MEC0003__string-descriptor-raw__*:
``60 03 28 00 32 00 ...``). :class:`StringBridge` serves them from a
:class:`~tests.usblab.bridges.SerialSide`: it turns the index back into the command
line, asks the UPS, and encodes its reply; indexes 1 and 2 stay the chip's own
strings. Index 0 is the language table as on any device.

- :class:`KraulerBridge` (0001:0000, product "010937" as the Powersa capture): Q1 3,
  F 13, I 12, T 4, TL 5, Q 7, C 11; a command with no reply is an empty string;
- :class:`FabulaBridge` ("MEC", "MEC0003"): Q1, F, I, Q 7, C 10 and the shutdowns
  (the delay in the high nibble, 8 added for "back on"); "UPS No Ack" to commands;
- :class:`HunnoxBridge` (product "MEC0003" alone, as the DigiTECH capture): fabula's
  indexes;
- :class:`SnrBridge` (the same ids): Q1, F and I only; its interrupt pipe never says
  anything (the host's read before each query times out).
"""

from __future__ import annotations

from typing import Any, ClassVar

from tests.usblab.bridges import CYPRESS_REPORT_DESCRIPTOR, SerialSide
from tests.usblab.hid import hid_interface
from tests.usblab.models import UsbError, UsbModel, string_descriptor
from tests.usblab.wire import UsbStatus

__all__ = ["FabulaBridge", "HunnoxBridge", "KraulerBridge", "SnrBridge", "StringBridge"]


class StringBridge(UsbModel):
    """A chip whose strings are the UPS's replies (see the module comment)."""

    #: string index -> the command line it stands for
    commands: ClassVar[dict[int, str]] = {}
    #: what a command the UPS does not answer reads as
    silent: ClassVar[str] = ""

    def __init__(self, ups: SerialSide, *, vendor_id: int = 0x0001, product_id: int = 0x0000,
                 **identity: Any) -> None:
        identity.setdefault("interfaces", (hid_interface(len(CYPRESS_REPORT_DESCRIPTOR)),))
        identity.setdefault("serial_index", 0)
        super().__init__(vendor_id, product_id, **identity)
        self.ups = ups
        self.asked: list[tuple[int, int]] = []  # (index, langid) of every query string read

    def command(self, index: int) -> str | None:
        return self.commands.get(index)

    def string(self, index: int, langid: int) -> bytes:
        if index == 0 or index in self.strings:
            return super().string(index, langid)
        line = self.command(index)
        if line is None:
            raise UsbError(UsbStatus.PIPE)
        self.asked.append((index, langid))
        reply = self.ups.answer(line.encode("latin-1"))
        return string_descriptor(reply.decode("latin-1") if reply else self.silent)

    def class_request(self, setup: Any, data: bytes) -> bytes | int:
        if setup.kind == "standard" and setup.request == 0x06 and setup.value >> 8 == 0x22:
            return CYPRESS_REPORT_DESCRIPTOR
        raise UsbError(UsbStatus.PIPE)


class KraulerBridge(StringBridge):
    commands = {0x03: "Q1\r", 0x0D: "F\r", 0x0C: "I\r", 0x04: "T\r", 0x05: "TL\r", 0x07: "Q\r",
                0x0B: "C\r"}  # fmt: skip

    def __init__(self, ups: SerialSide, **identity: Any) -> None:
        identity.setdefault("strings", {2: "010937"})
        super().__init__(ups, **identity)


class FabulaBridge(StringBridge):
    commands = {0x03: "Q1\r", 0x0D: "F\r", 0x0C: "I\r", 0x07: "Q\r", 0x0A: "C\r"}
    silent = "UPS No Ack"

    def __init__(self, ups: SerialSide, **identity: Any) -> None:
        identity.setdefault("strings", {1: "MEC", 2: "MEC0003"})
        super().__init__(ups, **identity)

    def command(self, index: int) -> str | None:
        """The shutdowns: 0x10-0x50 are .5 to .9 minutes, 0x60-0xf0 1 to 10; +8: back on."""
        if index in self.commands:
            return self.commands[index]
        step, back = index >> 4, index & 0x0F
        if not 1 <= step <= 15 or back not in (0, 8):
            return None
        delay = f".{step + 4}" if step <= 5 else f"{step - 5:02d}"
        return f"S{delay}R{'0001' if back else '0000'}\r"


class HunnoxBridge(FabulaBridge):
    def __init__(self, ups: SerialSide, **identity: Any) -> None:
        identity.setdefault("strings", {2: "MEC0003"})
        identity.setdefault("manufacturer_index", 0)
        super().__init__(ups, **identity)


class SnrBridge(StringBridge):
    commands = {0x03: "Q1\r", 0x0D: "F\r", 0x0C: "I\r"}

    def __init__(self, ups: SerialSide, **identity: Any) -> None:
        identity.setdefault("strings", {2: "MEC0003"})
        identity.setdefault("manufacturer_index", 0)
        super().__init__(ups, **identity)
