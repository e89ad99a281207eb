"""NUT's serial calls (drivers/serial.c) on a :class:`SerialPort`, and the comm-failure log.

The small serial drivers (liebert-esp2, powercom, powerpanel) are written
against these calls, and what a driver makes of a short reply depends on
their exact rules, so they are kept here as NUT has them:

* :func:`get_buf_len` (``ser_get_buf_len``): exactly ``count`` bytes; every
  wait for more may last ``idle`` seconds; one silent wait fails the whole
  read (NUT returns 0 then, not what it got: fewer bytes here, so the
  driver can tell silence from a cut reply in its log).
* :func:`get_line` (``ser_get_line`` with an empty ignore set): bytes up to
  ``end`` (not included), NUL bytes dropped, at most 511 kept; a silent
  wait before ``end`` fails the read (the bytes come back, flagged).
* :func:`send_paced` (``ser_send_buf_pace``): one byte at a time, ``pace``
  seconds after each.

:class:`CommWatch` logs a spell of bad replies once.
"""

from __future__ import annotations

import structlog
import trio

from nutrio.actors.drivers.serialport import SerialPort

__all__ = ["LINE_MAX", "CommWatch", "close_powered", "get_buf_len", "get_line", "open_powered",
           "send_paced"]

log = structlog.get_logger()

#: NUT's SMALLBUF less the terminating NUL: the longest line ser_get_line keeps
LINE_MAX = 511


async def get_buf_len(port: SerialPort, count: int, idle: float) -> bytes:
    """``count`` bytes; fewer (maybe none) when the line fell silent for ``idle`` seconds."""
    data = b""
    while len(data) < count:
        chunk = await port.read_exactly(count - len(data), idle)
        if not chunk:
            break
        data += chunk
    return data


async def get_line(port: SerialPort, end: bytes, idle: float) -> tuple[bytes, bool]:
    """The bytes before ``end`` (NULs dropped, at most :data:`LINE_MAX`) and True; what came
    and False when the line fell silent for ``idle`` seconds first."""
    data = b""
    while True:
        chunk = await port.read_until(end, idle, max_bytes=LINE_MAX + 1)
        if not chunk:
            return data, False
        done = chunk.endswith(end)
        data += (chunk[: -len(end)] if done else chunk).replace(b"\0", b"")
        if len(data) >= LINE_MAX:
            return data[:LINE_MAX], True
        if done:
            return data, True


async def send_paced(port: SerialPort, data: bytes, pace: float) -> None:
    """``data`` one byte at a time, ``pace`` seconds after each (all at once without pace)."""
    if pace <= 0:
        await port.write(data)
        return
    for byte in data:
        await port.write(bytes([byte]))
        await trio.sleep(pace)


async def open_powered(port: SerialPort) -> None:
    """Open the port with DTR up and RTS down: the line powers the unit's interface
    (NUT's safenet and ivtscd)."""
    await port.open()
    port.set_modem_lines(dtr=True, rts=False)


async def close_powered(port: SerialPort) -> None:
    """Drop DTR (RTS is down already) and close, as their upsdrv_cleanup; a port that
    never opened is left alone."""
    if port.is_open:
        try:
            port.set_modem_lines(dtr=False, rts=False)
        finally:
            await port.close()


class CommWatch:
    """One warning when the UPS stops answering properly, one line when it is back.

    NUT's ser_comm_fail and nutusb_comm_fail log every failure until a limit;
    a UPS sending garbage every poll would fill the log, so nutrio logs the
    first failure of a spell as a warning and the rest at debug level. The
    spell ends with a whole poll read well (the driver calls :meth:`good`),
    not with one good answer: replies left over from the garbage would start
    a new spell at every other request.
    """

    def __init__(self) -> None:
        self.failing = False

    def failed(self, reason: str, **fields: object) -> None:
        (log.debug if self.failing else log.warning)("driver.bad_reply", reason=reason, **fields)
        self.failing = True

    def good(self) -> None:
        if self.failing:
            log.info("driver.communication_restored")
        self.failing = False
