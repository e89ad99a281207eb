"""An async NUT client on Trio, for the monitor (upsclient.c's job, non-blocking).

Strictly request/reply on one connection, built on the pure protocol.client.requests:
:func:`protocol.client.requests.build_request` out, :func:`protocol.client.requests.parse_reply`
back. Every failure is a :class:`NutClientError`; ``lost`` tells whether the
connection is gone (reconnect) or upsd merely answered ``ERR`` (keep it).
"""

from __future__ import annotations

import contextlib
import ssl

import trio

from nutrio.protocol.client.requests import (
    Err,
    NumLogins,
    Ok,
    Reply,
    Var,
    build_request,
    parse_reply,
)

__all__ = ["MAX_LINE", "NET_TIMEOUT", "NutClient", "NutClientError"]

#: upsmon arms alarm(NET_TIMEOUT) around each poll.
NET_TIMEOUT = 10.0
_CLOSE_ERRORS = (OSError, trio.BrokenResourceError, trio.ClosedResourceError)
#: Longer reply lines are a protocol error (upsd's own are far shorter).
MAX_LINE = 64 * 1024


class NutClientError(Exception):
    """A failed request: ``code`` is upsd's ERR word or our own reason."""

    def __init__(self, code: str, *, lost: bool = False) -> None:
        super().__init__(code)
        self.code = code
        self.lost = lost


class NutClient:
    """One session with upsd; :meth:`connect`, requests, then :meth:`aclose`."""

    def __init__(self, stream: trio.abc.Stream) -> None:
        self._stream: trio.abc.Stream | None = stream
        self._buffer = bytearray()

    @classmethod
    async def connect(cls, host: str, port: int, *, timeout: float = NET_TIMEOUT) -> NutClient:
        try:
            with trio.fail_after(timeout):
                stream = await trio.open_tcp_stream(host, port)
        except (OSError, trio.TooSlowError) as exc:
            raise NutClientError(f"connect failed: {exc}", lost=True) from exc
        return cls(stream)

    @property
    def connected(self) -> bool:
        return self._stream is not None

    @property
    def tls_version(self) -> str | None:
        """The TLS version in use ("TLSv1.3"), or None on plain TCP."""
        stream = self._stream
        return stream.version() if isinstance(stream, trio.SSLStream) else None

    async def starttls(self, context: ssl.SSLContext, server_hostname: str | None,
                       *, timeout: float = NET_TIMEOUT) -> None:
        """STARTTLS, then the TLS handshake on this connection (upscli_sslinit).

        Raises NutClientError: with ``lost=False`` when upsd refused (an ERR
        such as FEATURE-NOT-CONFIGURED, or no OK STARTTLS): the plain session
        is still usable; with ``lost=True`` when the handshake failed (bad
        certificate, wrong host name, broken connection), and the connection
        is closed.
        """
        reply = await self.request("STARTTLS", timeout=timeout)
        if not (isinstance(reply, Ok) and reply.detail.startswith("STARTTLS")):
            raise NutClientError(reply.code if isinstance(reply, Err) else f"unexpected {reply!r}")
        stream = self._stream
        assert stream is not None  # request() closes and raises when the connection is lost
        if self._buffer:  # upsd sent bytes after OK STARTTLS: they are not TLS
            await self.aclose(logout=False)
            raise NutClientError("data after OK STARTTLS", lost=True)
        tls = trio.SSLStream(stream, context, server_hostname=server_hostname)
        try:
            with trio.fail_after(timeout):
                await tls.do_handshake()
        except (ssl.SSLError, OSError, trio.BrokenResourceError, trio.ClosedResourceError,
                trio.TooSlowError) as exc:
            self._stream = stream
            await self.aclose(logout=False)
            raise NutClientError(f"TLS handshake failed: {_reason(exc)}", lost=True) from exc
        self._stream = tls

    async def request(self, command: str, *args: str, timeout: float = NET_TIMEOUT) -> Reply:
        """Send one request line and parse the one reply line."""
        stream = self._stream
        if stream is None:
            raise NutClientError("not connected", lost=True)
        try:
            with trio.fail_after(timeout):
                await stream.send_all(build_request(command, *args))
                line = await self._readline(stream)
        except (OSError, trio.BrokenResourceError, trio.ClosedResourceError,
                trio.TooSlowError, EOFError) as exc:
            await self.aclose(logout=False)
            raise NutClientError(f"connection lost: {type(exc).__name__}", lost=True) from exc
        return parse_reply(line)

    async def _readline(self, stream: trio.abc.Stream) -> bytes:
        while True:
            cut = self._buffer.find(b"\n")
            if cut >= 0:
                line = bytes(self._buffer[:cut])
                del self._buffer[: cut + 1]
                return line
            if len(self._buffer) > MAX_LINE:
                raise EOFError("reply line too long")
            chunk = await stream.receive_some(4096)
            if not chunk:
                raise EOFError("server closed the connection")
            self._buffer += chunk

    async def expect_ok(self, command: str, *args: str) -> Ok:
        reply = await self.request(command, *args)
        if isinstance(reply, Ok):
            return reply
        raise NutClientError(reply.code if isinstance(reply, Err) else f"unexpected {reply!r}")

    async def login(self, user: str, password: str, upsname: str, *, primary: bool) -> None:
        """USERNAME, PASSWORD, LOGIN, then PRIMARY (MASTER on older upsd), as upsmon."""
        await self.expect_ok("USERNAME", user)
        await self.expect_ok("PASSWORD", password)
        await self.expect_ok("LOGIN", upsname)
        if primary:
            try:
                await self.expect_ok("PRIMARY", upsname)
            except NutClientError as exc:
                if exc.lost:
                    raise
                await self.expect_ok("MASTER", upsname)

    async def get_status(self, upsname: str) -> str:
        """``GET VAR <ups> ups.status`` -> the value."""
        reply = await self.request("GET", "VAR", upsname, "ups.status")
        if isinstance(reply, Var) and reply.name.lower() == "ups.status":
            return reply.value
        raise NutClientError(reply.code if isinstance(reply, Err) else "protocol error")

    async def numlogins(self, upsname: str) -> int:
        reply = await self.request("GET", "NUMLOGINS", upsname)
        if isinstance(reply, NumLogins):
            return reply.count
        raise NutClientError(reply.code if isinstance(reply, Err) else "protocol error")

    async def set_fsd(self, upsname: str) -> None:
        await self.expect_ok("FSD", upsname)

    async def aclose(self, *, logout: bool = True) -> None:
        """Close; with ``logout`` say LOGOUT first (best effort, upscli_disconnect)."""
        stream, self._stream = self._stream, None
        if stream is None:
            return
        with trio.move_on_after(1) as scope:
            scope.shield = True
            if logout:
                with contextlib.suppress(*_CLOSE_ERRORS):
                    await stream.send_all(b"LOGOUT\n")
            with contextlib.suppress(*_CLOSE_ERRORS):
                await stream.aclose()


def _reason(exc: BaseException) -> str:
    """The useful part of a handshake error (trio wraps ssl's in BrokenResourceError)."""
    cause = exc.__cause__ if isinstance(exc, trio.BrokenResourceError) else exc
    if isinstance(cause, ssl.SSLError):
        return cause.reason or str(cause)
    return str(cause) or type(cause).__name__
