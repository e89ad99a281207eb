"""A blocking connection to upsd that fails the way NUT's upsclient.c fails.

The command-line clients are short-lived and strictly request/reply, so this
is a plain socket (no Trio): one line out, one line back, with upsclient's
timeouts. What matters is that every failure ends up as the same
:class:`~protocol.client.requests.ClientErrorCode` NUT would report, because the
tools print ``upscli_strerror`` verbatim:

- a failed read or write closes the connection, and closing sends
  ``LOGOUT`` first; if *that* write fails, its error replaces the first one
  (this is why NUT says ``Write error: Broken pipe`` when upsd hangs up);
- once closed, every further request fails with ``Driver not connected``;
- ``ERR ...`` replies become client codes by prefix (upscli_errcheck).
"""

from __future__ import annotations

import errno
import os
import socket
import ssl
from collections.abc import Iterator

from nutrio.clients import _environ
from nutrio.clients._common import KilledBySigpipe, err, ignore_sigpipe, sigpipe_kills
from nutrio.protocol.client.requests import (
    ClientErrorCode,
    build_request,
    error_code_of,
    reply_words,
)

__all__ = ["ClientFailure", "KilledBySigpipe", "NutConnection", "NETWORK_TIMEOUT", "NETBUF_LEN"]

#: upsclient.h DEFAULT_NETWORK_TIMEOUT: seconds a reply may take.
NETWORK_TIMEOUT = 5.0
#: UPSCLI_NETBUF_LEN: a reply line is read into a buffer this big.
NETBUF_LEN = 512

_E = ClientErrorCode


class ClientFailure(Exception):
    """A failed upsclient call; :attr:`message` is upscli_strerror's text."""

    def __init__(self, code: ClientErrorCode, *, errnum: int = 0, detail: str = "") -> None:
        self.code = code
        self.errnum = errnum
        self.detail = detail
        super().__init__(self.message)

    @property
    def message(self) -> str:
        text = self.code.text
        if "%s" not in text:
            return text
        if self.code in (_E.PARSE, _E.SSLERR):
            return text % self.detail
        return text % os.strerror(self.errnum)


def log_stderr(message: str) -> None:
    """upslogx: clients log to stderr only, one line (timed when debugging)."""
    err(_environ.logged(message) + "\n")


