"""Write a Config as NUT's six configuration files (`nutrio conf export`).

Every word is written through protocol.common.parseconf.encode_word and put in
double quotes when it holds a blank or ``=``, so NUT's tokenizer reads back
exactly the value nutrio holds. Whatever NUT cannot express (nutrio-only
keys, password hashes, TLS details) is reported, never silently dropped;
defaults are written only where NUT's default differs from nutrio's.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from nutrio.conf.model import (
    Config,
    DeviceConfig,
    MonitorConfig,
    MonitorTls,
    NotifyConfig,
    ServerConfig,
)
from nutrio.conf.nut.importer import NUT_FILES, ReportEntry, Status
from nutrio.protocol.common.parseconf import encode_word
from nutrio.protocol.notify.events import NUTRIO_TYPES

__all__ = ["ExportResult", "export_config", "nut_word", "write_files"]

_UNSAFE_LOGIN = frozenset(' \t#"\\')
_HEADER = "# Written by `nutrio conf export` from {source}.\n"
#: MonitorConfig fields that are single upsmon.conf directives, in NUT's order.
_MONITOR_KEYS = (
    "minsupplies", "shutdowncmd", "pollfreq", "pollfreqalert", "hostsync", "deadtime",
    "finaldelay", "powerdownflag", "run_as_user", "rbwarntime", "nocommwarntime",
    "offduration", "oblbduration", "overduration", "alarmcritical",
)  # fmt: skip
#: Newer upsmon.conf directives: written only when not at upsmon's default,
#: so older upsmon versions are not handed lines they do not know.
_MONITOR_NEWER = {"offduration": 30.0, "oblbduration": 0.0, "overduration": -1.0,
                  "alarmcritical": True}  # fmt: skip
#: The notify types upsmon 2.8.0 knows; it warns about the others and ignores them.
_NOTIFY_TYPES_280 = frozenset({
    "ONLINE", "ONBATT", "LOWBATT", "FSD", "COMMOK", "COMMBAD", "SHUTDOWN", "REPLBATT",
    "NOCOMM", "NOPARENT", "CAL",
})  # fmt: skip
_NUTRIO_TYPES = frozenset(t.value for t in NUTRIO_TYPES)
_NEWER = "newer than NUT 2.8.0, which logs 'invalid {}' and ignores it"


@dataclass(frozen=True, slots=True, kw_only=True)
class ExportResult:
    """File name -> NUT-syntax text, plus what could not be said exactly."""

    files: Mapping[str, str]
    report: tuple[ReportEntry, ...]


def nut_word(value: object) -> str:
    """One value as a NUT config word: escaped, quoted when it has blanks or ``=``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = encode_word(str(value))
    return f'"{text}"' if not text or any(c in text for c in " \t=[]") else text


def export_config(config: Config) -> ExportResult:
    """The NUT files for ``config``; pure, nothing is written."""
    out = _Writer(str(config.source or "a nutrio configuration"))
    out.nut_conf(config)
    out.ups_conf(config)
    out.upsd_conf(config.server)
    out.upsd_users(config)
    out.upsmon_conf(config)
    out.upssched_conf(config)
    out.nutrio_only(config)
    return ExportResult(files=dict(out.files), report=tuple(out.report))


def write_files(result: ExportResult, directory: str | Path) -> None:
    """Write the files into ``directory`` (created), readable by owner and group only."""
    base = Path(directory)
    base.mkdir(parents=True, exist_ok=True)
    for name, text in result.files.items():
        path = base / name
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        path.chmod(0o640)  # upsd warns about world-readable files holding passwords


