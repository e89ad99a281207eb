"""One client connection of the device server: libusb's calls answered from the hub.

A connection says HELLO, then either asks for the device list (and closes) or
OPENs one device and carries that handle's calls until CLOSE or until it
drops. :meth:`Session.handle` takes one decoded request and returns the reply
bytes; it records a :class:`Call` for every request. Everything runs under the
hub's lock except the waits: a transfer that times out sleeps its timeout, and
an IN transfer with nothing to read polls the model until data or the timeout
comes (the lock is released meanwhile, so tests and other clients go on).
"""

from __future__ import annotations

import struct
import time
from collections.abc import Callable
from dataclasses import replace

from tests.usblab.calls import Call
from tests.usblab.hub import Hub, PluggedDevice
from tests.usblab.models import Setup, UsbError
from tests.usblab.wire import MAX_PORTS, VERSION, Op, UsbStatus, reply

__all__ = ["Session"]

_POLL = 0.005  # seconds between looks at a model with nothing to send
#: how many of a bookkeeping call's arguments mean something (the rest are zeros)
_ARGS = {Op.CLOSE: 0, Op.GET_CONFIG: 0, Op.RESET: 0, Op.SET_ALT: 2}


class Session:
    def __init__(self, hub: Hub, record: Callable[[Call], Call]) -> None:
        self.hub = hub
        self.record = record  # stamps seq/time, keeps the call, returns it
        self.client = "?"
        self.pid = 0
        self.device: PluggedDevice | None = None
        self.attachment = 0
        self.auto_detach = False

    # -- dispatch ----------------------------------------------------------------------

    def handle(self, op: int, version: int, args: tuple[int, ...], payload: bytes) -> bytes:
        if op == Op.HELLO:
            return self._hello(version, args, payload)
        try:
            name = Op(op)
        except ValueError:
            return reply(UsbStatus.NOT_SUPPORTED)
        if name == Op.LIST:
            return self._list()
        if name == Op.OPEN:
            return self._open(args[0])
        if name in (Op.CONTROL, Op.INTERRUPT, Op.BULK):
            return self._transfer(name, args, payload)
        return self._simple(name, args)

    def closed(self) -> None:
        """The connection dropped: its claims go with it."""
        with self.hub.lock:
            if self.device is not None:
                self._release_all(self.device)

    # -- enumeration and open ----------------------------------------------------------

    def _hello(self, version: int, args: tuple[int, ...], payload: bytes) -> bytes:
        if version != VERSION:
            return reply(UsbStatus.NOT_SUPPORTED)
        self.pid, self.client = args[0], payload.decode("utf-8", "replace")
        return reply(UsbStatus.SUCCESS)

    def _list(self) -> bytes:
        with self.hub.lock:
            devices = self.hub.plugged(self.client)
            body = b"".join(_describe(dev) for dev in devices)
            self.record(self._call("list", "", args=(len(devices),)))
        return reply(UsbStatus.SUCCESS, len(devices), struct.pack("<I", len(devices)) + body)

    def _open(self, attachment: int) -> bytes:
        with self.hub.lock:
            dev = self.hub.find(attachment)
            status = UsbStatus.NO_DEVICE if dev is None else dev.open_error or UsbStatus.SUCCESS
            if dev is not None and status == UsbStatus.SUCCESS:
                self.device, self.attachment = dev, attachment
            self.record(self._call("open", dev.name if dev else "", args=(attachment,), status=status))
        return reply(status)

    def _alive(self) -> PluggedDevice | None:
        dev = self.device
        if dev is None or not dev.plugged or dev.attachment != self.attachment:
            return None
        return dev

    # -- bookkeeping calls -------------------------------------------------------------

    def _simple(self, op: Op, args: tuple[int, ...]) -> bytes:
        with self.hub.lock:
            dev = self._alive()
            status, value = int(UsbStatus.NO_DEVICE), 0
            if dev is not None:
                status, value = self._apply(dev, op, args[0], args[1])
            elif op == Op.CLOSE:
                status = UsbStatus.SUCCESS
            shown = value if op == Op.GET_CONFIG and status == UsbStatus.SUCCESS else status
            self.record(self._call(op.name.lower(), dev.name if dev else "",
                                   args=args[: _ARGS.get(op, 1)], status=shown))
        return reply(status, value)

    def _apply(self, dev: PluggedDevice, op: Op, a: int, b: int) -> tuple[int, int]:
        interfaces = {i.number for i in dev.model.interfaces}
        match op:
            case Op.CLOSE:
                self._release_all(dev)
                self.device = None
            case Op.CLAIM:
                return self._claim(dev, a, interfaces), 0
            case Op.RELEASE:
                if dev.claimed.get(a) is not self:
                    return UsbStatus.NOT_FOUND, 0
                del dev.claimed[a]
            case Op.KERNEL_ACTIVE:
                if a not in interfaces:
                    return UsbStatus.NOT_FOUND, 0
                bound = int(a in dev.kernel_bound)
                return bound, bound
            case Op.DETACH:
                if a not in dev.kernel_bound:
                    return UsbStatus.NOT_FOUND, 0
                dev.kernel_bound.discard(a)
            case Op.ATTACH:
                if a in dev.claimed or a in dev.kernel_bound:
                    return UsbStatus.BUSY, 0
                dev.kernel_bound.add(a)
            case Op.AUTO_DETACH:
                self.auto_detach = bool(a)
            case Op.SET_CONFIG:
                dev.model.configuration = a
            case Op.GET_CONFIG:
                return UsbStatus.SUCCESS, dev.model.configuration
            case Op.SET_ALT:
                known = any(i.number == a and i.alternate == b for i in dev.model.interfaces)
                if dev.claimed.get(a) is not self or not known:
                    return UsbStatus.NOT_FOUND, 0
            case Op.RESET:
                if not dev.reset():
                    return UsbStatus.NOT_FOUND, 0
            case Op.CLEAR_HALT:
                dev.halted.discard(a)
            case _:
                return UsbStatus.NOT_SUPPORTED, 0
        return UsbStatus.SUCCESS, 0

    def _claim(self, dev: PluggedDevice, intf: int, interfaces: set[int]) -> int:
        if intf not in interfaces:
            return UsbStatus.NOT_FOUND
        owner = dev.claimed.get(intf)
        if owner is not None and owner is not self:
            return UsbStatus.BUSY
        if intf in dev.kernel_bound:
            if not self.auto_detach:
                return UsbStatus.BUSY
            dev.kernel_bound.discard(intf)
        dev.claimed[intf] = self
        return UsbStatus.SUCCESS

    def _release_all(self, dev: PluggedDevice) -> None:
        for intf in [i for i, owner in dev.claimed.items() if owner is self]:
            del dev.claimed[intf]

    # -- transfers ---------------------------------------------------------------------

    def _transfer(self, op: Op, args: tuple[int, ...], payload: bytes) -> bytes:
        if op == Op.CONTROL:
            setup = Setup(*args[:5])
            call = self._call("control", "", setup=setup, length=setup.length, out=payload)
            timeout_ms, is_in = args[5], setup.is_in
        else:
            call = self._call(op.name.lower(), "", endpoint=args[0], length=args[1], out=payload)
            timeout_ms, is_in = args[2], bool(args[0] & 0x80)
        deadline = time.monotonic() + (timeout_ms or 60_000) / 1000 * self.hub.timeout_scale
        with self.hub.lock:
            dev = self._alive()
            if dev is not None:
                call = replace(call, device=dev.name)
            status, back, value = self._run(dev, call, is_in, deadline)
            self.record(replace(call, back=back, status=status))
        return reply(status, value, back)

    def _run(self, dev: PluggedDevice | None, call: Call, is_in: bool,
             deadline: float) -> tuple[int, bytes, int]:
        """(status, bytes back, value) of one transfer; the hub lock is held."""
        if dev is None:
            return UsbStatus.NO_DEVICE, b"", 0
        fault = dev.take_fault(call)
        if fault is not None and fault.error == UsbStatus.TIMEOUT:
            self._sleep_until(deadline)
            return UsbStatus.TIMEOUT, b"", 0
        if fault is not None and fault.error is not None:
            return fault.error, b"", 0
        if call.endpoint is not None and call.endpoint in dev.halted:
            return UsbStatus.PIPE, b"", 0
        try:
            status, back, value = self._ask_model(dev, call, is_in, deadline)
        except UsbError as exc:
            return exc.status, b"", 0
        if fault is not None and is_in and status >= 0:  # garble what the model said
            back = dev.junk(fault, len(back) or call.length)[: call.length]
            status, value = (len(back), len(back)) if call.setup else (status, len(back))
        return status, back, value

    def _ask_model(self, dev: PluggedDevice, call: Call, is_in: bool,
                   deadline: float) -> tuple[int, bytes, int]:
        model = dev.model
        if call.setup is not None:
            answer = model.control(call.setup, call.out)
            if is_in:
                back = b"" if isinstance(answer, int) else bytes(answer)[: call.length]
                return len(back), back, len(back)
            count = answer if isinstance(answer, int) else len(call.out)
            return count, b"", count
        if not is_in:
            taken = model.write(call.endpoint or 0, call.out)
            return UsbStatus.SUCCESS, b"", taken
        data = model.read(call.endpoint or 0, call.length)
        while data is None:
            if not self._wait_a_bit(dev, deadline):
                return (UsbStatus.TIMEOUT if dev.plugged else UsbStatus.NO_DEVICE), b"", 0
            data = model.read(call.endpoint or 0, call.length)
        if len(data) > call.length:
            return UsbStatus.OVERFLOW, data[: call.length], call.length
        return UsbStatus.SUCCESS, data, len(data)

    def _wait_a_bit(self, dev: PluggedDevice, deadline: float) -> bool:
        """Release the lock a moment; False once the deadline passed or the device left."""
        left = deadline - time.monotonic()
        if left <= 0 or self._alive() is None:
            return False
        self.hub.lock.wait(min(left, _POLL))
        return self._alive() is not None

    def _sleep_until(self, deadline: float) -> None:
        while (left := deadline - time.monotonic()) > 0:
            self.hub.lock.wait(left)

    def _call(self, op: str, device: str, **fields: object) -> Call:
        return Call(seq=0, time=0.0, client=self.client, pid=self.pid, op=op, device=device,
                    **fields)  # type: ignore[arg-type]


def _describe(dev: PluggedDevice) -> bytes:
    """One device of a LIST reply (the layout libusb_lab.c's parse_device reads)."""
    ports = dev.ports[:MAX_PORTS]
    head = struct.pack("<IBBBB", dev.attachment, dev.bus, dev.address, dev.model.speed, len(ports))
    head += bytes(ports) + bytes(MAX_PORTS - len(ports)) + dev.model.device_descriptor()
    configs = dev.model.config_descriptors()
    body = bytes([len(configs)]) + b"".join(struct.pack("<H", len(c)) + c for c in configs)
    return head + body
