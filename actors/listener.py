"""The upsd network listener: Trio I/O around the pure :class:`protocol.server.Session`.

One task per connection in the listener's nursery; ordinary plain-text
requests are answered by the listener's poller (actors/_poller.py: one
epoll set, one recv and one send per request, as upsd's own loop), and a
connection's task takes over for anything that waits: a reply the client
is slow to take (``send_timeout``, so it only stalls itself), the
failed-login penalty, LOGOUT, STARTTLS and TLS. Input reaches the session
in 512-byte pieces, upsd's read buffer (a parse error drops the rest of a
read); the replies to one read go out in one send. Past ``maxconn`` the
listener stops accepting (upsd stops polling its listening socket, so new
clients wait in the kernel backlog). A client silent for ``idle_timeout``
is dropped, as upsd sheds clients after 60 s.

Several listeners given the same Registry (one per listen address) share
one server state: an FSD or a login made over IPv4 shows over IPv6.
"""

from __future__ import annotations

import errno
import logging
import socket
import ssl
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import structlog
import trio

from actors._poller import READ_SIZE, Poller, feed
from actors.registry import DeviceHandle, Registry
from protocol.replies import Descriptions
from protocol.server import (
    Action,
    AuthFailure,
    DeviceView,
    ServerContext,
    ServerSettings,
    ServerState,
    Session,
    TlsSettings,
)
from protocol.state import CommandRequest
from protocol.users import UserAccount

__all__ = ["run_listener", "ServerSettings", "TlsSettings", "load_descriptions", "CMDVARTAB_PATHS"]

log = structlog.get_logger()

CMDVARTAB_PATHS = (Path("/usr/share/nut/cmdvartab"), Path("/usr/local/share/nut/cmdvartab"))
#: Forget an address's failed logins after this long without a new one.
PENALTY_MEMORY = 300.0
#: Past this many remembered addresses, forgotten ones are pruned.
PENALTY_ADDRESSES = 4096
_ACCEPT_RETRY_ERRNOS = {errno.EMFILE, errno.ENFILE, errno.ENOMEM, errno.ENOBUFS}


@dataclass(eq=False)
class _Shared:
    """What all listeners of one Registry share."""

    state: ServerState
    slots: trio.Semaphore
    failures: dict[str, tuple[int, float]] = field(default_factory=dict)
    penalty_locks: dict[str, trio.Lock] = field(default_factory=dict)
    drained: set[int] = field(default_factory=set)
    next_id: int = 0


_SHARED: weakref.WeakKeyDictionary[Registry, _Shared] = weakref.WeakKeyDictionary()


def server_statistics(registry: Registry) -> tuple[int, int]:
    """(connected clients, requests served) of the listeners serving *registry*."""
    shared = _SHARED.get(registry)
    if shared is None:
        return 0, 0
    return shared.state.connections, shared.state.requests_served()


def _shared_for(registry: Registry, settings: ServerSettings) -> _Shared:
    shared = _SHARED.get(registry)
    if shared is None:
        shared = _Shared(ServerState(), trio.Semaphore(settings.maxconn))
        _SHARED[registry] = shared
    return shared


async def load_descriptions(paths: tuple[Path, ...] = CMDVARTAB_PATHS) -> Descriptions:
    """NUT's cmdvartab, for GET DESC / CMDDESC; empty when none is installed."""
    for path in paths:
        try:
            text = await trio.Path(path).read_bytes()
        except OSError:
            continue
        return Descriptions.parse(text)
    log.warning("listener.no_cmdvartab", paths=[str(p) for p in paths])
    return Descriptions()