class _Writer:
    def __init__(self, source: str) -> None:
        self.files = {name: _HEADER.format(source=source) for name in NUT_FILES}
        self.report: list[ReportEntry] = []
        self.file = ""

    def line(self, *words: object) -> None:
        text = " ".join("=" if w == "=" else nut_word(w) for w in words)
        if not all(" " <= c <= "~" or c == "\t" for c in text):
            # NUT's tokenizer drops bytes outside 0x20..0x7e (CVE-2012-2944)
            self.note(str(words[0]), "approximated", "NUT drops characters beyond printable ASCII")
        self.files[self.file] += text + "\n"

    def raw(self, text: str) -> None:
        self.files[self.file] += text + "\n"

    def note(self, key: str, status: Status, note: str = "") -> None:
        self.report.append(ReportEntry(file=self.file, line=0, directive=key, status=status,
                                       target=key, note=note))  # fmt: skip

    def number(self, key: str, value: float) -> int:
        """NUT reads whole seconds (atoi): round, and say so when it matters."""
        whole = math.floor(value + 0.5)
        if whole != value:
            self.note(key, "approximated", f"{value} rounded to {whole}: NUT takes whole numbers")
        return whole

    def nut_conf(self, config: Config) -> None:
        self.file = "nut.conf"
        if not config.devices:
            mode = "netclient" if config.monitor else "standalone"
        elif all(host in ("127.0.0.1", "::1", "localhost") for host, _ in config.server.listen):
            mode = "standalone"
        else:
            mode = "netserver"
        self.raw(f"MODE={mode}")

    def ups_conf(self, config: Config) -> None:
        self.file = "ups.conf"
        for name, dev in config.devices.items():
            self.raw(f"[{name}]")
            self.line("driver", "=", dev.driver)
            self.line("port", "=", _port(dev))
            if dev.desc:
                self.line("desc", "=", dev.desc)
            self._device_numbers(name, dev)
            for key, value in dev.options.items():
                if value == "true":  # a bare flag in ups.conf
                    self.line(key)
                elif value == "false":
                    self.note(f"devices.{name}.{key}", "approximated", "false flag left out")
                else:
                    self.line(key, "=", value)
            self.raw("")

    def _device_numbers(self, name: str, dev: DeviceConfig) -> None:
        if dev.sdorder:
            self.line("sdorder", "=", dev.sdorder)
        if dev.maxstartdelay != 45.0:
            self.line(
                "maxstartdelay",
                "=",
                self.number(f"devices.{name}.maxstartdelay", dev.maxstartdelay),
            )
        if dev.pollinterval is not None:
            self.line(
                "pollinterval", "=", self.number(f"devices.{name}.pollinterval", dev.pollinterval)
            )
        if dev.maxage is not None:
            self.note(f"devices.{name}.maxage", "unsupported", "NUT has one MAXAGE for all UPSes")
        if dev.driver_generics:
            self.note(f"devices.{name}.driver_generics", "unsupported",
                      "NUT 2.8.0 drivers have no generics (2.8.1+ drivers always serve them)")

    def upsd_conf(self, server: ServerConfig) -> None:
        self.file = "upsd.conf"
        for host, port in server.listen:
            self.line("LISTEN", host, port)
        self.line("MAXAGE", self.number("server.maxage", server.maxage))
        if server.maxconn is not None:  # else upsd's own default: the open-file limit too
            self.line("MAXCONN", server.maxconn)
        self.line("TRACKINGDELAY", self.number("server.trackingdelay", server.trackingdelay))
        if server.allow_no_device:
            self.line("ALLOW_NO_DEVICE", "true")
        if server.allow_not_all_listeners:
            self.line("ALLOW_NOT_ALL_LISTENERS", "true")
            self.note("server.allow_not_all_listeners", "approximated", _NEWER.format("directive"))
        if server.statepath is not None:
            self.line("STATEPATH", server.statepath)
            self.note("server.statepath", "approximated", "NUT keeps driver sockets there")
        for key in ("idle_timeout", "max_line", "send_timeout", "auth_penalty", "auth_penalty_cap",
                    "auth_penalty_budget", "upsmon_slots", "transport", "announce"):
            if getattr(server, key) != getattr(ServerConfig(), key):
                self.note(f"server.{key}", "unsupported", "a nutrio setting NUT does not have")
        if server.tls:
            self._tls(server)

    def _tls(self, server: ServerConfig) -> None:
        tls = server.tls
        assert tls is not None
        self.line("CERTFILE", tls.certfile)
        self.line("DISABLE_WEAK_SSL", "true")
        if tls.keyfile != tls.certfile:
            self.note(
                "server.tls.keyfile",
                "approximated",
                "NUT reads the key from CERTFILE: append the key to that file",
            )
        if tls.require or tls.client_ca:
            self.note(
                "server.tls.require",
                "unsupported",
                "client certificates need NUT's NSS build (CERTREQUEST, CERTPATH)",
            )
        if tls.min_version == "TLSv1.3":
            self.note("server.tls.min_version", "approximated", "DISABLE_WEAK_SSL allows TLSv1.2")

    def upsd_users(self, config: Config) -> None:
        self.file = "upsd.users"
        for name, user in config.users.items():
            if user.password is None:
                self.note(
                    f"users.{name}",
                    "unsupported",
                    "a password_hash cannot be written: NUT needs the password itself",
                )
                continue
            self.raw(f"[{name}]")
            self.line("password", "=", user.password)
            if user.actions:
                self.line("actions", "=", *sorted(user.actions))
            if user.instcmds:
                self.line("instcmds", "=", *user.instcmds)
            if user.upsmon:
                self.line("upsmon", user.upsmon)
            self.raw("")

    def upsmon_conf(self, config: Config) -> None:
        self.file = "upsmon.conf"
        if config.monitor is not None:
            self._monitor(config.monitor)
        notify = config.notify
        if commands := notify.commands:
            self.line("NOTIFYCMD", commands[0])
            if len(commands) > 1:
                self.note("notify.notifycmd", "approximated",
                          "upsmon runs one NOTIFYCMD: only the first is written")
        for kind, message in notify.messages.items():
            if self._notify_type("messages", kind):
                self.line("NOTIFYMSG", kind, message)
        for kind, flags in notify.flags.items():
            if self._notify_type("flags", kind):
                self.line("NOTIFYFLAG", kind, "+".join(sorted(flags)))
        channels = notify.channels
        if channels.webhook is not None or channels.email is not None:
            self.note("notify.webhook/email", "unsupported", "nutrio's own channels")
        if channels.ntfy is not None or channels.telegram is not None:
            self.note("notify.ntfy/telegram", "unsupported", "nutrio's own channels")
        if notify.thresholds:
            self.note("notify.threshold", "unsupported", "nutrio's own threshold rules")
        if notify.driverfail != NotifyConfig().driverfail:
            self.note("notify.driverfail_*", "unsupported", "nutrio restarts drivers, NUT does not")

    def _notify_type(self, table: str, kind: str) -> bool:
        """Whether a line for *kind* is written (nutrio's own types have none)."""
        if kind in _NUTRIO_TYPES:
            self.note(f"notify.{table}.{kind}", "unsupported", "nutrio's own notify type")
            return False
        if kind not in _NOTIFY_TYPES_280:
            self.note(f"notify.{table}.{kind}", "approximated", _NEWER.format("notify type"))
        return True

    def _monitor(self, monitor: MonitorConfig) -> None:
        for ups in monitor.ups:
            self.line("MONITOR", ups.system, ups.powervalue, ups.user, ups.password, ups.role)
            if any(c in _UNSAFE_LOGIN for c in ups.user + ups.password):
                # upscli writes "USERNAME %s" / "PASSWORD %s" without quoting (NUT 2.8.0)
                self.note(
                    f"monitor.ups {ups.system}",
                    "approximated",
                    "upsmon sends the user "
                    'name and password unquoted: blanks, #, \\ or " there fail to log in',
                )
        for key in _MONITOR_KEYS:
            value = getattr(monitor, key)
            if value is None or _MONITOR_NEWER.get(key, object()) == value:
                continue
            if isinstance(value, float):
                value = self.number(f"monitor.{key}", value)
            self.line(key.upper(), value)
            if key in _MONITOR_NEWER:
                self.note(f"monitor.{key}", "approximated", _NEWER.format("directive"))
        if monitor.tls is not None:
            self._monitor_tls(monitor.tls)

    def _monitor_tls(self, tls: MonitorTls) -> None:
        """CERTPATH, CERTVERIFY, FORCESSL, CERTFILE, CERTHOST (flags as 0/1: upsmon uses atoi)."""
        if tls.ca_path is not None:
            self.line("CERTPATH", tls.ca_path)
            self.note(
                "monitor.tls.ca_path",
                "approximated",
                "NSS builds of upsmon (Debian's) read CERTPATH as a certificate database",
            )
        self.line("CERTVERIFY", int(tls.verify))
        self.line("FORCESSL", int(tls.force))
        if tls.certfile is not None:
            self.line("CERTFILE", tls.certfile)
            self.note(
                "monitor.tls.certfile",
                "approximated",
                "upsmon reads CERTFILE since NUT 2.8.6 (OpenSSL builds only)",
            )
            if tls.keyfile not in (None, tls.certfile):
                self.note(
                    "monitor.tls.keyfile",
                    "approximated",
                    "upsmon reads the key from CERTFILE: append the key to that file",
                )
        for host in tls.hosts:
            verify, force = tls.rule(host.name)
            # the certificate name is an NSS nickname nutrio has no use for: the host stands in
            self.line("CERTHOST", host.name, host.name, int(verify), int(force))
            self.note(
                f"monitor.tls.host {host.name}",
                "approximated",
                "the certificate name is written as the host name",
            )

    def upssched_conf(self, config: Config) -> None:
        self.file = "upssched.conf"
        sched = config.scheduler
        if sched.cmdscript:
            self.line("CMDSCRIPT", sched.cmdscript)
        if sched.rules:
            # NUT's upssched needs both; nutrio runs its timers in-process
            self.line("PIPEFN", "/run/nut/upssched/upssched.pipe")
            self.line("LOCKFN", "/run/nut/upssched/upssched.lock")
            self.note(
                "scheduler",
                "approximated",
                "PIPEFN/LOCKFN added for NUT's upssched; "
                "upsmon feeds it only notify types flagged EXEC, with NOTIFYCMD upssched",
            )
        for rule in sched.rules:
            if rule.action == "START-TIMER":
                assert rule.seconds is not None
                seconds = self.number(f"scheduler.at.{rule.timer}", rule.seconds)
                self.line("AT", rule.notify_type, rule.ups, rule.action, rule.timer, seconds)
            elif rule.action == "CANCEL-TIMER":
                extra = (rule.command,) if rule.command else ()
                self.line("AT", rule.notify_type, rule.ups, rule.action, rule.timer, *extra)
            else:
                self.line("AT", rule.notify_type, rule.ups, rule.action, rule.command)

    def nutrio_only(self, config: Config) -> None:
        """Sections with no NUT file: upslog takes options, the CGI programs their own files."""
        self.file = "nut.conf"
        parts = {"web": config.web.enabled, "log": bool(config.log.entries),
                 "chaos": config.chaos is not None}  # fmt: skip
        for name, present in parts.items():
            if present:
                self.note(name, "unsupported", "no NUT configuration file holds it")


def _port(dev: DeviceConfig) -> str:
    """dummy-ups files are relative to the nutrio file: write them absolute."""
    if dev.driver == "dummy-ups" and "@" not in dev.port:
        return str(dev.path())
    return dev.port
