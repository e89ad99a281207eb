"""The reference transport: one Trio task per connection over a ``trio.abc.Stream``.

The task reads, hands the bytes to the pure session in upsd-sized pieces
(:func:`feed`), holds the reply back after a failed password guess
(actors/upsd/state.py), and sends the reply, until the client leaves. It
runs on any platform and any stream: a TCP socket, a TLS stream after
STARTTLS, or a memory stream in tests. The epoll fast path (actors/upsd/poller.py) must answer exactly as
this loop does; it only spends less per request.
"""

from __future__ import annotations

import math

import structlog
import trio

from nutrio.actors.upsd.state import UpsdState, hold_back
from nutrio.protocol.common.logtext import clip
from nutrio.protocol.upsd.session import Action, Output, ServerSettings, Session

__all__ = ["READ_SIZE", "UPSD_READ", "converse", "feed", "log_requests", "send_within"]

log = structlog.get_logger()

#: upsd's read buffer (SMALLBUF): input is handed to the session in pieces
#: of this size, so a parse error drops what upsd would drop.
UPSD_READ = 512
#: One read takes up to this much (pipelined requests: fewer wake-ups).
READ_SIZE = 8 * UPSD_READ


def feed(session: Session, data: bytes, now: float) -> Output:
    """Hand *data* to the session in upsd-sized reads: a parse error or LOGOUT
    ends the 512-byte read it is in, exactly as with 512-byte reads."""
    if len(data) <= UPSD_READ:
        return session.receive_data(data, now)
    replies: list[bytes] = []
    for start in range(0, len(data), UPSD_READ):
        out = session.receive_data(data[start : start + UPSD_READ], now)
        replies.append(out.reply)
        if out.action is Action.STARTTLS:
            return Output(b"".join(replies), out.action, out.leftover + data[start + UPSD_READ :])
        if out.action is Action.CLOSE:
            return Output(b"".join(replies), out.action)
    return Output(b"".join(replies))


def log_requests(session: Session, label: str) -> None:
    """One debug line per request handled (names only, never arguments)."""
    if session.record_requests:
        for request in session.take_requests():
            log.debug("client.request", client=label, request=clip(request))


async def converse(stream: trio.abc.Stream, session: Session, label: str,
                   settings: ServerSettings, state: UpsdState,
                   login_by: float = math.inf) -> tuple[str, bytes]:
    """Serve *stream* until the client leaves; returns why, and for "starttls"
    the bytes read after the STARTTLS line (the start of the handshake).

    The reasons: "eof", "idle" (no full line for idle_timeout), "too slow"
    (a reply not taken within send_timeout), "logout", "starttls", "no login"
    (in a upsmon place, not logged in by *login_by*).
    """
    while True:
        data: bytes | bytearray | None = None
        # counted from the last full line: a partial one does not keep a client
        deadline = session.last_heard + settings.idle_timeout
        if session.login_ups is None:
            deadline = min(deadline, login_by)
        with trio.move_on_at(deadline):
            data = await stream.receive_some(READ_SIZE)
        if data is None:
            return ("no login" if session.login_ups is None and trio.current_time() >= login_by
                    else "idle"), b""
        if not data:
            return "eof", b""
        output = feed(session, bytes(data), trio.current_time())
        log_requests(session, label)
        delay = state.start_hold(session.take_events(), session.addr, settings)
        if delay and not await hold_back(state, session, delay, settings):
            return "idle", b""
        if output.reply and not await send_within(stream, output.reply, settings.send_timeout):
            return "too slow", b""
        if output.action is Action.CLOSE:
            return "logout", b""
        if output.action is Action.STARTTLS:
            return "starttls", output.leftover


async def send_within(stream: trio.abc.Stream, reply: bytes, timeout: float) -> bool:
    """Send a whole reply; False when the client did not take it within *timeout*."""
    with trio.move_on_after(timeout):
        await stream.send_all(reply)
        return True
    log.warning("client.too_slow", timeout=timeout, pending=len(reply))
    return False
