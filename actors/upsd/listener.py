"""The upsd network listener: Trio I/O around the pure :class:`protocol.upsd.session.Session`.

Connections are served by one of two transports (``[server] transport``):
"stream", the reference, where each connection's task reads its
``trio.abc.Stream`` and answers (any platform; actors/upsd/stream.py), or
"epoll", where plain-text requests are answered by the listener's poller
(one epoll set, one recv and one send per request, as upsd's own loop; no
task while a client idles; actors/upsd/poller.py, sockets.py) and a task
takes over for anything that waits. "auto" picks epoll where Linux has it.

Either way clients see the same bytes: input reaches the session in
512-byte pieces, upsd's read buffer (a parse error drops the rest of a
read); the replies to one read go out in one send; a reply the client is
slow to take waits ``send_timeout`` and stalls only that client; a failed
password guess holds back its own reply (actors/upsd/state.py). At
``maxconn`` a new client is refused at once, and the last places are kept
for upsmon logins (actors/upsd/table.py); upsd instead stops accepting,
which leaves new clients hanging. A client silent for ``idle_timeout`` is
dropped, as upsd sheds clients after 60 s.

The listeners of one upsd (one per listen address) share one
:class:`~actors.upsd.state.UpsdState`, made by the tree; a listener given
none is a whole upsd on its own and drains driver results itself.
"""

from __future__ import annotations

import errno
import functools
import math
import select
import socket
import ssl
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import structlog
import trio

from nutrio.actors.registry import Registry
from nutrio.actors.upsd.connection import (
    ConnectionChaos,
    ConnectSeam,
    ListenerContext,
    peer_of,
    refuse,
    serve_client,
)
from nutrio.actors.upsd.sockets import SocketClients
from nutrio.actors.upsd.state import UpsdState
from nutrio.actors.upsd.table import LOGIN_GRACE, REFUSAL, Admission, ConnectionTable
from nutrio.actors.upsd.tls import make_tls_context
from nutrio.actors.upsd.tracking import run_tracking, submit_request
from nutrio.protocol.upsd.replies import Descriptions
from nutrio.protocol.upsd.session import ServerContext, ServerSettings, TlsSettings
from nutrio.protocol.upsd.users import Accounts

__all__ = [
    "run_listener",
    "listener_context",
    "accept_clients",
    "refuse_stream",
    "Start",
    "resolve_transport",
    "ServerSettings",
    "TlsSettings",
    "load_descriptions",
    "CMDVARTAB_PATHS",
]

log = structlog.get_logger()

CMDVARTAB_PATHS = (Path("/usr/share/nut/cmdvartab"), Path("/usr/local/share/nut/cmdvartab"))
_ACCEPT_RETRY_ERRNOS = {errno.EMFILE, errno.ENFILE, errno.ENOMEM, errno.ENOBUFS}

S = TypeVar("S", bound=trio.abc.Stream)


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


def resolve_transport(setting: str) -> str:
    """"stream" or "epoll" for a ``[server] transport`` setting."""
    has_epoll = hasattr(select, "epoll")
    if setting == "auto":
        return "epoll" if has_epoll else "stream"
    if setting == "epoll" and not has_epoll:
        raise RuntimeError('transport = "epoll" needs Linux\'s epoll: use "stream" or "auto"')
    return setting


def listener_context(registry: Registry, settings: ServerSettings, accounts: Accounts,
                     state: UpsdState, descriptions: Descriptions, *,
                     tls_context: ssl.SSLContext | None = None,
                     seam: ConnectSeam | None = None) -> ListenerContext:
    """What a listener's connections use, on either transport."""
    ctx = ServerContext(
        settings=settings,
        devices=registry,  # DeviceHandle fits DeviceView
        accounts=accounts,
        submit=functools.partial(submit_request, registry),
        descriptions=descriptions,
        state=state.server,
        may_verify=functools.partial(state.failed_logins.may_verify,
                                     budget=settings.auth_penalty_budget),
    )
    return ListenerContext(ctx=ctx, state=state, tls_context=tls_context, seam=seam)


