"""The listener's TLS side: server context, the STARTTLS upgrade, the TLS conversation.

After STARTTLS a connection leaves the poller's fast path for good: its
own task reads, feeds the session and sends through the SSLStream.
"""

from __future__ import annotations

import ssl

import structlog
import trio

from nutrio.actors.upsd.poller import READ_SIZE, feed
from nutrio.actors.upsd.shared import _penalize, _Shared
from nutrio.protocol.upsd.session import Action, ServerContext, ServerSettings, Session, TlsSettings

__all__ = ["make_tls_context"]

log = structlog.get_logger()


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