class NutConnection:
    """One session with upsd; use :meth:`connect`, then requests, then :meth:`close`."""

    def __init__(self, sock: socket.socket, host: str) -> None:
        self._sock: socket.socket | None = sock
        self._host = host
        self._buf = b""
        self.error: ClientFailure | None = None

    # -- connecting ------------------------------------------------------

    @classmethod
    def connect(
        cls, host: str, port: int, *, try_ssl: bool = False
    ) -> NutConnection:
        """Resolve and connect like upscli_tryconnect; STARTTLS first if *try_ssl*.

        Raises:
            ClientFailure: NOSUCHHOST, CONNFAILURE, ... as NUT would report it.
            KilledBySigpipe: a write met a closed peer before SIGPIPE was ignored.
        """
        conn = cls(_open_socket(host, port, _environ.timeout().seconds), host)
        if try_ssl:
            conn._try_starttls()
        return conn

    def _try_starttls(self) -> None:
        # NUT 2.8.0 (NSS build) initialises its SSL library lazily, on the
        # first connection that tries SSL, and says so on stderr.
        _environ.debug(3, "upscli not initialized, force initialisation without SSL configuration", lib=True)
        log_stderr("Init SSL without certificate database")
        ignore_sigpipe()  # NSS's PR_Init ignores SIGPIPE for the whole process
        _environ.debug(1, "upscli_init: completed", lib=True)
        _environ.debug(3, "upscli_sslinit: Trying to STARTTLS", lib=True)
        step = "failed to send request"
        try:
            self.send_line(b"STARTTLS\n")
            step = "failed to read response"
            reply = self.read_line()
        except ClientFailure as exc:
            _environ.debug(3, f"upscli_sslinit: STARTTLS not established, {step}: {exc.message}", lib=True)
            log_stderr(f"Error while connecting to NUT server {self._host}, disconnect")
            self.close()
            raise self._failure() from None
        if not reply.startswith("OK STARTTLS"):
            # upsd has no TLS: carry on in clear, as NUT does
            why = "not supported or init error" if reply.startswith("ERR ") else "not supported, unexpected response"
            _environ.debug(3, f"upscli_sslinit: STARTTLS {why}: {reply}", lib=True)
            _environ.debug(3, f"Can not connect to NUT server {self._host} in SSL, continue unencrypted", lib=True)
            return
        self._start_tls()

    def _start_tls(self) -> None:
        assert self._sock is not None
        log_stderr(f"Connecting in SSL to '{self._host}' (no certificate name specified)")
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE  # NUT's default: CERTVERIFY off
        try:
            self._sock = ctx.wrap_socket(self._sock, server_hostname=self._host)
        except (OSError, ssl.SSLError) as exc:
            # NSS's own error lines are not reproduced; the outcome (exit 1) is
            log_stderr(f"Error while connecting to NUT server {self._host}, disconnect")
            self.error = ClientFailure(_E.SSLERR, detail=str(exc))
            self.close()
            raise self._failure() from None
        # the lines NUT's NSS callbacks print during and after the handshake
        log_stderr(f"Do not intend to authenticate server {self._host}")
        log_stderr(f"SSL handshake done successfully with server {self._host}")
        log_stderr(f"Connected to NUT server {self._host} in SSL")
        log_stderr("Certificate verification is disabled")

    # -- lines -----------------------------------------------------------

    def send_line(self, line: bytes) -> None:
        """upscli_sendline: write a whole line or fail and disconnect."""
        sock = self._require()
        try:
            sock.settimeout(NETWORK_TIMEOUT)
            sock.sendall(line)
        except TimeoutError:
            self._fail(ClientFailure(_E.SRVDISC))
        except ssl.SSLError as exc:
            self._fail(ClientFailure(_E.SSLERR, detail=str(exc)))
        except BrokenPipeError:
            self._die_of_sigpipe()
            self._fail(ClientFailure(_E.WRITE, errnum=errno.EPIPE))
        except OSError as exc:
            self._fail(ClientFailure(_E.WRITE, errnum=exc.errno or 0))

    def read_line(self, *, limit: int = NETBUF_LEN, timeout: float = NETWORK_TIMEOUT) -> str:
        """upscli_readline: up to ``limit - 1`` bytes or a newline, whichever first.

        The newline is not returned; the rest of a longer line stays buffered
        for the next read, as in NUT.
        """
        sock = self._require()
        while b"\n" not in self._buf[: limit - 1] and len(self._buf) < limit - 1:
            try:
                sock.settimeout(timeout if timeout > 0 else 1e-9)
                chunk = sock.recv(4096)
            except TimeoutError:
                self._fail(ClientFailure(_E.SRVDISC))
            except ssl.SSLError as exc:
                self._fail(ClientFailure(_E.SSLERR, detail=str(exc)))
            except OSError as exc:
                self._fail(ClientFailure(_E.READ, errnum=exc.errno or 0))
            if not chunk:
                self._fail(ClientFailure(_E.SRVDISC))
            self._buf += chunk
        head = self._buf[: limit - 1]
        cut = head.find(b"\n")
        if cut >= 0:
            line, self._buf = self._buf[:cut], self._buf[cut + 1 :]
        else:
            line, self._buf = head, self._buf[limit - 1 :]
        return line.decode("utf-8", "surrogateescape")

    # -- GET and LIST (upscli_get, upscli_list_start, upscli_list_next) ----

    def get(self, *query: str) -> tuple[str, ...]:
        """``GET <query>`` -> the reply's words, checked against the query."""
        self.send_line(build_request("GET", *query))
        words = self._reply_words(self.read_line())
        if len(words) < len(query) or not _echoes(query, words):
            raise ClientFailure(_E.PROTOCOL)
        return words

    def list_start(self, *query: str) -> None:
        """``LIST <query>``; the reply must be ``BEGIN LIST <query>``."""
        self.send_line(build_request("LIST", *query))
        words = self._reply_words(self.read_line())
        if len(words) < 2:
            raise ClientFailure(_E.PROTOCOL)
        if words[0].lower() != "begin" or words[1].lower() != "list":
            raise ClientFailure(_E.PROTOCOL)
        if not _echoes(query, words[2:]):
            raise ClientFailure(_E.PROTOCOL)

    def list_next(self, *query: str) -> tuple[str, ...] | None:
        """The next item's words, or None at ``END LIST``."""
        words = self._reply_words(self.read_line())
        if not words:
            raise ClientFailure(_E.PROTOCOL)
        if len(words) >= 2 and words[0] == "END" and words[1] == "LIST":
            return None
        if not _echoes(query, words):
            raise ClientFailure(_E.PROTOCOL)
        return words

    def iter_list(self, *query: str) -> Iterator[tuple[str, ...]]:
        """Items after :meth:`list_start`; stops quietly at the end *or* on a failure.

        NUT's tools loop ``while (upscli_list_next(...) == 1)``, so an error in
        the middle of a list just ends it.
        """
        while True:
            try:
                words = self.list_next(*query)
            except ClientFailure:
                return
            if words is None:
                return
            yield words

    def _reply_words(self, line: str) -> tuple[str, ...]:
        code = error_code_of(line)
        if code is not None:
            raise ClientFailure(code)
        return reply_words(line)

    # -- closing ---------------------------------------------------------

    def close(self) -> None:
        """upscli_disconnect: best-effort ``LOGOUT``, then close. Idempotent."""
        sock, self._sock = self._sock, None
        if sock is None:
            return
        try:
            sock.settimeout(0)
            sock.send(b"LOGOUT\n")
        except ssl.SSLError as exc:
            self.error = ClientFailure(_E.SSLERR, detail=str(exc))
        except BlockingIOError:
            self.error = ClientFailure(_E.SRVDISC)
        except BrokenPipeError:
            sock.close()
            self._die_of_sigpipe()
            self.error = ClientFailure(_E.WRITE, errnum=errno.EPIPE)
        except OSError as exc:
            self.error = ClientFailure(_E.WRITE, errnum=exc.errno or 0)
        if _environ.debugging():
            _say_goodbye(sock)
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        sock.close()

    def _die_of_sigpipe(self) -> None:
        if sigpipe_kills():
            self._sock = None
            raise KilledBySigpipe

    def _require(self) -> socket.socket:
        if self._sock is None:
            raise ClientFailure(_E.DRVNOTCONN)
        return self._sock

    def _fail(self, failure: ClientFailure) -> None:
        """Record *failure*, disconnect (which may replace it), raise the result."""
        self.error = failure
        self.close()
        raise self._failure()

    def _failure(self) -> ClientFailure:
        return self.error or ClientFailure(_E.UNKNOWN)


