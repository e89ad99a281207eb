"""Every table and key of nutrio.toml, declared once.

The builders take the keys they accept from here (``allowed``), the
configuration reference is rendered from here (conf.reference) and the tests
hold the example file and the loader to it, so a key cannot be added without
being documented. Defaults are read from the dataclasses in conf.model (and
protocol.notify.channels for the notify channels), so they cannot drift.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final

from nutrio.conf.model import (
    ChaosConfig,
    DeviceConfig,
    FaultConfig,
    LogConfig,
    LogEntry,
    MonitorConfig,
    MonitorTls,
    MonitorTlsHost,
    MonitorUps,
    NotifyConfig,
    SchedulerConfig,
    SchedulerRule,
    ServerConfig,
    TlsConfig,
    UserConfig,
    WebConfig,
)
from nutrio.conf.netaddr import format_hostport
from nutrio.protocol.notify.channels import EmailConfig, WebhookConfig

__all__ = [
    "DERIVED",
    "REQUIRED",
    "SECTIONS",
    "Key",
    "Section",
    "allowed",
    "section",
]


class _Marker:
    """A default that is not a value: shown by name."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


#: The key must be given.
REQUIRED: Final = _Marker("REQUIRED")
#: Absent, the value comes from another key or a built-in table (``shown`` says which).
DERIVED: Final = _Marker("DERIVED")

STRING = "string"
NUMBER = "number"
INTEGER = "integer"
BOOLEAN = "boolean"
STRINGS = "string or array of strings"


@dataclass(frozen=True, slots=True)
class Key:
    """One key: its TOML type, default, the NUT directive it mirrors, what it does.

    ``default`` is the value the loader uses when the key is absent, as the
    dataclass holds it (``field`` names that dataclass field), or REQUIRED /
    DERIVED. ``to_toml`` turns a dataclass value back into its TOML form for
    the docs; ``shown`` replaces the default's text where a value would mislead.
    A ``name`` in angle brackets stands for any name of that kind.
    """

    name: str
    type: str
    nut: str
    doc: str
    default: object = REQUIRED
    field: str | None = None
    shown: str | None = None
    to_toml: Callable[[Any], object] | None = None

    @property
    def pattern(self) -> bool:
        return self.name.startswith("<")


@dataclass(frozen=True, slots=True)
class Section:
    """One TOML table (``array``: an array of tables, ``[[path]]``).

    ``more`` says what further keys mean; empty, unknown keys are refused.
    """

    path: str
    nut: str
    doc: str
    keys: tuple[Key, ...] = ()
    model: type | None = None
    array: bool = False
    more: str = ""

    @property
    def header(self) -> str:
        return f"[[{self.path}]]" if self.array else f"[{self.path}]"


def _k(
    name: str,
    type_: str,
    nut: str,
    doc: str,
    *,
    field: str | None = "",
    default: object = None,
    shown: str | None = None,
    to_toml: Callable[[Any], object] | None = None,
) -> Key:
    """A key whose default is filled in from its section's dataclass (see _section).

    ``field`` defaults to the key's name; None means no dataclass field (then
    ``default`` is used as given).
    """
    return Key(name, type_, nut, doc, default, name if field == "" else field, shown, to_toml)


def _section(
    path: str,
    model: type | None,
    nut: str,
    doc: str,
    *keys: Key,
    array: bool = False,
    more: str = "",
) -> Section:
    filled = tuple(_with_default(model, key) for key in keys)
    return Section(path, nut, doc, filled, model, array, more)


def _with_default(model: type | None, key: Key) -> Key:
    if key.field is None:
        return key
    assert model is not None, key.name
    fields = {f.name: f for f in dataclasses.fields(model)}
    found = fields[key.field]  # a KeyError here: the schema names a field that does not exist
    if found.default is not dataclasses.MISSING:
        default: object = found.default
    elif found.default_factory is not dataclasses.MISSING:
        default = found.default_factory()
    else:
        default = REQUIRED
    return dataclasses.replace(key, default=default)


