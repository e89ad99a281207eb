"""Builders for the client side.

[monitor] (upsmon.conf), [notify] (its NOTIFY* lines), [scheduler] (upssched.conf),
[web] and [log] (upslog).
"""

from __future__ import annotations

from types import MappingProxyType

from nutrio.conf import schema
from nutrio.conf._reader import Table, describe_value
from nutrio.conf._server import ROLES
from nutrio.conf.model import (
    UPSLOG_FORMAT,
    LogConfig,
    LogEntry,
    MonitorConfig,
    MonitorTls,
    MonitorTlsHost,
    MonitorUps,
    NotifyConfig,
    SchedulerConfig,
    SchedulerRule,
    TimerAction,
    WebConfig,
)
from nutrio.conf.netaddr import parse_listen, parse_system
from nutrio.protocol.notify.channels import ChannelsConfig
from nutrio.protocol.notify.driverfail import DEFAULT_RESTARTS, DEFAULT_WINDOW
from nutrio.protocol.notify.events import NUTRIO_TYPES
from nutrio.protocol.notify.thresholds import ThresholdRule

#: upsmon's notify types (NOTIFYMSG/NOTIFYFLAG/upssched AT), NUT 2.8 and later.
NOTIFY_TYPES = frozenset({
    "ONLINE", "ONBATT", "LOWBATT", "FSD", "COMMOK", "COMMBAD", "SHUTDOWN", "SHUTDOWN_HOSTSYNC",
    "REPLBATT", "NOCOMM", "NOPARENT", "CAL", "NOTCAL", "OFF", "NOTOFF", "BYPASS", "NOTBYPASS",
    "ECO", "NOTECO", "ALARM", "NOTALARM", "OVER", "NOTOVER", "TRIM", "NOTTRIM", "BOOST",
    "NOTBOOST", "OTHER", "NOTOTHER", "SUSPEND_STARTING", "SUSPEND_FINISHED",
})  # fmt: skip
#: What [notify.messages] and [notify.flags] take: NUT's types and nutrio's own.
ALL_NOTIFY_TYPES = NOTIFY_TYPES | {t.value for t in NUTRIO_TYPES}
NOTIFY_FLAGS = frozenset({"SYSLOG", "WALL", "EXEC", "IGNORE"})
#: upssched AT actions; the underscore spellings are accepted for TOML's sake.
TIMER_ACTIONS: dict[str, TimerAction] = {
    "start-timer": "START-TIMER",
    "start_timer": "START-TIMER",
    "cancel-timer": "CANCEL-TIMER",
    "cancel_timer": "CANCEL-TIMER",
    "execute": "EXECUTE",
}
#: What each AT action needs, and may take (CANCEL-TIMER's optional command).
_RULE_NEEDS: dict[TimerAction, frozenset[str]] = {
    "START-TIMER": frozenset({"timer", "seconds"}),
    "CANCEL-TIMER": frozenset({"timer"}),
    "EXECUTE": frozenset({"command"}),
}
_RULE_OPTIONAL: dict[TimerAction, frozenset[str]] = {
    "START-TIMER": frozenset(),
    "CANCEL-TIMER": frozenset({"command"}),
    "EXECUTE": frozenset(),
}

_MONITOR_NUMBERS = (
    "pollfreq", "pollfreqalert", "hostsync", "deadtime", "finaldelay", "nocommwarntime",
    "rbwarntime", "offduration", "oblbduration",
)  # fmt: skip
_MONITOR_KEYS = schema.allowed("monitor")  # from the schema, so each key is documented


def build_monitor(table: Table | None) -> MonitorConfig | None:
    if table is None:
        return None
    table.allow_only(_MONITOR_KEYS)
    defaults = MonitorConfig()
    numbers = {key: table.number(key, getattr(defaults, key)) for key in _MONITOR_NUMBERS}
    if numbers["pollfreq"] <= 0 or numbers["pollfreqalert"] <= 0:
        table.fail("pollfreq" if numbers["pollfreq"] <= 0 else "pollfreqalert", "must be above 0")
    ups = tuple(build_monitor_ups(sub) for sub in table.tables("ups"))
    if not ups:
        table.fail("ups", "upsmon needs at least one [[monitor.ups]] entry")
    systems = [entry.system for entry in ups]
    for index, system in enumerate(systems):
        if system in systems[:index]:
            table.fail("ups", f"{system!r} is monitored twice")
    minsupplies = table.integer("minsupplies", defaults.minsupplies)
    total = sum(entry.powervalue for entry in ups)
    if total < minsupplies:  # upsmon: "insufficient power configured", and it exits
        table.fail("minsupplies", f"the power values of [[monitor.ups]] add up to {total}, "
                   f"fewer than minsupplies = {minsupplies}: upsmon would never start")
    return MonitorConfig(
        minsupplies=minsupplies,
        shutdowncmd=table.string("shutdowncmd"),
        run_as_user=table.string("run_as_user"),
        powerdownflag=table.path_value("powerdownflag"),
        overduration=table.number("overduration", defaults.overduration, minimum=None),
        alarmcritical=table.boolean("alarmcritical", defaults.alarmcritical),
        ups=ups,
        tls=build_monitor_tls(table.table("tls")),
        **numbers,
    )


