"""One client connection of the listener: its task, from accept to goodbye.

Plain text is served through the poller (actors/upsd/poller.py); this task
only takes what the poller hands back (a reply the client is slow to take,
the failed-login penalty, LOGOUT, STARTTLS) and, after STARTTLS, runs the
TLS conversation (actors/upsd/tls.py).
"""

from __future__ import annotations

import logging
import socket
import ssl
from collections.abc import Awaitable, Callable
from typing import Protocol

import structlog
import trio

from nutrio.actors.upsd.poller import Poller
from nutrio.actors.upsd.shared import _penalize, _Shared
from nutrio.actors.upsd.tls import _converse_tls, _start_tls
from nutrio.protocol.upsd.session import Action, ServerContext, Session

log = structlog.get_logger()


def _peer(sock: socket.socket) -> tuple[str, str]:
    """(address as LIST CLIENT shows it, address:port for logs)."""
    try:
        sockaddr = sock.getpeername()
    except OSError:
        return "unknown", "unknown"
    ip, port = str(sockaddr[0]), sockaddr[1]
    return ip, (f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}")


def _debug_enabled() -> bool:
    """Whether debug events would be logged: per-request work is skipped if not."""
    check = getattr(log.bind(), "is_enabled_for", None)
    return True if check is None else bool(check(logging.DEBUG))


#: The fault-injection seam a connection passes once (Chaos.before_message); False: drop it.
ConnectSeam = Callable[[], Awaitable[bool]]


class ConnectionChaos(Protocol):
    """What the listener needs of supervisor.chaos.Chaos."""

    async def before_message(self, actor_id: str) -> bool: ...


async def _serve_client(stream: trio.SocketStream, ctx: ServerContext, shared: _Shared,
                        poller: Poller, tls_context: ssl.SSLContext | None, session_id: int,
                        seam: ConnectSeam | None = None) -> None:
    # The plain-text loop talks to the kernel socket directly (see _converse_plain);
    # SocketStream has already set TCP_NODELAY on it.
    sock = socket.socket(fileno=stream.socket.detach())
    sock.setblocking(False)
    addr, label = _peer(sock)
    structlog.contextvars.bind_contextvars(client=label)
    session = Session(ctx, addr, now=trio.current_time(), session_id=session_id)
    session.record_requests = _debug_enabled()
    log.info("client.connected", connections=shared.state.connections)
    reason = "error"
    tls: trio.SSLStream[trio.abc.Stream] | None = None
    try:
        if seam is not None and not await seam():
            reason = "chaos drop"  # closed unanswered by the finally below
            return
        reason, leftover = await _converse_plain(sock, session, label, ctx, shared, poller)
        if reason == "starttls":
            assert tls_context is not None
            tls = await _start_tls(trio.SocketStream(trio.socket.from_stdlib_socket(sock)),
                                   leftover, tls_context, ctx.settings)
            session.tls_started()
            log.info("client.tls", version=tls.version())
            reason = await _converse_tls(tls, session, ctx, shared)
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
        shared.slots.release()
        if tls is not None:
            await trio.aclose_forcefully(tls)
        if sock.fileno() != -1:  # not already closed with the TLS stream
            trio.lowlevel.notify_closing(sock)
            sock.close()
        log.info("client.disconnected", reason=reason, requests=session.requests,
                 errors=session.errors, user=session.username, login=session.login_ups,
                 tls=session.tls)


async def _converse_plain(sock: socket.socket, session: Session, label: str, ctx: ServerContext,
                          shared: _Shared, poller: Poller) -> tuple[str, bytes]:
    """Serve plain text until the client leaves; ("starttls", leftover) hands over to TLS.

    The poller answers ordinary requests; this task only handles what the
    poller hands back (see actors/upsd/poller.py).
    """
    settings = ctx.settings
    while True:
        back = await poller.park(sock, session, label, settings.idle_timeout)
        if back.idle:
            return "idle", b""
        if back.eof:
            return "eof", b""
        if back.error is not None:
            raise back.error
        assert back.output is not None
        await _penalize(back.events, session, shared, settings)
        if back.unsent and not await _send_plain(sock, back.unsent, settings.send_timeout):
            return "too slow", b""
        if back.output.action is Action.CLOSE:
            return "logout", b""
        if back.output.action is Action.STARTTLS:
            return "starttls", back.output.leftover


async def _send_plain(sock: socket.socket, reply: bytes, timeout: float) -> bool:
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
