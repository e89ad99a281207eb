"""The USB side both dry-contact drivers share: finding the unit, claiming it, and
transfers where any USB error drops the unit until the next poll finds it again.

How it works (NUT 2.8.0's richcomm_usb and nutdrv_atcl_usb, each with its own copy of
the same USB open; checked on the USB lab):

* ``open``: the first unit with the driver's id that its ``accepts`` check takes (the
  strings as read); the kernel driver detached, configuration 1 set, interface 0
  claimed, then the driver's own ``setup`` (richcomm: alternate setting 0 and the
  halt on 0x81 cleared). A unit that comes back after a fault is taken again by the
  same check, at whatever device number (NUT reopens from scratch each time).
* a transfer that fails in any way (a timeout too) releases the unit and raises
  :class:`DriverIOError`: NUT closes its handle and marks the data stale, then looks
  for the unit again at the next update. ``quietly`` runs one whose errors NUT ignores.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

import structlog
import trio
import usb.core  # type: ignore[import-untyped]
import usb.util  # type: ignore[import-untyped]

from nutrio.actors.drivers.errors import DriverIOError
from nutrio.actors.drivers.tripplite.usb import UsbSeen, UsbTiming, UsbTripp
from nutrio.actors.drivers.usbbackend import detach_kernel_driver

__all__ = ["ContactLink", "Transfer"]

log = structlog.get_logger()

T = TypeVar("T")
#: one blocking pyusb call on the open device
Transfer = Callable[[Any], T]
_BUSY = -6


def _accept_any(_seen: UsbSeen) -> bool:
    return True


def _no_setup(_dev: Any) -> None:
    pass


class ContactLink(UsbTripp):
    """One unit by id (see the module comment); pyusb runs in worker threads."""

    def __init__(self, name: str, usb_id: tuple[int, int], *,
                 accepts: Callable[[UsbSeen], bool] = _accept_any,
                 setup: Callable[[Any], None] = _no_setup) -> None:
        super().__init__({}, name, UsbTiming())  # neither NUT driver takes matchers
        self.usb_id = usb_id
        self.accepts = accepts
        self.setup = setup

    async def reconnect(self) -> None:
        """Find the unit again if a failed update released it (NUT: at the next update)."""
        if not self.is_open:
            await self.open()
            log.info("driver.usb_reconnected")

    async def bad_reply(self, what: str, data: bytes) -> DriverIOError:
        """Release the unit after a reply NUT does not take; the error to raise."""
        await self.close()
        return DriverIOError(f"Query to UPS failed: {what} of {len(data)} bytes")

    async def transfer(self, fn: Transfer[T]) -> T:
        """``fn(dev)``; any USB error releases the unit and raises DriverIOError."""
        return await self._run(partial(self._on_device, fn))

    async def quietly(self, fn: Transfer[T]) -> T | None:
        """``fn(dev)``, its USB errors ignored (None), the unit kept."""
        return await trio.to_thread.run_sync(partial(self._ignoring, fn))

    def _on_device(self, fn: Transfer[T]) -> T:
        if self.dev is None:
            raise DriverIOError("the UPS is not connected")
        return fn(self.dev)

    def _ignoring(self, fn: Transfer[T]) -> T | None:
        try:
            return self._on_device(fn)
        except usb.core.USBError:
            return None

    # -- UsbTripp's seams ------------------------------------------------------------

    def _takes(self, dev: Any) -> bool:
        return (dev.idVendor, dev.idProduct) == self.usb_id

    def _matches(self, seen: UsbSeen) -> bool:
        return self.accepts(seen)

    def _claim(self, dev: Any) -> bool:
        detach_kernel_driver(dev)
        try:
            dev.set_configuration(1)
            usb.util.claim_interface(dev, 0)
        except usb.core.USBError as exc:
            if exc.backend_error_code != _BUSY:
                raise
            return False
        self.setup(dev)
        return True
