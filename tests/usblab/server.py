"""The lab's device server: a Unix socket that libusb_lab.c talks to, one thread per client.

:class:`UsbLab` is what tests hold::

    with UsbLab() as lab:
        ups = lab.plug(HidPowerDevice.from_recording(load("apc_bk650m2")))
        env = lab.env(client="usbhid-ups")      # for a real NUT driver's subprocess
        ...
        ups.unplug(); ups.replug()              # faults: see hub.py
        lab.transfers(client="usbhid-ups")      # what it sent, byte for byte

It runs in daemon threads, so it answers whether the test is synchronous or runs
under Trio, and whether the client is a subprocess or pyusb in the test's own
process (in a worker thread or not). A model that raises something other than
:class:`~tests.usblab.models.UsbError` answers LIBUSB_ERROR_IO and the exception
is kept in :attr:`UsbLab.errors`; :meth:`UsbLab.check` raises the first one (the
fixtures call it at teardown).
"""

from __future__ import annotations

import contextlib
import ctypes
import shutil
import socket
import socketserver
import tempfile
import threading
import time
import traceback
from dataclasses import replace
from pathlib import Path
from typing import Self

from tests.usblab.build import build_library
from tests.usblab.calls import Call
from tests.usblab.hub import Hub, PluggedDevice
from tests.usblab.models import UsbModel
from tests.usblab.session import Session
from tests.usblab.wire import MAGIC, REQUEST, UsbStatus, reply

__all__ = ["UsbLab"]

#: the environment variables libusb_lab.c reads
SOCKET_ENV, CLIENT_ENV = "USBLAB_SOCKET", "USBLAB_CLIENT"


