"""nutdrv_atcl_usb: 'ATCL FOR UPS' USB interfaces (0001:0000), as NUT 2.8.0's
nutdrv_atcl_usb 1.16 (checked against the real binary: tests/usblab/test_atcl_usb.py).

How it works (the packets are protocol/devices/drycontact/atcl.py):

* ``open``: the first 0001:0000 unit whose manufacturer string is 'ATCL FOR UPS', or
  what the ``vendor`` option says (``NULL``: a unit without one); other makers' units
  share the id (nutdrv_qx's bridges). Configuration 1 set, interface 0 claimed
  (link.py). ups.mfr and ups.model are the unit's manufacturer and product strings
  ("unknown" without one), ups.serial its serial string unless it repeats the product;
  then the first update.
* ``poll``: one 8-byte interrupt read on 0x81 (5 s); a USB error or a short packet
  releases the unit and the data goes stale at once, as in NUT; the next poll finds the
  unit again. An unknown state byte leaves ups.status empty (logged); a nonzero byte 1
  is logged once (NUT logs it each update).
* killpower (``-k``): the unit found, then the shutdown packet twice on 0x02, 170 ms
  apart. NUT only logs failed writes; nutrio fails when neither got through.
  No instant commands, no writable variables; ups.conf option ``vendor``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import structlog
import trio

from nutrio.actors.drivers.base import DeviceLike, PollResult, Sent, WithoutCommands
from nutrio.actors.drivers.drycontact.link import ContactLink
from nutrio.actors.drivers.errors import DriverIOError
from nutrio.actors.drivers.tripplite.usb import UsbSeen
from nutrio.protocol.devices.drycontact import atcl
from nutrio.protocol.devices.dummy.devfile import DeviceVars, status_join

__all__ = ["AtclTiming", "AtclUsb"]

log = structlog.get_logger()

_IN, _OUT = 0x81, 0x02


@dataclass(frozen=True, slots=True)
class AtclTiming:
    """nutdrv_atcl_usb's waits, in seconds: each transfer (NUT's USB_TIMEOUT), and
    between the two shutdown packets."""

    transfer: float = 5.0
    shutdown: float = 0.17


class AtclUsb(WithoutCommands):
    """The nutdrv_atcl_usb driver (see the module comment)."""

    name: ClassVar[str] = "nutdrv_atcl_usb"
    version_internal: ClassVar[str] = "1.16"
    flags: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, device: DeviceLike, timing: AtclTiming | None = None) -> None:
        self.timing = timing or AtclTiming()
        requested = device.options.get("vendor")
        self.link = ContactLink(device.name, atcl.USB_ID,
                                accepts=lambda seen: atcl.vendor_matches(seen.vendor, requested))
        self.padding_seen = False

    @property
    def _ms(self) -> int:
        return max(1, int(self.timing.transfer * 1000))

    async def open(self, state: DeviceVars) -> None:
        seen = await self.link.open()
        state.set("ups.mfr", seen.vendor or "unknown")
        state.set("ups.model", seen.product or "unknown")
        if seen.serial and seen.product and seen.serial != seen.product:
            state.set("ups.serial", seen.serial)
        state.set("ups.vendorid", f"{seen.vendor_id:04x}")
        state.set("ups.productid", f"{seen.product_id:04x}")
        await self.poll(state)

    async def poll(self, state: DeviceVars) -> PollResult:
        await self.link.reconnect()
        data = await self.link.transfer(self._read)
        words = atcl.status_words(data)
        if words is None:
            raise await self.link.bad_reply("a packet", data)
        if not words:
            log.error("driver.unknown_status", byte=f"0x{data[0]:02x}")
        padded = atcl.odd_padding(data)
        if padded and not self.padding_seen:
            log.info("driver.status_padding", packet=data.hex())  # NUT: "bytes 1-7 not zero"
        self.padding_seen = padded
        state.set("ups.status", status_join(words))
        return PollResult()

    async def close(self) -> None:
        await self.link.close()

    async def killpower(self) -> Sent:
        seen: UsbSeen = await self.link.open()
        first = await self.link.quietly(self._shutdown_packet)
        if first is None:
            log.info("driver.shutdown_write_failed", attempt=1)
        await trio.sleep(self.timing.shutdown)  # NUT's pause, from a capture of the vendor's tool
        second = await self.link.quietly(self._shutdown_packet)
        if second is None:
            log.error("driver.shutdown_write_failed", attempt=2)
            if first is None:
                raise DriverIOError(f"{seen.bus}:{seen.device}: the shutdown packet was not sent")
        return Sent("shutdown.return", "the unit powers off about 30 s later, if on battery")

    def _read(self, dev: Any) -> bytes:
        return bytes(dev.read(_IN, atcl.STATUS_SIZE, self._ms))

    def _shutdown_packet(self, dev: Any) -> int:
        return int(dev.write(_OUT, atcl.SHUTDOWN, self._ms))
