"""bcmxcp_usb's transport: BCM/XCP frames over USB, as NUT 2.8.0's bcmxcp_usb (0.27) moves them.

How it works:

* ``open``: the first USB device of class 0 (per interface) with an id NUT
  knows: Powerware 0592:0002, or the Phoenixtec-made ones (06da:0002, HP
  T500 03f0:1f01, HP T750 03f0:1f02); interface 0 is claimed and the halt
  of the interrupt endpoint 0x81 cleared. A device another program holds
  (its claim fails) is passed over for the next one; NUT takes the first.
* A request goes out as one control transfer: Powerware units take a
  SET_DESCRIPTOR (bmRequestType 0x00, bRequest 0x07, wValue 0x0304), the
  Phoenixtec ones a vendor request (0x42, 0x0d, 0). The answer comes in
  128-byte interrupt reads on 0x81 within 5 s for the whole answer; a read
  that fails (a timeout) clears the endpoint's halt and ends the answer.
* Five tries per request; a command (NUT's write sequence) waits PW_SLEEP
  between sending and reading. Blocks are checked for their sequence number,
  a length of at most 140 and the checksum (not for the block number).
* The device gone (unplugged, I/O error) raises :class:`DriverIOError` and
  closes it; the next ``exchange`` finds it again, as NUT's reconnect does.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

import structlog
import trio
import usb.core  # type: ignore[import-untyped]
import usb.util  # type: ignore[import-untyped]

from nutrio.actors.drivers.bcmxcp.link import CommWatch, XcpTiming
from nutrio.actors.drivers.errors import DriverIOError
from nutrio.actors.drivers.usbbackend import pyusb_backend, release_device
from nutrio.protocol.devices import bcmxcp as xcp

__all__ = ["UsbXcp"]

log = structlog.get_logger()

T = TypeVar("T")

_ENDPOINT = 0x81
_READ_SIZE = 128
_CONTROL_TIMEOUT_MS = 1000
_TRIES = 5
_HEADER = 5  # start, block, length, sequence ... checksum
#: libusb errors that end one answer (timeout, pipe, overflow); the others mean the device is gone
_ANSWER_ERRORS = frozenset({-7, -8, -9})
_BUSY = -6


class UsbXcp:
    """The USB link of one UPS (see the module comment); pyusb runs in worker threads."""

    def __init__(self, timing: XcpTiming, backend: Any = None) -> None:
        self.t = timing
        self.backend = backend
        self.dev: Any = None
        self.request = xcp.USB_REQUESTS["powerware"]
        self.watch = CommWatch()

    async def open(self) -> None:
        await self._run(self._open_sync, reconnect=False)

    async def close(self) -> None:
        await trio.to_thread.run_sync(self._close_sync)

    async def send(self, payload: bytes) -> None:
        await self._run(partial(self._send_sync, xcp.request(payload)))

    async def exchange(self, payload: bytes, *, write: bool = False) -> bytes:
        frame = xcp.request(payload)
        for _ in range(_TRIES):
            await self._run(partial(self._send_sync, frame))
            if write:
                await trio.sleep(self.t.authorize)
            answer = await self._run(self._answer_sync)
            if answer:
                return answer
        self.watch.failed("no valid answer after the retries", command=f"{payload[0]:02x}")
        return b""

    async def _run(self, fn: Callable[[], T], *, reconnect: bool = True) -> T:
        return await trio.to_thread.run_sync(partial(self._guard, fn, reconnect))

    # -- blocking side -------------------------------------------------------------

    def _guard(self, fn: Callable[[], T], reconnect: bool) -> T:
        """Run device I/O (first finding the device again after it went, as NUT's
        reconnect); the device gone closes it and becomes DriverIOError."""
        try:
            if reconnect and self.dev is None:
                self._open_sync()
                log.info("driver.usb_reconnected")
            return fn()
        except usb.core.USBError as exc:
            self._close_sync()
            raise DriverIOError(f"USB error: {exc}") from exc

    def _open_sync(self) -> None:
        backend = self.backend or pyusb_backend()
        found = usb.core.find(find_all=True, backend=backend) or []
        for dev in found:
            method = xcp.USB_DEVICES.get((dev.idVendor, dev.idProduct))
            if method is None or dev.bDeviceClass != 0:
                continue
            try:
                usb.util.claim_interface(dev, 0)
            except usb.core.USBError as exc:
                if exc.backend_error_code != _BUSY:
                    raise
                usb.util.dispose_resources(dev)
                log.info("driver.usb_busy", vendor=f"{dev.idVendor:04x}", bus=dev.bus,
                         address=dev.address)
                continue
            self.dev, self.request = dev, xcp.USB_REQUESTS[method]  # released if what follows fails
            dev.clear_halt(_ENDPOINT)
            return
        raise DriverIOError("Unable to find POWERWARE UPS device on USB bus (USB)")

    def _close_sync(self) -> None:
        dev, self.dev = self.dev, None
        if dev is not None:
            release_device(dev)

    def _send_sync(self, frame: bytes) -> None:
        request_type, request, value, index = self.request
        try:
            self.dev.ctrl_transfer(request_type, request, value, index, frame,
                                   _CONTROL_TIMEOUT_MS)
        except usb.core.USBError as exc:
            if exc.backend_error_code not in _ANSWER_ERRORS:
                raise
            log.debug("driver.usb_send_failed", error=str(exc))  # NUT ignores it too

    def _read(self, timeout: float) -> bytes | None:
        """One interrupt read; None when it failed (the halt cleared, as NUT does)."""
        try:
            return bytes(self.dev.read(_ENDPOINT, _READ_SIZE, max(1, int(timeout * 1000))))
        except usb.core.USBError as exc:
            if exc.backend_error_code not in _ANSWER_ERRORS:
                raise
            self.dev.clear_halt(_ENDPOINT)
            return None

    def _answer_sync(self) -> bytes:
        """get_answer: read until the last block came, 5 s in all; b"" on any failure."""
        ends = time.monotonic() + self.t.usb_answer  # a worker thread: the system clock
        buffer, data, expected = b"", b"", 1
        while True:
            while not self._complete(buffer):
                left = ends - time.monotonic()
                if left <= 0:
                    return b""
                chunk = self._read(left)
                if chunk is None:
                    return b""
                buffer += chunk
            at = buffer.find(bytes([xcp.START]))
            if at < 0:
                return b""
            buffer = buffer[at:]
            length, sequence = buffer[2], buffer[3]
            block = buffer[: length + _HEADER]
            if length > xcp.MAX_BLOCK_DATA or sequence & 0x7F != expected or not xcp.sum_ok(block):
                self.watch.failed(f"bad block {block[:4].hex()}", sequence=expected)
                return b""
            data += block[4:-1]
            buffer = buffer[len(block) :]
            if sequence & 0x80:
                return data
            expected += 1

    @staticmethod
    def _complete(buffer: bytes) -> bool:
        """A whole block is waiting (from the first start byte on), or garbage to give up on."""
        at = buffer.find(bytes([xcp.START]))
        if at < 0:
            return len(buffer) >= _HEADER  # NUT gives up on 5 bytes without a start byte
        rest = buffer[at:]
        return len(rest) >= _HEADER and (rest[2] > xcp.MAX_BLOCK_DATA or len(rest) >= rest[2] + _HEADER)
