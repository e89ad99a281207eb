"""The lab's USB hub: plugged devices, where they sit, and the faults tests ask for.

Every device the lab serves is a :class:`PluggedDevice`: a model plus its bus,
address, port path and an *attachment* number that changes on every replug, so
a handle opened before an unplug stays dead afterwards, as a real one does.
The fault calls are thread safe and take effect on the next matching request:

- :meth:`PluggedDevice.unplug`, :meth:`PluggedDevice.replug` (a new address, or
  the one given);
- :meth:`PluggedDevice.deny_open` (``LIBUSB_ERROR_ACCESS`` by default: the
  permissions case) and :meth:`PluggedDevice.allow_open`;
- :meth:`PluggedDevice.fail` (any libusb error on the next matching transfers),
  with the shorthands :meth:`PluggedDevice.stall` and :meth:`PluggedDevice.timeout`;
- :meth:`PluggedDevice.halt`: an endpoint answers PIPE until the client clears
  the halt (``libusb_clear_halt``), as a stalled USB endpoint does;
- :meth:`PluggedDevice.vanish`: the device disappears during the next matching
  transfer, which returns ``LIBUSB_ERROR_NO_DEVICE``;
- :meth:`PluggedDevice.garble`: the next IN replies are replaced by junk;
- ``reset_reenumerates``: a reset makes the device come back at a new address
  (libusb_reset_device returns NOT_FOUND), as devices that change identity do.

A transfer matches ``on`` when it is "any", its kind ("control", "interrupt",
"bulk"), "in"/"out" (its direction), or a predicate on the :class:`Call` about to
be made.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from tests.usblab.calls import Call
from tests.usblab.models import UsbModel
from tests.usblab.wire import UsbStatus

__all__ = ["Hub", "Match", "PluggedDevice"]

Match = str | Callable[[Call], bool]


@dataclass
class _Fault:
    on: Match
    error: UsbStatus | None = None  # None: garble instead
    count: int = 1
    after: int = 0
    data: bytes | None = None
    unplug: bool = False

    def matches(self, call: Call) -> bool:
        if callable(self.on):
            return self.on(call)
        if self.on == "any":
            return True
        if self.on in ("in", "out"):
            is_in = call.setup.is_in if call.setup else bool((call.endpoint or 0) & 0x80)
            return is_in == (self.on == "in")
        return call.op == self.on


@dataclass(eq=False)
class PluggedDevice:
    """A model on the lab's bus (see the module comment for the fault calls)."""

    hub: Hub
    model: UsbModel
    bus: int
    address: int
    ports: tuple[int, ...]
    attachment: int
    plugged: bool = True
    open_error: UsbStatus | None = None
    reset_reenumerates: bool = False
    faults: list[_Fault] = field(default_factory=list)
    halted: set[int] = field(default_factory=set)
    claimed: dict[int, object] = field(default_factory=dict)  # interface -> owning session
    kernel_bound: set[int] = field(default_factory=set)

    @property
    def name(self) -> str:
        """``bus:address`` as NUT prints them (``001:002``)."""
        return f"{self.bus:03d}:{self.address:03d}"

    # -- what tests call ------------------------------------------------------------

    def unplug(self) -> None:
        with self.hub.lock:
            self._unplug()

    def replug(self, *, bus: int | None = None, address: int | None = None,
               ports: tuple[int, ...] | None = None) -> None:
        """Plug it back (a new device number unless ``address`` is given)."""
        with self.hub.lock:
            self._unplug()
            self.bus = self.bus if bus is None else bus
            self.address = self.hub.next_address(self.bus) if address is None else address
            self.ports = self.ports if ports is None else ports
            self.attachment = self.hub.next_attachment()
            self.plugged = True
            self._fresh()

    def deny_open(self, error: UsbStatus = UsbStatus.ACCESS) -> None:
        with self.hub.lock:
            self.open_error = error

    def allow_open(self) -> None:
        with self.hub.lock:
            self.open_error = None

    def fail(self, error: UsbStatus, *, on: Match = "any", count: int = 1, after: int = 0) -> None:
        """The next ``count`` matching transfers (after ``after`` of them pass) get ``error``."""
        self._add(_Fault(on, error, count, after))

    def stall(self, *, on: Match = "control", count: int = 1) -> None:
        self.fail(UsbStatus.PIPE, on=on, count=count)

    def timeout(self, *, on: Match = "interrupt", count: int = 1) -> None:
        """The next matching transfers time out (after waiting their own timeout)."""
        self.fail(UsbStatus.TIMEOUT, on=on, count=count)

    def vanish(self, *, on: Match = "any", after: int = 0) -> None:
        """Unplugged in the middle of the next matching transfer: NO_DEVICE."""
        self._add(_Fault(on, UsbStatus.NO_DEVICE, 1, after, unplug=True))

    def garble(self, *, on: Match = "in", count: int = 1, data: bytes | None = None) -> None:
        """The next IN replies become ``data`` (or random bytes of the same length)."""
        self._add(_Fault(on, None, count, 0, data))

    def halt(self, endpoint: int) -> None:
        with self.hub.lock:
            self.halted.add(endpoint)

    # -- the server's side (called with the hub lock held) ---------------------------

    def take_fault(self, call: Call) -> _Fault | None:
        for fault in self.faults:
            if not fault.matches(call):
                continue
            if fault.after > 0:
                fault.after -= 1
                continue
            fault.count -= 1
            if fault.count <= 0:
                self.faults.remove(fault)
            if fault.unplug:
                self._unplug()
            return fault
        return None

    def junk(self, fault: _Fault, length: int) -> bytes:
        if fault.data is not None:
            return fault.data
        return bytes(self.hub.random.randrange(256) for _ in range(length))

    def reset(self) -> bool:
        """A port reset; False when the device re-enumerated (the handle is gone)."""
        self.model.on_reset()
        self.halted.clear()
        if not self.reset_reenumerates:
            return True
        self._unplug()
        self.address = self.hub.next_address(self.bus)
        self.attachment = self.hub.next_attachment()
        self.plugged = True
        self._fresh()
        return False

    def _unplug(self) -> None:
        self.plugged = False
        self.claimed.clear()
        self.hub.lock.notify_all()

    def _fresh(self) -> None:
        self.halted.clear()
        self.kernel_bound = {i.number for i in self.model.interfaces} if self.model.kernel_driver else set()
        self.model.on_reset()

    def _add(self, fault: _Fault) -> None:
        with self.hub.lock:
            self.faults.append(fault)