def _recv_exact(sock: socket.socket, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        try:
            chunk = sock.recv(size - len(data))
        except OSError:
            return None
        if not chunk:
            return None
        data += chunk
    return data


class _Handler(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        lab = self.server.lab
        sock: socket.socket = self.request
        session = Session(lab.hub, lab._record)
        lab._connections.add(sock)
        try:
            while (head := _recv_exact(sock, REQUEST.size)) is not None:
                magic, version, op, *rest = REQUEST.unpack(head)
                args, length = tuple(rest[:6]), rest[6]
                payload = _recv_exact(sock, length) if length else b""
                if magic != MAGIC or payload is None:
                    return
                sock.sendall(lab._answer(session, op, version, args, payload))
        except OSError:
            pass
        finally:
            session.closed()
            lab._connections.discard(sock)


class _Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True
    lab: UsbLab


class UsbLab:
    """A running device server with its devices, its call log and the env for clients."""

    def __init__(self, *, seed: int = 0, timeout_scale: float = 1.0) -> None:
        self.hub = Hub(seed, timeout_scale)
        self.errors: list[str] = []
        self._calls: list[Call] = []
        self._connections: set[socket.socket] = set()
        self._libraries: list[ctypes.CDLL] = []  # private copies, kept loaded
        self._started = time.monotonic()
        self._dir = Path(tempfile.mkdtemp(prefix="usblab-"))  # short: sun_path holds 107 bytes
        self.socket_path = self._dir / "usb.sock"
        self._server = _Server(str(self.socket_path), _Handler)
        self._server.lab = self
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        name="usblab", daemon=True)
        self._thread.start()

    # -- devices -------------------------------------------------------------------------

    def plug(self, model: UsbModel, *, bus: int = 1, address: int | None = None,
             ports: tuple[int, ...] | None = None) -> PluggedDevice:
        """Connect a device model; returns its handle for faults (see hub.py)."""
        return self.hub.plug(model, bus=bus, address=address, ports=ports)

    def show(self, client: str, *buses: int) -> None:
        """Let ``client`` (its USBLAB_CLIENT name) enumerate only the devices on ``buses``,
        as if the others were on another machine. NUT's subdriver claims run for every
        device enumerated and keep global state (scales, interrupt-only): units that two
        drivers run side by side must not see each other."""
        with self.hub.lock:
            self.hub.views[client] = frozenset(buses)

    @property
    def devices(self) -> list[PluggedDevice]:
        return list(self.hub.devices)

    @property
    def lock(self) -> threading.Condition:
        """Held while the server asks a model anything: hold it to change a model's state
        in one step (``with lab.lock: ups.on_battery()``), so no reply sees half of it."""
        return self.hub.lock

    @property
    def timeout_scale(self) -> float:
        """Transfers that time out return after their timeout times this (1: real time)."""
        return self.hub.timeout_scale

    @timeout_scale.setter
    def timeout_scale(self, scale: float) -> None:
        self.hub.timeout_scale = scale

    # -- what clients need ----------------------------------------------------------------

    @property
    def library(self) -> Path:
        """The lab's libusb-1.0.so.0 (built on first use)."""
        return build_library()

    def private_library(self, client: str = "nutrio") -> Path:
        """A copy of the lab's library that talks to this lab whatever the environment says.

        For a test that runs several in-process drivers, each on a lab of its own: hand
        ``nutrio.actors.drivers.usbbackend.backend_for(path)`` to the driver. Each copy is
        its own file, so the dynamic loader keeps it apart from the other copies."""
        folder = self._dir / "lib"
        folder.mkdir(exist_ok=True)
        path = folder / self.library.name
        if not path.exists():
            shutil.copy2(self.library, path)
            lib = ctypes.CDLL(str(path))
            lib.usblab_use(str(self.socket_path).encode(), client.encode())
            self._libraries.append(lib)
        return path

    def env(self, *, client: str | None = None) -> dict[str, str]:
        """Environment entries that point a real driver, or nutrio, at this lab."""
        env = {SOCKET_ENV: str(self.socket_path), "LD_LIBRARY_PATH": str(self.library.parent),
               "NUTRIO_LIBUSB": str(self.library)}
        if client:
            env[CLIENT_ENV] = client
        return env

    # -- the record -----------------------------------------------------------------------

    def calls(self, *, client: str | None = None, op: str | None = None) -> list[Call]:
        with self.hub.lock:
            return [c for c in self._calls
                    if (client is None or c.client == client) and (op is None or c.op == op)]

    def transfers(self, *, client: str | None = None) -> list[Call]:
        return [c for c in self.calls(client=client) if c.is_transfer]

    def clients(self) -> list[str]:
        return sorted({c.client for c in self.calls()})

    def wait_for(self, predicate: object, timeout: float = 20.0) -> list[Call]:
        """Block until ``predicate(calls)`` is true; returns the calls (TimeoutError if never)."""
        deadline = time.monotonic() + timeout
        with self.hub.lock:
            while not predicate(self._calls):  # type: ignore[operator]
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("the lab never saw the calls the test waited for")
                self.hub.lock.wait(min(left, 0.05))
            return list(self._calls)

    def check(self) -> None:
        """Raise if a model failed with an unexpected exception."""
        if self.errors:
            raise AssertionError(f"a USB lab model failed:\n{self.errors[0]}")

    # -- life cycle -----------------------------------------------------------------------

    def close(self) -> None:
        """Stop serving: clients see their devices vanish (NO_DEVICE) and lists fail (IO)."""
        self._server.shutdown()
        self._server.server_close()
        for sock in list(self._connections):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        with self.hub.lock:
            self.hub.lock.notify_all()
        shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the server's side ----------------------------------------------------------------

    def _record(self, call: Call) -> Call:
        with self.hub.lock:
            call = replace(call, seq=len(self._calls), time=time.monotonic() - self._started)
            self._calls.append(call)
            self.hub.lock.notify_all()
            return call

    def _answer(self, session: Session, op: int, version: int, args: tuple[int, ...],
                payload: bytes) -> bytes:
        try:
            return session.handle(op, version, args, payload)
        except Exception:  # noqa: BLE001 - a model's bug: an I/O error for the client, a failure for the test
            self.errors.append(traceback.format_exc())
            return reply(UsbStatus.IO)
