"""The upsd network listener: Trio I/O around the pure :class:`protocol.server.Session`.

One task per connection in the listener's nursery. Reads are at most 512
bytes, like upsd's read buffer (a parse error drops the rest of a read).
Replies go out whole, one send per read, under ``send_timeout`` so a
client that stops reading only stalls itself. Past ``maxconn`` the
listener stops accepting (upsd stops polling its listening socket, so new
clients wait in the kernel backlog). A client silent for ``idle_timeout``
is dropped, as upsd sheds clients after 60 s.

Several listeners given the same Registry (one per listen address) share
one server state: an FSD or a login made over IPv4 shows over IPv6.
"""

from __future__ import annotations

import errno
import ssl
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import structlog
import trio

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

#: upsd's read buffer (SMALLBUF).
READ_SIZE = 512
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
    drained: set[int] = field(default_factory=set)
    next_id: int = 0


_SHARED: weakref.WeakKeyDictionary[Registry, _Shared] = weakref.WeakKeyDictionary()


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
    structlog.contextvars.bind_contextvars(actor="listener")
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
        for listener in listeners:
            nursery.start_soon(_accept_loop, listener, nursery, ctx, shared, tls_context)
        log.info("listener.started", host=host, port=bound, maxconn=settings.maxconn,
                 tls=tls_context is not None)
        task_status.started(bound)


async def _accept_loop(listener: trio.SocketListener, nursery: trio.Nursery, ctx: ServerContext,
                       shared: _Shared, tls_context: ssl.SSLContext | None) -> None:
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
            nursery.start_soon(_serve_client, stream, ctx, shared, tls_context, shared.next_id)


def _peer(stream: trio.SocketStream) -> tuple[str, str]:
    """(address as LIST CLIENT shows it, address:port for logs)."""
    try:
        sockaddr = stream.socket.getpeername()
    except OSError:
        return "unknown", "unknown"
    ip, port = str(sockaddr[0]), sockaddr[1]
    return ip, (f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}")


async def _serve_client(stream: trio.SocketStream, ctx: ServerContext, shared: _Shared,
                        tls_context: ssl.SSLContext | None, session_id: int) -> None:
    addr, label = _peer(stream)
    structlog.contextvars.bind_contextvars(client=label)
    session = Session(ctx, addr, now=trio.current_time(), session_id=session_id)
    log.info("client.connected", connections=shared.state.connections)
    reason = "error"
    try:
        reason = await _converse(stream, session, ctx, shared, tls_context)
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
        await trio.aclose_forcefully(stream)
        log.info("client.disconnected", reason=reason, requests=session.requests,
                 errors=session.errors, user=session.username, login=session.login_ups,
                 tls=session.tls)


async def _converse(stream: trio.SocketStream, session: Session, ctx: ServerContext,
                    shared: _Shared, tls_context: ssl.SSLContext | None) -> str:
    transport: trio.abc.Stream = stream
    settings = ctx.settings
    while True:
        data: bytes | bytearray | None = None
        with trio.move_on_at(session.last_heard + settings.idle_timeout):
            data = await transport.receive_some(READ_SIZE)
        if data is None:
            return "idle"
        if not data:
            return "eof"
        output = session.receive_data(bytes(data), trio.current_time())
        for request in session.take_requests():
            log.debug("client.request", request=request)
        delay = _note_failures(session.take_events(), session.addr, shared, settings)
        if delay:
            await trio.sleep(delay)
        if output.reply and not await _send(transport, output.reply, settings.send_timeout):
            return "too slow"
        if output.action is Action.CLOSE:
            return "logout"
        if output.action is Action.STARTTLS:
            assert tls_context is not None
            tls = await _start_tls(transport, output.leftover, tls_context, settings)
            transport = tls
            session.tls_started()
            log.info("client.tls", version=tls.version())


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
             tracking=request.tracking)
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


def _note_failures(events: list[AuthFailure], addr: str, shared: _Shared,
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
