"""The NUT importer's client side: upsmon.conf and upssched.conf."""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType

from nutrio.conf._client import NOTIFY_FLAGS, NOTIFY_TYPES
from nutrio.conf._server import ROLES
from nutrio.conf.model import (
    MonitorConfig,
    MonitorTls,
    MonitorTlsHost,
    MonitorUps,
    NotifyConfig,
    SchedulerConfig,
    SchedulerRule,
)
from nutrio.conf.netaddr import parse_system
from nutrio.conf.nut.reader import Reader, ReportEntry, to_bool, to_number, unsupported


class ClientFiles(Reader):
    """Reads the two client files; ``build_*`` turn what they held into config parts."""

    def __init__(self, base: Path) -> None:
        super().__init__(base)
        self.monitor: dict[str, object] = {}
        self.monitor_lines: list[ReportEntry] = []
        self.ups: list[MonitorUps] = []
        self.tls: dict[str, object] = {}
        self.tls_hosts: list[MonitorTlsHost] = []
        self.tls_lines: dict[str, ReportEntry] = {}
        self.notifycmd: str | None = None
        self.messages: dict[str, str] = {}
        self.flags: dict[str, frozenset[str]] = {}
        self.cmdscript: str | None = None
        self.rules: list[tuple[SchedulerRule, ReportEntry]] = []

    # -- upsmon.conf -------------------------------------------------------

    def upsmon_conf(self, section: str | None, key: str | None, values: list[str]) -> None:
        if key is None:
            self.note(f"[{section}]", "unsupported", note="upsmon.conf has no sections")
            return
        name = key.upper()
        if name == "MONITOR":
            self._monitor_line(key, values)
        elif name in _MONITOR_VALUES and len(values) == 1:
            self._monitor_value(name, values[0])
        elif name in _TLS_VALUES and len(values) == 1:
            self._tls_value(name, values[0])
        elif name == "CERTHOST" and len(values) == 4:
            self._certhost(key, values)
        elif name == "NOTIFYCMD" and values:
            if Path(values[0].split()[0]).name == "upssched":
                self.note(
                    key,
                    "approximated",
                    "scheduler",
                    "nutrio runs upssched.conf's rules itself, for every notify type",
                )
            else:
                self.notifycmd = values[0]
                self.note(key, "converted", "notify.notifycmd")
        elif name == "NOTIFYMSG" and len(values) == 2 and values[0].upper() in NOTIFY_TYPES:
            self.messages[values[0].upper()] = values[1]
            self.note(key, "converted", f"notify.messages.{values[0].upper()}")
        elif name == "NOTIFYFLAG" and len(values) == 2 and values[0].upper() in NOTIFY_TYPES:
            self._notify_flag(key, values[0].upper(), values[1])
        else:
            known = name in (*_MONITOR_UNSUPPORTED, *_TLS_VALUES, "NOTIFYMSG", "NOTIFYFLAG")
            self.note(
                key,
                "unsupported",
                note=_MONITOR_UNSUPPORTED.get(name, "")
                or ("bad arguments" if known else "unknown upsmon.conf directive"),
            )

    def _monitor_line(self, key: str, values: list[str]) -> None:
        if len(values) != 5 or values[4].lower() not in ROLES:
            self.note(
                key,
                "unsupported",
                note="expected: MONITOR system powervalue user password primary|secondary",
            )
            return
        system, power, user, password, role = values
        try:
            parse_system(system)
            powervalue = int(power)
        except ValueError as exc:
            self.note(key, "unsupported", note=str(exc))
            return
        if any(ups.system == system for ups in self.ups):
            self.note(key, "unsupported", note=f"{system} is monitored twice")
            return
        self.ups.append(
            MonitorUps(
                system=system,
                powervalue=powervalue,
                user=user,
                password=password,
                role=ROLES[role.lower()],
            )
        )
        self.note(key, "converted", f"monitor.ups[{len(self.ups) - 1}]")

    def _monitor_value(self, name: str, text: str) -> None:
        key = name.lower()
        value: object | None
        if key in ("shutdowncmd", "run_as_user"):
            value = text
        elif key == "powerdownflag":
            value = self.base / text
        elif key == "alarmcritical":
            value = to_bool(text)
        else:
            value = to_number(text, integer=key == "minsupplies")
        if value is None:
            self.note(name, "unsupported", note=f"bad value {text!r}")
            return
        self.monitor[key] = value
        self.monitor_lines.append(self.note(name, "converted", f"monitor.{key}"))

    def _tls_value(self, name: str, text: str) -> None:
        """CERTPATH, CERTVERIFY, FORCESSL, CERTFILE: one [monitor.tls] key each."""
        key = _TLS_VALUES[name]
        value: object | None = to_bool(text) if key in ("verify", "force") else self.base / text
        if value is None:
            self.note(name, "unsupported", note=f"bad value {text!r}")
            return
        self.tls[key] = value
        note = ""
        if key == "ca_path":
            note = "read as PEM: a CA file or a hashed CA directory; export an NSS database"
        elif key == "certfile":
            note = "the key is read from the same PEM file"
            self.tls["keyfile"] = value
        entry = self.note(name, "converted", f"monitor.tls.{key}", note)
        self.monitor_lines.append(entry)
        self.tls_lines[key] = entry

    def _certhost(self, key: str, values: list[str]) -> None:
        """CERTHOST host certname certverify forcessl: one [[monitor.tls.host]]."""
        host, verify, force = values[0], to_bool(values[2]), to_bool(values[3])
        taken = any(_host_key(h.name) == _host_key(host) for h in self.tls_hosts)
        if verify is None or force is None or taken:
            why = f"{host} is listed twice" if taken else "certverify and forcessl must be 0 or 1"
            self.note(key, "unsupported", note=why)
            return
        self.tls_hosts.append(MonitorTlsHost(name=host, verify=verify, force=force))
        entry = self.note(
            key,
            "approximated",
            f"monitor.tls.host[{len(self.tls_hosts) - 1}]",
            "the certificate name is an NSS nickname: nutrio checks the host name instead",
        )
        self.monitor_lines.append(entry)
        self.tls_lines[f"host:{_host_key(host)}"] = entry

    def _notify_flag(self, key: str, kind: str, text: str) -> None:
        flags = frozenset(w.strip().upper() for w in text.split("+"))
        if not flags <= NOTIFY_FLAGS or ("IGNORE" in flags and len(flags) > 1):
            self.note(key, "unsupported", note=f"bad flags {text!r}")
            return
        self.flags[kind] = flags
        self.note(key, "converted", f"notify.flags.{kind}")

    # -- upssched.conf -----------------------------------------------------

    def upssched_conf(self, section: str | None, key: str | None, values: list[str]) -> None:
        name = "" if key is None else key.upper()
        if key is None:
            self.note(f"[{section}]", "unsupported", note="upssched.conf has no sections")
        elif name == "CMDSCRIPT" and len(values) == 1:
            self.cmdscript = values[0]
            self.note(key, "converted", "scheduler.cmdscript")
        elif name in ("PIPEFN", "LOCKFN"):
            self.note(key, "approximated", note="not needed: nutrio's timers run in-process")
        elif name == "AT":
            self._at(key, values)
        else:
            self.note(key, "unsupported", note="unknown upssched.conf directive")

    def _at(self, key: str, values: list[str]) -> None:
        rule = _rule(values)
        if rule is None:
            self.note(
                key,
                "unsupported",
                note="expected: AT type ups START-TIMER name seconds"
                " | CANCEL-TIMER name [command] | EXECUTE command",
            )
            return
        entry = self.note(key, "converted", f"scheduler.at[{len(self.rules)}]")
        self.rules.append((rule, entry))

    # -- building ----------------------------------------------------------

    def build_monitor(self) -> MonitorConfig | None:
        if self.ups:
            ups, tls = tuple(self.ups), self.build_tls()
            return MonitorConfig(ups=ups, tls=tls, **self.monitor)  # type: ignore[arg-type]
        for index, entry in enumerate(self.report):
            if entry in self.monitor_lines:
                self.report[index] = unsupported(entry, "no MONITOR line: nutrio runs no monitor")
        return None

    def build_tls(self) -> MonitorTls | None:
        """[monitor.tls] from the CERT* lines; None when there were none."""
        if not self.tls and not self.tls_hosts:
            return None
        if "ca_path" not in self.tls:
            # upsmon connects nowhere with CERTVERIFY 1 and no CERTPATH; nutrio's
            # loader refuses it, so the verify flags are left out, and said so
            self._drop_verify()
        return MonitorTls(hosts=tuple(self.tls_hosts), **self.tls)  # type: ignore[arg-type]

    def _drop_verify(self) -> None:
        note = "verify needs CERTPATH: set monitor.tls.ca_path (upsmon would not connect)"
        if self.tls.pop("verify", False):
            self._mark_unsupported(self.tls_lines["verify"], note)
        for index, host in enumerate(self.tls_hosts):
            if host.verify:
                self.tls_hosts[index] = MonitorTlsHost(name=host.name, verify=None,
                                                       force=host.force)  # fmt: skip
                self._mark_unsupported(self.tls_lines[f"host:{_host_key(host.name)}"], note)

    def _mark_unsupported(self, entry: ReportEntry, note: str) -> None:
        self.report[self.report.index(entry)] = unsupported(entry, note)

    def build_notify(self) -> NotifyConfig:
        return NotifyConfig(
            notifycmd=self.notifycmd,
            messages=MappingProxyType(self.messages),
            flags=MappingProxyType(self.flags),
        )

    def build_scheduler(self) -> SchedulerConfig:
        if self.rules and self.cmdscript is None:
            for index, entry in enumerate(self.report):
                if any(entry is e for _, e in self.rules):
                    self.report[index] = unsupported(entry, "no CMDSCRIPT to run")
            return SchedulerConfig()
        return SchedulerConfig(cmdscript=self.cmdscript, rules=tuple(r for r, _ in self.rules))


