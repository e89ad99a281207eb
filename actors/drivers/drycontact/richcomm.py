"""richcomm_usb: Richcomm's dry-contact to USB adapter (0925:1234), as NUT 2.8.0's
richcomm_usb 0.10 (checked against the real binary: tests/usblab/test_richcomm_usb.py).

How it works (the protocol is protocol/devices/drycontact/richcomm.py):

* ``open``: the first 0925:1234 unit (link.py; NUT's richcomm_usb takes no matchers),
  with alternate setting 0 and the halt on 0x81 cleared; then five queries whose
  answers are thrown away, a second apart (NUT: the unit answers rubbish at first),
  then the identity: ups.mfr is NUT's fixed text, ups.model and ups.serial the
  adapter's product and serial strings ("unknown" without one), and the first update.
* ``poll``: one query (a class control transfer) and its reply (an interrupt read);
  a USB error or a reply shorter than 4 bytes releases the unit and the data goes
  stale at once, as in NUT; the next poll finds the unit again (no rubbish queries
  then, the identity kept).
* killpower (``-k``): the unit found and the five queries of the start, then the
  shutdown packet, a second, and the restart packet; errors ignored, as NUT does.
  No instant commands, no writable variables, no ups.conf options of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import trio

from nutrio.actors.drivers.base import DeviceLike, PollResult, Sent, WithoutCommands
from nutrio.actors.drivers.drycontact.link import ContactLink
from nutrio.actors.drivers.tripplite.usb import UsbSeen
from nutrio.protocol.devices.drycontact import richcomm
from nutrio.protocol.devices.dummy.devfile import DeviceVars, status_join

__all__ = ["RichcommTiming", "RichcommUsb"]

_IN = 0x81
_TIMEOUT_MS = 1000
#: queries at the start whose answers NUT throws away
_WARMUP_QUERIES = 5


@dataclass(frozen=True, slots=True)
class RichcommTiming:
    """richcomm_usb's pauses, in seconds (tests shrink them): after each start-up query,
    and between the two shutdown packets."""

    warmup: float = 1.0
    shutdown: float = 1.0


def _setup(dev: Any) -> None:
    """NUT's driver_callback after the claim: alternate setting 0, the IN halt cleared."""
    dev.set_interface_altsetting(0, 0)
    dev.clear_halt(_IN)


def _exchange(packet: bytes, dev: Any) -> bytes:
    """The packet in a class control transfer, then the interrupt read of the reply."""
    dev.ctrl_transfer(0x21, 0x09, 0x200, 0, packet, _TIMEOUT_MS)
    return bytes(dev.read(_IN, richcomm.REPLY_SIZE, _TIMEOUT_MS))


class RichcommUsb(WithoutCommands):
    """The richcomm_usb driver (see the module comment)."""

    name: ClassVar[str] = "richcomm_usb"
    version_internal: ClassVar[str] = "0.10"
    flags: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, device: DeviceLike, timing: RichcommTiming | None = None) -> None:
        self.timing = timing or RichcommTiming()
        self.link = ContactLink(device.name, richcomm.USB_ID, setup=_setup)

    async def open(self, state: DeviceVars) -> None:
        seen = await self._initups()
        state.set("ups.mfr", richcomm.MFR)
        state.set("ups.model", seen.product or "unknown")
        state.set("ups.serial", seen.serial or "unknown")
        state.set("ups.vendorid", f"{seen.vendor_id:04x}")
        state.set("ups.productid", f"{seen.product_id:04x}")
        await self.poll(state)

    async def poll(self, state: DeviceVars) -> PollResult:
        await self.link.reconnect()
        data = await self.link.transfer(lambda dev: _exchange(richcomm.QUERY, dev))
        words = richcomm.status_words(data)
        if words is None:
            raise await self.link.bad_reply("a reply", data)
        state.set("ups.status", status_join(words))
        return PollResult()

    async def close(self) -> None:
        await self.link.close()

    async def killpower(self) -> Sent:
        await self._initups()
        await self.link.quietly(lambda dev: _exchange(richcomm.PREPARE, dev))
        await trio.sleep(self.timing.shutdown)  # NUT: the unit ignores a second packet too soon
        await self.link.quietly(lambda dev: _exchange(richcomm.RESTART, dev))
        return Sent("shutdown.return", "shutdown contact flipped, restart armed")

    async def _initups(self) -> UsbSeen:
        seen = await self.link.open()
        for _ in range(_WARMUP_QUERIES):
            await self.link.quietly(lambda dev: _exchange(richcomm.QUERY, dev))
            await trio.sleep(self.timing.warmup)
        return seen
