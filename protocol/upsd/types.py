"""What upsd's sessions share and hand back: settings, context, device views, outputs.

Re-exported by :mod:`protocol.upsd.session`; import them from there.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol

from nutrio.protocol.common.state import CommandRequest, UpsSnapshot
from nutrio.protocol.upsd.replies import DEFAULT_VERSION, Descriptions
from nutrio.protocol.upsd.serverstate import ServerState
from nutrio.protocol.upsd.users import Denial, UserAccount

__all__ = [
    "TlsSettings",
    "ServerSettings",
    "DeviceView",
    "Devices",
    "Submit",
    "ServerContext",
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


@dataclass(frozen=True, slots=True, kw_only=True)
class ServerSettings:
    """upsd.conf, plus the limits NUT does not have.

    ``max_line``: a request line longer than this gets ``ERR TOO-LONG`` and
    is skipped (0: no limit, NUT's way: words cut at 512 bytes, 32 words).
    ``idle_timeout``: upsd drops a client after 60 s without a full line.
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

    def __post_init__(self) -> None:
        if self.maxconn < 1:
            raise ValueError("maxconn must be at least 1")
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


#: Hands a request to a device's driver; False when it cannot take it now.
Submit = Callable[[DeviceView, CommandRequest], bool]


@dataclass(eq=False, kw_only=True)
class ServerContext:
    """Everything sessions of one server share. Not a message: owned by the listener."""

    settings: ServerSettings
    devices: Devices
    accounts: Mapping[str, UserAccount]
    submit: Submit
    descriptions: Descriptions = field(default_factory=Descriptions)
    state: ServerState = field(default_factory=ServerState)


class Action(enum.Enum):
    NONE = "none"
    CLOSE = "close"  # after LOGOUT: send the reply, then hang up
    STARTTLS = "starttls"  # send the reply, then handshake on the raw stream


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
