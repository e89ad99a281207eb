"""Builders for the server side.

[server] (upsd.conf), [devices] (ups.conf) and [users] (upsd.users).
"""

from __future__ import annotations

import re
import select
from collections.abc import Collection
from types import MappingProxyType
from typing import Any

from nutrio.conf import schema
from nutrio.conf._reader import Table, describe_value
from nutrio.conf.model import DeviceConfig, Role, ServerConfig, TlsConfig, Transport, UserConfig
from nutrio.conf.netaddr import parse_listen

#: What a UPS name may look like. ups.conf puts it in brackets and upsd sends it
#: as one protocol word; we also use it in file names (state sockets are
#: "<driver>-<name>"), so: no spaces, quotes, '@', ':', '/' or brackets.
UPS_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+-]*")
DRIVER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
#: User names are one protocol word of printable ASCII.
USER_NAME = re.compile(r"[!-~]+")

ROLES: dict[str, Role] = {
    "primary": "primary",
    "secondary": "secondary",
    # NUT < 2.8 spelling, still accepted by upsd and upsmon.
    "master": "primary",
    "slave": "secondary",
}
ACTIONS = frozenset({"SET", "FSD"})
TLS_VERSIONS = {"tlsv1.2": "TLSv1.2", "tlsv1.3": "TLSv1.3", "1.2": "TLSv1.2", "1.3": "TLSv1.3"}
TRANSPORTS: dict[str, Transport] = {"auto": "auto", "stream": "stream", "epoll": "epoll"}

# The keys each table accepts come from the schema, so each one is documented.
_SERVER_KEYS = schema.allowed("server")
_DEVICE_FIELDS = schema.allowed("devices.<name>")  # any other key is a driver option
_USER_KEYS = schema.allowed("users.<name>")


def build_server(table: Table | None) -> ServerConfig:
    if table is None:
        return ServerConfig()
    table.allow_only(_SERVER_KEYS)
    defaults = ServerConfig()
    return ServerConfig(
        listen=build_listen(table) or defaults.listen,
        maxage=table.number("maxage", defaults.maxage),
        maxconn=table.integer("maxconn", None, minimum=1),
        upsmon_slots=table.integer("upsmon_slots", defaults.upsmon_slots, minimum=0),
        auth_penalty_budget=table.integer("auth_penalty_budget", defaults.auth_penalty_budget,
                                          minimum=1),
        tls=build_tls(table.table("tls")),
        idle_timeout=table.number("idle_timeout", defaults.idle_timeout),
        send_timeout=_positive(table, "send_timeout", defaults.send_timeout),
        auth_penalty=table.number("auth_penalty", defaults.auth_penalty),
        auth_penalty_cap=table.number("auth_penalty_cap", defaults.auth_penalty_cap),
        max_line=table.integer("max_line", defaults.max_line, minimum=64),
        trackingdelay=table.number("trackingdelay", defaults.trackingdelay),
        transport=build_transport(table),
        allow_no_device=table.boolean("allow_no_device", False),
        allow_not_all_listeners=table.boolean("allow_not_all_listeners", False),
        announce=table.boolean("announce", False) if "announce" in table.data else None,
        statepath=table.path_value("statepath"),
    )


def build_transport(table: Table) -> Transport:
    transport = table.choice("transport", TRANSPORTS) or "auto"
    if transport == "epoll" and not hasattr(select, "epoll"):
        table.fail("transport", 'epoll is Linux only here: use "stream" or "auto"')
    return transport


def _positive(table: Table, key: str, default: float) -> float:
    value = table.number(key, default)
    if value <= 0:
        table.fail(key, "must be above 0")
    return value


def build_listen(table: Table) -> tuple[tuple[str, int], ...]:
    """LISTEN lines: "host:port" strings; "*:port" means both wildcards, as in upsd."""
    out: list[tuple[str, int]] = []
    if "listen" in table.data and not table.string_list("listen"):
        table.fail("listen", "needs at least one address")
    for text in table.string_list("listen"):
        if text == "*" or text.startswith("*:"):
            port = table.parsed("listen", parse_listen, "0.0.0.0" + text[1:])[1]
            out += [("::", port), ("0.0.0.0", port)]
        else:
            out.append(table.parsed("listen", parse_listen, text))
    if len(set(out)) != len(out):
        table.fail("listen", "the same address is listed twice")
    return tuple(out)