def _listen_list(value: tuple[tuple[str, int], ...]) -> list[str]:
    return [format_hostport(host, port) for host, port in value]


def _listen_one(value: tuple[str, int]) -> str:
    return format_hostport(*value)


def _routing() -> tuple[Key, ...]:
    """The keys every notify channel takes: which alerts, and how hard to try."""
    return (
        _k("events", STRINGS, "", "notify types sent as they happen",
           shown="every notify type"),
        _k("scheduled", STRINGS, "",
           "scheduler timer names and commands sent when they run", shown="all of them"),
        _k("timeout", NUMBER, "", "seconds one attempt may take"),
        _k("retries", INTEGER, "", "further attempts after a failed one"),
        _k("backoff", NUMBER, "", "seconds before the first retry; doubles each time"),
        _k("backoff_max", NUMBER, "", "longest wait between retries, in seconds"),
        _k("queue", INTEGER, "", "alerts waiting at most; more are counted and logged"),
    )  # fmt: skip


SECTIONS: tuple[Section, ...] = (
    _section(
        "server", ServerConfig, "upsd.conf", "The data server: where it listens and its limits.",
        _k("listen", STRINGS, "upsd.conf LISTEN",
           '`"host:port"` or `"[v6addr]:port"`; `"*:port"` listens on both wildcards',
           to_toml=_listen_list),
        _k("maxage", NUMBER, "upsd.conf MAXAGE",
           "seconds without news from a driver before its data is DATA-STALE"),
        _k("maxconn", INTEGER, "upsd.conf MAXCONN", "client connections served at once"),
        _k("idle_timeout", NUMBER, "",
           "seconds a client may stay silent before it is dropped (fixed at 60 in upsd)"),
        _k("max_line", INTEGER, "", "longest request line in bytes; longer ones get ERR TOO-LONG"),
        _k("send_timeout", NUMBER, "",
           "seconds a reply may wait for a client that does not read before it is dropped"),
        _k("auth_penalty", NUMBER, "",
           "seconds a wrong password is held back, doubling per failure from one address"),
        _k("auth_penalty_cap", NUMBER, "", "the longest that hold-back gets, in seconds"),
        _k("trackingdelay", NUMBER, "upsd.conf TRACKINGDELAY",
           "seconds a TRACKING result is kept for GET TRACKING"),
        _k("allow_no_device", BOOLEAN, "upsd.conf ALLOW_NO_DEVICE",
           "start even when no `[devices.*]` table is given"),
        _k("allow_not_all_listeners", BOOLEAN, "upsd.conf ALLOW_NOT_ALL_LISTENERS",
           "start when at least one listen address could be bound"),
        _k("statepath", STRING, "upsd.conf STATEPATH",
           "directory for the pid files and sockets of `nutrio drivers`",
           shown="a private runtime directory"),
    ),
    _section(
        "server.tls", TlsConfig, "upsd.conf",
        "STARTTLS for clients; remove the table for plain TCP.",
        _k("certfile", STRING, "upsd.conf CERTFILE", "PEM file with the certificate chain"),
        _k("keyfile", STRING, "upsd.conf CERTFILE",
           "PEM file with the private key", default=DERIVED, field=None, shown="certfile"),
        _k("require", BOOLEAN, "upsd.conf CERTREQUEST",
           "clients must present a certificate signed by client_ca"),
        _k("client_ca", STRING, "upsd.conf CERTPATH",
           "CA file that client certificates are checked against (needed by require)"),
        _k("min_version", STRING, "upsd.conf DISABLE_WEAK_SSL",
           'oldest TLS version accepted: `"TLSv1.2"` or `"TLSv1.3"`'),
    ),
    _section(
        "devices.<name>", DeviceConfig, "ups.conf",
        "One UPS; the table name is the UPS name (letters, digits and . _ + -; "
        '"default" is reserved).',
        _k("driver", STRING, "ups.conf driver", "the driver that talks to the device"),
        _k("port", STRING, "ups.conf port",
           "device path, address or file (relative to the config file)"),
        _k("desc", STRING, "ups.conf desc", "description shown by LIST UPS and `upsc -L`"),
        _k("pollinterval", NUMBER, "ups.conf pollinterval", "seconds between status polls",
           shown="the driver's own"),
        _k("maxage", NUMBER, "", "staleness limit for this UPS alone, in seconds",
           shown="server.maxage"),
        _k("sdorder", INTEGER, "ups.conf sdorder",
           "killpower order for `nutrio drivers shutdown`, lowest first (-1: never)"),
        _k("maxstartdelay", NUMBER, "ups.conf maxstartdelay",
           "seconds the driver may take to start"),
        more="Any other key is a driver option, kept as the string ups.conf would hold "
        "(`flag = true` for a bare flag; nested tables become dotted names); "
        "see [drivers.md](drivers.md).",
    ),
    _section(
        "users.<name>", UserConfig, "upsd.users",
        "One account; the table name is the user name (printable ASCII, no spaces).",
        _k("password", STRING, "upsd.users password",
           "the password in clear; give this or password_hash"),
        _k("password_hash", STRING, "", 'scrypt hash printed by `nutrio passwd` ("scrypt$...")'),
        _k("actions", STRINGS, "upsd.users actions", "SET (change variables), FSD (force shutdown)",
           shown="none"),
        _k("instcmds", STRINGS, "upsd.users instcmds",
           'instant commands allowed; "all" for every one', shown="none"),
        _k("upsmon", STRING, "upsd.users upsmon",
           '"primary" or "secondary" ("master"/"slave" accepted): upsmon login rights'),
    ),
    _section(
        "monitor", MonitorConfig, "upsmon.conf",
        "The built-in upsmon: which UPSes feed this host and when to shut it down.",
        _k("minsupplies", INTEGER, "upsmon.conf MINSUPPLIES",
           "power supplies that must stay fed to keep running"),
        _k("shutdowncmd", STRING, "upsmon.conf SHUTDOWNCMD",
           "command that shuts the host down", shown="none: the shutdown is only logged"),
        _k("pollfreq", NUMBER, "upsmon.conf POLLFREQ", "seconds between polls"),
        _k("pollfreqalert", NUMBER, "upsmon.conf POLLFREQALERT",
           "seconds between polls while on battery"),
        _k("hostsync", NUMBER, "upsmon.conf HOSTSYNC",
           "seconds a primary waits for secondaries to log out"),
        _k("deadtime", NUMBER, "upsmon.conf DEADTIME",
           "seconds a UPS may stay silent before it counts as dead"),
        _k("finaldelay", NUMBER, "upsmon.conf FINALDELAY",
           "seconds between the SHUTDOWN notice and shutdowncmd"),
        _k("run_as_user", STRING, "upsmon.conf RUN_AS_USER", "user the monitor runs commands as"),
        _k("powerdownflag", STRING, "upsmon.conf POWERDOWNFLAG",
           "file created before a shutdown that should cut the UPS power"),
        _k("nocommwarntime", NUMBER, "upsmon.conf NOCOMMWARNTIME",
           "seconds between NOCOMM repeats while a UPS cannot be reached"),
        _k("rbwarntime", NUMBER, "upsmon.conf RBWARNTIME", "seconds between REPLBATT repeats"),
        _k("offduration", NUMBER, "upsmon.conf OFFDURATION",
           "seconds OFF before the UPS counts as a lost supply (<0: never)"),
        _k("oblbduration", NUMBER, "upsmon.conf OBLBDURATION",
           "seconds OB LB must last before it is critical"),
        _k("overduration", NUMBER, "upsmon.conf OVERDURATION",
           "seconds overloaded and silent before it is critical (<0: never)"),
        _k("alarmcritical", BOOLEAN, "upsmon.conf ALARMCRITICAL",
           "an ALARM status makes a silent UPS critical"),
    ),
    _section(
        "monitor.ups", MonitorUps, "upsmon.conf MONITOR",
        "One watched UPS (one MONITOR line); at least one is needed.",
        _k("system", STRING, "MONITOR system", "upsname[@host[:port]]"),
        _k("powervalue", INTEGER, "MONITOR powervalue",
           "power supplies this UPS feeds here (0: watch only)"),
        _k("user", STRING, "MONITOR username", "account on the data server"),
        _k("password", STRING, "MONITOR password", "its password"),
        _k("role", STRING, "MONITOR type",
           '"primary" or "secondary" ("master"/"slave" accepted)'),
        array=True,
    ),
    _section(
        "monitor.tls", MonitorTls, "upsmon.conf",
        "STARTTLS to each upsd; without this table the monitor speaks plain TCP only.",
        _k("ca_path", STRING, "upsmon.conf CERTPATH",
           "PEM file of CA certificates, or a directory of them under hashed names "
           "(`openssl rehash`)", shown="none"),
        _k("verify", BOOLEAN, "upsmon.conf CERTVERIFY",
           "check the server certificate against ca_path and the host name (needs ca_path); "
           "a refused STARTTLS then ends the attempt"),
        _k("force", BOOLEAN, "upsmon.conf FORCESSL",
           "no plain-text fallback: a refused STARTTLS ends the attempt, retried next poll"),
        _k("certfile", STRING, "upsmon.conf CERTFILE (NUT 2.8.6+)",
           "PEM certificate chain shown to servers that ask for one", shown="none"),
        _k("keyfile", STRING, "upsmon.conf CERTFILE (NUT 2.8.6+)",
           "PEM file with the private key of certfile", shown="certfile"),
    ),
    _section(
        "monitor.tls.host", MonitorTlsHost, "upsmon.conf CERTHOST",
        "Verify and force for one upsd host (one CERTHOST line; its certificate name is not used).",
        _k("name", STRING, "CERTHOST hostname",
           "the host as written in `[[monitor.ups]]` systems"),
        _k("verify", BOOLEAN, "CERTHOST certverify", "verify for this host",
           shown="monitor.tls.verify"),
        _k("force", BOOLEAN, "CERTHOST forcessl", "force for this host",
           shown="monitor.tls.force"),
        array=True,
    ),
    _section(
        "notify", NotifyConfig, "upsmon.conf",
        "What the monitor does with events (ONBATT, LOWBATT, ...).",
        _k("notifycmd", STRING, "upsmon.conf NOTIFYCMD", "command run for events flagged EXEC"),
    ),
    _section(
        "notify.messages", None, "upsmon.conf NOTIFYMSG",
        "Message texts by notify type; %s is the UPS.",
        _k("<NOTIFYTYPE>", STRING, "NOTIFYMSG", "the text for that notify type (ONBATT, ...)",
           field=None, default=DERIVED, shown="upsmon's stock text"),
    ),
    _section(
        "notify.flags", None, "upsmon.conf NOTIFYFLAG",
        "What happens per notify type.",
        _k("<NOTIFYTYPE>", STRINGS, "NOTIFYFLAG",
           'SYSLOG, WALL, EXEC, or IGNORE alone; NUT\'s "SYSLOG+WALL" form works too',
           field=None, default=DERIVED, shown="SYSLOG+WALL"),
    ),
    _section(
        "notify.webhook", WebhookConfig, "",
        "Post each alert as JSON to a URL.",
        _k("url", STRING, "", "http:// or https:// address to POST to"),
        _k("headers", "table of strings", "", "extra HTTP headers", shown="none"),
        *_routing(),
    ),
    _section(
        "notify.email", EmailConfig, "",
        "Send each alert as one mail over SMTP.",
        _k("host", STRING, "", "SMTP server"),
        _k("port", INTEGER, "", "SMTP port"),
        _k("starttls", BOOLEAN, "", "upgrade the connection with STARTTLS before logging in"),
        _k("user", STRING, "", "SMTP login; goes with password"),
        _k("password", STRING, "", "SMTP password; goes with user"),
        _k("from", STRING, "", "sender address", field="sender"),
        _k("to", STRINGS, "", "recipient addresses"),
        _k("ca_file", STRING, "", "CA file for checking the server", shown="the system CAs"),
        *_routing(),
    ),
    _section(
        "scheduler", SchedulerConfig, "upssched.conf",
        "Timers started and cancelled by notify events.",
        _k("cmdscript", STRING, "upssched.conf CMDSCRIPT",
           "script run with the timer name or command (needed with rules)"),
    ),
    _section(
        "scheduler.at", SchedulerRule, "upssched.conf AT", "One AT rule.",
        _k("notify_type", STRING, "AT notifytype", "the event this rule reacts to (ONBATT, ...)"),
        _k("ups", STRING, "AT upsname", '`"*"` (every UPS) or `"ups@host"`'),
        _k("action", STRING, "AT command", "START-TIMER, CANCEL-TIMER or EXECUTE"),
        _k("timer", STRING, "AT timername", "timer name (START-TIMER, CANCEL-TIMER)"),
        _k("seconds", NUMBER, "AT interval", "timer length (START-TIMER)"),
        _k("command", STRING, "AT command argument",
           "run by EXECUTE; for CANCEL-TIMER, run when the timer had already fired"),
        array=True,
    ),
    _section(
        "web", WebConfig, "",
        "The status page (the role of NUT's CGI programs); off without this table.",
        _k("enabled", BOOLEAN, "", "false: keep the table but serve no page"),
        _k("listen", STRING, "", "host:port of the page", to_toml=_listen_one),
        _k("template_dir", STRING, "", "directory with templates replacing the built-in ones",
           shown="the built-in templates"),
    ),
    _section("log", LogConfig, "upslog", "Power statistics written as upslog does."),
    _section(
        "log.entry", LogEntry, "upslog", "One logged UPS (one upslog instance).",
        _k("ups", STRING, "upslog -s", "ups@host[:port]"),
        _k("interval", NUMBER, "upslog -i", "seconds between lines"),
        _k("format", STRING, "upslog -f", "line format with %VAR name%, %TIME fmt%, ..."),
        _k("file", STRING, "upslog -l", 'log file; `"-"` for standard output',
           shown="standard output"),
        array=True,
    ),
    _section(
        "chaos", ChaosConfig, "",
        "Fault injection, off when absent (also `nutrio run --chaos FILE`).",
        _k("seed", INTEGER, "", "random seed: same seed, same faults"),
    ),
    _section(
        "chaos.fault", FaultConfig, "", "One injected fault; all its conditions must hold.",
        _k("target", STRING, "", 'actor id it applies to ("server", "driver:myups", ...)'),
        _k("kind", STRING, "", "crash, delay, drop or freeze"),
        _k("after_messages", INTEGER, "", "not before this many messages went through"),
        _k("after_seconds", NUMBER, "", "not before this many seconds after start"),
        _k("probability", NUMBER, "", "chance of firing at each opportunity (0 to 1)"),
        _k("delay", NUMBER, "", 'seconds of delay, for `kind = "delay"` only'),
        _k("duration", NUMBER, "", "seconds frozen or dropping (freeze, drop)",
           shown="for ever"),
        _k("times", INTEGER, "", "faults injected at most", shown="no limit"),
        array=True,
    ),
)  # fmt: skip

_BY_PATH: Mapping[str, Section] = MappingProxyType({s.path: s for s in SECTIONS})


def section(path: str) -> Section:
    """The section at ``path`` ("server.tls", "devices.<name>", ...)."""
    return _BY_PATH[path]


def _children(path: str) -> tuple[str, ...]:
    """Names of the tables directly under ``path`` ("" is the file itself)."""
    prefix = f"{path}." if path else ""
    names: list[str] = []
    for other in SECTIONS:
        if other.path.startswith(prefix):
            name = other.path[len(prefix) :].split(".")[0]
            if not name.startswith("<") and name not in names:
                names.append(name)
    return tuple(names)


def allowed(path: str) -> tuple[str, ...]:
    """The keys a builder accepts in the table at ``path``: its keys and sub-tables.

    ``""`` is the top level of the file. Raises KeyError for a path not declared.
    """
    own = () if path == "" else tuple(k.name for k in section(path).keys if not k.pattern)
    return own + _children(path)
