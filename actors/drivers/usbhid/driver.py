"""usbhid-ups: USB HID Power Device Class UPSes on pyusb, as NUT 2.8.0's usbhid-ups (0.47).

How it works: ``open`` finds the device (link.py), picks its subdriver and hands
everything to :class:`protocol.devices.hid.HidSession`, which walks the table once.
Between polls the actor waits in :meth:`UsbHid.wait_event`, which reads the
interrupt pipe and returns as soon as a report comes (unless ``pollonly``), so a
status change reaches upsd at once instead of at the next poll; NUT reads the
pipe only at the start of each poll. ``poll`` applies the reports that came,
then lets the session do a quick or a full walk (``pollfreq``). Blocking pyusb
calls run in worker threads. Read timeouts and stalls only skip a report; any
other USB error closes the device and the poll fails with
:class:`DriverIOError` (the data goes stale); the next polls look for the same
unit again (vendor, product, serial and bus as first seen, whatever its new
device number) and carry on where it left off when it is back.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any, TypeVar

import structlog
import trio
import usb.core  # type: ignore[import-untyped]

from nutrio.actors.drivers.base import HID_SNMP_ORDER, DeviceLike, PollResult, Sent
from nutrio.actors.drivers.errors import DriverIOError, KillPowerFailed
from nutrio.actors.drivers.usbbackend import pyusb_backend
from nutrio.actors.drivers.usbhid.link import Found, Link, find_device, is_lost
from nutrio.actors.drivers.usbhid.options import FLAGS, parse_options
from nutrio.protocol.common.state import ResultCode
from nutrio.protocol.devices.dummy.devfile import DeviceVars
from nutrio.protocol.devices.hid import (
    DeviceInfo,
    HidSession,
    instcmd,
    parse_descriptor,
    path_to_string,
    setvar,
)

__all__ = ["UsbHid"]

log = structlog.get_logger()

T = TypeVar("T")
RunSync = Callable[[Callable[[], T]], Awaitable[T]]

#: how long one interrupt read waits; commands on the same device may wait this long in
#: the test lab, whose libusb runs one transfer per device at a time (real libusb does not)
_EVENT_WAIT_MS = 200


async def _in_thread(fn: Callable[[], T]) -> T:
    return await trio.to_thread.run_sync(fn)


class UsbHid:
    """The usbhid-ups driver (see the module comment)."""

    name = "usbhid-ups"
    version_internal = "0.47"
    flags = FLAGS

    def __init__(self, device: DeviceLike, *, backend: Any = None,
                 run_sync: RunSync[Any] | None = None) -> None:
        self.device = device
        self.backend = backend
        self._run: RunSync[Any] = run_sync or _in_thread
        self.options = parse_options(device)
        self._session: HidSession | None = None
        self._link: Link | None = None
        self._known: DeviceInfo | None = None  # the exact matcher after the first open
        self._pollonly = self.options.pollonly
        self._events: deque[bytes] = deque()
        self._lost: BaseException | None = None  # what the interrupt reader ran into
        #: held by an interrupt read: closing the device waits for it (libusb must not close
        #: a handle under a transfer another thread is in)
        self._reading = threading.Lock()

    # -- the Driver protocol -------------------------------------------------

    async def open(self, state: DeviceVars) -> None:
        for name, value in self.options.defaults.items():  # set before NUT's first walk
            state.set(name, value)
        self._put_overrides(state)
        now = trio.current_time()
        await self._run(lambda: self._open_sync(state, now))
        session = self._session
        assert session is not None and self._known is not None
        log.info("driver.usb_opened", device=f"{self._known.bus}:{self._known.device}",
                 usb_id=f"{self._known.vendor_id:04x}:{self._known.product_id:04x}",
                 subdriver=session.subdriver.name)
        await self.poll(state)  # main.c updates once right after initinfo

    async def poll(self, state: DeviceVars) -> PollResult:
        now = trio.current_time()
        await self._run(lambda: self._poll_sync(state, now))
        self._put_overrides(state)
        return PollResult()

    async def wait_event(self) -> None:
        """Return once an interrupt report (or the loss of the device) is waiting for the
        next poll; wait forever when the pipe is not read."""
        while not self._events and self._lost is None:
            link = self._link
            if link is None or self._pollonly:
                await trio.sleep_forever()
                return
            started = trio.current_time()
            await self._run(partial(self._read_event, link))
            if not self._events and self._lost is None:  # a reader that answers at once
                await trio.sleep(max(0.0, started + _EVENT_WAIT_MS / 1000 - trio.current_time()))

    async def instcmd(self, state: DeviceVars, name: str, value: str | None) -> str:
        session = self._session
        if session is None or self._link is None:
            return ResultCode.FAILED
        return str(await self._run(lambda: self._guard(
            lambda: instcmd(session, state, name, value))))

    async def set_var(self, state: DeviceVars, name: str, value: str) -> str:
        session = self._session
        if session is None or self._link is None:
            return ResultCode.FAILED
        return str(await self._run(lambda: self._guard(
            lambda: setvar(session, state, name, value))))

    async def close(self) -> None:
        await self._run(self._close_sync)

    async def killpower(self) -> Sent:
        """usbhid-ups -k: find and read the UPS as at start (ondelay/offdelay taken),
        then the first of shutdown.return, shutdown.reboot, load.off.delay it takes."""
        state = DeviceVars()
        now = trio.current_time()
        await self._run(lambda: self._open_sync(state, now))
        session = self._session
        assert session is not None
        for name in HID_SNMP_ORDER:
            code = await self._run(partial(self._guard, partial(instcmd, session, state, name)))
            if code == ResultCode.SUCCESS:
                delays = f"ups.delay.shutdown {state.get('ups.delay.shutdown')}"
                if name == "shutdown.return":
                    delays += f", ups.delay.start {state.get('ups.delay.start')}"
                return Sent(name, delays)
            log.info("driver.killpower_refused", command=name, code=code)
        tried = ", ".join(HID_SNMP_ORDER)
        raise KillPowerFailed(f"the UPS took none of {tried} (Shutdown failed!)")

    # -- blocking side -------------------------------------------------------

    def _put_overrides(self, state: DeviceVars) -> None:
        for name, value in self.options.overrides.items():  # NUT makes them immutable
            state.set(name, value)

    def _guard(self, fn: Callable[[], T]) -> T:
        """Run device I/O; a USB error becomes DriverIOError, and closes a lost device."""
        try:
            return fn()
        except usb.core.USBError as exc:
            if is_lost(exc):
                where = self._known and f"{self._known.bus}:{self._known.device}"
                self._close_sync()
                raise DriverIOError(f"USB device {where} lost: {exc}") from exc
            raise DriverIOError(f"USB error: {exc}") from exc

    def _find(self) -> Found | None:
        backend = self.backend or pyusb_backend()
        candidates = list(usb.core.find(find_all=True, backend=backend) or [])
        return find_device(candidates, self.options, self._known)

    def _open_sync(self, state: DeviceVars, now: float) -> None:
        found = self._guard(self._find)
        if found is None:
            raise DriverIOError("No matching HID UPS found")
        self._guard(lambda: self._attach(found, state, now, first=True))

    def _poll_sync(self, state: DeviceVars, now: float) -> None:
        lost, self._lost = self._lost, None
        if lost is not None:
            self._guard(partial(_raise, lost))
        if self._link is None:
            found = self._guard(self._find)
            if found is None:
                raise DriverIOError("the UPS is not connected (still looking for it)")
            self._guard(lambda: self._attach(found, state, now, first=False))
            log.info("driver.usb_reconnected", device=f"{found.info.bus}:{found.info.device}")
        session = self._session
        assert session is not None
        events = [self._events.popleft() for _ in range(len(self._events))]
        self._guard(lambda: session.update(state, now, events))

    def _read_event(self, link: Link) -> None:
        """One interrupt read; a report is queued, a lost device remembered for the poll."""
        with self._reading:
            if link is not self._link:
                return  # closed meanwhile
            try:
                data = link.read_interrupt(_EVENT_WAIT_MS)
            except usb.core.USBError as exc:
                self._lost = exc
                return
        if data:
            self._events.append(data)

    def _attach(self, found: Found, state: DeviceVars, now: float, *, first: bool) -> None:
        link = Link(found, self.options)
        link.claim()
        raw = link.report_descriptor(found.info.release, found.info.vendor_id)
        self._link = link
        self._events.clear()
        old = self._session
        if not first and old is not None and old.descriptor.raw == raw:
            old.io = link.transport
            old.restart(state, now)
            return
        if old is not None:  # a changed unit (new firmware): its table is read afresh
            kept = {*self.options.defaults, *self.options.overrides}
            for name in old.served() - kept:
                state.delete(name)
        self._start_session(found, link, raw, state, now)

    def _start_session(self, found: Found, link: Link, raw: bytes, state: DeviceVars,
                       now: float) -> None:
        desc = parse_descriptor(raw)
        for warning in desc.warnings:
            log.warning("driver.hid_descriptor", problem=warning)
        settings = found.claim.settings
        if settings.get("pollonly") and not self._pollonly:
            log.info("driver.interrupt_pipe_disabled", reason="the subdriver polls this model")
            self._pollonly = True
        session = HidSession(desc, found.subdriver, found.info, link.transport,
                             self.options.session, settings)
        session.pause = time.sleep
        self._session = session
        self._known = found.info
        state.set("driver.version.usb", f"pyusb {usb.__version__}")
        session.start(state, now)
        if self.options.explore:
            self._dump_tree(now)

    def _dump_tree(self, now: float) -> None:
        """HIDDumpTree: every HID path of the device with its value, for a new subdriver."""
        session = self._session
        assert session is not None
        for field in session.descriptor.fields:
            value = session.read(field, self.options.session.pollinterval, now)
            log.info("driver.hid_path", path=path_to_string(field.path, session.subdriver.usages),
                     type=field.kind.name.title(), report_id=f"0x{field.report_id:02x}",
                     offset=field.offset, size=field.size, value=value)

    def _close_sync(self) -> None:
        with self._reading:
            link, self._link = self._link, None
        if link is not None:
            link.close()


def _raise(error: BaseException) -> None:
    raise error