def build_tls(table: Table | None) -> TlsConfig | None:
    if table is None:
        return None
    table.allow_only(schema.allowed("server.tls"))
    table.string("certfile", required=True)
    certfile = table.path_value("certfile")
    assert certfile is not None
    require = table.boolean("require", False)
    client_ca = table.path_value("client_ca")
    if require and client_ca is None:
        table.fail("require", "require = true needs client_ca to check client certificates")
    return TlsConfig(
        certfile=certfile,
        keyfile=table.path_value("keyfile") or certfile,
        require=require,
        client_ca=client_ca,
        min_version=table.choice("min_version", TLS_VERSIONS) or "TLSv1.2",  # type: ignore[arg-type]
    )


def build_devices(
    table: Table | None, drivers: Collection[str] | None = None
) -> MappingProxyType[str, DeviceConfig]:
    """[devices.*]; with ``drivers``, a driver name outside it is refused."""
    devices: dict[str, DeviceConfig] = {}
    for name, sub in table.subtables() if table else []:
        check_ups_name(sub, name)
        devices[name] = build_device(sub, name)
        if drivers is not None and devices[name].driver not in drivers:
            sub.fail("driver", f"nutrio has no driver {devices[name].driver!r} "
                     f"(it has: {', '.join(sorted(drivers))})")
    return MappingProxyType(devices)


def check_ups_name(table: Table, name: str) -> None:
    if not UPS_NAME.fullmatch(name):
        table.fail(None, "bad UPS name: use letters, digits and . _ + - (no spaces, @, : or /)")
    if name.lower() == "default":
        table.fail(None, 'the UPS name "default" is reserved by upsd')


def build_device(table: Table, name: str) -> DeviceConfig:
    driver = table.req_string("driver")
    if not DRIVER_NAME.fullmatch(driver):
        table.fail("driver", f"bad driver name {describe_value(driver)}")
    options: dict[str, str] = {}
    for key, value in table.data.items():
        if key not in _DEVICE_FIELDS:
            _flatten_option(table, key, (key,), value, options)
    return DeviceConfig(
        name=name,
        driver=driver,
        port=table.req_string("port"),
        desc=table.string("desc", "") or "",
        pollinterval=table.number("pollinterval", None),
        maxage=table.number("maxage", None),
        sdorder=table.integer("sdorder", 0, minimum=-1),
        maxstartdelay=table.number("maxstartdelay", 45.0),
        driver_generics=table.boolean("driver_generics", False),
        options=MappingProxyType(options),
        config_dir=table.doc.config_dir,
        line=table.line(),
    )


def _flatten_option(
    table: Table, key: str, path: tuple[str, ...], value: Any, out: dict[str, str]
) -> None:
    """Driver options as ups.conf strings; nested tables become dotted names."""
    if isinstance(value, dict):
        for sub, inner in value.items():
            _flatten_option(table, key, (*path, sub), inner, out)
        return
    name = ".".join(path)
    if isinstance(value, bool):
        out[name] = "true" if value else "false"
    elif isinstance(value, str | int | float):
        out[name] = str(value)
    else:
        table.fail(
            key, f"driver options must be strings, numbers or booleans, got {describe_value(value)}"
        )


def build_users(table: Table | None) -> MappingProxyType[str, UserConfig]:
    users: dict[str, UserConfig] = {}
    for name, sub in table.subtables() if table else []:
        if not USER_NAME.fullmatch(name):
            sub.fail(None, "bad user name: printable ASCII without spaces")
        users[name] = build_user(sub, name)
    return MappingProxyType(users)


def build_user(table: Table, name: str) -> UserConfig:
    table.allow_only(_USER_KEYS)
    password = table.string("password")
    password_hash = table.string("password_hash")
    if (password is None) == (password_hash is None):
        table.fail(None, "set exactly one of password and password_hash")
    if password_hash is not None and not password_hash.startswith("scrypt$"):
        table.fail("password_hash", 'expected "scrypt$..." as printed by `nutrio passwd`')
    actions = frozenset(a.upper() for a in table.string_list("actions"))
    if bad := sorted(actions - ACTIONS):
        table.fail("actions", f"unknown action {bad[0]!r}; expected SET or FSD")
    instcmds = tuple(dict.fromkeys(c.lower() for c in table.string_list("instcmds")))
    for command in instcmds:
        if not command or any(ch.isspace() for ch in command):
            table.fail("instcmds", f"bad command name {describe_value(command)}")
    return UserConfig(
        name=name,
        password=password,
        password_hash=password_hash,
        actions=actions,
        instcmds=instcmds,
        upsmon=table.choice("upsmon", ROLES),
    )