def _say_goodbye(sock: socket.socket) -> None:
    """NUT 2.8.5 waits for upsd's answer to LOGOUT and reports it (debug level 1)."""
    try:
        sock.settimeout(NETWORK_TIMEOUT)
        reply = sock.recv(NETBUF_LEN).decode("utf-8", "replace")
    except (OSError, ssl.SSLError):
        reply = ""
    if not reply:
        how = "server did not reply in a short time frame"
    elif reply == "OK Goodbye\n":
        how = f"server said '{reply}' nicely, as expected"
    elif reply.startswith("OK"):
        how = f"server said '{reply}' nicely, good enough"
    else:
        how = f"server said '{reply}', not OK but oh well"
    _environ.debug(1, f"upscli_disconnect: We logged out, and {how}", lib=True)


def _echoes(query: tuple[str, ...], words: tuple[str, ...]) -> bool:
    """verify_resp: the reply repeats the query, case-insensitively."""
    if len(words) < len(query):
        return False
    return all(q.lower() == w.lower() for q, w in zip(query, words, strict=False))


def _open_socket(host: str, port: int, timeout: float | None) -> socket.socket:
    """getaddrinfo + connect over each address, keeping NUT's error choices.

    A connect that takes longer than *timeout* seconds (None: as long as the
    system lets it) fails with ETIMEDOUT and ends the search, as in 2.8.5.
    """
    for _attempt in range(50):  # NUT retries EAI_AGAIN forever; we give up eventually
        try:
            infos = socket.getaddrinfo(host, str(port), socket.AF_UNSPEC, socket.SOCK_STREAM, socket.IPPROTO_TCP)
            break
        except socket.gaierror as exc:
            if exc.errno == socket.EAI_AGAIN:
                continue
            if exc.errno == socket.EAI_NONAME:
                raise ClientFailure(_E.NOSUCHHOST) from None
            if exc.errno == socket.EAI_MEMORY:
                raise ClientFailure(_E.NOMEM) from None
            raise ClientFailure(_E.UNKNOWN) from None
        except UnicodeError:
            raise ClientFailure(_E.NOSUCHHOST) from None
    else:
        raise ClientFailure(_E.UNKNOWN)
    failure = ClientFailure(_E.UNKNOWN)
    for family, kind, proto, _name, addr in infos:
        try:
            sock = socket.socket(family, kind, proto)
        except OSError as exc:
            if exc.errno not in (errno.EAFNOSUPPORT, errno.EINVAL):
                failure = ClientFailure(_E.SOCKFAILURE, errnum=exc.errno or 0)
            continue
        try:
            sock.settimeout(timeout)
            sock.connect(addr)
        except InterruptedError:
            sock.close()
            continue
        except TimeoutError:
            sock.close()
            log_stderr(f"upscli_tryconnect: Connection to host timed out: '{addr[0]}'")
            raise ClientFailure(_E.CONNFAILURE, errnum=errno.ETIMEDOUT) from None
        except OSError as exc:
            sock.close()
            if exc.errno != errno.EAFNOSUPPORT:
                failure = ClientFailure(_E.CONNFAILURE, errnum=exc.errno or 0)
            continue
        return sock
    raise failure

