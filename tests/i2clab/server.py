"""The I2C lab's simulator: the Unix socket i2c_lab.c talks to, one thread per open file.

:class:`I2cLab` is what tests hold::

    with I2cLab() as lab:
        hat = lab.attach("/dev/i2c-1", 0x14, PiJuiceHat(UNITS["hat_2019"]))
        env = lab.env()          # LD_PRELOAD and I2CLAB_SOCKET for a subprocess
        ...
        lab.calls()              # every transfer, in order: what the process did

A chip is any object with ``read_byte``, ``read_word``, ``read_block``, ``write_byte``
(and ``write_word``); it raises :class:`I2cError` to answer with an errno (EREMOTEIO:
the chip did not acknowledge). An address without a chip answers EREMOTEIO, a path
without a bus ENOENT at open, as Linux's i2c-dev does. Each request is answered in
the connection's thread under one lock, so a chip never runs twice at once.
"""

from __future__ import annotations

import errno
import shutil
import socket
import socketserver
import struct
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

from tests.i2clab.build import build_preload

__all__ = ["I2cCall", "I2cError", "I2cLab"]

MAGIC = 0x49324331
REQUEST = struct.Struct("<IBBBBIII")
REPLY = struct.Struct("<iI")
OP_OPEN, OP_SLAVE, OP_SMBUS, OP_READ, OP_WRITE, OP_FUNCS = 1, 2, 3, 4, 5, 6
READ = 1
BYTE_DATA, WORD_DATA, I2C_BLOCK_DATA = 2, 3, 8
#: I2C_FUNC_I2C | I2C_FUNC_SMBUS_BYTE_DATA | WORD_DATA | I2C_BLOCK (what a Pi's adapter says)
FUNCS = 0x00000001 | 0x00180000 | 0x00600000 | 0x0C000000


class I2cError(Exception):
    """A chip's answer that is an errno."""

    def __init__(self, code: int) -> None:
        super().__init__(errno.errorcode.get(code, str(code)))
        self.code = code


@dataclass(frozen=True, slots=True)
class I2cCall:
    """One SMBus transfer: ``op`` is read_byte, read_word, read_block, write_byte or
    write_word; ``value`` what was read or written; ``error`` the errno answered (0)."""

    path: str
    address: int
    op: str
    register: int
    value: int | bytes
    error: int = 0


@dataclass
class _Bus:
    chips: dict[int, Any] = field(default_factory=dict)


class _Handler(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        lab = self.server.lab
        sock: socket.socket = self.request
        reader = sock.makefile("rb")
        state: dict[str, Any] = {"path": None, "address": None}
        while len(head := _read(reader, REQUEST.size)) == REQUEST.size:
            magic, op, read_write, command, _, size, arg, length = REQUEST.unpack(head)
            payload = _read(reader, length)
            if magic != MAGIC or len(payload) != length:
                return
            with lab.lock:
                result, back = lab.answer(state, op, read_write, command, size, arg, payload)
            sock.sendall(REPLY.pack(result, len(back)) + back)


class _Server(socketserver.ThreadingUnixStreamServer):
    daemon_threads = True
    lab: I2cLab


def _read(reader: Any, size: int) -> bytes:
    """Up to ``size`` bytes (fewer: the client went away)."""
    try:
        return bytes(reader.read(size)) if size else b""
    except OSError:
        return b""


class I2cLab:
    """Buses by path, chips by address (see the module comment)."""

    def __init__(self) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="i2clab-"))
        self.socket = self.tmp / "lab.sock"
        self.lock = threading.Lock()
        self.buses: dict[str, _Bus] = {}
        self.opened = 0
        self._calls: list[I2cCall] = []
        self.server = _Server(str(self.socket), _Handler)
        self.server.lab = self
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def attach(self, path: str, address: int, chip: Any) -> Any:
        with self.lock:
            self.buses.setdefault(path, _Bus()).chips[address] = chip
        return chip

    def env(self) -> dict[str, str]:
        return {"LD_PRELOAD": str(build_preload()), "I2CLAB_SOCKET": str(self.socket)}

    def calls(self, op: str | None = None) -> list[I2cCall]:
        with self.lock:
            return [c for c in self._calls if op is None or c.op == op]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the wire ----------------------------------------------------------------------

    def answer(self, state: dict[str, Any], op: int, read_write: int, command: int,
               size: int, arg: int, payload: bytes) -> tuple[int, bytes]:
        if op == OP_OPEN:
            path = payload.decode()
            if path not in self.buses:
                return -errno.ENOENT, b""
            state["path"] = path
            self.opened += 1
            return 0, b""
        if op == OP_SLAVE:
            state["address"] = arg
            return 0, b""
        if op == OP_FUNCS:
            return 0, struct.pack("<I", FUNCS)
        if op == OP_SMBUS:
            return self._smbus(state, read_write == READ, command, size, bytearray(payload))
        return -errno.EOPNOTSUPP, b""  # plain read()/write(): no chip here needs them

    def _smbus(self, state: dict[str, Any], read: bool, register: int, size: int,
               data: bytearray) -> tuple[int, bytes]:
        bus = self.buses.get(state["path"] or "")
        if bus is None:
            return -errno.ENODEV, bytes(data)  # the adapter went away
        chip = bus.chips.get(state["address"])
        try:
            op, value = _describe(read, size, data)
        except I2cError as exc:
            return -exc.code, bytes(data)
        try:
            if chip is None:
                raise I2cError(errno.EREMOTEIO)
            value = _transfer(chip, op, register, data)
        except I2cError as exc:
            self._record(state, op, register, value, exc.code)
            return -exc.code, bytes(data)
        self._record(state, op, register, value, 0)
        return 0, bytes(data)

    def _record(self, state: dict[str, Any], op: str, register: int, value: int | bytes,
                error: int) -> None:
        self._calls.append(I2cCall(state["path"], state["address"], op, register, value, error))


def _describe(read: bool, size: int, data: bytearray) -> tuple[str, int | bytes]:
    kind = {BYTE_DATA: "byte", WORD_DATA: "word", I2C_BLOCK_DATA: "block"}.get(size)
    if kind is None:
        raise I2cError(errno.EINVAL)
    if read:
        return f"read_{kind}", b""
    return f"write_{kind}", {"byte": data[0], "word": data[0] | data[1] << 8,
                             "block": bytes(data[1:1 + data[0]])}[kind]


def _transfer(chip: Any, op: str, register: int, data: bytearray) -> int | bytes:
    """Run one transfer on ``chip``, filling ``data`` (the kernel's union) for a read."""
    if op == "read_byte":
        data[0] = value = chip.read_byte(register) & 0xFF
        return value
    if op == "read_word":
        value = chip.read_word(register) & 0xFFFF
        data[0:2] = value.to_bytes(2, "little")
        return int(value)
    if op == "read_block":
        block = bytes(chip.read_block(register, min(data[0], 32)))[:32]
        data[0] = len(block)
        data[1:1 + len(block)] = block
        return block
    if op == "write_byte":
        chip.write_byte(register, data[0])
        return data[0]
    if op == "write_word":
        chip.write_word(register, data[0] | data[1] << 8)
        return data[0] | data[1] << 8
    raise I2cError(errno.EINVAL)
