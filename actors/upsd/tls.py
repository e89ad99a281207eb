"""The listener's TLS side: the server context and the STARTTLS upgrade.

After STARTTLS a connection leaves the poller's fast path for good: its
own task serves the SSLStream with the stream transport's loop
(actors/upsd/stream.py).
"""

from __future__ import annotations

import ssl

import structlog
import trio

from nutrio.protocol.common.logtext import clip
from nutrio.protocol.upsd.session import ServerSettings, TlsSettings

__all__ = ["make_tls_context", "start_tls"]

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


async def start_tls(transport: trio.abc.Stream, leftover: bytes, context: ssl.SSLContext,
                    settings: ServerSettings) -> trio.SSLStream[trio.abc.Stream]:
    """The server side of the handshake, within send_timeout; *leftover*: bytes the
    client sent right after STARTTLS, read before the upgrade."""
    inner = _Prefixed(transport, leftover) if leftover else transport
    tls = trio.SSLStream(inner, context, server_side=True)
    try:
        with trio.fail_after(settings.send_timeout):
            await tls.do_handshake()
    except (trio.BrokenResourceError, trio.TooSlowError) as exc:
        log.warning("client.tls_failed", error=clip(str(exc.__cause__ or exc), 200))
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
