"""apcupsd-ups: a UPS that an apcupsd daemon watches, read over apcupsd's NIS, as NUT
2.8.0's apcupsd-ups (0.6).

How it works (the records' meaning is protocol/devices/apcupsd/; checked against
the real binary on a real apcupsd, tests/drivers/test_apcupsd_vs_real_nut.py):

* ``port`` is "host[:port]" (default localhost, port 3551), resolved once at the
  start (IPv4, as NUT); a port outside 1-65535 or a host that does not resolve
  fails the start.
* Each poll connects, asks "status", and reads records until the empty one
  (each may take 15 s, NUT's poll timeout). First the variables that are neither
  kept (ups.mfr, ups.model, ups.status, the nominal powers) nor preserved
  (battery.charge, battery.runtime) are deleted; those apcupsd still sends come
  back. The poll interval is 10 s at most (NUT lowers a longer one).
* No commands, nothing writable, no killpower (NUT: "shutdown not supported");
  apcupsd itself shuts the UPS down.
* Failing polls: NUT's driver logs "can't communicate with apcupsd!" and never
  says its data is stale (upsd goes on serving what is left of it); nutrio's
  data goes stale, and fresh again with the next good poll.
"""

from __future__ import annotations

import socket
from typing import ClassVar

import structlog
import trio

from nutrio.actors.drivers.base import (
    DEFAULT_POLLINTERVAL,
    DeviceLike,
    PollResult,
    WithoutCommands,
)
from nutrio.actors.drivers.errors import DriverConfigError, DriverIOError
from nutrio.actors.drivers.nutserial import CommWatch
from nutrio.protocol.common.cnum import c_atoi
from nutrio.protocol.devices import apcupsd
from nutrio.protocol.devices.dummy.devfile import DeviceVars

__all__ = ["ApcupsdUps"]

log = structlog.get_logger()

#: NUT waits this long for each part of the answer
READ_TIMEOUT = 15.0
#: NUT polls apcupsd at least this often
POLL_INTERVAL_MAX = 10.0


def _address(port: str) -> tuple[str, int]:
    """"host[:port]" as NUT reads it: a bad port number is 0 (refused at the start)."""
    host, colon, number = (port or "localhost").partition(":")
    if not colon:
        return host, apcupsd.DEFAULT_PORT
    value = c_atoi(number)
    return host, value if 1 <= value <= 65535 else 0


class ApcupsdUps(WithoutCommands):
    """One apcupsd NIS (see the module comment)."""

    name = "apcupsd-ups"
    version_internal = "0.6"
    flags: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, device: DeviceLike, *, read_timeout: float = READ_TIMEOUT) -> None:
        self.host, self.port = _address(device.port)
        self.address: str | None = None
        self.read_timeout = read_timeout
        interval = device.pollinterval or DEFAULT_POLLINTERVAL
        self.next_poll = POLL_INTERVAL_MAX if interval > POLL_INTERVAL_MAX else None
        self.watch = CommWatch()

    # -- the Driver protocol -------------------------------------------------

    async def open(self, state: DeviceVars) -> None:
        try:
            found = await trio.socket.getaddrinfo(self.host, self.port, socket.AF_INET,
                                                  socket.SOCK_STREAM)
        except OSError:
            found = []
        if not found or not self.port:
            raise DriverConfigError("invalid host or port specified!")
        self.address = str(found[0][4][0])
        try:
            await self.poll(state)
        except DriverIOError as exc:
            raise DriverIOError(f"can't communicate with apcupsd! ({exc})") from None

    async def poll(self, state: DeviceVars) -> PollResult:
        apcupsd.forget(state)
        await self._status(state)
        self.watch.good()
        return PollResult(next_poll=self.next_poll)

    async def close(self) -> None:
        pass  # one connection per poll, closed at its end

    # -- the NIS -------------------------------------------------------------------

    async def _status(self, state: DeviceVars) -> None:
        """One "status" request and its records into ``state``."""
        assert self.address is not None
        try:
            stream = await trio.open_tcp_stream(self.address, self.port)
        except OSError as exc:
            raise DriverIOError(f"can't connect to apcupsd: {exc}") from None
        async with stream:
            try:
                await stream.send_all(apcupsd.STATUS_REQUEST)
                await self._records(stream, state)
            except (trio.BrokenResourceError, OSError) as exc:
                raise DriverIOError(f"apcupsd communication error: {exc}") from None
            except apcupsd.NisError as exc:
                self.watch.failed(str(exc))
                raise DriverIOError(f"apcupsd communication error: {exc}") from None

    async def _records(self, stream: trio.SocketStream, state: DeviceVars) -> None:
        reader = apcupsd.NisReader()
        while not reader.ended:
            with trio.move_on_after(self.read_timeout):
                chunk = await stream.receive_some(65536)
                if not chunk:
                    raise DriverIOError("unexpected connection close by apcupsd")
                reader.feed(chunk)
                for record in reader.records():
                    apcupsd.apply_record(state, *apcupsd.split_record(record))
                continue
            raise DriverIOError(f"apcupsd said nothing for {self.read_timeout:g} s")
