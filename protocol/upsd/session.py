"""upsd's network session, sans I/O: bytes in, reply bytes out.

How it works: each client byte goes through NUT's tokenizer (parseconf),
exactly as upsd's client_readline feeds pconf_char. A complete line is
looked up in :data:`COMMANDS` (name -> handler, precondition; aliases are
rows of their own) and answered at once. A parse error (``#`` inside
quotes) drops the rest of that read, as upsd returns from its read loop;
an unterminated quote just waits for more input. ``LOGOUT`` answers and
asks the I/O layer to close after this read, unless a later line of the
same read ends (upsd then keeps the client); ``STARTTLS`` answers and asks
for a TLS handshake before any further byte is read.

State shared by all connections of one server (FSD flags, login counts,
logged-in clients, TRACKING results) lives in :class:`ServerState`; the
devices come from a :class:`Devices` view (the actors' Registry). The
settings, context and output types live in :mod:`protocol.upsd.types`, the
command table in :mod:`protocol.upsd.commands`; both are re-exported here.
Imports point one way: session -> commands -> handlers -> types.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from nutrio.protocol.common.errors import NutError, ProtocolError
from nutrio.protocol.common.parseconf import Tokenizer
from nutrio.protocol.common.state import UpsSnapshot
from nutrio.protocol.upsd.answers import cacheable

# ``X as X``: re-exported, so importers (and nutrio/protocol_doc.py) keep
# taking these from protocol.upsd.session.
from nutrio.protocol.upsd.commands import BEFORE_TLS as BEFORE_TLS
from nutrio.protocol.upsd.commands import COMMANDS as COMMANDS
from nutrio.protocol.upsd.commands import Command as Command
from nutrio.protocol.upsd.commands import Handler as Handler
from nutrio.protocol.upsd.commands import Needs as Needs
from nutrio.protocol.upsd.serverstate import ServerState
from nutrio.protocol.upsd.types import (
    Action,
    AuthFailure,
    Devices,
    DeviceView,
    Output,
    ServerContext,
    ServerSettings,
    SessionView,
    TlsSettings,
)
from nutrio.protocol.upsd.types import Submit as Submit
from nutrio.protocol.upsd.users import Denial, UserAccount, check_action, check_instcmd

__all__ = [
    "ServerSettings",
    "TlsSettings",
    "ServerContext",
    "ServerState",
    "Session",
    "Output",
    "Action",
    "AuthFailure",
    "DeviceView",
    "Devices",
    "SessionView",
    "COMMANDS",
    "BEFORE_TLS",
]

_NEWLINE = 10
_WITH_SUB = frozenset({"GET", "LIST", "SET"})


class Session:
    """One client connection's protocol state. Plain object: nothing awaits.

    Slotted, and what most connections never need (the byte-at-a-time
    tokenizer, the event and request lists, the verified-credentials memo)
    is made on first use: an idle connection costs a few hundred bytes.
    """

    __slots__ = (
        "ctx", "addr", "id", "username", "password", "login_ups", "tracking", "tls",
        "last_heard", "now", "requests", "errors", "closed", "closing", "record_requests",
        "_tok", "_line_bytes", "_skipping", "_action", "_max_line", "_tls_required",
        "_events", "_requests", "_lines", "_verified", "_verified_with",
    )

    def __init__(self, ctx: ServerContext, peer_addr: str, *, now: float, session_id: int | None = None) -> None:
        self.ctx = ctx
        self.addr = peer_addr
        self.id = session_id if session_id is not None else id(self)
        self.username: str | None = None
        self.password: str | None = None
        self.login_ups: str | None = None
        self.tracking = False
        self.tls = False
        self.last_heard = now
        self.now = now
        self.requests = 0
        self.errors = 0
        self.closed = False
        self.closing = False
        self._tok: Tokenizer | None = None  # made for the first line that needs it
        self._line_bytes = 0
        self._skipping = False
        self._action = Action.NONE
        tls = ctx.settings.tls
        self._max_line = ctx.settings.max_line
        self._tls_required = tls is not None and tls.require
        self._events: list[AuthFailure] | None = None
        self._requests: list[str] | None = None
        #: The listener turns this off when debug logging is off: no per-request work.
        self.record_requests = True
        self._lines = ctx.lines
        self._verified: dict[tuple[str, str], Denial | None] | None = None
        self._verified_with: Mapping[str, UserAccount] | None = None
        ctx.state.connect(self)

    # -- I/O side --------------------------------------------------------------

    def receive_data(self, data: bytes, now: float) -> Output:
        """Feed one read's worth of bytes; get back every reply it caused."""
        self.now = now
        if self._line_bytes == 0 and not self._skipping and not self.record_requests:
            known = self._known_answer(data, now)
            if known is not None:
                return Output(known)
        replies: list[bytes] = []
        limit = self._max_line
        i, end = 0, len(data)
        while i < end:
            # No byte of this line fed to the tokenizer yet (it counts them all):
            # a plain line can skip it.
            if self._line_bytes == 0 and not self._skipping:
                words, after = self._lines.next_line(data, i, limit)
                if after:
                    whole = i == 0 and after == end  # the read is this one line
                    i = after
                    self.last_heard = now
                    reply = self._dispatch(words)
                    replies.append(reply)
                    if whole and reply[:4] != b"ERR " and cacheable(words):
                        ctx = self.ctx
                        ctx.answers.remember(data, words[2], ctx.devices, ctx.state.fsd_version,
                                             reply)
                    if self._action is not Action.NONE and self._take_action():
                        return Output(b"".join(replies), Action.STARTTLS, data[i:])
                    continue
            byte = data[i]
            i += 1
            if self._skipping:
                self._skipping = byte != _NEWLINE
                continue
            self._line_bytes += 1
            if limit and self._line_bytes > limit:
                replies.append(NutError.TOO_LONG.line)
                self.errors += 1
                self._tok = None
                self._line_bytes = 0
                self._skipping = byte != _NEWLINE
                continue
            tok = self._tok
            if tok is None:
                tok = self._tok = Tokenizer()
            parsed = tok.feed_byte(byte)
            if parsed is None:
                continue
            self._line_bytes = 0
            if parsed.error is not None:
                self.errors += 1  # upsd logs it and drops the rest of this read
                break
            self.last_heard = now
            replies.append(self._dispatch(parsed.words))
            if self._action is not Action.NONE and self._take_action():
                return Output(b"".join(replies), Action.STARTTLS, data[i:])
        return Output(b"".join(replies), Action.CLOSE if self.closing else Action.NONE)

    def _known_answer(self, data: bytes, now: float) -> bytes | None:
        """The remembered reply when *data* is a poll answered before from what is
        still current (protocol/upsd/answers.py); counted as the request it is."""
        if self._tls_required and not self.tls:
            return None
        ctx = self.ctx
        reply = ctx.answers.lookup(data, ctx.devices, ctx.state.fsd_version, now,
                                   ctx.settings.maxage)
        if reply is not None:
            self.requests += 1
            self.last_heard = now
            self.closing = False  # as _dispatch: a line after LOGOUT keeps the client
        return reply

    def _take_action(self) -> bool:
        """Consume the action a handler asked for; True for STARTTLS (stop reading)."""
        action, self._action = self._action, Action.NONE
        if action is Action.CLOSE:
            # upsd answers the rest of this read, then drops the client
            self.closing = True
        return action is Action.STARTTLS

    def take_requests(self) -> list[str]:
        """Command names handled since the last call (for debug logging)."""
        requests, self._requests = self._requests or [], None
        return requests

    def take_events(self) -> Sequence[AuthFailure]:
        if not self._events:
            return ()  # the usual case: nothing allocated per read
        events, self._events = self._events, None
        return events

    def tls_started(self) -> None:
        self.tls = True

    def close(self) -> None:
        """The connection is gone: release its login (upsd's declogins)."""
        if not self.closed:
            self.closed = True
            self.ctx.state.disconnect(self)

    # -- dispatch --------------------------------------------------------------

    def _dispatch(self, words: tuple[str, ...]) -> bytes:
        self.requests += 1
        # upsd hangs up after a LOGOUT only if no later line of the same read
        # ends (each line end renews its last_heard, which LOGOUT zeroed)
        self.closing = False
        if self.record_requests:
            # For debug logs: the command and, for GET/LIST/SET, its sub-command;
            # never further words (PASSWORD's argument is a secret).
            head = words[:2] if words and words[0].upper() in _WITH_SUB else words[:1]
            if self._requests is None:
                self._requests = []
            self._requests.append(" ".join(head).upper())
        try:
            return self._run(words)
        except ProtocolError as exc:
            self.errors += 1
            return exc.code.line

    def _run(self, words: tuple[str, ...]) -> bytes:
        if not words:
            raise ProtocolError(NutError.UNKNOWN_COMMAND)
        name = words[0].upper()
        command = COMMANDS.get(name)
        if command is None:
            raise ProtocolError(NutError.UNKNOWN_COMMAND)
        if command.needs is Needs.USER:
            if self.username is None:
                raise ProtocolError(NutError.USERNAME_REQUIRED)
            if self.password is None:
                raise ProtocolError(NutError.PASSWORD_REQUIRED)
        if self._tls_required and not self.tls and name not in BEFORE_TLS:
            raise ProtocolError(NutError.ACCESS_DENIED, "TLS required")
        return command.handler(self, words[1:])

    # -- helpers for handlers ----------------------------------------------------

    def request_action(self, action: Action) -> None:
        self._action = action

    def device(self, name: str) -> DeviceView:
        """The UPS called *name* (case-insensitive), or ERR UNKNOWN-UPS."""
        found = self.ctx.devices.get(name)
        if found is None:
            raise ProtocolError(NutError.UNKNOWN_UPS, name)
        return found

    def available(self, device: DeviceView) -> UpsSnapshot:
        """upsd's ups_available(): connected driver, fresh data."""
        snap = device.snapshot
        if not snap.connected:
            raise ProtocolError(NutError.DRIVER_NOT_CONNECTED, device.name)
        if snap.stale or self.now - snap.heard_at(self.now) > self.ctx.settings.maxage:
            raise ProtocolError(NutError.DATA_STALE, device.name)
        return snap

    def require_action(self, action: str, target: str = "", *, label: str | None = None) -> None:
        """ERR ACCESS-DENIED unless this client's credentials allow *action* now."""
        self._check(("action", action), lambda accounts: check_action(
            accounts, self.username, self.password, action), label or action, target)

    def require_instcmd(self, command: str, target: str = "") -> None:
        self._check(("instcmd", command.lower()), lambda accounts: check_instcmd(
            accounts, self.username, self.password, command), "INSTCMD", target)

    def _check(self, key: tuple[str, str],
               run: Callable[[Mapping[str, UserAccount]], Denial | None],
               label: str, target: str) -> None:
        # Credentials cannot change within a session (ALREADY-SET-*), so one
        # scrypt verification per right is enough, until a reload publishes
        # other accounts: the current ones are read at each check.
        accounts = self.ctx.accounts.value
        verified = self._verified
        if verified is None or accounts is not self._verified_with:
            verified = self._verified = {}
            self._verified_with = accounts
        if key in verified:
            denial = verified[key]
        elif not self.ctx.may_verify(self.addr):
            denial = Denial.THROTTLED  # not remembered: a later check may run
        else:
            denial = run(accounts)
            verified[key] = denial
        if denial is not None:
            if self._events is None:
                self._events = []
            self._events.append(AuthFailure(label, self.username, denial, target))
            raise ProtocolError(NutError.ACCESS_DENIED, denial.value)
