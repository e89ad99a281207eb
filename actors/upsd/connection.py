"""One client connection, from accept to goodbye: what both transports share,
and the stream transport's task.

:func:`serve_client` is the stream transport: one task per connection reads
and answers the ``trio.abc.Stream`` itself (actors/upsd/stream.py). The epoll
transport (actors/upsd/sockets.py) has no task per connection while it idles.
Both open and close sessions here (:func:`open_session`, :func:`log_closed`),
with the same log lines, and refuse here (:func:`refuse`). After STARTTLS,
the TLS conversation always runs on the stream loop.
"""

from __future__ import annotations

import contextlib
import logging
import math
import socket
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import structlog
import trio

from nutrio.actors.upsd.state import UpsdState
from nutrio.actors.upsd.stream import converse, send_within
from nutrio.actors.upsd.table import REFUSAL
from nutrio.actors.upsd.tls import start_tls
from nutrio.protocol.common.logtext import clip
from nutrio.protocol.upsd.session import ServerContext, Session

__all__ = [
    "BROKEN",
    "ConnectSeam",
    "ConnectionChaos",
    "ListenerContext",
    "Peer",
    "log_closed",
    "open_session",
    "peer_of",
    "refuse",
    "failure_reason",
    "over_tls",
    "serve_client",
]

log = structlog.get_logger()

#: (address as LIST CLIENT shows it, address:port for logs)
Peer = tuple[str, str]
#: The fault-injection seam a connection passes once (Chaos.before_message); False: drop it.
ConnectSeam = Callable[[], Awaitable[bool]]
#: A client gone wrong: its connection ends, "broken: <type>".
BROKEN = (trio.BrokenResourceError, trio.ClosedResourceError, trio.TooSlowError, ssl.SSLError,
          OSError)


class ConnectionChaos(Protocol):
    """What the listener needs of supervisor.chaos.Chaos."""

    async def before_message(self, actor_id: str) -> bool: ...


@dataclass(frozen=True, eq=False)
class ListenerContext:
    """What every connection of one listener uses; ``seam`` is the chaos seam."""

    ctx: ServerContext
    state: UpsdState
    tls_context: ssl.SSLContext | None = None
    seam: ConnectSeam | None = None


def peer_of(sock: socket.socket | trio.socket.SocketType) -> Peer:
    """The peer of a connected socket, as LIST CLIENT and the logs show it."""
    try:
        sockaddr = sock.getpeername()
    except OSError:
        return "unknown", "unknown"
    ip, port = str(sockaddr[0]), sockaddr[1]
    return ip, (f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}")


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


def open_session(peer: Peer, listener: ListenerContext) -> Session:
    """A new connection's session, logged as connected."""
    ctx = listener.ctx
    session = Session(ctx, peer[0], now=trio.current_time(),
                      session_id=listener.state.next_session_id())
    session.record_requests = _debug_enabled()
    log.info("client.connected", client=peer[1], connections=ctx.state.connections)
    return session


def log_closed(session: Session, label: str, reason: str) -> None:
    """The session is over: release it, and one summary line."""
    session.close()
    log.info("client.disconnected", client=label, reason=reason, requests=session.requests,
             errors=session.errors, user=clip(session.username), login=session.login_ups,
             tls=session.tls)


def refuse(sock: socket.socket) -> None:
    """Tell a client it got no place (:data:`REFUSAL`) and close, never waiting.

    What it sent already is read first: closing on unread bytes would reset
    the connection, and the client could lose the line.
    """
    with contextlib.suppress(OSError):
        sock.setblocking(False)
        sock.send(REFUSAL)
        for _ in range(4):
            if not sock.recv(65536):
                break
    sock.close()


async def serve_client(stream: trio.abc.Stream, peer: Peer, listener: ListenerContext,
                       login_by: float = math.inf) -> None:
    """Serve one client over *stream* (the stream transport) until it leaves; it
    gives its place in the table back at the end. *login_by*: a upsmon place."""
    structlog.contextvars.bind_contextvars(client=peer[1])
    session = open_session(peer, listener)
    reason = "error"
    try:
        if listener.seam is not None and not await listener.seam():
            reason = "chaos drop"  # closed unanswered by the finally below
            return
        reason, leftover = await converse(stream, session, peer[1], listener.ctx.settings,
                                          listener.state, login_by)
        if reason == "starttls":
            reason = await over_tls(stream, leftover, session, peer[1], listener, login_by)
    except Exception as exc:
        reason = failure_reason(exc)
    finally:
        # logged before closing: a close under cancellation ends this task at once
        log_closed(session, peer[1], reason)
        listener.state.table.leave()
        if reason == "no login" and not session.tls:
            with trio.move_on_after(1.0):
                await send_within(stream, REFUSAL, 1.0)
        await trio.aclose_forcefully(stream)


def failure_reason(exc: Exception) -> str:
    """Why a connection ended on *exc*: a client gone wrong ("broken: <type>"), or a
    bug, logged loudly ("crashed"): either way it drops only that connection, never
    every other client with the listener."""
    if isinstance(exc, BROKEN):
        return f"broken: {type(exc).__name__}"
    log.exception("client.crashed", exc_info=exc)
    return "crashed"


async def over_tls(raw: trio.abc.Stream, leftover: bytes, session: Session, label: str,
                   listener: ListenerContext, login_by: float = math.inf) -> str:
    """After STARTTLS (either transport): the handshake on *raw* (*leftover*: what came
    right after the STARTTLS line), then the rest of the connection inside TLS, on
    the stream loop; why it ended. Closing *raw* afterwards ends the TLS stream too
    (the caller does, once the summary line is logged)."""
    assert listener.tls_context is not None
    tls = await start_tls(raw, leftover, listener.tls_context, listener.ctx.settings)
    session.tls_started()
    log.info("client.tls", version=tls.version())
    reason, _ = await converse(tls, session, label, listener.ctx.settings, listener.state,
                               login_by)
    # inside TLS the session answers STARTTLS with ERR ALREADY-SSL-MODE
    assert reason != "starttls"
    return reason