def make_tls_context(tls: TlsSettings) -> ssl.SSLContext:
    """Server-side context: TLS 1.2+ (or tls.min_version), optional client certificates."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    versions = {"TLSv1.2": ssl.TLSVersion.TLSv1_2, "TLSv1.3": ssl.TLSVersion.TLSv1_3}
    if tls.min_version not in versions:
        raise ValueError(f"min_version {tls.min_version!r}: TLSv1.2 or TLSv1.3")
    context.minimum_version = versions[tls.min_version]
    context.load_cert_chain(tls.certfile, tls.keyfile)
    if tls.client_ca:
        context.load_verify_locations(tls.client_ca)
        context.verify_mode = ssl.CERT_REQUIRED
    return context


async def run_listener(
    address: tuple[str, int],
    registry: Registry,
    settings: ServerSettings,
    accounts: Mapping[str, UserAccount],
    *,
    descriptions: Descriptions | None = None,
    task_status: trio.TaskStatus[int] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Serve the NUT protocol on *address* until cancelled; reports the bound port."""
    host, port = address
    # under a supervisor the actor id (listener:<host>:<port>) is bound already
    if "actor" not in structlog.contextvars.get_contextvars():
        structlog.contextvars.bind_contextvars(actor=f"listener:{host}:{port}")
    tls_context = make_tls_context(settings.tls) if settings.tls else None
    if descriptions is None:
        descriptions = await load_descriptions()
    shared = _shared_for(registry, settings)
    listeners = await trio.open_tcp_listeners(port, host=host or None)
    bound = listeners[0].socket.getsockname()[1]
    async with trio.open_nursery() as nursery:
        # The nursery is handed to submit(): drainers for driver results are
        # started on first use and live as long as this listener.
        ctx = ServerContext(
            settings=settings,
            devices=registry,  # DeviceHandle fits DeviceView
            accounts=accounts,
            submit=lambda device, request: _submit(nursery, shared, device, request),
            descriptions=descriptions,
            state=shared.state,
        )
        for handle in registry:
            _ensure_drainer(nursery, shared, handle)
        poller = Poller()
        nursery.start_soon(poller.run)
        for listener in listeners:
            nursery.start_soon(_accept_loop, listener, nursery, ctx, shared, poller, tls_context)
        log.info("listener.started", host=host, port=bound, maxconn=settings.maxconn,
                 tls=tls_context is not None)
        task_status.started(bound)


async def _accept_loop(listener: trio.SocketListener, nursery: trio.Nursery, ctx: ServerContext,
                       shared: _Shared, poller: Poller, tls_context: ssl.SSLContext | None) -> None:
    async with listener:
        while True:
            if shared.slots.value == 0:
                log.warning("listener.full", maxconn=ctx.settings.maxconn)
            await shared.slots.acquire()
            try:
                stream = await listener.accept()
            except OSError as exc:
                shared.slots.release()
                if exc.errno not in _ACCEPT_RETRY_ERRNOS:
                    raise
                log.error("listener.accept_failed", error=str(exc))
                await trio.sleep(0.1)
                continue
            except BaseException:
                shared.slots.release()
                raise
            shared.next_id += 1
            nursery.start_soon(_serve_client, stream, ctx, shared, poller, tls_context, shared.next_id)


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


async def _serve_client(stream: trio.SocketStream, ctx: ServerContext, shared: _Shared,
                        poller: Poller, tls_context: ssl.SSLContext | None, session_id: int) -> None:
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
    poller hands back (see actors/_poller.py).
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


async def _penalize(events: Sequence[AuthFailure], session: Session, shared: _Shared,
                    settings: ServerSettings) -> None:
    if events:
        delay = _note_failures(events, session.addr, shared, settings)
        if delay:
            # One password per connection: a guesser opens many at once. Penalised
            # replies to one address wait their turn, so that is no faster.
            lock = shared.penalty_locks.setdefault(session.addr, trio.Lock())
            try:
                async with lock:
                    await trio.sleep(delay)
            finally:
                if not lock.locked() and lock.statistics().tasks_waiting == 0:
                    shared.penalty_locks.pop(session.addr, None)


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


async def _converse_tls(tls: trio.SSLStream[trio.abc.Stream], session: Session,
                        ctx: ServerContext, shared: _Shared) -> str:
    settings = ctx.settings
    while True:
        data: bytes | bytearray | None = None
        with trio.move_on_at(session.last_heard + settings.idle_timeout):
            data = await tls.receive_some(READ_SIZE)
        if data is None:
            return "idle"
        if not data:
            return "eof"
        output = feed(session, bytes(data), trio.current_time())
        if session.record_requests:
            for request in session.take_requests():
                log.debug("client.request", request=request)
        await _penalize(session.take_events(), session, shared, settings)
        if output.reply and not await _send(tls, output.reply, settings.send_timeout):
            return "too slow"
        if output.action is Action.CLOSE:
            return "logout"
        if output.action is Action.STARTTLS:
            raise AssertionError("STARTTLS inside TLS: the session answers ALREADY-SSL-MODE")


