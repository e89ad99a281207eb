"""The epoll transport's connections: started at accept, served by the poller, ended here.

:meth:`SocketClients.start` turns an accepted TCP connection into a
:class:`~actors.upsd.poller.Conn` and parks it in the poller: no task is
left waiting for an idle client (that task, its frames and cancel scopes
were most of a connection's memory). When the poller hands a connection
back, :meth:`SocketClients.handback` runs in a task of its own for just as
long as the wait takes (a held-back reply, a slow reader, STARTTLS and the
TLS conversation after it), then parks it again or ends it with the same
log lines as the stream transport (actors/upsd/connection.py).
"""

from __future__ import annotations

import math
import socket

import structlog
import trio

from nutrio.actors.upsd.connection import (
    ListenerContext,
    failure_reason,
    log_closed,
    open_session,
    over_tls,
    peer_of,
)
from nutrio.actors.upsd.poller import Conn, Handback, Poller, send_socket
from nutrio.actors.upsd.state import hold_back
from nutrio.actors.upsd.table import REFUSAL
from nutrio.protocol.upsd.session import Action

__all__ = ["SocketClients"]

log = structlog.get_logger()


class SocketClients:
    """Every connection of one listener on the epoll transport; :attr:`poller` serves them."""

    def __init__(self, listener: ListenerContext) -> None:
        self.listener = listener
        self.poller = Poller(listener.state, listener.ctx.settings, self)

    def start(self, stream: trio.SocketStream, nursery: trio.Nursery,
              login_by: float = math.inf) -> None:
        """Park a newly accepted connection (with a chaos seam: once past it)."""
        # The poller talks to the kernel socket directly; SocketStream has already
        # set TCP_NODELAY on it.
        sock = socket.socket(fileno=stream.socket.detach())
        sock.setblocking(False)
        peer = peer_of(sock)
        conn = Conn(sock, open_session(peer, self.listener), peer[1], login_by)
        if self.listener.seam is None:
            self.poller.adopt(conn)
        else:
            nursery.start_soon(self._through_seam, conn)

    async def _through_seam(self, conn: Conn) -> None:
        seam = self.listener.seam
        assert seam is not None
        structlog.contextvars.bind_contextvars(client=conn.label)
        try:
            passed = await seam()
        except Exception as exc:  # a crash injected there ends this connection only
            self.close(conn, failure_reason(exc))
            return
        except BaseException:
            self.close(conn, "listener stopped")
            raise
        if passed:
            self.poller.adopt(conn)
        else:
            self.close(conn, "chaos drop")  # closed unanswered

    async def handback(self, conn: Conn, back: Handback) -> None:
        """Act on what the poller handed back; park the connection again or end it."""
        structlog.contextvars.bind_contextvars(client=conn.label)
        reason = "listener stopped"  # unless set below: cancelled with the poller
        try:
            reason, leftover = await self._act(conn, back)
            if reason == "starttls":
                raw = trio.SocketStream(trio.socket.from_stdlib_socket(conn.sock))
                reason = await over_tls(raw, leftover, conn.session, conn.label, self.listener,
                                        conn.login_by)
        except Exception as exc:
            reason = failure_reason(exc)
        finally:
            if reason != "parked":
                self.close(conn, reason)

    async def _act(self, conn: Conn, back: Handback) -> tuple[str, bytes]:
        """("parked", b"") when *conn* went back to the poller, else why it ends
        (and for "starttls" the bytes after the STARTTLS line)."""
        if back.expired:
            return back.expired, b""
        if back.eof:
            return "eof", b""
        if back.error is not None:
            raise back.error
        assert back.output is not None
        settings, session = self.listener.ctx.settings, conn.session
        if back.delay and not await hold_back(self.listener.state, session, back.delay, settings):
            return "idle", b""
        if back.unsent and not await send_socket(conn.sock, back.unsent, settings.send_timeout):
            return "too slow", b""
        if back.output.action is Action.CLOSE:
            return "logout", b""
        if back.output.action is Action.STARTTLS:
            return "starttls", back.output.leftover
        self.poller.adopt(conn)
        return "parked", b""

    def close(self, conn: Conn, reason: str) -> None:
        """End *conn*: its summary line, its socket, its place in the table."""
        log_closed(conn.session, conn.label, reason)
        sock = conn.sock
        if sock.fileno() != -1:  # not already closed with the TLS stream
            if reason == "no login" and not conn.session.tls:
                try:
                    sock.send(REFUSAL)
                except OSError:
                    pass
            trio.lowlevel.notify_closing(sock)
            sock.close()
        self.listener.state.table.leave()
