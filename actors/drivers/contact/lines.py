"""A serial port's modem-control lines, as contact-closure drivers use them.

The same libc calls NUT's drivers make (``ioctl`` TIOCMGET/TIOCMSET/TIOCMBIS/TIOCMBIC,
``tcsendbreak``) through Python's fcntl and termios modules, so anything that serves a
driver's lines serves nutrio's too (the tests' LD_PRELOAD modem lab,
tests/drivers/sim/modem_lab.c). Every failure becomes :class:`DriverIOError`.
"""

from __future__ import annotations

import fcntl
import os
import struct
import termios

from nutrio.actors.drivers.errors import DriverIOError

__all__ = ["ModemLines", "open_contact_port"]

_INT = struct.Struct("i")


class ModemLines:
    """The modem lines of the open descriptor ``fd`` (of ``path``, for messages)."""

    def __init__(self, fd: int, path: str) -> None:
        self.fd = fd
        self.path = path

    def _ioctl(self, request: int, bits: int, what: str) -> int:
        try:
            reply = fcntl.ioctl(self.fd, request, _INT.pack(bits))
        except OSError as exc:
            raise DriverIOError(f"{self.path}: {what}: {exc.strerror or exc}") from exc
        return int(_INT.unpack(reply)[0])

    def get(self) -> int:
        """All line bits (TIOCMGET): the inputs the UPS drives and our outputs."""
        return self._ioctl(termios.TIOCMGET, 0, "reading the lines")

    def set(self, bits: int) -> None:
        """Set the output lines to exactly ``bits`` (TIOCMSET)."""
        self._ioctl(termios.TIOCMSET, bits, "setting the lines")

    def raise_lines(self, bits: int) -> None:
        """Raise the lines ``bits`` (TIOCMBIS), leaving the others."""
        self._ioctl(termios.TIOCMBIS, bits, "raising a line")

    def send_break(self, duration: int) -> None:
        """A break on TX (libc's tcsendbreak, ``duration`` in its units)."""
        try:
            termios.tcsendbreak(self.fd, duration)
        except termios.error as exc:
            raise DriverIOError(f"{self.path}: sending a break: {exc}") from exc


def open_contact_port(path: str) -> int:
    """Open a port for its lines alone, as NUT's ser_open does (locked with flock), and
    stop the kernel dropping the lines when it closes (HUPCL off): a shutdown signal set
    by a driver that ends must stay.

    Raises:
        DriverIOError: the port cannot be opened, is locked or is no terminal.
    """
    try:
        fd = os.open(path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
    except OSError as exc:
        raise DriverIOError(f"{path}: {exc.strerror or exc}") from exc
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        raise DriverIOError(f"{path} is locked by another process") from None
    try:
        attrs = termios.tcgetattr(fd)
        attrs[2] &= ~termios.HUPCL
        termios.tcsetattr(fd, termios.TCSANOW, attrs)
    except termios.error as exc:
        os.close(fd)
        raise DriverIOError(f"{path}: {exc}") from exc
    return fd
