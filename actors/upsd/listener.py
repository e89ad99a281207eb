"""The upsd network listener: Trio I/O around the pure :class:`protocol.upsd.session.Session`.

One task per connection in the listener's nursery; ordinary plain-text
requests are answered by the listener's poller (actors/upsd/poller.py: one
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

This module accepts; the rest lives in private siblings: one client's task
(``_listener_client``), TLS (``_listener_tls``), the state listeners share
and the failed-login penalty (``_listener_shared``), requests to drivers
and their results (``_listener_drivers``).
"""

from __future__ import annotations

import errno
import functools
import ssl
from collections.abc import Mapping
from pathlib import Path

import structlog
import trio

from nutrio.actors.registry import Registry
from nutrio.actors.upsd.connection import ConnectionChaos, ConnectSeam, _serve_client
from nutrio.actors.upsd.drivers import _ensure_drainer, _submit
from nutrio.actors.upsd.poller import Poller

# ``X as X``: re-exported, for importers of actors.upsd.listener (app, tests).
from nutrio.actors.upsd.shared import PENALTY_ADDRESSES as PENALTY_ADDRESSES
from nutrio.actors.upsd.shared import PENALTY_MEMORY as PENALTY_MEMORY
from nutrio.actors.upsd.shared import _note_failures as _note_failures
from nutrio.actors.upsd.shared import _Shared as _Shared
from nutrio.actors.upsd.shared import _shared_for
from nutrio.actors.upsd.shared import server_statistics as server_statistics
from nutrio.actors.upsd.tls import make_tls_context as make_tls_context
from nutrio.protocol.upsd.replies import Descriptions
from nutrio.protocol.upsd.session import ServerContext, ServerSettings, TlsSettings
from nutrio.protocol.upsd.users import UserAccount

__all__ = ["run_listener", "ServerSettings", "TlsSettings", "load_descriptions", "CMDVARTAB_PATHS"]

log = structlog.get_logger()

CMDVARTAB_PATHS = (Path("/usr/share/nut/cmdvartab"), Path("/usr/local/share/nut/cmdvartab"))
_ACCEPT_RETRY_ERRNOS = {errno.EMFILE, errno.ENFILE, errno.ENOMEM, errno.ENOBUFS}


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


async def run_listener(
    address: tuple[str, int],
    registry: Registry,
    settings: ServerSettings,
    accounts: Mapping[str, UserAccount],
    *,
    descriptions: Descriptions | None = None,
    chaos: ConnectionChaos | None = None,
    task_status: trio.TaskStatus[int] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Serve the NUT protocol on *address* until cancelled; reports the bound port.

    With *chaos*, each accepted connection is one message of this actor at the
    fault-injection seam: a crash or drop ends that connection only, a delay or
    freeze holds it alone; the poller and every other client go on.
    """
    host, port = address
    # under a supervisor the actor id (listener:<host>:<port>) is bound already
    if "actor" not in structlog.contextvars.get_contextvars():
        structlog.contextvars.bind_contextvars(actor=f"listener:{host}:{port}")
    actor_id = str(structlog.contextvars.get_contextvars()["actor"])
    seam = functools.partial(chaos.before_message, actor_id) if chaos is not None else None
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
            nursery.start_soon(_accept_loop, listener, nursery, ctx, shared, poller, tls_context,
                               seam)
        log.info("listener.started", host=host, port=bound, maxconn=settings.maxconn,
                 tls=tls_context is not None)
        task_status.started(bound)


async def _accept_loop(listener: trio.SocketListener, nursery: trio.Nursery, ctx: ServerContext,
                       shared: _Shared, poller: Poller, tls_context: ssl.SSLContext | None,
                       seam: ConnectSeam | None) -> None:
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
            nursery.start_soon(_serve_client, stream, ctx, shared, poller, tls_context, shared.next_id,
                               seam)
