"""The epoll transport: plain-text requests answered from one epoll set (Linux).

Why: with one Trio task per connection, every request pays a wake-up of
that task and a re-arm of Trio's one-shot epoll registration; at tens of
thousands of requests a second that, not the protocol, was the cost. And
each idle connection's task, frames and cancel scope cost kilobytes. So a
connection with nothing special going on is *parked* here, with no task of
its own: the poller holds its socket, session and deadline (a
:class:`Conn`, a few hundred bytes), waits for any parked socket to turn
readable, reads, feeds the session and sends the reply, for every ready
socket in turn. That is how upsd itself serves (one poll loop), and it
keeps per-request work to one recv, one send and the session's own lookup.

Anything that needs waiting or a decision goes to a task the poller starts
for that connection (the listener's :class:`ConnHandler`): end of stream,
an error, a reply the kernel did not take whole, a reply held back after a
wrong password, LOGOUT, STARTTLS, an idle client or a upsmon place not
logged into in time. The handler either ends the connection or hands it
back with :meth:`Poller.adopt`. Deadlines wait in a heap, checked between
rounds: an entry may be early (the client spoke since), never late. Clients
see the same bytes as from the stream transport (actors/upsd/stream.py),
which is the reference; this is the optimisation.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import math
import select
import socket
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Protocol

import structlog
import trio

from nutrio.actors.upsd.state import UpsdState
from nutrio.actors.upsd.stream import READ_SIZE, UPSD_READ, feed, log_requests
from nutrio.protocol.upsd.session import Action, Output, ServerSettings, Session

__all__ = ["ROUND", "YIELD_EVERY", "Conn", "ConnHandler", "Handback", "Poller", "send_socket"]

log = structlog.get_logger()

#: Ready sockets served per round (one epoll_wait).
ROUND = 256
#: While busy, the poller lets other tasks run at least this often (seconds).
YIELD_EVERY = 0.002
#: Deadlines of gone connections kept beyond twice the parked ones before a sweep.
COMPACT_SLACK = 256


@dataclass(eq=False, slots=True)
class Conn:
    """One connection of the epoll transport, parked or in its handler's hands."""

    sock: socket.socket
    session: Session
    label: str
    #: in a upsmon place: LOGIN by then, or be closed (actors/upsd/table.py)
    login_by: float = math.inf
    #: has an entry in the poller's deadline heap
    armed: bool = False


@dataclass(frozen=True, slots=True)
class Handback:
    """Why a parked connection went to its handler.

    ``expired``: "idle" (no full line for idle_timeout) or "no login".
    ``eof``: the client closed. ``error``: reading failed, or the session
    raised (a bug). Otherwise ``output`` is what the last read produced,
    ``unsent`` the part of its reply still to send, and ``delay`` how long
    that reply is held back (a hold :meth:`UpsdState.start_hold` began).
    """

    expired: str = ""
    eof: bool = False
    error: Exception | None = None
    output: Output | None = None
    unsent: bytes = b""
    delay: float = 0.0


class ConnHandler(Protocol):
    """What the listener does with connections that leave the fast path."""

    def handback(self, conn: Conn, back: Handback) -> Awaitable[None]:
        """Act on *back* in a task of its own; end *conn* or :meth:`Poller.adopt` it."""
        ...

    def close(self, conn: Conn, reason: str) -> None:
        """End *conn* now (the poller is stopping)."""
        ...