async def _send(transport: trio.abc.Stream, reply: bytes, timeout: float) -> bool:
    """Send a whole reply; False when the client did not take it within *timeout*."""
    with trio.move_on_after(timeout):
        await transport.send_all(reply)
        return True
    log.warning("client.too_slow", timeout=timeout, pending=len(reply))
    return False


async def _start_tls(transport: trio.abc.Stream, leftover: bytes, context: ssl.SSLContext,
                     settings: ServerSettings) -> trio.SSLStream[trio.abc.Stream]:
    inner = _Prefixed(transport, leftover) if leftover else transport
    tls = trio.SSLStream(inner, context, server_side=True)
    try:
        with trio.fail_after(settings.send_timeout):
            await tls.do_handshake()
    except (trio.BrokenResourceError, trio.TooSlowError) as exc:
        log.warning("client.tls_failed", error=str(exc.__cause__ or exc))
        raise
    return tls


class _Prefixed(trio.abc.Stream):
    """A stream that first yields bytes already read (sent right after STARTTLS)."""

    def __init__(self, inner: trio.abc.Stream, prefix: bytes) -> None:
        self._inner = inner
        self._prefix = prefix

    async def send_all(self, data: bytes | bytearray | memoryview) -> None:
        await self._inner.send_all(data)

    async def wait_send_all_might_not_block(self) -> None:
        await self._inner.wait_send_all_might_not_block()

    async def receive_some(self, max_bytes: int | None = None) -> bytes | bytearray:
        if self._prefix:
            size = len(self._prefix) if max_bytes is None else max_bytes
            chunk, self._prefix = self._prefix[:size], self._prefix[size:]
            return chunk
        return await self._inner.receive_some(max_bytes)

    async def aclose(self) -> None:
        await self._inner.aclose()


# -- requests to drivers, results back ------------------------------------------


def _submit(nursery: trio.Nursery, shared: _Shared, device: DeviceView, request: CommandRequest) -> bool:
    handle = device
    if not isinstance(handle, DeviceHandle):
        return False
    _ensure_drainer(nursery, shared, handle)
    try:
        handle.requests_in.send_nowait(request)
    except (trio.WouldBlock, trio.BrokenResourceError, trio.ClosedResourceError):
        log.warning("request.refused", ups=handle.name, kind=request.kind, name=request.name)
        return False
    log.info("request.sent", ups=handle.name, kind=request.kind, name=request.name,
             tracking=request.tracking, user=request.user, peer=request.peer)
    return True


def _ensure_drainer(nursery: trio.Nursery, shared: _Shared, handle: DeviceHandle) -> None:
    if id(handle) not in shared.drained:
        shared.drained.add(id(handle))
        nursery.start_soon(_drain_results, shared, handle)


async def _drain_results(shared: _Shared, handle: DeviceHandle) -> None:
    """Driver verdicts become GET TRACKING answers."""
    try:
        async for result in handle.results_out:
            known = shared.state.tracking.record(result)
            log.debug("request.result", ups=handle.name, tracking=result.tracking,
                      code=result.code, known=known)
    finally:
        shared.drained.discard(id(handle))


# -- failed authentication ------------------------------------------------------


def _note_failures(events: Sequence[AuthFailure], addr: str, shared: _Shared,
                   settings: ServerSettings) -> float:
    """Log each ACCESS-DENIED; return how long to hold the reply back (0 if none)."""
    delay = 0.0
    now = trio.current_time()
    if events and len(shared.failures) > PENALTY_ADDRESSES:
        for stale in [a for a, (_, last) in shared.failures.items() if now - last > PENALTY_MEMORY]:
            del shared.failures[stale]
    for event in events:
        count, last = shared.failures.get(addr, (0, now))
        if now - last > PENALTY_MEMORY:
            count = 0
        if event.reason.is_guess:
            count += 1
            shared.failures[addr] = (count, now)
            delay = max(delay, min(settings.auth_penalty_cap,
                                   settings.auth_penalty * 2 ** (count - 1)))
        log.warning("auth.failed", peer=addr, command=event.command, user=event.username,
                    reason=event.reason.value, ups=event.target or None, failures=count)
    return delay
