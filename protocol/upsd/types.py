"""What upsd's sessions share and hand back: settings, context, device views, outputs.

Also :class:`SessionView`, what a command handler sees of its session: the
handlers (netget, netset, netuser) are typed against it, so they never
import the session module that dispatches to them.
Re-exported by :mod:`protocol.upsd.session`.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol

from nutrio.protocol.common.state import CommandRequest, UpsSnapshot
from nutrio.protocol.upsd.answers import Answers
from nutrio.protocol.upsd.plainline import PlainLines
from nutrio.protocol.upsd.replies import DEFAULT_VERSION, Descriptions
from nutrio.protocol.upsd.serverstate import Connected, ServerState
from nutrio.protocol.upsd.users import Accounts, Denial

__all__ = [
    "TlsSettings",
    "ServerSettings",
    "DeviceView",
    "Devices",
    "Submit",
    "ServerContext",
    "SessionView",
    "TRANSPORTS",
    "Action",
    "AuthFailure",
    "Output",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class TlsSettings:
    """STARTTLS: certificate chain and key (PEM); client_ca turns on client-cert checks."""

    certfile: str
    keyfile: str | None = None
    require: bool = False
    client_ca: str | None = None
    min_version: str = "TLSv1.2"


#: How the listener serves plain-text connections: "stream" (one Trio task
#: per connection, any platform), "epoll" (one epoll set for the ready ones,
#: Linux), "auto" (epoll where there is one).
TRANSPORTS = ("auto", "stream", "epoll")


@dataclass(frozen=True, slots=True, kw_only=True)
class ServerSettings:
    """upsd.conf, plus the limits NUT does not have.

    ``max_line``: a request line longer than this gets ``ERR TOO-LONG`` and
    is skipped (0: no limit, NUT's way: words cut at 512 bytes, 32 words).
    ``idle_timeout``: upsd drops a client after 60 s without a full line.
    ``transport``: one of :data:`TRANSPORTS`; clients see the same bytes either way.
    ``upsmon_slots``: the last places of ``maxconn``, kept by connections that
    log in within a few seconds (actors/upsd/table.py).
    ``auth_penalty_budget``: replies of one address held back at once after
    wrong guesses; past it, that address's checks are refused untried.
    """

    maxage: float = 15.0
    maxconn: int = 1024
    max_line: int = 32 * (512 + 3)  # 32 words of 512 bytes, quoted and spaced
    idle_timeout: float = 60.0
    send_timeout: float = 10.0
    tls: TlsSettings | None = None
    version: str = DEFAULT_VERSION
    check_numbers: bool = False
    auth_penalty: float = 0.25
    auth_penalty_cap: float = 4.0
    auth_penalty_budget: int = 64
    upsmon_slots: int = 8
    transport: str = "auto"

    def __post_init__(self) -> None:
        if self.transport not in TRANSPORTS:
            raise ValueError(f"transport {self.transport!r}: one of {', '.join(TRANSPORTS)}")
        if self.maxconn < 1:
            raise ValueError("maxconn must be at least 1")
        if self.upsmon_slots < 0 or self.auth_penalty_budget < 1:
            raise ValueError("upsmon_slots must be >= 0 and auth_penalty_budget >= 1")
        if self.maxage <= 0 or self.idle_timeout <= 0 or self.send_timeout <= 0:
            raise ValueError("maxage, idle_timeout and send_timeout must be positive")


class DeviceView(Protocol):
    """What the session reads from a device (actors.registry.DeviceHandle fits)."""

    @property
    def name(self) -> str: ...

    @property
    def desc(self) -> str: ...

    @property
    def snapshot(self) -> UpsSnapshot: ...


class Devices(Protocol):
    """Lookup by name (case-insensitive) and ups.conf order (Registry fits)."""

    def get(self, name: str) -> DeviceView | None: ...

    def names(self) -> Mapping[str, DeviceView]: ...


#: Hands a request to the driver of ``request.ups``; False when it cannot take it now.
Submit = Callable[[CommandRequest], bool]


@dataclass(eq=False, kw_only=True)
class ServerContext:
    """Everything sessions of one server share. Not a message: owned by the listener.

    ``accounts`` is read at each check, so a reload reaches open sessions;
    ``lines`` remembers the words of plain request lines for every session,
    ``answers`` the replies to the polls they repeat (protocol/upsd/answers.py);
    ``may_verify(addr)`` says whether a password check from *addr* may run
    now (the listener's per-address budget; always, by default).
    """

    settings: ServerSettings
    devices: Devices
    accounts: Accounts
    submit: Submit
    descriptions: Descriptions = field(default_factory=Descriptions)
    state: ServerState = field(default_factory=ServerState)
    lines: PlainLines = field(default_factory=PlainLines)
    answers: Answers = field(default_factory=Answers)
    may_verify: Callable[[str], bool] = field(default=lambda addr: True)


class Action(enum.Enum):
    NONE = "none"
    CLOSE = "close"  # after LOGOUT: send the reply, then hang up
    STARTTLS = "starttls"  # send the reply, then handshake on the raw stream


class SessionView(Connected, Protocol):
    """What a command handler reads and changes of its session (Session fits).

    Credentials and flags are plain attributes, as the handlers set them
    (USERNAME, PASSWORD, SET TRACKING); the rest are the checks every
    handler shares, each raising ProtocolError with upsd's ERR code.
    """

    ctx: ServerContext
    now: float
    username: str | None
    password: str | None
    tracking: bool
    tls: bool

    def device(self, name: str) -> DeviceView:
        """The UPS called *name* (case-insensitive), or ERR UNKNOWN-UPS."""
        ...

    def available(self, device: DeviceView) -> UpsSnapshot:
        """Its snapshot when the driver is connected and the data fresh."""
        ...

    def require_action(self, action: str, target: str = "", *, label: str | None = None) -> None:
        """ERR ACCESS-DENIED unless these credentials allow *action* now."""
        ...

    def require_instcmd(self, command: str, target: str = "") -> None:
        """ERR ACCESS-DENIED unless these credentials may run *command*."""
        ...

    def request_action(self, action: Action) -> None:
        """Ask the I/O layer to close (LOGOUT) or start TLS after this line."""
        ...


@dataclass(frozen=True, slots=True)
class AuthFailure:
    """An ACCESS-DENIED, for the log and the per-address penalty."""

    command: str
    username: str | None
    reason: Denial
    target: str = ""


class Output(NamedTuple):
    """What one :meth:`Session.receive_data` produced.

    ``leftover`` holds bytes read after a STARTTLS line: they belong to the
    TLS handshake, not to the plain-text protocol. (A tuple: one is made
    per read, and a tuple is the cheapest frozen value.)
    """

    reply: bytes
    action: Action = Action.NONE
    leftover: bytes = b""