async def run_listener(
    address: tuple[str, int],
    registry: Registry,
    settings: ServerSettings,
    accounts: Accounts,
    *,
    state: UpsdState | None = None,
    descriptions: Descriptions | None = None,
    chaos: ConnectionChaos | None = None,
    task_status: trio.TaskStatus[int] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Serve the NUT protocol on *address* until cancelled; reports the bound port.

    *accounts* is read at each check (a LatestCell the tree publishes to).
    With *chaos*, each accepted connection is one message of this actor at the
    fault-injection seam: a crash or drop ends that connection only, a delay or
    freeze holds it alone; the poller and every other client go on.
    """
    host, port = address
    # under a supervisor the actor id (listener:<host>:<port>) is bound already
    if "actor" not in structlog.contextvars.get_contextvars():
        structlog.contextvars.bind_contextvars(actor=f"listener:{host}:{port}")
    actor_id = str(structlog.contextvars.get_contextvars()["actor"])
    transport = resolve_transport(settings.transport)
    tls_context = make_tls_context(settings.tls) if settings.tls else None
    if descriptions is None:
        descriptions = await load_descriptions()
    listeners = await trio.open_tcp_listeners(port, host=host or None)
    bound = listeners[0].socket.getsockname()[1]
    async with trio.open_nursery() as nursery:
        if state is None:  # on its own: a whole upsd, results drained here
            state = UpsdState.for_settings(settings)
            await nursery.start(run_tracking, registry, state)
        seam = functools.partial(chaos.before_message, actor_id) if chaos is not None else None
        listener = listener_context(registry, settings, accounts, state, descriptions,
                                    tls_context=tls_context, seam=seam)
        start: Start[trio.SocketStream]
        if transport == "epoll":
            clients = SocketClients(listener)
            await nursery.start(clients.poller.run)

            def start(stream: trio.SocketStream, login_by: float) -> None:
                clients.start(stream, nursery, login_by)
        else:
            def start(stream: trio.SocketStream, login_by: float) -> None:
                nursery.start_soon(serve_client, stream, peer_of(stream.socket), listener,
                                   login_by)
        for tcp in listeners:
            nursery.start_soon(accept_clients, tcp, state.table, start, refuse_stream)
        log.info("listener.started", host=host, port=bound, maxconn=state.table.maxconn,
                 upsmon_slots=state.table.upsmon_slots, tls=tls_context is not None,
                 transport=transport)
        task_status.started(bound)


#: Starts serving an accepted connection; *login_by*: a upsmon place (inf: none).
Start = Callable[[S, float], None]


async def accept_clients(listener: trio.abc.Listener[S], table: ConnectionTable,
                         start: Start[S], refuse: Callable[[S], Awaitable[None]]) -> None:
    """Accept every client at once: refused when the table is full, on probation in
    a upsmon place, else served; *start* gives its place back when it ends."""
    async with listener:
        while True:
            try:
                stream = await listener.accept()
            except OSError as exc:
                if exc.errno not in _ACCEPT_RETRY_ERRNOS:
                    raise
                log.error("listener.accept_failed", error=str(exc))
                await trio.sleep(0.1)
                continue
            admission = table.admit()
            if admission is Admission.REFUSE:
                await refuse(stream)
                continue
            login_by = math.inf
            if admission is Admission.PROBATION:
                login_by = trio.current_time() + LOGIN_GRACE
            try:
                start(stream, login_by)
            except BaseException:
                table.leave()
                raise


async def refuse_stream(stream: trio.abc.Stream) -> None:
    """Refuse a TCP client without waiting (actors/upsd/connection.py refuse)."""
    if isinstance(stream, trio.SocketStream):
        refuse(socket.socket(fileno=stream.socket.detach()))
        return
    with trio.move_on_after(0.1):  # another kind of stream (tests): a short try
        await stream.send_all(REFUSAL)
    await trio.aclose_forcefully(stream)
