"""riello_usb: Riello GPSER units on USB (a Cypress bridge, 04b4:5500), as NUT 2.8.0's
riello_usb (0.07).

How it works (checked against the real binary, tests/usblab/test_riello_usb.py; the start,
updates and commands are actors/drivers/riello/core.py's):

* ``open``: the first unit NUT's table takes (04b4:5500) whose interface 0 can be
  claimed (tripplite_usb's finder; NUT 2.8.0's riello_usb reads no options, so no
  matchers: with two units, each driver takes the first one still free); ``ups.vendorid``/``ups.productid``; a feature report (0xB0 0x04
  0x00 0x00 0x03, the bridge's line settings), then the GPSER start.
* each request goes out in 8-byte packets on endpoint 2 (frames.usb_packets); the
  reply comes in 8-byte reads on 0x81 (NUT asks for bulk transfers; its libusb-1.0
  layer makes them interrupt ones, and pyusb follows the endpoints' own type), each carrying up to seven bytes, fed to NUT's
  packet finder. Before it, NUT clears the part of its buffer the reply should fill.
  A read that times out fails the request (unlike the serial driver); after 300 reads
  without a packet the request counts as answered. Any other USB error: the unit is
  released, and the next poll finds it again and starts over, as NUT's reconnect does.
* killpower (``-k``): as riello_ser's, it always fails (actors/drivers/riello/core.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

import structlog
import trio
import usb.core  # type: ignore[import-untyped]

from nutrio.actors.drivers.base import DeviceLike, PollResult, Sent
from nutrio.actors.drivers.riello.core import RielloCore
from nutrio.actors.drivers.tripplite.usb import UsbTiming, UsbTripp
from nutrio.protocol.devices.dummy.devfile import DeviceVars
from nutrio.protocol.devices.riello.frames import (
    BUFFER_SIZE,
    Packet,
    PacketFinder,
    Protocol,
    usb_packets,
    usb_payload,
)

__all__ = ["RIELLO_USB_ID", "RielloUsb", "RielloUsbTiming", "UsbLink"]

log = structlog.get_logger()

RIELLO_USB_ID = (0x04B4, 0x5500)
_OUT, _IN = 0x02, 0x81
#: the bridge's feature report NUT sends before the identification
_FEATURES = bytes([0xB0, 0x04, 0x00, 0x00, 0x03])
_TIMEOUT, _OVERFLOW = -7, -8
#: reads without a packet before NUT gives up waiting (and takes the buffer as it is)
_MAX_READS = 300
_FAILED = Packet(b"", nak=False, bad_check=True)


@dataclass(frozen=True, slots=True)
class RielloUsbTiming:
    """riello_usb's waits, in seconds: each bulk transfer, the pause after each packet sent."""

    transfer: float = 1.0
    write_pause: float = 0.0002


class UsbLink(UsbTripp):
    """The unit's USB side: tripplite_usb's finder with Riello's id, bulk packets."""

    def __init__(self, name: str, timing: RielloUsbTiming) -> None:
        super().__init__({}, name, UsbTiming())  # NUT's riello_usb takes no matchers
        self.riello = timing
        self.finder = PacketFinder()
        self.crc = False

    @property
    def buffer(self) -> bytearray:
        return self.finder.buffer

    def _takes(self, dev: Any) -> bool:
        return (dev.idVendor, dev.idProduct) == RIELLO_USB_ID

    async def set_features(self) -> None:
        """cypress_setfeatures: a failure is only logged, as in NUT."""
        try:
            await self._run(partial(self.dev.ctrl_transfer, 0x21, 0x09, 0x0300, 0, _FEATURES,
                                    int(self.riello.transfer * 1000)))
        except usb.core.USBError as exc:
            log.debug("driver.usb_features_failed", error=str(exc))

    async def exchange(self, request: bytes, protocol: Protocol, length: int) -> Packet | None:
        """cypress_command: the packet found, None after 300 reads without one, or a
        failed packet when a transfer timed out."""
        self.finder.start()
        for chunk in usb_packets(request):
            if not await self._run(partial(self._bulk, _OUT, chunk)):
                return _FAILED
            await trio.sleep(self.riello.write_pause)
        self.finder.buffer[:length] = bytes(min(length, BUFFER_SIZE))
        for _ in range(_MAX_READS + 1):
            if self.finder.count >= BUFFER_SIZE:
                return None
            got = await self._run(partial(self._bulk, _IN, None))
            if got is None:
                return _FAILED
            for byte in usb_payload(got):
                packet = self.finder.feed(Protocol.GPSER, byte, self.crc)
                if packet is not None:
                    return packet
        return None

    def _bulk(self, endpoint: int, data: bytes | None) -> Any:
        """One transfer on ``endpoint``; None (or False) when it timed out or overflowed."""
        ms = max(1, int(self.riello.transfer * 1000))
        try:
            if data is None:
                return bytes(self.dev.read(endpoint, 8, ms))
            self.dev.write(endpoint, data, ms)
            return True
        except usb.core.USBError as exc:
            if exc.backend_error_code not in (_TIMEOUT, _OVERFLOW):
                raise
            return None if data is None else False


class RielloUsb(RielloCore):
    """The riello_usb driver (see the module comment)."""

    name = "riello_usb"
    version_internal = "0.07"

    def __init__(self, device: DeviceLike, timing: RielloUsbTiming | None = None) -> None:
        self.usb = UsbLink(device.name, timing or RielloUsbTiming())
        super().__init__(self.usb)

    async def open(self, state: DeviceVars) -> None:
        await self._connect(state)
        await self.poll(state)  # main.c updates once right after initinfo

    async def poll(self, state: DeviceVars) -> PollResult:
        if not self.usb.is_open:  # NUT reopens and runs initinfo again on the next request
            await self._connect(state)
        return await super().poll(state)

    async def close(self) -> None:
        await self.usb.close()

    async def killpower(self) -> Sent:
        """riello_usb -k: the unit found (no feature report, nothing read), then
        shutdown.stop and shutdown.return, three tries: it fails, as NUT's does."""
        await self.usb.open()
        return await self._shutdown()

    async def _connect(self, state: DeviceVars) -> None:
        seen = await self.usb.open()
        state.set("ups.vendorid", f"{seen.vendor_id:04x}")
        state.set("ups.productid", f"{seen.product_id:04x}")
        await self.usb.set_features()
        await self._initinfo(state)
        log.info("driver.detected", protocol="GPSER", bus=seen.bus, device=seen.device)