class Hub:
    """The devices of one lab and the one lock every request and fault call takes."""

    def __init__(self, seed: int = 0, timeout_scale: float = 1.0) -> None:
        self.lock = threading.Condition(threading.RLock())
        self.random = random.Random(seed)
        #: transfers that time out return after ``timeout * timeout_scale`` (a driver that
        #: probes many silent commands runs faster below 1; it cannot tell the difference)
        self.timeout_scale = timeout_scale
        self.devices: list[PluggedDevice] = []
        self._attachments = 0
        self._addresses: dict[int, int] = {}
        #: client name -> the buses it enumerates (all when absent; see UsbLab.show)
        self.views: dict[str, frozenset[int]] = {}

    def next_attachment(self) -> int:
        self._attachments += 1
        return self._attachments

    def next_address(self, bus: int) -> int:
        """Like the kernel: 1 is the root hub, each new device takes the next number."""
        self._addresses[bus] = self._addresses.get(bus, 1) + 1
        return self._addresses[bus]

    def plug(self, model: UsbModel, *, bus: int = 1, address: int | None = None,
             ports: tuple[int, ...] | None = None) -> PluggedDevice:
        with self.lock:
            if address is None:
                address = self.next_address(bus)
            else:
                self._addresses[bus] = max(self._addresses.get(bus, 1), address)
            dev = PluggedDevice(self, model, bus, address, ports or (len(self.devices) + 1,),
                                self.next_attachment())
            dev._fresh()
            self.devices.append(dev)
            return dev

    def plugged(self, client: str | None = None) -> list[PluggedDevice]:
        """The devices plugged in (those on the buses ``client`` may see)."""
        with self.lock:
            buses = self.views.get(client or "")
            return [d for d in self.devices if d.plugged and (buses is None or d.bus in buses)]

    def find(self, attachment: int) -> PluggedDevice | None:
        """The device of this attachment, if it is still there."""
        with self.lock:
            for dev in self.devices:
                if dev.plugged and dev.attachment == attachment:
                    return dev
            return None
