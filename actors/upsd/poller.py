"""The epoll transport: plain-text requests answered from one epoll set (Linux).

Why: with one Trio task per connection, every request pays a wake-up of
that task and a re-arm of Trio's one-shot epoll registration; at tens of
thousands of requests a second that, not the protocol, was the cost. So a
connection with nothing special going on is *parked* here: one task (the
poller) waits for any parked socket to turn readable, reads, feeds the
session and sends the reply, for every ready socket in turn. That is how
upsd itself serves (one select loop), and it keeps per-request work to one
recv, one send and the session's own lookup.

Anything that needs waiting or a decision goes back to the connection's own
task (:meth:`Poller.park` returns, :func:`converse_parked` acts): end of
stream, an error, a reply the kernel did not take whole, a failed login
(penalty sleep), LOGOUT, STARTTLS. Each connection still has its task, its
log binding and its cancel scope; the poller never sleeps on behalf of one
client. Clients see the same bytes as from the stream transport
(actors/upsd/stream.py), which is the reference; this is the optimisation.
"""

from __future__ import annotations

import contextlib
import select
import socket
from dataclasses import dataclass, field

import structlog
import trio

from nutrio.actors.upsd.state import FailedLogins, penalize
from nutrio.actors.upsd.stream import READ_SIZE, UPSD_READ, feed, log_requests
from nutrio.protocol.upsd.session import Action, AuthFailure, Output, ServerSettings, Session

__all__ = ["ROUND", "Handback", "Parked", "Poller", "converse_parked"]

log = structlog.get_logger()

#: Ready sockets served per round before the poller lets other tasks run.
ROUND = 256


@dataclass(frozen=True, slots=True)
class Handback:
    """Why a parked connection came back to its task.

    ``eof``: the client closed. ``idle``: no full line for idle_timeout.
    ``error``: reading or sending failed. Otherwise ``output`` is what the
    last read produced; ``unsent`` the part of its reply still to send.
    """

    eof: bool = False
    idle: bool = False
    error: Exception | None = None
    output: Output | None = None
    unsent: bytes = b""
    events: tuple[AuthFailure, ...] = ()


@dataclass(eq=False, slots=True)
class Parked:
    """One connection as the poller sees it."""

    sock: socket.socket
    session: Session
    label: str
    woken: trio.Event = field(default_factory=trio.Event)
    handback: Handback | None = None


class Poller:
    """Serves parked connections; run :meth:`run` in the listener's nursery."""

    def __init__(self) -> None:
        self._epoll = select.epoll()
        self._parked: dict[int, Parked] = {}

    def __len__(self) -> int:
        return len(self._parked)

    async def run(self) -> None:
        try:
            while True:
                ready = self._epoll.poll(0, ROUND)
                if not ready:
                    await trio.lowlevel.wait_readable(self._epoll.fileno())
                    continue
                now = trio.current_time()
                for fd, _ in ready:
                    parked = self._parked.get(fd)
                    if parked is not None:
                        self._serve(parked, now)
                # Busy: let every other task run once, without the cost of
                # re-arming Trio's one-shot registration of our epoll fd.
                await trio.lowlevel.checkpoint()
        finally:
            for parked in list(self._parked.values()):
                self._wake(parked, Handback(error=trio.ClosedResourceError("listener stopped")))
            self._epoll.close()

    async def park(self, sock: socket.socket, session: Session, label: str,
                   idle_timeout: float) -> Handback:
        """Serve *sock* from the poller until something needs its own task."""
        parked = Parked(sock, session, label)
        fd = sock.fileno()
        self._parked[fd] = parked
        self._epoll.register(fd, select.EPOLLIN)
        try:
            while parked.handback is None:
                # One cancel scope per idle period, not per request: on expiry,
                # look whether a line came in meanwhile and wait on if so.
                with trio.move_on_at(session.last_heard + idle_timeout):
                    await parked.woken.wait()
                if parked.handback is None and trio.current_time() >= session.last_heard + idle_timeout:
                    return Handback(idle=True)
            return parked.handback
        finally:
            if self._parked.get(fd) is parked:
                del self._parked[fd]
                with contextlib.suppress(OSError, ValueError):
                    self._epoll.unregister(fd)

    # -- the fast path ---------------------------------------------------------

    def _serve(self, parked: Parked, now: float) -> None:
        try:
            data = parked.sock.recv(READ_SIZE)
        except BlockingIOError:
            return
        except OSError as exc:
            self._wake(parked, Handback(error=exc))
            return
        if not data:
            self._wake(parked, Handback(eof=True))
            return
        session = parked.session
        try:
            output = session.receive_data(data, now) if len(data) <= UPSD_READ else feed(session, data, now)
        except Exception as exc:  # noqa: BLE001 - a bug: the client's task logs it, drops only that client
            self._wake(parked, Handback(error=exc))
            return
        if session.record_requests:  # checked here: this is the per-request path
            log_requests(session, parked.label)
        events = session.take_events()
        if events or output.action is not Action.NONE:
            self._wake(parked, Handback(output=output, unsent=output.reply, events=tuple(events)))
            return
        reply = output.reply
        if not reply:
            return
        try:
            sent = parked.sock.send(reply)
        except BlockingIOError:
            sent = 0
        except OSError as exc:
            self._wake(parked, Handback(error=exc))
            return
        if sent < len(reply):  # the client is slow to read: its task waits, not us
            self._wake(parked, Handback(output=output, unsent=reply[sent:]))

    def _wake(self, parked: Parked, handback: Handback) -> None:
        fd = parked.sock.fileno()
        if self._parked.get(fd) is parked:
            del self._parked[fd]
            with contextlib.suppress(OSError, ValueError):
                self._epoll.unregister(fd)
        parked.handback = handback
        parked.woken.set()


# -- the connection's side -------------------------------------------------------


async def converse_parked(sock: socket.socket, session: Session, label: str,
                          settings: ServerSettings, logins: FailedLogins,
                          poller: Poller) -> tuple[str, bytes]:
    """Serve *sock* through *poller* until the client leaves; the same reasons as
    actors.upsd.stream.converse, ("starttls", leftover) handing over to TLS."""
    while True:
        back = await poller.park(sock, session, label, settings.idle_timeout)
        if back.idle:
            return "idle", b""
        if back.eof:
            return "eof", b""
        if back.error is not None:
            raise back.error
        assert back.output is not None
        await penalize(back.events, session.addr, logins, settings)
        if back.unsent and not await _send(sock, back.unsent, settings.send_timeout):
            return "too slow", b""
        if back.output.action is Action.CLOSE:
            return "logout", b""
        if back.output.action is Action.STARTTLS:
            return "starttls", back.output.leftover


async def _send(sock: socket.socket, reply: bytes, timeout: float) -> bool:
    """Send a whole reply; False when the client did not take it within *timeout*."""
    try:
        sent = sock.send(reply)
    except BlockingIOError:
        sent = 0
    if sent == len(reply):
        return True  # the usual case: the kernel took it all, no waiting
    rest = memoryview(reply)[sent:]
    with trio.move_on_after(timeout):
        while rest:
            await trio.lowlevel.wait_writable(sock)
            try:
                rest = rest[sock.send(rest):]
            except BlockingIOError:
                pass
        return True
    log.warning("client.too_slow", timeout=timeout, pending=len(rest))
    return False
