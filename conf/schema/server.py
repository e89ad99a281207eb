"""The data server's tables: [server], [server.tls], [devices.*], [users.*]."""

from __future__ import annotations

from nutrio.conf.model import DeviceConfig, ServerConfig, TlsConfig, UserConfig
from nutrio.conf.netaddr import format_hostport
from nutrio.conf.schema.base import (
    BOOLEAN,
    DERIVED,
    INTEGER,
    NUMBER,
    STRING,
    STRINGS,
    Section,
    key,
    table,
)

__all__ = ["SERVER_SECTIONS"]


def _listen_list(value: tuple[tuple[str, int], ...]) -> list[str]:
    return [format_hostport(host, port) for host, port in value]


SERVER_SECTIONS: tuple[Section, ...] = (
    table(
        "server", ServerConfig, "upsd.conf", "The data server: where it listens and its limits.",
        key("listen", STRINGS, "upsd.conf LISTEN",
            '`"host:port"` or `"[v6addr]:port"`; `"*:port"` listens on both wildcards',
            to_toml=_listen_list),
        key("maxage", NUMBER, "upsd.conf MAXAGE",
            "seconds without news from a driver before its data is DATA-STALE"),
        key("maxconn", INTEGER, "upsd.conf MAXCONN",
            "client connections served at once; a client past it is refused at once",
            shown="the open-file limit less 64"),
        key("upsmon_slots", INTEGER, "",
            "the last places of maxconn, kept only by connections that log in (upsmon) "
            "within 5 s"),
        key("idle_timeout", NUMBER, "",
            "seconds a client may stay silent before it is dropped (fixed at 60 in upsd)"),
        key("max_line", INTEGER, "", "longest request line in bytes; longer ones get ERR TOO-LONG"),
        key("send_timeout", NUMBER, "",
            "seconds a reply may wait for a client that does not read before it is dropped"),
        key("auth_penalty", NUMBER, "",
            "seconds a wrong password is held back, doubling per failure from one address"),
        key("auth_penalty_cap", NUMBER, "", "the longest that hold-back gets, in seconds"),
        key("auth_penalty_budget", INTEGER, "",
            "replies of one address held back at once; past it, its password checks are "
            "refused untried"),
        key("trackingdelay", NUMBER, "upsd.conf TRACKINGDELAY",
            "seconds a TRACKING result is kept for GET TRACKING"),
        key("transport", STRING, "",
            '`"stream"`: one task per client, any platform; `"epoll"`: Linux\'s faster path; '
            '`"auto"`: epoll where there is one. Clients see the same bytes either way'),
        key("allow_no_device", BOOLEAN, "upsd.conf ALLOW_NO_DEVICE",
            "start even when no `[devices.*]` table is given"),
        key("announce", BOOLEAN, "",
            "announce the server by mDNS as `_nut._tcp` on the addresses it listens on "
            "(Home Assistant finds it so)", shown="true when listening beyond loopback"),
        key("allow_not_all_listeners", BOOLEAN, "upsd.conf ALLOW_NOT_ALL_LISTENERS",
            "start when at least one listen address could be bound"),
        key("statepath", STRING, "upsd.conf STATEPATH",
            "directory for the pid files and sockets of `nutrio drivers`",
            shown="a private runtime directory"),
    ),
    table(
        "server.tls", TlsConfig, "upsd.conf",
        "STARTTLS for clients; remove the table for plain TCP.",
        key("certfile", STRING, "upsd.conf CERTFILE", "PEM file with the certificate chain"),
        key("keyfile", STRING, "upsd.conf CERTFILE",
            "PEM file with the private key", default=DERIVED, field=None, shown="certfile"),
        key("require", BOOLEAN, "upsd.conf CERTREQUEST",
            "clients must present a certificate signed by client_ca"),
        key("client_ca", STRING, "upsd.conf CERTPATH",
            "CA file that client certificates are checked against (needed by require)"),
        key("min_version", STRING, "upsd.conf DISABLE_WEAK_SSL",
            'oldest TLS version accepted: `"TLSv1.2"` or `"TLSv1.3"`'),
    ),
    table(
        "devices.<name>", DeviceConfig, "ups.conf",
        "One UPS; the table name is the UPS name (letters, digits and . _ + -; "
        '"default" is reserved).',
        key("driver", STRING, "ups.conf driver", "the driver that talks to the device"),
        key("port", STRING, "ups.conf port",
            "device path, address or file (relative to the config file)"),
        key("desc", STRING, "ups.conf desc", "description shown by LIST UPS and `upsc -L`"),
        key("pollinterval", NUMBER, "ups.conf pollinterval", "seconds between status polls",
            shown="the driver's own"),
        key("maxage", NUMBER, "", "staleness limit for this UPS alone, in seconds",
            shown="server.maxage"),
        key("sdorder", INTEGER, "ups.conf sdorder",
            "killpower order for `nutrio drivers shutdown`, lowest first (-1: never)"),
        key("maxstartdelay", NUMBER, "ups.conf maxstartdelay",
            "seconds the driver may take to start"),
        key("driver_generics", BOOLEAN, "",
            "serve NUT 2.8.1+'s driver.state, driver.debug, driver.flag.allow_killpower and "
            "driver.* commands (off: exactly what NUT 2.8.0 serves)"),
        more="Any other key is a driver option, kept as the string ups.conf would hold "
        "(`flag = true` for a bare flag; nested tables become dotted names); "
        "see [drivers.md](drivers.md).",
    ),
    table(
        "users.<name>", UserConfig, "upsd.users",
        "One account; the table name is the user name (printable ASCII, no spaces).",
        key("password", STRING, "upsd.users password",
            "the password in clear; give this or password_hash"),
        key("password_hash", STRING, "", 'scrypt hash printed by `nutrio passwd` ("scrypt$...")'),
        key("actions", STRINGS, "upsd.users actions", "SET (change variables), FSD (force shutdown)",
            shown="none"),
        key("instcmds", STRINGS, "upsd.users instcmds",
            'instant commands allowed; "all" for every one', shown="none"),
        key("upsmon", STRING, "upsd.users upsmon",
            '"primary" or "secondary" ("master"/"slave" accepted): upsmon login rights'),
    ),
)  # fmt: skip