def build_monitor_tls(table: Table | None) -> MonitorTls | None:
    """[monitor.tls]: upsmon's CERTPATH, CERTVERIFY, FORCESSL, CERTFILE and CERTHOST."""
    if table is None:
        return None
    table.allow_only(schema.allowed("monitor.tls"))
    ca_path = table.path_value("ca_path")
    certfile, keyfile = table.path_value("certfile"), table.path_value("keyfile")
    if keyfile is not None and certfile is None:
        table.fail("keyfile", "keyfile needs certfile")
    hosts = tuple(_tls_host(sub) for sub in table.tables("host"))
    names = [entry.name.strip("[]").lower() for entry in hosts]
    for index, name in enumerate(names):
        if name in names[:index]:
            table.fail("host", f"{hosts[index].name!r} is listed twice")
    tls = MonitorTls(
        ca_path=ca_path,
        verify=table.boolean("verify", False),
        force=table.boolean("force", False),
        certfile=certfile,
        keyfile=keyfile or certfile,
        hosts=hosts,
    )
    # upsmon refuses to connect at all with CERTVERIFY and no CERTPATH: say so up front
    if ca_path is None and (tls.verify or any(h.verify for h in hosts)):
        table.fail("ca_path", "missing required key (verify = true checks against it)")
    return tls


def _tls_host(table: Table) -> MonitorTlsHost:
    table.allow_only(schema.allowed("monitor.tls.host"))
    verify = table.boolean("verify", False) if "verify" in table.data else None
    force = table.boolean("force", False) if "force" in table.data else None
    return MonitorTlsHost(name=table.req_string("name"), verify=verify, force=force)


def build_monitor_ups(table: Table) -> MonitorUps:
    table.allow_only(schema.allowed("monitor.ups"))
    system = table.req_string("system")
    table.parsed("system", parse_system, system)
    role = table.choice("role", ROLES, required=True)
    assert role is not None
    return MonitorUps(
        system=system,
        powervalue=table.integer("powervalue", 1),
        user=table.req_string("user"),
        password=table.req_string("password", nonempty=False),
        role=role,
    )


def build_notify(table: Table | None, *, devices: tuple[str, ...] = ()) -> NotifyConfig:
    """[notify]; *devices* are the names a threshold rule may watch."""
    if table is None:
        return NotifyConfig()
    table.allow_only(schema.allowed("notify"))
    messages: dict[str, str] = {}
    if sub := table.table("messages"):
        for key in sub.data:
            messages[_notify_type(sub, key)] = sub.req_string(key, nonempty=False)
    flags: dict[str, frozenset[str]] = {}
    if sub := table.table("flags"):
        for key in sub.data:
            flags[_notify_type(sub, key)] = _notify_flags(sub, key)
    window = table.number("driverfail_window", DEFAULT_WINDOW)
    if window <= 0:
        table.fail("driverfail_window", "must be above 0")
    return NotifyConfig(
        notifycmd=_notifycmd(table),
        messages=MappingProxyType(messages),
        flags=MappingProxyType(flags),
        channels=_channels(table),
        thresholds=_thresholds(table, devices),
        driverfail_restarts=table.integer("driverfail_restarts", DEFAULT_RESTARTS),
        driverfail_window=window,
    )


def _notifycmd(table: Table) -> str | tuple[str, ...] | None:
    """NOTIFYCMD: one command as in NUT (kept a string), or a list of them."""
    if isinstance(table.data.get("notifycmd"), str):
        return table.req_string("notifycmd")
    commands = table.string_list("notifycmd")
    if any(not c.strip() for c in commands):
        table.fail("notifycmd", "a command must not be empty")
    return commands or None


def _thresholds(table: Table, devices: tuple[str, ...]) -> tuple[ThresholdRule, ...]:
    rules = tuple(_threshold(sub, devices) for sub in table.tables("threshold"))
    names = [rule.name for rule in rules]
    for index, name in enumerate(names):
        if name in names[:index]:
            table.fail("threshold", f"two rules are named {name!r}")
    return rules


def _threshold(table: Table, devices: tuple[str, ...]) -> ThresholdRule:
    table.allow_only(schema.allowed("notify.threshold"))
    ups = table.string("ups", "*") or "*"
    if ups != "*" and ups.lower() not in {name.lower() for name in devices}:
        # the rules read this nutrio's own drivers; a remote UPS would never be judged
        table.fail("ups", f"no device {ups!r} in [devices]; a rule watches this nutrio's own "
                   'devices ("*": all of them)')
    above = table.number("above", None, minimum=None)
    below = table.number("below", None, minimum=None)
    if above is None and below is None:
        table.fail("above", "missing required key (give above or below)")
    if above is not None and below is not None:
        table.fail("below", "give only one of above and below")
    return ThresholdRule(
        name=table.req_string("name"), ups=ups,
        variable=table.req_string("variable"), above=above, below=below,
        seconds=table.number("seconds", 30.0), message=table.string("message"),
        cleared_message=table.string("cleared_message"),
    )  # fmt: skip