class Poller:
    """Serves parked connections; run :meth:`run` in the listener's nursery."""

    def __init__(self, state: UpsdState, settings: ServerSettings, handler: ConnHandler) -> None:
        self._epoll = select.epoll()
        self._parked: dict[int, Conn] = {}
        self._deadlines: list[tuple[float, int, Conn]] = []
        self._order = itertools.count()  # ties in the heap: never compare two Conns
        self._state = state
        self._settings = settings
        self._handler = handler
        self._tasks: trio.Nursery | None = None
        self._waiting: trio.CancelScope | None = None  # the poller's idle wait

    def __len__(self) -> int:
        return len(self._parked)

    def adopt(self, conn: Conn) -> None:
        """Serve *conn* from the poller from now on (no task waits for it)."""
        fd = conn.sock.fileno()
        self._parked[fd] = conn
        self._epoll.register(fd, select.EPOLLIN)
        if not conn.armed:
            self._arm(conn)

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        try:
            async with trio.open_nursery() as tasks:
                self._tasks = tasks
                task_status.started()
                await self._loop()
        finally:
            for conn in list(self._parked.values()):
                self._unpark(conn)
                self._handler.close(conn, "listener stopped")
            self._epoll.close()

    async def _loop(self) -> None:
        poll, deadlines, clock = self._epoll.poll, self._deadlines, trio.current_time
        yielded = clock()
        while True:
            ready = poll(0, ROUND)
            now = clock()
            if deadlines and deadlines[0][0] <= now:
                self._expire(now)
            if not ready:
                with trio.move_on_at(deadlines[0][0] if deadlines else math.inf) as waiting:
                    self._waiting = waiting  # a connection adopted meanwhile may bring it closer
                    await trio.lowlevel.wait_readable(self._epoll.fileno())
                self._waiting = None
                yielded = clock()
                continue
            parked = self._parked
            for fd, _ in ready:
                conn = parked.get(fd)
                if conn is not None:
                    self._serve(conn, now)
            if now - yielded >= YIELD_EVERY:
                # Busy: let every other task run, without the cost of re-arming
                # Trio's one-shot registration of our epoll fd. Not after every
                # round: each yield is a pass of Trio's scheduler and its own
                # epoll_wait, as dear as a few requests.
                await trio.lowlevel.checkpoint()
                yielded = clock()

    # -- deadlines ---------------------------------------------------------------

    def _deadline(self, conn: Conn) -> float:
        due = conn.session.last_heard + self._settings.idle_timeout
        if conn.session.login_ups is None and conn.login_by < due:
            due = conn.login_by
        return due

    def _arm(self, conn: Conn) -> None:
        conn.armed = True
        due = self._deadline(conn)
        heapq.heappush(self._deadlines, (due, next(self._order), conn))
        if self._waiting is not None and due < self._waiting.deadline:
            self._waiting.deadline = due

    def _expire(self, now: float) -> None:
        deadlines = self._deadlines
        while deadlines and deadlines[0][0] <= now:
            conn = heapq.heappop(deadlines)[2]
            conn.armed = False
            if self._parked.get(conn.sock.fileno()) is not conn:
                continue  # in its handler's hands, or gone: armed again when adopted
            if self._deadline(conn) > now:
                self._arm(conn)  # it spoke since: a later deadline
                continue
            late_login = conn.session.login_ups is None and now >= conn.login_by
            self._hand(conn, Handback(expired="no login" if late_login else "idle"))

    def _compact(self) -> None:
        """Drop the deadlines of connections no longer parked.

        Deadlines are left in the heap when a connection goes (a heap cannot
        remove from its middle); with many short connections they would hold
        every closed session until its idle timeout. Those in a handler's hands
        are re-armed when adopted again.
        """
        keep = []
        for entry in self._deadlines:
            conn = entry[2]
            if self._parked.get(conn.sock.fileno()) is conn:
                keep.append(entry)
            else:
                conn.armed = False
        heapq.heapify(keep)
        self._deadlines[:] = keep

    # -- the fast path -----------------------------------------------------------

    def _serve(self, conn: Conn, now: float) -> None:
        sock = conn.sock
        try:
            data = sock.recv(READ_SIZE)
        except BlockingIOError:
            return
        except OSError as exc:
            self._hand(conn, Handback(error=exc))
            return
        if not data:
            self._hand(conn, Handback(eof=True))
            return
        session = conn.session
        try:
            output = session.receive_data(data, now) if len(data) <= UPSD_READ else feed(session, data, now)
        except Exception as exc:  # noqa: BLE001 - a bug: its handler logs it, drops only that client
            self._hand(conn, Handback(error=exc))
            return
        if session.record_requests:  # checked here: this is the per-request path
            log_requests(session, conn.label)
        events = session.take_events()
        delay = self._state.start_hold(events, session.addr, self._settings) if events else 0.0
        reply = output.reply
        if delay or output.action is not Action.NONE:
            self._hand(conn, Handback(output=output, unsent=reply, delay=delay))
            return
        if not reply:
            return
        try:
            sent = sock.send(reply)
        except BlockingIOError:
            sent = 0
        except OSError as exc:
            self._hand(conn, Handback(error=exc))
            return
        if sent < len(reply):  # the client is slow to read: a task waits, not us
            self._hand(conn, Handback(output=output, unsent=reply[sent:]))

    def _unpark(self, conn: Conn) -> None:
        fd = conn.sock.fileno()
        if self._parked.get(fd) is conn:
            del self._parked[fd]
            with contextlib.suppress(OSError, ValueError):
                self._epoll.unregister(fd)

    def _hand(self, conn: Conn, back: Handback) -> None:
        self._unpark(conn)
        if len(self._deadlines) > 2 * len(self._parked) + COMPACT_SLACK:
            self._compact()
        assert self._tasks is not None, "handbacks only come from run()"
        self._tasks.start_soon(self._handler.handback, conn, back)


async def send_socket(sock: socket.socket, reply: bytes, timeout: float) -> bool:
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
