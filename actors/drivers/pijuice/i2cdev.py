"""A Linux I2C bus through i2c-dev (/dev/i2c-N): the slave address, then SMBus reads and
writes, each one ``ioctl`` as i2c-tools' ``i2c_smbus_*`` functions make them.

How it works: ``open`` opens the node read-write and sets the slave address
(``I2C_SLAVE``); each transfer fills the kernel's ``i2c_smbus_ioctl_data`` (read or
write, the register, the transfer size, a pointer to the 34-byte data union) and runs
``I2C_SMBUS`` in a worker thread (the kernel waits for the bus). An ``OSError`` (the
chip did not acknowledge: EREMOTEIO; the adapter is gone: ENODEV) becomes
:class:`DriverIOError` with the errno kept, and the file stays open: the caller decides
whether to drop it. The tests' I2C lab (tests/i2clab/) answers the same calls.
"""

from __future__ import annotations

import ctypes
import fcntl
import os
from collections.abc import Callable
from functools import partial
from typing import TypeVar

import trio

from nutrio.actors.drivers.errors import DriverIOError

__all__ = ["I2cBus"]

T = TypeVar("T")

# linux/i2c-dev.h and linux/i2c.h
I2C_SLAVE, I2C_SMBUS = 0x0703, 0x0720
_READ, _WRITE = 1, 0
_BYTE_DATA, _WORD_DATA, _I2C_BLOCK_DATA = 2, 3, 8
_BLOCK_MAX = 32


class _Data(ctypes.Union):
    _fields_ = [("byte", ctypes.c_uint8), ("word", ctypes.c_uint16),
                ("block", ctypes.c_uint8 * (_BLOCK_MAX + 2))]


class _Args(ctypes.Structure):
    _fields_ = [("read_write", ctypes.c_uint8), ("command", ctypes.c_uint8),
                ("size", ctypes.c_uint32), ("data", ctypes.POINTER(_Data))]


class I2cBus:
    """One /dev/i2c-N opened for one chip (see the module comment)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.fd: int | None = None

    @property
    def is_open(self) -> bool:
        return self.fd is not None

    async def open(self, address: int) -> None:
        await self._run(partial(self._open_sync, address))

    def close(self) -> None:
        fd, self.fd = self.fd, None
        if fd is not None:
            os.close(fd)

    async def read_byte(self, register: int) -> int:
        data = await self._run(partial(self._smbus, _READ, register, _BYTE_DATA, _Data()))
        return int(data.byte)

    async def read_word(self, register: int) -> int:
        data = await self._run(partial(self._smbus, _READ, register, _WORD_DATA, _Data()))
        return int(data.word)

    async def read_block(self, register: int, length: int) -> bytes:
        """An I2C block read of ``length`` bytes (at most 32), as the chip sent them."""
        data = _Data()
        data.block[0] = min(length, _BLOCK_MAX)
        data = await self._run(partial(self._smbus, _READ, register, _I2C_BLOCK_DATA, data))
        return bytes(data.block[1:1 + data.block[0]])

    async def write_byte(self, register: int, value: int) -> None:
        data = _Data()
        data.byte = value
        await self._run(partial(self._smbus, _WRITE, register, _BYTE_DATA, data))

    # -- blocking side ---------------------------------------------------------------

    async def _run(self, fn: Callable[[], T]) -> T:
        try:
            return await trio.to_thread.run_sync(fn)
        except OSError as exc:
            raise DriverIOError(f"{self.path}: {exc.strerror or exc}") from exc

    def _open_sync(self, address: int) -> None:
        self.close()
        fd = os.open(self.path, os.O_RDWR)
        try:
            fcntl.ioctl(fd, I2C_SLAVE, address)
        except OSError:
            os.close(fd)
            raise
        self.fd = fd

    def _smbus(self, read_write: int, register: int, size: int, data: _Data) -> _Data:
        if self.fd is None:
            raise OSError(9, "the bus is not open")  # EBADF
        args = _Args(read_write=read_write, command=register, size=size,
                     data=ctypes.pointer(data))
        fcntl.ioctl(self.fd, I2C_SMBUS, args)
        return data
