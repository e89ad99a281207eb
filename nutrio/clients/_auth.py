"""Connect, log in and track a request: the steps upscmd and upsrw share.

Both tools send ``USERNAME`` and ``PASSWORD`` without looking at upsd's
answers (only a broken connection stops them), and with ``-w`` ask for
``SET TRACKING ON`` and then poll ``GET TRACKING <id>`` once a second until
the answer is no longer ``PENDING`` or the ``-t`` timeout has passed.
The texts of their messages differ slightly; *what* selects them.
"""

from __future__ import annotations

import time
from typing import Literal

from nutrio.clients import _environ
from nutrio.clients._common import (
    err,
    fatal,
    fatal_with_errno,
    login_name,
    out,
    read_password,
    read_stdin_line,
    str_to_uint,
)
from nutrio.clients._conn import ClientFailure, NutConnection
from nutrio.protocol.client.requests import AddressError, split_ups_name

__all__ = [
    "parse_timeout", "connect", "ask_username", "ask_password", "login", "enable_tracking",
    "send_request", "tracking_id", "wait_tracking",
]

What = Literal["command", "set variable"]

_SMALLBUF = 512
_UUID4_LEN = 37  # 36 characters and the NUL
_TRACKING_PREFIX = "OK TRACKING "


def parse_timeout(value: str) -> int:
    """The ``-t`` argument; NUT's str_to_uint, fatal with errno on failure."""
    try:
        return str_to_uint(value)
    except OSError as exc:
        raise fatal_with_errno(
            "Could not convert the provided value for timeout ('-t' option) to unsigned int",
            exc.errno or 0,
        ) from None


def connect(ups: str) -> tuple[NutConnection, str]:
    """Split ``<upsname>[@<hostname>[:<port>]]`` and connect; (connection, upsname)."""
    try:
        address = split_ups_name(ups)
    except AddressError as exc:
        if exc.message:
            err(exc.message + "\n")
        raise fatal("Error: invalid UPS definition.  Required format: upsname[@hostname[:port]]") from None
    upsname = address.upsname or ""
    _environ.set_tag(ups)
    try:
        conn = NutConnection.connect(address.host, address.port)
    except ClientFailure as exc:
        raise fatal(f"Error: {exc.message}") from None
    return conn, upsname


def ask_username(*, strict: bool) -> str:
    """Prompt ``Username (<login>): `` on stdout and read a line from stdin.

    An empty answer means the login name. NUT chops the answer's last
    character whatever it is (normally the newline). With *strict* (upscmd)
    end of input is fatal; upsrw (*strict* False) takes it as empty.
    """
    me = login_name()
    out(f"Username ({me}): " if me is not None else "Username: ")
    line = read_stdin_line(_SMALLBUF)
    if line is None:
        if strict:
            raise fatal("Error reading from stdin!")
        line = ""
    if len(line) > 1:
        return line[:-1]
    if me is None:
        raise fatal("No username available - even tried getpwuid")
    return me


def ask_password() -> str:
    """getpass("Password: ")."""
    return read_password("Password: ")


def login(conn: NutConnection, username: str, password: str) -> None:
    """Send USERNAME and PASSWORD; only a broken connection is an error here."""
    _exchange(conn, f"USERNAME {username}\n", "Can't set username", "Set username failed")
    _exchange(conn, f"PASSWORD {password}\n", "Can't set password", "Set password failed")


def enable_tracking(conn: NutConnection, *, what: What) -> None:
    """``SET TRACKING ON``; anything but ``OK...`` is fatal."""
    reply = _exchange(
        conn,
        "SET TRACKING ON\n",
        f"Can't enable {what} status tracking",
        f"Enabling {what} status tracking failed",
    )
    if not reply.startswith("OK"):
        raise fatal(f"Enabling {what} status tracking failed. upsd answered: {reply}")


def send_request(
    conn: NutConnection, line: bytes, *, tracking: bool, timeout: int,
    send_failed: str, read_failed: str,
) -> None:
    """Send INSTCMD or SET VAR and echo upsd's answer (or the tracked result) on stderr.

    Anything but ``OK...`` is fatal; with *tracking* an ``OK TRACKING <id>``
    answer is polled until the driver is done.
    """
    try:
        conn.send_line(line)
    except ClientFailure as exc:
        raise fatal(f"{send_failed}: {exc.message}") from None
    try:
        reply = conn.read_line(limit=_SMALLBUF)
    except ClientFailure as exc:
        raise fatal(f"{read_failed}: {exc.message}") from None
    if not reply.startswith("OK"):
        raise fatal(f"Unexpected response from upsd: {reply}")
    ident = tracking_id(reply) if tracking else None
    if ident is None:
        err(reply + "\n")
        return
    err(wait_tracking(conn, ident, timeout) + "\n")


def tracking_id(reply: str) -> str | None:
    """The id in ``OK TRACKING <uuid>``; NUT only checks the line's length."""
    if len(reply) != _UUID4_LEN - 1 + len(_TRACKING_PREFIX):
        return None
    return reply[len(_TRACKING_PREFIX) :]


def wait_tracking(conn: NutConnection, ident: str, timeout: int) -> str:
    """Poll ``GET TRACKING`` until it is not PENDING; return that line.

    NUT counts whole seconds of wall-clock time (time(2)), so do we.
    """
    start = int(time.time())
    while True:
        if int(time.time()) - start >= timeout:
            raise fatal("Can't receive status tracking information: timeout")
        try:
            conn.send_line(f"GET TRACKING {ident}\n".encode("utf-8", "surrogateescape"))
        except ClientFailure as exc:
            raise fatal(f"Can't send status tracking request: {exc.message}") from None
        try:
            reply = conn.read_line(limit=_SMALLBUF, timeout=float(timeout))
        except ClientFailure as exc:
            raise fatal(f"Can't receive status tracking information: {exc.message}") from None
        if not reply.startswith("PENDING"):
            return reply
        time.sleep(1)


def _exchange(conn: NutConnection, line: str, send_failed: str, read_failed: str) -> str:
    # NUT builds these lines with snprintf into a SMALLBUF*2 buffer, unquoted.
    data = line.encode("utf-8", "surrogateescape")[: 2 * _SMALLBUF - 1]
    try:
        conn.send_line(data)
    except ClientFailure as exc:
        raise fatal(f"{send_failed}: {exc.message}") from None
    try:
        return conn.read_line(limit=2 * _SMALLBUF)
    except ClientFailure as exc:
        raise fatal(f"{read_failed}: {exc.message}") from None
