"""One UDP socket per address family for every SNMP agent of the process.

How it works: snmp-ups in NUT is one process (and one Net-SNMP session) per
device. Here every snmp-ups actor shares one :class:`Transport`: a request
goes out under a request ID unique in the process, and one receive task hands
each reply to the request waiting for that ID, if it came from the address
the request went to. A request resends its datagram every ``timeout`` seconds,
``retries`` times (Net-SNMP's timeout and retries), and any reply to any of
the copies answers it. A silent, slow or babbling agent only ever holds up
the requests sent to it; there is no thread, and the receive loop never
blocks on a device.

The receive task runs as a Trio system task for the rest of the run: the
transport is a process-wide service the driver actors come and go on, like
the run's own I/O manager. It closes its sockets when the last user leaves.
"""

from __future__ import annotations

import itertools
import random
import socket as stdsocket
from dataclasses import dataclass, field

import structlog
import trio

from nutrio.actors.drivers.errors import DriverTimeout
from nutrio.protocol.devices.snmp.ber import BerError, decode_int, read_tlv

__all__ = ["Transport", "shared_transport", "TransportStats"]

log = structlog.get_logger()

_RECV_SIZE = 65535
_RCVBUF = 4 * 1024 * 1024  # room for a burst of replies from many agents at once
_BURST = 256  # datagrams read per wake-up at most, so a flood cannot starve the run


@dataclass(slots=True)
class _Pending:
    """Requests sent together to one agent; done when each has its reply."""

    address: tuple[object, ...]
    count: int
    done: trio.Event = field(default_factory=trio.Event)
    replies: dict[int, bytes] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TransportStats:
    users: int
    waiting: int
    sent: int
    received: int
    dropped: int


class Transport:
    """Shared sockets and the table of requests waiting for a reply."""

    def __init__(self) -> None:
        self._sockets: dict[int, stdsocket.socket] = {}
        self._pending: dict[int, _Pending] = {}
        self._ids = itertools.count(random.randrange(1, 1 << 30))
        self._users = 0
        self._scopes: list[trio.CancelScope] = []  # one per receive task
        self.sent = self.received = self.dropped = 0

    def statistics(self) -> TransportStats:
        return TransportStats(self._users, len(self._pending), self.sent, self.received,
                              self.dropped)

    def next_id(self) -> int:
        """A request ID no other request in the process is using (1 .. 2**31-1)."""
        while True:
            rid = next(self._ids) % 0x7FFFFFFF or 1
            if rid not in self._pending:
                return rid

    async def exchange(self, address: tuple[object, ...], family: int, rid: int, payload: bytes,
                       timeout: float, retries: int) -> bytes:
        """Send ``payload`` and wait for the reply carrying ``rid`` (see exchange_many)."""
        replies = await self.exchange_many(address, family, [(rid, payload)], timeout, retries)
        return replies[0]

    async def exchange_many(self, address: tuple[object, ...], family: int,
                            requests: list[tuple[int, bytes]], timeout: float,
                            retries: int) -> list[bytes]:
        """Send every ``(rid, payload)`` at once and wait until each has its reply; one
        still without a reply goes again every ``timeout`` seconds, ``retries`` times.
        One task and one timer for the lot: a GET split in parts costs no more tasks.

        Raises:
            DriverTimeout: a request had no reply after its last resend.
        """
        sock = self._socket(family)
        slot = _Pending(address, len(requests))
        for rid, _ in requests:
            self._pending[rid] = slot
        try:
            for _ in range(max(0, retries) + 1):
                for rid, payload in requests:
                    if rid not in slot.replies:
                        await _send(sock, payload, address)
                        self.sent += 1
                with trio.move_on_after(timeout):
                    await slot.done.wait()
                    return [slot.replies[rid] for rid, _ in requests]
        finally:
            for rid, _ in requests:
                del self._pending[rid]
        raise DriverTimeout(f"no answer from {address[0]}:{address[1]} "
                            f"({retries} retries, {timeout:g} s each)")

    def enter(self) -> None:
        self._users += 1

    def leave(self) -> None:
        self._users -= 1
        if self._users <= 0:
            for scope in self._scopes:
                scope.cancel()
            for sock in self._sockets.values():
                trio.lowlevel.notify_closing(sock)
                sock.close()
            self._sockets.clear()
            _SHARED.set(None)

    def _socket(self, family: int) -> stdsocket.socket:
        # made and bound without a checkpoint: requests racing to be first share one socket
        sock = self._sockets.get(family)
        if sock is None:
            sock = stdsocket.socket(family, stdsocket.SOCK_DGRAM)
            sock.setblocking(False)
            try:
                sock.setsockopt(stdsocket.SOL_SOCKET, stdsocket.SO_RCVBUF, _RCVBUF)
            except OSError:
                pass
            sock.bind(("::", 0) if family == stdsocket.AF_INET6 else ("0.0.0.0", 0))
            self._sockets[family] = sock
            scope = trio.CancelScope()
            self._scopes.append(scope)
            trio.lowlevel.spawn_system_task(self._receive, sock, scope,
                                            name=f"snmp-transport-{family}")
        return sock

    async def _receive(self, sock: stdsocket.socket, scope: trio.CancelScope) -> None:
        # a burst of replies is read in one wake-up: one scheduler round, not one per datagram
        with scope:
            while sock.fileno() >= 0:
                await trio.lowlevel.wait_readable(sock)
                for _ in range(_BURST):
                    try:
                        data, address = sock.recvfrom(_RECV_SIZE)
                    except BlockingIOError:
                        break
                    except OSError:  # ICMP port unreachable and friends
                        continue
                    self.received += 1
                    self._deliver(data, address)

    def _deliver(self, data: bytes, address: tuple[object, ...]) -> None:
        rid = _request_id(data)
        slot = self._pending.get(rid) if rid is not None else None
        if slot is None or rid in slot.replies or tuple(slot.address[:2]) != tuple(address[:2]):
            self.dropped += 1  # late, duplicate, spoofed or garbage: nobody waits for it
            return
        slot.replies[rid] = data
        if len(slot.replies) == slot.count:
            slot.done.set()


async def _send(sock: stdsocket.socket, payload: bytes, address: tuple[object, ...]) -> None:
    """One datagram out; waits only when the socket's buffer is full (a checkpoint a
    request does not need otherwise: it waits for its reply right after)."""
    while True:
        try:
            sock.sendto(payload, address)
            return
        except BlockingIOError:
            await trio.lowlevel.wait_writable(sock)
        except OSError as exc:  # unreachable network: as good as no answer
            log.debug("snmp.send_failed", error=str(exc))
            return


def _request_id(data: bytes) -> int | None:
    """The request ID of a v1/v2c reply, or the msgID of a v3 one (None: garbage)."""
    try:
        _, pos, end = read_tlv(data, 0)
        _, vs, ve = read_tlv(data, pos, end)
        version = decode_int(data, vs, ve)
        if version == 3:
            _, hs, he = read_tlv(data, ve, end)
            _, s, e = read_tlv(data, hs, he)
        else:
            _, _, ce = read_tlv(data, ve, end)
            _, ps, pe = read_tlv(data, ce, end)
            _, s, e = read_tlv(data, ps, pe)
        return decode_int(data, s, e)
    except BerError:
        return None


_SHARED: trio.lowlevel.RunVar[Transport | None] = trio.lowlevel.RunVar(
    "snmp_transport", default=None)


def shared_transport() -> Transport:
    """This run's transport (made on first use); call ``enter``/``leave`` around its use."""
    transport = _SHARED.get()
    if transport is None:
        transport = Transport()
        _SHARED.set(transport)
    return transport