def _host_key(host: str) -> str:
    """CERTHOST names compare as the loader compares [[monitor.tls.host]] names."""
    return host.strip("[]").lower()


def _rule(values: list[str]) -> SchedulerRule | None:
    """One AT line's words after AT: type ups action args."""
    if len(values) < 3 or values[0].upper() not in NOTIFY_TYPES:
        return None
    kind, ups, action, args = values[0].upper(), values[1], values[2].lower(), values[3:]
    if action == "start-timer" and len(args) == 2 and (seconds := to_number(args[1])) is not None:
        return SchedulerRule(
            notify_type=kind, ups=ups, action="START-TIMER", timer=args[0], seconds=seconds
        )
    if action == "cancel-timer" and len(args) in (1, 2):
        return SchedulerRule(
            notify_type=kind,
            ups=ups,
            action="CANCEL-TIMER",
            timer=args[0],
            command=args[1] if len(args) == 2 else None,
        )
    if action == "execute" and len(args) == 1:
        return SchedulerRule(notify_type=kind, ups=ups, action="EXECUTE", command=args[0])
    return None


#: upsmon.conf directives with one value, as MonitorConfig field names upper-cased.
_MONITOR_VALUES = frozenset({
    "MINSUPPLIES", "SHUTDOWNCMD", "POLLFREQ", "POLLFREQALERT", "HOSTSYNC", "DEADTIME",
    "FINALDELAY", "POWERDOWNFLAG", "RUN_AS_USER", "RBWARNTIME", "NOCOMMWARNTIME",
    "OFFDURATION", "OBLBDURATION", "OVERDURATION", "ALARMCRITICAL",
})  # fmt: skip
#: upsmon.conf TLS directives with one value -> their [monitor.tls] key.
_TLS_VALUES = {"CERTPATH": "ca_path", "CERTVERIFY": "verify", "FORCESSL": "force",
               "CERTFILE": "certfile"}  # fmt: skip
_MONITOR_UNSUPPORTED = {
    "CERTIDENT": "an NSS certificate name and database password: "
    "give monitor.tls.certfile and keyfile as PEM files instead",
    "CERTHOST": "expected: CERTHOST host certname certverify forcessl",
    "DEBUG_MIN": "use `nutrio run --log-level debug`",
    "SHUTDOWNEXIT": "not implemented in nutrio",
    "POLLFAIL_LOG_THROTTLE_MAX": "not implemented in nutrio",
}  # fmt: skip
