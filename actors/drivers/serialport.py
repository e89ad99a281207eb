"""A serial port for UPS drivers, on trio-serial.

The one place where serial I/O meets the driver framework: every
``OSError`` or broken/closed stream becomes :class:`DriverIOError` here
(:func:`io_errors`), so drivers only see driver errors. Reads are bounded
by a timeout and never raise on it: they return what came, and the driver
decides what a short or missing reply means (NUT's ser_get_buf returns 0
on a timeout, and each driver reads that its own way).
"""

from __future__ import annotations

import contextlib
import fcntl
import struct
import termios
from collections.abc import Iterator

import structlog
import trio
import trio_serial
from trio_serial.abstract import AbstractSerialStream

from nutrio.actors.drivers.errors import DriverIOError

__all__ = ["DEFAULT_MAX_REPLY", "SerialPort", "io_errors"]

log = structlog.get_logger()

#: No UPS reply we read is longer; more means the line is garbage.
DEFAULT_MAX_REPLY = 512


@contextlib.contextmanager
def io_errors(port: str) -> Iterator[None]:
    """Translate OS and stream errors on ``port`` into :class:`DriverIOError`."""
    try:
        yield
    except OSError as exc:
        raise DriverIOError(f"{port}: {exc.strerror or exc}") from exc
    except termios.error as exc:  # tcflush/tcsetattr on a port that went away
        raise DriverIOError(f"{port}: {exc}") from exc
    except (trio.BrokenResourceError, trio.ClosedResourceError) as exc:
        raise DriverIOError(f"{port}: {exc or 'port closed'}") from exc


#: parity letters of ups.conf (NUT's "N", "E", "O") to trio-serial's
_PARITY = {"N": trio_serial.Parity.NONE, "E": trio_serial.Parity.EVEN,
           "O": trio_serial.Parity.ODD}
_STOPBITS = {1: trio_serial.StopBits.ONE, 2: trio_serial.StopBits.TWO}


class SerialPort:
    """One serial line, 8N1 at ``baudrate`` unless told otherwise; bytes read past a
    terminator are kept."""

    def __init__(self, path: str, *, baudrate: int, bytesize: int = 8, parity: str = "N",
                 stopbits: int = 1) -> None:
        self.path = path
        self.baudrate = baudrate
        self.bytesize = bytesize
        self.parity = _PARITY[parity.upper()]
        self.stopbits = _STOPBITS[stopbits]
        self._stream: AbstractSerialStream | None = None
        self._pending = bytearray()

    @property
    def is_open(self) -> bool:
        return self._stream is not None

    async def open(self) -> None:
        """Open and configure the port (raw mode, no flow control)."""
        stream = trio_serial.SerialStream(self.path, baudrate=self.baudrate,
                                          bytesize=self.bytesize, parity=self.parity,
                                          stopbits=self.stopbits)
        with io_errors(self.path):
            await stream.aopen()
        self._stream = stream
        self._pending.clear()

    async def close(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            with contextlib.suppress(OSError, termios.error, trio.ClosedResourceError):
                await stream.aclose()

    def _require(self) -> AbstractSerialStream:
        if self._stream is None:
            raise DriverIOError(f"{self.path}: port is not open")
        return self._stream

    @property
    def fd(self) -> int:
        """The open line's descriptor, for its modem lines (actors/drivers/contact/lines.py)."""
        return int(self._require().fd)  # type: ignore[attr-defined]  # the POSIX stream's

    def set_modem_lines(self, *, dtr: bool, rts: bool) -> None:
        """Raise or drop DTR and RTS (NUT's ser_set_dtr/ser_set_rts); a line that has
        none (a pseudo-terminal) is left alone, as NUT does."""
        fd = self.fd
        for bit, on in ((termios.TIOCM_DTR, dtr), (termios.TIOCM_RTS, rts)):
            with contextlib.suppress(OSError):
                fcntl.ioctl(fd, termios.TIOCMBIS if on else termios.TIOCMBIC,
                            struct.pack("I", bit))

    def modem_lines(self) -> int | None:
        """The modem lines as TIOCM_* bits (NUT's ser_get_dsr and its kin), or None for
        a line that has none (a pseudo-terminal)."""
        try:
            got = fcntl.ioctl(self.fd, termios.TIOCMGET, struct.pack("I", 0))
        except OSError:
            return None
        return int(struct.unpack("I", got)[0])

    async def discard_input(self) -> None:
        """Drop whatever the device sent that nobody read (NUT's ser_flush_in)."""
        stream = self._require()
        self._pending.clear()
        with io_errors(self.path):
            await stream.discard_input()

    async def write(self, data: bytes) -> None:
        stream = self._require()
        with io_errors(self.path):
            await stream.send_all(data)

    async def read_until(
        self, terminators: bytes, timeout: float, *, max_bytes: int = DEFAULT_MAX_REPLY
    ) -> bytes:
        """Bytes up to and including the first byte found in ``terminators``.

        Returns what came before the timeout when no terminator did (maybe
        b""), or ``max_bytes`` bytes when the device sends too much.
        """
        stream = self._require()
        with trio.move_on_after(timeout):
            while True:
                end = self._find(terminators)
                if end is not None:
                    return self._take(end + 1)
                if len(self._pending) >= max_bytes:
                    return self._take(max_bytes)
                with io_errors(self.path):
                    chunk = await stream.receive_some(max_bytes)
                if not chunk:
                    raise DriverIOError(f"{self.path}: end of file")
                self._pending += chunk
        return self._take(len(self._pending))

    async def read_exactly(self, count: int, timeout: float) -> bytes:
        """``count`` bytes, or fewer when the timeout comes first."""
        stream = self._require()
        with trio.move_on_after(timeout):
            while len(self._pending) < count:
                with io_errors(self.path):
                    chunk = await stream.receive_some(DEFAULT_MAX_REPLY)
                if not chunk:
                    raise DriverIOError(f"{self.path}: end of file")
                self._pending += chunk
        return self._take(min(count, len(self._pending)))

    async def read_some(self, timeout: float) -> bytes:
        """The bytes kept from earlier reads, else the first ones that arrive within
        ``timeout`` seconds (b"" if none)."""
        stream = self._require()
        if not self._pending:
            with trio.move_on_after(timeout):
                with io_errors(self.path):
                    chunk = await stream.receive_some(DEFAULT_MAX_REPLY)
                if not chunk:
                    raise DriverIOError(f"{self.path}: end of file")
                self._pending += chunk
        return self._take(len(self._pending))

    def _find(self, terminators: bytes) -> int | None:
        positions = [i for i in (self._pending.find(t) for t in terminators) if i >= 0]
        return min(positions) if positions else None

    def _take(self, count: int) -> bytes:
        data = bytes(self._pending[:count])
        del self._pending[:count]
        return data

    def set_baudrate(self, baudrate: int) -> None:
        """Change the speed of the open line in place (NUT's ser_set_speed): no close and
        reopen, so DTR and RTS, which some UPS cables use, do not drop."""
        stream = self._require()
        fd = getattr(stream, "fd", None)  # the POSIX stream's descriptor
        if fd is not None and baudrate != self.baudrate:
            with io_errors(self.path):
                attrs = termios.tcgetattr(fd)
                attrs[4] = attrs[5] = getattr(termios, f"B{baudrate}")
                termios.tcsetattr(fd, termios.TCSANOW, attrs)
        self.baudrate = baudrate
