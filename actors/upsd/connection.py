"""One client connection, from accept to goodbye, on either transport.

:func:`serve_client` is the stream transport: this task reads and answers
the ``trio.abc.Stream`` itself (actors/upsd/stream.py). :func:`serve_socket_client`
is the epoll transport: the TCP socket is handed to the listener's poller
(actors/upsd/poller.py), and this task only takes what the poller hands
back. Both share the rest: the session's life and its log lines, the
chaos seam, and after STARTTLS the TLS conversation, which always runs on
the stream loop.
"""

from __future__ import annotations

import logging
import socket
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import structlog
import trio

from nutrio.actors.upsd.poller import Poller, converse_parked
from nutrio.actors.upsd.state import UpsdState
from nutrio.actors.upsd.stream import converse
from nutrio.actors.upsd.tls import start_tls
from nutrio.protocol.upsd.session import ServerContext, Session

__all__ = [
    "ConnectSeam",
    "ConnectionChaos",
    "ListenerContext",
    "Peer",
    "peer_of",
    "serve_client",
    "serve_socket_client",
]

log = structlog.get_logger()

#: (address as LIST CLIENT shows it, address:port for logs)
Peer = tuple[str, str]
#: The fault-injection seam a connection passes once (Chaos.before_message); False: drop it.
ConnectSeam = Callable[[], Awaitable[bool]]


class ConnectionChaos(Protocol):
    """What the listener needs of supervisor.chaos.Chaos."""

    async def before_message(self, actor_id: str) -> bool: ...


@dataclass(frozen=True, eq=False)
class ListenerContext:
    """What every connection of one listener uses.

    ``poller`` is set for the epoll transport only; ``seam`` is the chaos seam.
    """

    ctx: ServerContext
    state: UpsdState
    tls_context: ssl.SSLContext | None = None
    poller: Poller | None = None
    seam: ConnectSeam | None = None


def peer_of(sock: socket.socket | trio.socket.SocketType) -> Peer:
    """The peer of a connected socket, as LIST CLIENT and the logs show it."""
    try:
        sockaddr = sock.getpeername()
    except OSError:
        return "unknown", "unknown"
    ip, port = str(sockaddr[0]), sockaddr[1]
    return ip, (f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}")


async def serve_client(stream: trio.abc.Stream, peer: Peer, listener: ListenerContext) -> None:
    """Serve one client over *stream* (the stream transport) until it leaves."""
    await _serve(_StreamPlain(stream, listener), peer, listener)


async def serve_socket_client(stream: trio.SocketStream, listener: ListenerContext) -> None:
    """Serve one TCP client through the listener's poller (the epoll transport)."""
    assert listener.poller is not None, "the epoll transport needs the listener's poller"
    # The poller talks to the kernel socket directly; SocketStream has already
    # set TCP_NODELAY on it.
    sock = socket.socket(fileno=stream.socket.detach())
    sock.setblocking(False)
    await _serve(_ParkedPlain(sock, listener.poller, listener), peer_of(sock), listener)


class _Plain(Protocol):
    """The plain-text part of a connection, as one transport serves it."""

    async def converse(self, session: Session, label: str) -> tuple[str, bytes]: ...

    def raw(self) -> trio.abc.Stream:
        """The stream a STARTTLS handshake runs on."""
        ...

    async def aclose(self) -> None: ...


class _StreamPlain:
    def __init__(self, stream: trio.abc.Stream, listener: ListenerContext) -> None:
        self._stream = stream
        self._listener = listener

    async def converse(self, session: Session, label: str) -> tuple[str, bytes]:
        settings = self._listener.ctx.settings
        return await converse(self._stream, session, label, settings,
                              self._listener.state.failed_logins)

    def raw(self) -> trio.abc.Stream:
        return self._stream

    async def aclose(self) -> None:
        await trio.aclose_forcefully(self._stream)


class _ParkedPlain:
    def __init__(self, sock: socket.socket, poller: Poller, listener: ListenerContext) -> None:
        self._sock = sock
        self._poller = poller
        self._listener = listener

    async def converse(self, session: Session, label: str) -> tuple[str, bytes]:
        settings = self._listener.ctx.settings
        return await converse_parked(self._sock, session, label, settings,
                                     self._listener.state.failed_logins, self._poller)

    def raw(self) -> trio.abc.Stream:
        return trio.SocketStream(trio.socket.from_stdlib_socket(self._sock))

    async def aclose(self) -> None:
        if self._sock.fileno() != -1:  # not already closed with the TLS stream
            trio.lowlevel.notify_closing(self._sock)
            self._sock.close()


def _debug_enabled() -> bool:
    """Whether debug events would be logged: per-request work is skipped if not.

    structlog's filtering loggers (configure_logging) answer is_enabled_for; any
    other configuration is taken to log everything.
    """
    bound = log.bind()
    if isinstance(bound, _LevelAware):
        return bound.is_enabled_for(logging.DEBUG)
    return True


@runtime_checkable
class _LevelAware(Protocol):
    """A bound logger that knows its level (structlog's filtering loggers do)."""

    def is_enabled_for(self, level: int) -> bool: ...


async def _serve(plain: _Plain, peer: Peer, listener: ListenerContext) -> None:
    addr, label = peer
    structlog.contextvars.bind_contextvars(client=label)
    ctx = listener.ctx
    session = Session(ctx, addr, now=trio.current_time(),
                      session_id=listener.state.next_session_id())
    session.record_requests = _debug_enabled()
    log.info("client.connected", connections=ctx.state.connections)
    reason = "error"
    tls: trio.SSLStream[trio.abc.Stream] | None = None
    try:
        if listener.seam is not None and not await listener.seam():
            reason = "chaos drop"  # closed unanswered by the finally below
            return
        reason, leftover = await plain.converse(session, label)
        if reason == "starttls":
            assert listener.tls_context is not None
            tls = await start_tls(plain.raw(), leftover, listener.tls_context, ctx.settings)
            session.tls_started()
            log.info("client.tls", version=tls.version())
            reason, _ = await converse(tls, session, label, ctx.settings,
                                       listener.state.failed_logins)
            # inside TLS the session answers STARTTLS with ERR ALREADY-SSL-MODE
            assert reason != "starttls"
    except (trio.BrokenResourceError, trio.ClosedResourceError, trio.TooSlowError,
            ssl.SSLError, OSError) as exc:
        reason = f"broken: {type(exc).__name__}"
    except Exception:
        # A bug met by one client must not take every other client down with
        # the listener: log it loudly and drop only this connection.
        log.exception("client.crashed")
        reason = "crashed"
    finally:
        session.close()
        # logged before closing: a close under cancellation ends this task at once
        log.info("client.disconnected", reason=reason, requests=session.requests,
                 errors=session.errors, user=session.username, login=session.login_ups,
                 tls=session.tls)
        if tls is not None:
            await trio.aclose_forcefully(tls)
        await plain.aclose()