def _channels(table: Table) -> ChannelsConfig:
    """Our own channels; their own parser names ``notify.<channel>.<key>``."""
    for name in ("webhook", "email", "ntfy", "telegram"):  # the schema's keys only
        if sub := table.table(name):
            sub.allow_only(schema.allowed(f"notify.{name}"))
    try:
        return ChannelsConfig.from_mapping(table.data)
    except ValueError as exc:
        where, _, message = str(exc).partition(": ")
        path = tuple(where.split(".")[1:])  # drop the leading "notify"
        raise table.doc.error((*table.path, *path), message or str(exc)) from None


def _notify_type(table: Table, key: str) -> str:
    if key.upper() not in ALL_NOTIFY_TYPES:
        table.fail(key, "unknown notify type; expected one of "
                   + ", ".join(sorted(ALL_NOTIFY_TYPES)))
    return key.upper()


def _notify_flags(table: Table, key: str) -> frozenset[str]:
    """NOTIFYFLAG: an array or NUT's "SYSLOG+WALL" form; IGNORE stands alone."""
    words: list[str] = []
    for item in table.string_list(key):
        words += [w.strip().upper() for w in item.split("+")]
    for word in words:
        if word not in NOTIFY_FLAGS:
            table.fail(
                key, f"unknown flag {describe_value(word)}; expected SYSLOG, WALL, EXEC or IGNORE"
            )
    if "IGNORE" in words and len(set(words)) > 1:
        table.fail(key, "IGNORE cannot be combined with other flags")
    return frozenset(words)


def build_scheduler(table: Table | None) -> SchedulerConfig:
    if table is None:
        return SchedulerConfig()
    table.allow_only(schema.allowed("scheduler"))
    rules = tuple(build_rule(sub) for sub in table.tables("at"))
    cmdscript = table.string("cmdscript")
    if rules and cmdscript is None:
        table.fail("cmdscript", "missing required key (the AT rules need a command script)")
    return SchedulerConfig(cmdscript=cmdscript, rules=rules)


def build_rule(table: Table) -> SchedulerRule:
    table.allow_only(schema.allowed("scheduler.at"))
    notify_type = table.req_string("notify_type").upper()
    if notify_type not in NOTIFY_TYPES:
        table.fail("notify_type", f"unknown notify type {describe_value(notify_type)}")
    action = table.choice("action", TIMER_ACTIONS, required=True)
    assert action is not None
    timer, seconds, command = (
        table.string("timer"),
        table.number("seconds", None),
        table.string("command"),
    )
    given = {"timer": timer, "seconds": seconds, "command": command}
    for key in sorted(_RULE_NEEDS[action]):
        if given[key] is None:
            table.fail(key, f"missing required key (needed by {action})")
    allowed = _RULE_NEEDS[action] | _RULE_OPTIONAL[action]
    for key, value in given.items():
        if value is not None and key not in allowed:
            table.fail(key, f"not used by {action}")
    return SchedulerRule(
        notify_type=notify_type,
        ups=table.string("ups", "*") or "*",
        action=action,
        timer=timer,
        seconds=seconds,
        command=command,
    )


def build_web(table: Table | None) -> WebConfig:
    if table is None:  # no [web] table: no web server (a port is a thing to ask for)
        return WebConfig(enabled=False)
    table.allow_only(schema.allowed("web"))
    listen = table.string("listen")
    return WebConfig(
        enabled=table.boolean("enabled", True),
        listen=table.parsed("listen", lambda s: parse_listen(s, 8080, allow_zero=True), listen)
        if listen is not None
        else WebConfig().listen,
        template_dir=table.path_value("template_dir"),
    )


def build_log(table: Table | None) -> LogConfig:
    if table is None:
        return LogConfig()
    table.allow_only(schema.allowed("log"))
    return LogConfig(entries=tuple(build_log_entry(sub) for sub in table.tables("entry")))


def build_log_entry(table: Table) -> LogEntry:
    table.allow_only(schema.allowed("log.entry"))
    ups = table.req_string("ups")
    table.parsed("ups", parse_system, ups)
    interval = table.number("interval", 30.0)
    if interval <= 0:
        table.fail("interval", "must be above 0")
    file = table.string("file")
    return LogEntry(
        ups=ups,
        interval=interval,
        format=table.string("format", UPSLOG_FORMAT) or UPSLOG_FORMAT,
        # upslog's "-l -" writes to standard output.
        file=None if file in (None, "-") else table.path_value("file"),
    )
