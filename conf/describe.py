"""A human-readable summary of a Config, for `nutrio check-config`. Never shows passwords."""

from __future__ import annotations

from nutrio.conf.model import ChaosConfig, Config, FaultConfig, UserConfig
from nutrio.conf.netaddr import format_hostport

_SECRET_WORDS = ("pass", "secret", "community", "key")


def describe(config: Config) -> str:
    """Summarise ``config``: listeners, devices, users and rights, monitoring, faults."""
    lines = [f"configuration: {config.source or '(built in)'}"]
    lines += _server(config)
    lines += _devices(config)
    lines += _users(config)
    lines += _monitor(config)
    lines += _extras(config)
    lines += _chaos(config.chaos)
    return "\n".join(lines) + "\n"


def _server(config: Config) -> list[str]:
    server = config.server
    listen = ", ".join(format_hostport(h, p) for h, p in server.listen)
    tls = "off"
    if server.tls:
        tls = f"on ({server.tls.min_version}+, client certificates "
        tls += "required)" if server.tls.require else "not required)"
    return [
        f"server: listening on {listen}",
        (
            f"  maxage {server.maxage:g}s, "
            f"maxconn {'auto (open files)' if server.maxconn is None else server.maxconn}, "
            f"idle timeout {server.idle_timeout:g}s, TLS {tls}"
        ),
    ]


def _devices(config: Config) -> list[str]:
    if not config.devices:
        return ["devices: none"]
    out = [f"devices: {len(config.devices)}"]
    for name, dev in config.devices.items():
        desc = f' "{dev.desc}"' if dev.desc else ""
        out.append(f"  {name}: driver {dev.driver}, port {dev.port}{desc}")
        if dev.options:
            opts = ", ".join(f"{k}={_shown(k, v)}" for k, v in dev.options.items())
            out.append(f"    options: {opts}")
    return out


def _shown(key: str, value: str) -> str:
    """Driver options can hold secrets too (snmp-ups authPassword, community)."""
    lowered = key.lower()
    return "***" if any(word in lowered for word in _SECRET_WORDS) else value


def _user_rights(user: UserConfig) -> str:
    rights = []
    if user.upsmon:
        rights.append(f"upsmon {user.upsmon}")
    if user.actions:
        rights.append("actions " + "+".join(sorted(user.actions)))
    if user.instcmds:
        rights.append("instcmds " + ", ".join(user.instcmds))
    secret = "password hash" if user.password_hash else "password"
    return (", ".join(rights) or "read only") + f" ({secret} set)"


def _users(config: Config) -> list[str]:
    if not config.users:
        return ["users: none"]
    return [f"users: {len(config.users)}"] + [
        f"  {name}: {_user_rights(user)}" for name, user in config.users.items()
    ]


def _monitor(config: Config) -> list[str]:
    mon = config.monitor
    if mon is None:
        return ["monitor: off"]
    out = [
        (
            f"monitor: minsupplies {mon.minsupplies}, pollfreq {mon.pollfreq:g}s "
            f"(alert {mon.pollfreqalert:g}s), deadtime {mon.deadtime:g}s"
        ),
        f"  shutdowncmd: {mon.shutdowncmd or '(none: log only)'}",
    ]
    for ups in mon.ups:
        out.append(f"  {ups.system}: powervalue {ups.powervalue}, {ups.role}, user {ups.user}")
    tls = mon.tls
    if tls is not None:
        out.append(f"  tls: STARTTLS, verify {'on' if tls.verify else 'off'}, "
                   f"{'no plain-text fallback' if tls.force or tls.verify else 'plain-text fallback'}, "
                   f"{len(tls.hosts)} host rule(s)")
    return out


def _extras(config: Config) -> list[str]:
    out = []
    if config.notify.notifycmd or config.notify.flags or config.notify.messages:
        out.append(
            f"notify: notifycmd {', '.join(config.notify.commands) or '(none)'}, "
            f"{len(config.notify.messages)} message(s), {len(config.notify.flags)} flag setting(s)"
        )
    if config.notify.thresholds:
        names = ", ".join(rule.name for rule in config.notify.thresholds)
        out.append(f"notify: {len(config.notify.thresholds)} threshold rule(s): {names}")
    if config.scheduler.rules:
        out.append(
            f"scheduler: {len(config.scheduler.rules)} rule(s), "
            f"cmdscript {config.scheduler.cmdscript}"
        )
    web = config.web
    out.append(f"web: {format_hostport(*web.listen)}" if web.enabled else "web: off")
    for entry in config.log.entries:
        target = str(entry.file) if entry.file else "stdout"
        out.append(f"log: {entry.ups} every {entry.interval:g}s to {target}")
    return out


def _fault(fault: FaultConfig) -> str:
    when = []
    if fault.after_messages is not None:
        when.append(f"after {fault.after_messages} messages")
    if fault.after_seconds is not None:
        when.append(f"after {fault.after_seconds:g}s")
    if fault.probability < 1:
        when.append(f"p={fault.probability:g}")
    if fault.kind == "delay":
        when.append(f"delay {fault.delay:g}s")
    if fault.duration is not None:
        when.append(f"for {fault.duration:g}s")
    when.append("repeating" if fault.times is None else f"{fault.times} time(s)")
    return f"  {fault.kind} {fault.target}: " + ", ".join(when)


def _chaos(chaos: ChaosConfig | None) -> list[str]:
    if chaos is None:
        return ["chaos: off"]
    return [f"chaos: seed {chaos.seed}, {len(chaos.faults)} fault(s)"] + [
        _fault(f) for f in chaos.faults
    ]
