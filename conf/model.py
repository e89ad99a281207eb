"""The configuration as frozen values: one dataclass per section.

Each section mirrors one NUT file (named in its docstring); key names are
NUT's directives in lower case. Defaults are NUT's built-in ones unless a
comment says otherwise. Everything is immutable (tuples, frozensets,
MappingProxyType) so a Config can be handed to any actor as is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Literal

from nutrio.conf.netaddr import NUT_PORT, parse_system
from nutrio.protocol.notify.channels import ChannelsConfig
from nutrio.protocol.notify.driverfail import DEFAULT_RESTARTS, DEFAULT_WINDOW, DriverFailSettings
from nutrio.protocol.notify.thresholds import ThresholdRule
from nutrio.supervisor.faults import ChaosPlan, FaultSpec

# [chaos] is read straight into the supervisor's fault schema: one definition, one set of rules
ChaosConfig = ChaosPlan
FaultConfig = FaultSpec

Role = Literal["primary", "secondary"]
TimerAction = Literal["START-TIMER", "CANCEL-TIMER", "EXECUTE"]
#: How the data server serves plain-text clients (see protocol.upsd.types.TRANSPORTS).
Transport = Literal["auto", "stream", "epoll"]


def _empty() -> Mapping[str, str]:
    return MappingProxyType({})


#: upsd sheds a client after 60 s without a received line (server/upsd.c).
DEFAULT_IDLE_TIMEOUT = 60.0
#: upsd has no whole-line cap: its tokenizer truncates each word at 512 bytes
#: and ignores words past 32, so memory never grows. We keep whole lines, so
#: we bound them just above the longest line upsd would still act on
#: (32 words of 512 bytes, each quoted, plus separators).
DEFAULT_MAX_LINE = 32 * (512 + 3)
#: upslog's built-in format string (upslog -f).
UPSLOG_FORMAT = (
    "%TIME @Y@m@d @H@M@S% %VAR battery.charge% %VAR input.voltage% "
    "%VAR ups.load% [%VAR ups.status%] %VAR ups.temperature% %VAR input.frequency%"
)
_FALSE_WORDS = frozenset({"false", "no", "off", "0"})


@dataclass(frozen=True, slots=True, kw_only=True)
class TlsConfig:
    """upsd.conf CERTFILE/CERTREQUEST/DISABLE_WEAK_SSL, as one table.

    Paths are resolved against the config file's directory. ``keyfile``
    defaults to ``certfile`` (NUT's CERTFILE holds the key after the chain).
    ``require`` asks clients for a certificate signed by ``client_ca``
    (CERTREQUEST REQUIRE), so it needs ``client_ca``.
    """

    certfile: Path
    keyfile: Path
    require: bool = False
    client_ca: Path | None = None
    min_version: Literal["TLSv1.2", "TLSv1.3"] = "TLSv1.2"


@dataclass(frozen=True, slots=True, kw_only=True)
class ServerConfig:
    """upsd.conf."""

    listen: tuple[tuple[str, int], ...] = (("127.0.0.1", NUT_PORT),)
    maxage: float = 15.0
    #: None: the open-file limit, less what nutrio keeps for itself (upsd's default)
    maxconn: int | None = None
    #: the last places of maxconn, kept only by connections that log in (upsmon)
    upsmon_slots: int = 8
    tls: TlsConfig | None = None
    idle_timeout: float = DEFAULT_IDLE_TIMEOUT
    #: A client that leaves replies unread this long is dropped (only it stalls).
    send_timeout: float = 10.0
    #: Each wrong password from one address waits auth_penalty, doubling up to
    #: auth_penalty_cap; nutrio's own slow-down of password guessing.
    auth_penalty: float = 0.25
    auth_penalty_cap: float = 4.0
    #: replies of one address held back at once; past it, its password checks are refused untried
    auth_penalty_budget: int = 64
    max_line: int = DEFAULT_MAX_LINE
    trackingdelay: float = 3600.0
    #: "stream": one task per client, any platform; "epoll": Linux's fast path;
    #: "auto": epoll where there is one. Clients see the same bytes either way.
    transport: Transport = "auto"
    allow_no_device: bool = False
    allow_not_all_listeners: bool = False
    #: mDNS announcement of ``_nut._tcp`` (Home Assistant finds NUT servers so);
    #: None: on when any listen address is beyond loopback.
    announce: bool | None = None
    #: Where `nutrio drivers` keeps pid files and sockets; None: the app picks
    #: a private runtime directory.
    statepath: Path | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class DeviceConfig:
    """One ups.conf section; the TOML table name is the UPS name.

    ``options`` holds every further key as ups.conf would: strings, numbers
    written in decimal, booleans as "true"/"false" (a bare ups.conf flag such
    as ``nolock`` is ``nolock = true``), nested tables flattened to dotted
    names (``override.battery.charge.low``). Use ``flag()`` to test a flag.
    """

    name: str
    driver: str
    port: str
    desc: str = ""
    pollinterval: float | None = None
    maxage: float | None = None
    sdorder: int = 0
    maxstartdelay: float = 45.0
    #: NUT 2.8.1+'s driver generics (docs/drivers.md); off keeps NUT 2.8.0's listings
    driver_generics: bool = False
    options: Mapping[str, str] = field(default_factory=_empty)
    config_dir: Path = field(default_factory=Path.cwd)
    line: int = 0

    def path(self, value: str | None = None) -> Path:
        """``value`` (default: the port) as a path relative to the config file."""
        return self.config_dir / (self.port if value is None else value)

    def flag(self, name: str) -> bool:
        """True when the ups.conf flag ``name`` is set (present and not false)."""
        value = self.options.get(name)
        return value is not None and value.lower() not in _FALSE_WORDS


@dataclass(frozen=True, slots=True, kw_only=True)
class UserConfig:
    """One upsd.users section; the TOML table name is the user name.

    Exactly one of ``password`` and ``password_hash`` ("scrypt$..." from
    ``nutrio passwd``) is set. ``actions`` are upper case (SET, FSD);
    ``instcmds`` are lower case because upsd compares them case-insensitively,
    and "all" grants every command.
    """

    name: str
    # repr=False: a logged Config must not leak secrets.
    password: str | None = field(default=None, repr=False)
    password_hash: str | None = field(default=None, repr=False)
    actions: frozenset[str] = frozenset()
    instcmds: tuple[str, ...] = ()
    upsmon: Role | None = None

    def may_instcmd(self, command: str) -> bool:
        """Whether this user may run instant command ``command``."""
        return "all" in self.instcmds or command.lower() in self.instcmds


@dataclass(frozen=True, slots=True, kw_only=True)
class MonitorUps:
    """One upsmon.conf MONITOR line. ``role`` normalises master/slave."""

    system: str
    powervalue: int = 1
    user: str
    password: str = field(repr=False)
    role: Role

    @property
    def upsname(self) -> str:
        return parse_system(self.system)[0]

    @property
    def host(self) -> str:
        return parse_system(self.system)[1]

    @property
    def port(self) -> int:
        return parse_system(self.system)[2]


@dataclass(frozen=True, slots=True, kw_only=True)
class MonitorTlsHost:
    """One upsmon.conf CERTHOST line: the TLS rule for one upsd host.

    ``name`` is compared with the host of a MONITOR system as written there
    (upsclient compares the strings; we also ignore case and IPv6 brackets).
    None keeps ``[monitor.tls]``'s value.
    """

    name: str
    verify: bool | None = None
    force: bool | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MonitorTls:
    """upsmon.conf CERTPATH, CERTVERIFY, FORCESSL, CERTHOST and CERTFILE.

    With this table the monitor asks every upsd for STARTTLS. ``ca_path`` is a
    PEM file of CA certificates or a directory of them under hashed names
    (``openssl rehash``), as upsmon's OpenSSL build reads CERTPATH. ``verify``
    checks the server certificate against it and the host name, and needs
    ``ca_path``. A refused STARTTLS ends the attempt when ``force`` or
    ``verify`` is set (upsclient does the same); else the session goes on in
    plain text. ``certfile``/``keyfile`` are our certificate for servers that
    ask for one; ``keyfile`` defaults to ``certfile``.
    """

    ca_path: Path | None = None
    verify: bool = False
    force: bool = False
    certfile: Path | None = None
    keyfile: Path | None = None
    hosts: tuple[MonitorTlsHost, ...] = ()

    def rule(self, host: str) -> tuple[bool, bool]:
        """(verify, force) for ``host``: its CERTHOST-like entry, else the defaults."""
        wanted = host.strip("[]").lower()
        for entry in self.hosts:
            if entry.name.strip("[]").lower() == wanted:
                verify = self.verify if entry.verify is None else entry.verify
                force = self.force if entry.force is None else entry.force
                return verify, force
        return self.verify, self.force


@dataclass(frozen=True, slots=True, kw_only=True)
class MonitorConfig:
    """upsmon.conf (NOTIFYCMD/NOTIFYMSG/NOTIFYFLAG live in NotifyConfig).

    ``shutdowncmd`` None means nutrio logs the shutdown but runs nothing.
    """

    minsupplies: int = 1
    shutdowncmd: str | None = None
    pollfreq: float = 5.0
    pollfreqalert: float = 5.0
    hostsync: float = 15.0
    deadtime: float = 15.0
    finaldelay: float = 5.0
    run_as_user: str | None = None
    powerdownflag: Path | None = None
    nocommwarntime: float = 300.0
    rbwarntime: float = 43200.0
    offduration: float = 30.0
    oblbduration: float = 0.0
    overduration: float = -1.0
    alarmcritical: bool = True
    ups: tuple[MonitorUps, ...] = ()
    #: None: plain TCP only, no STARTTLS (see MonitorTls)
    tls: MonitorTls | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class NotifyConfig:
    """upsmon.conf NOTIFYCMD, NOTIFYMSG and NOTIFYFLAG, and nutrio's own notify settings.

    ``messages`` and ``flags`` hold only what the file overrides, keyed by
    notify type in upper case (ONBATT, ...); the monitor owns the stock texts.
    Flags are SYSLOG, WALL, EXEC or IGNORE (alone); NUT's default is SYSLOG+WALL.
    ``notifycmd`` is one command as in NUT, or several (a tuple), each run
    for every event flagged EXEC.
    """

    notifycmd: str | tuple[str, ...] | None = None
    messages: Mapping[str, str] = field(default_factory=_empty)
    flags: Mapping[str, frozenset[str]] = field(default_factory=lambda: MappingProxyType({}))
    #: nutrio's own channels ([notify.webhook], [notify.email], [notify.ntfy],
    #: [notify.telegram]); see protocol.notify.channels
    channels: ChannelsConfig = field(default_factory=ChannelsConfig)
    #: [[notify.threshold]] rules (protocol.notify.thresholds)
    thresholds: tuple[ThresholdRule, ...] = ()
    #: DRIVERFAIL after this many driver crashes within driverfail_window seconds (0: never)
    driverfail_restarts: int = DEFAULT_RESTARTS
    driverfail_window: float = DEFAULT_WINDOW

    @property
    def commands(self) -> tuple[str, ...]:
        """Every NOTIFYCMD, in order (none, one, or several)."""
        if self.notifycmd is None:
            return ()
        return (self.notifycmd,) if isinstance(self.notifycmd, str) else self.notifycmd

    @property
    def driverfail(self) -> DriverFailSettings:
        return DriverFailSettings(restarts=self.driverfail_restarts, window=self.driverfail_window)

    def flags_for(self, notify_type: str) -> frozenset[str]:
        """The flags in force for ``notify_type`` (NUT default SYSLOG+WALL; TEST adds EXEC)."""
        kind = notify_type.upper()
        default = _TEST_FLAGS if kind == "TEST" else _NUT_FLAGS
        return self.flags.get(kind, default)


_NUT_FLAGS = frozenset({"SYSLOG", "WALL"})
#: `nutrio upsmon -c test` tries NOTIFYCMD too unless [notify.flags] says otherwise.
_TEST_FLAGS = frozenset({"SYSLOG", "WALL", "EXEC"})


@dataclass(frozen=True, slots=True, kw_only=True)
class SchedulerRule:
    """One upssched.conf AT line.

    START-TIMER needs ``timer`` and ``seconds``; CANCEL-TIMER needs ``timer``
    and takes an optional ``command`` run when the timer already fired;
    EXECUTE needs ``command``. ``ups`` may be "*" for every UPS.
    """

    notify_type: str
    ups: str = "*"
    action: TimerAction
    timer: str | None = None
    seconds: float | None = None
    command: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SchedulerConfig:
    """upssched.conf (PIPEFN/LOCKFN are not needed: timers run in-process)."""

    cmdscript: str | None = None
    rules: tuple[SchedulerRule, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class WebConfig:
    """Our own web status page (NUT's CGI programs' role).

    A config without a ``[web]`` table gets ``enabled = False``; a ``[web]``
    table turns it on unless it says ``enabled = false``.
    """

    enabled: bool = True
    listen: tuple[str, int] = ("127.0.0.1", 8080)
    template_dir: Path | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class LogEntry:
    """One upslog instance: ``upslog -s ups -i interval -f format -l file``.

    ``file`` None means standard output (upslog's ``-l -``).
    """

    ups: str
    interval: float = 30.0
    format: str = UPSLOG_FORMAT
    file: Path | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class LogConfig:
    """upslog-style power statistics, one entry per logged UPS."""

    entries: tuple[LogEntry, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Config:
    """The whole configuration; ``source`` is None for text and defaults."""

    source: Path | None = None
    server: ServerConfig = ServerConfig()
    devices: Mapping[str, DeviceConfig] = field(default_factory=lambda: MappingProxyType({}))
    users: Mapping[str, UserConfig] = field(default_factory=lambda: MappingProxyType({}))
    monitor: MonitorConfig | None = None
    notify: NotifyConfig = NotifyConfig()
    scheduler: SchedulerConfig = SchedulerConfig()
    web: WebConfig = WebConfig()
    log: LogConfig = LogConfig()
    chaos: ChaosConfig | None = None
