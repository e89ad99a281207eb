"""The NUT importer's client side: upsmon.conf and upssched.conf."""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType

from conf._client import NOTIFY_FLAGS, NOTIFY_TYPES
from conf._nut_reader import Reader, ReportEntry, to_bool, to_number, unsupported
from conf._server import ROLES
from conf.model import MonitorConfig, MonitorUps, NotifyConfig, SchedulerConfig, SchedulerRule
from conf.netaddr import parse_system


class ClientFiles(Reader):
    """Reads the two client files; ``build_*`` turn what they held into config parts."""

    def __init__(self, base: Path) -> None:
        super().__init__(base)
        self.monitor: dict[str, object] = {}
        self.monitor_lines: list[ReportEntry] = []
        self.ups: list[MonitorUps] = []
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
            known = name in _MONITOR_UNSUPPORTED or name in ("NOTIFYMSG", "NOTIFYFLAG")
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
            return MonitorConfig(ups=tuple(self.ups), **self.monitor)  # type: ignore[arg-type]
        for index, entry in enumerate(self.report):
            if entry in self.monitor_lines:
                self.report[index] = unsupported(entry, "no MONITOR line: nutrio runs no monitor")
        return None

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
_CLIENT_TLS = "upsmon's TLS to upsd (NSS or OpenSSL client settings) is not implemented"
_MONITOR_UNSUPPORTED = {
    **dict.fromkeys(("CERTPATH", "CERTIDENT", "CERTHOST", "CERTVERIFY", "FORCESSL"), _CLIENT_TLS),
    "DEBUG_MIN": "use `nutrio run --log-level debug`",
    "SHUTDOWNEXIT": "not implemented in nutrio",
    "POLLFAIL_LOG_THROTTLE_MAX": "not implemented in nutrio",
}  # fmt: skip
