"""Read a NUT configuration directory into a Config, with a report (`nutrio conf import`).

How it works: each of NUT's six files is tokenized with NUT's own tokenizer
(protocol.parseconf: quotes, backslash escapes, ``#`` comments), then read
directive by directive. Every directive lands in the report as converted,
approximated (kept, with a difference the note explains) or unsupported
(left out, with why); nothing is dropped silently. NUT 2.8 config files
have no include directive, so none is followed; an INCLUDE line is reported
like any other unknown directive.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Literal

from conf._client import NOTIFY_FLAGS, NOTIFY_TYPES
from conf._server import ACTIONS, ROLES, UPS_NAME, USER_NAME
from conf.dump import dumps
from conf.loader import loads
from conf.model import (
    Config,
    DeviceConfig,
    MonitorConfig,
    MonitorUps,
    NotifyConfig,
    Role,
    SchedulerConfig,
    SchedulerRule,
    ServerConfig,
    TlsConfig,
    UserConfig,
    WebConfig,
)
from conf.netaddr import NUT_PORT, format_hostport, parse_listen, parse_system
from protocol.parseconf import iter_lines

__all__ = ["NUT_FILES", "ImportResult", "ReportEntry", "Status", "import_dir", "import_files"]

Status = Literal["converted", "approximated", "unsupported"]
NUT_FILES = ("nut.conf", "ups.conf", "upsd.conf", "upsd.users", "upsmon.conf", "upssched.conf")
_TRUE = frozenset({"true", "yes", "on", "1", "enabled"})
_FALSE = frozenset({"false", "no", "off", "0", "disabled"})


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportEntry:
    """What became of one directive. ``target`` is the nutrio key it went to."""

    file: str
    line: int
    directive: str
    status: Status
    target: str = ""
    note: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        text = f"{where}: {self.directive}: {self.status}"
        if self.target:
            text += f" -> {self.target}"
        return text + (f" ({self.note})" if self.note else "")


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportResult:
    """The imported Config, its nutrio TOML text and the per-directive report."""

    config: Config
    toml: str
    report: tuple[ReportEntry, ...]

    def format_report(self) -> str:
        counts = {s: sum(e.status == s for e in self.report) for s in _STATUSES}
        summary = ", ".join(f"{n} {s}" for s, n in counts.items())
        return "\n".join([*(str(e) for e in self.report), f"# {summary}"])


_STATUSES: tuple[Status, ...] = ("converted", "approximated", "unsupported")
_BAD_SECTION = "\0bad section"
_HEADER = re.compile(r"\[[^\[\]]+\]")


def import_dir(directory: str | Path) -> ImportResult:
    """Read NUT's files from ``directory`` (missing ones count as empty)."""
    base = Path(directory).absolute()
    texts = {name: (base / name).read_bytes() for name in NUT_FILES if (base / name).is_file()}
    return import_files(texts, base)


def import_files(files: Mapping[str, bytes], base: Path) -> ImportResult:
    """Convert NUT file contents (name -> bytes); ``base`` anchors relative paths.

    The TOML text is loaded back with ``conf.loads`` before it is returned, so a
    result always makes a valid nutrio configuration.
    """
    imp = _Importer(base)
    for name in NUT_FILES:
        imp.read(name, files.get(name, b""))
    config = imp.build()
    text = f"# Imported from NUT's configuration in {base} by `nutrio conf import`.\n" + dumps(
        config
    )
    report = sorted(imp.report, key=lambda e: (NUT_FILES.index(e.file), e.line))
    return ImportResult(config=loads(text), toml=text, report=tuple(report))


@dataclass
class _Device:
    fields: dict[str, object] = field(default_factory=dict)
    options: dict[str, str] = field(default_factory=dict)
    line: int = 0


@dataclass
class _User:
    password: str | None = None
    actions: set[str] = field(default_factory=set)
    instcmds: list[str] = field(default_factory=list)
    upsmon: Role | None = None
    line: int = 0


class _Importer:
    """Collects values per file; ``build`` turns them into a Config."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.report: list[ReportEntry] = []
        self.mode: str | None = None
        self.ups_globals: dict[str, float] = {}
        self.devices: dict[str, _Device] = {}
        self.server: dict[str, object] = {}
        self.listen: list[tuple[str, int]] = []
        self.users: dict[str, _User] = {}
        self.monitor: dict[str, object] = {}
        self.monitor_lines: list[ReportEntry] = []
        self.ups: list[MonitorUps] = []
        self.notifycmd: str | None = None
        self.messages: dict[str, str] = {}
        self.flags: dict[str, frozenset[str]] = {}
        self.cmdscript: str | None = None
        self.rules: list[tuple[SchedulerRule, ReportEntry]] = []
        self.file, self.lineno = "", 0

    # -- report ------------------------------------------------------------

    def note(self, directive: str, status: Status, target: str = "", note: str = "") -> ReportEntry:
        entry = ReportEntry(file=self.file, line=self.lineno, directive=directive,
                            status=status, target=target, note=note)  # fmt: skip
        self.report.append(entry)
        return entry

    # -- files -------------------------------------------------------------

    def read(self, name: str, data: bytes) -> None:
        self.file = name
        handler = _HANDLERS[name]
        section: str | None = None
        seen: set[str] = set()
        for line in iter_lines(data):
            self.lineno = line.lineno
            if line.error:
                self.note(line.words[0] if line.words else "?", "unsupported",
                          note=f"parse error, NUT skips this line too: {line.error}")  # fmt: skip
                continue
            words = list(line.words)
            if len(words) == 1 and words[0][1:-1] not in seen and _HEADER.fullmatch(words[0]):
                section = words[0][1:-1]
                seen.add(section)
                handler(self, section, None, [])
                continue
            if words[0].startswith("["):
                section = _BAD_SECTION
                why = "duplicate" if words[0][1:-1] in seen else "bad"
                self.note(" ".join(words), "unsupported",
                          note=f"{why} section header: its settings are left out too")  # fmt: skip
                continue
            if section == _BAD_SECTION:
                self.note(words[0], "unsupported", note="in a bad section")
                continue
            key, values = _split(words)
            handler(self, section, key, values)

    def nut_conf(self, section: str | None, key: str | None, values: list[str]) -> None:
        if key is None:
            return
        if key.upper() == "MODE" and values:
            self.mode = values[0].lower()
            note = {"none": "NUT starts nothing in MODE=none; nutrio runs what the file holds",
                    "netclient": "only upsmon runs: ups.conf, upsd.conf and upsd.users are skipped"
                    }.get(self.mode, "nutrio runs what the file holds")  # fmt: skip
            self.note("MODE", "approximated", note=note)
        else:
            self.note(key, "unsupported", note="an option for NUT's start scripts")

    def ups_conf(self, section: str | None, key: str | None, values: list[str]) -> None:
        if key is None:
            self.devices[str(section)] = _Device(line=self.lineno)
            return
        if section is None:
            self._ups_global(key, values)
            return
        dev = self.devices[section]
        target = f"devices.{section}.{key}"
        if len(values) > 1:
            self.note(key, "unsupported", note="expected key = value")
        elif key in ("driver", "port", "desc") and values:
            dev.fields[key] = values[0]
            self.note(key, "converted", target)
        elif key in ("sdorder", "maxstartdelay", "pollinterval") and values:
            number = _number(values[0], integer=key == "sdorder")
            if number is None:
                self.note(key, "unsupported", note=f"not a number: {values[0]!r}")
            else:
                dev.fields[key] = number
                self.note(key, "converted", target)
        else:
            dev.options[key] = values[0] if values else "true"
            self.note(key, "converted", target, "" if values else "flag: set to true")

    def _ups_global(self, key: str, values: list[str]) -> None:
        number = _number(values[0]) if len(values) == 1 else None
        if key in ("pollinterval", "maxstartdelay") and number is not None:
            self.ups_globals[key] = number
            self.note(key, "approximated", f"devices.*.{key}", "set on every UPS not setting it")
        else:
            self.note(key, "unsupported", note="global driver setting; nutrio runs drivers "
                      "in-process (no chroot, user, retries or driver path)")  # fmt: skip

    def upsd_conf(self, section: str | None, key: str | None, values: list[str]) -> None:
        if key is None:
            self.note(f"[{section}]", "unsupported", note="upsd.conf has no sections")
            return
        handler = _UPSD.get(key.upper())
        if handler is None:
            self.note(key, "unsupported", note="unknown upsd.conf directive")
        else:
            handler(self, key.upper(), values)

    def _listen(self, key: str, values: list[str]) -> None:
        port = values[1] if len(values) > 1 else str(NUT_PORT)
        try:
            host, number = parse_listen(format_hostport(values[0], int(port)))
        except (ValueError, IndexError) as exc:
            self.note(key, "unsupported", note=str(exc) or "needs an address")
            return
        if (host, number) in self.listen:
            self.note(key, "unsupported", note="the same address is listed twice")
            return
        self.listen.append((host, number))
        self.note(key, "converted", "server.listen")

    def _server_value(self, key: str, values: list[str]) -> None:
        name = key.lower()
        value: object | None
        if name in ("allow_no_device", "allow_not_all_listeners"):
            value = _boolean(values[0]) if values else None
        elif name == "statepath":
            value = self.base / values[0] if values else None
        else:
            value = _number(values[0], integer=name == "maxconn") if values else None
            value = None if name == "maxconn" and value is not None and value < 1 else value
        if value is None:
            self.note(key, "unsupported", note=f"bad value {' '.join(values)!r}")
            return
        self.server[name] = value
        if name == "statepath":
            note = "nutrio keeps pid files and sockets of `nutrio drivers` there"
            self.note(key, "approximated", f"server.{name}", note)
        else:
            self.note(key, "converted", f"server.{name}")

    def _tls(self, key: str, values: list[str]) -> None:
        if key == "CERTFILE" and values:
            self.server["certfile"] = self.base / values[0]
            self.note(key, "converted", "server.tls.certfile", "keyfile is the same PEM file")
        elif key == "DISABLE_WEAK_SSL":
            self.note(key, "converted", "server.tls.min_version", "nutrio never goes below TLSv1.2")
        else:
            self.note(key, "unsupported", note="NSS certificate database settings; nutrio uses "
                      "PEM files (server.tls: certfile, keyfile, client_ca)")  # fmt: skip

    def _unsupported(self, key: str, values: list[str]) -> None:
        self.note(key, "unsupported", note="use `nutrio run --log-level debug`"
                  if key == "DEBUG_MIN" else "not implemented in nutrio")  # fmt: skip

    def upsd_users(self, section: str | None, key: str | None, values: list[str]) -> None:
        if key is None:
            self.users[str(section)] = _User(line=self.lineno)
            return
        name = key.lower()
        user = self.users.get(section) if section is not None else None
        if user is None:
            self.note(key, "unsupported", note="outside any [user] section")
        elif name == "password" and values:
            user.password = values[0]
            self.note(key, "converted", f"users.{section}.password")
        elif name == "actions":
            known = {a.upper() for a in values} & ACTIONS
            user.actions |= known
            unknown = sorted({a.upper() for a in values} - ACTIONS)
            status: Status = "approximated" if unknown else "converted"
            self.note(
                key,
                status,
                f"users.{section}.actions",
                f"unknown actions left out: {' '.join(unknown)}" if unknown else "",
            )
        elif name == "instcmds":
            user.instcmds += [c.lower() for c in values]
            self.note(key, "converted", f"users.{section}.instcmds")
        elif name == "upsmon" and values and values[0].lower() in ROLES:
            user.upsmon = ROLES[values[0].lower()]
            self.note(key, "converted", f"users.{section}.upsmon")
        else:
            self.note(key, "unsupported", note="not a upsd.users setting nutrio knows")

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
            value = _boolean(text)
        else:
            value = _number(text, integer=key == "minsupplies")
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

    def build(self) -> Config:
        client_only = self.mode == "netclient"
        if client_only:
            server_files = ("ups.conf", "upsd.conf", "upsd.users")
            self.report = [
                _unsupported(e, "MODE=netclient runs neither drivers nor upsd")
                if e.file in server_files
                else e
                for e in self.report
            ]
        return Config(
            server=ServerConfig() if client_only else self._server(),
            devices=MappingProxyType({} if client_only else self._devices()),
            users=MappingProxyType({} if client_only else self._users()),
            monitor=self._monitor(),
            notify=NotifyConfig(
                notifycmd=self.notifycmd,
                messages=MappingProxyType(self.messages),
                flags=MappingProxyType(self.flags),
            ),
            scheduler=self._scheduler(),
            web=WebConfig(enabled=False),  # NUT's CGI programs are configured elsewhere
        )

    def _server(self) -> ServerConfig:
        values = dict(self.server)
        certfile = values.pop("certfile", None)
        tls = TlsConfig(certfile=certfile, keyfile=certfile) if isinstance(certfile, Path) else None
        listen = tuple(self.listen) or ServerConfig().listen
        return ServerConfig(listen=listen, tls=tls, **values)  # type: ignore[arg-type]

    def _devices(self) -> dict[str, DeviceConfig]:
        out: dict[str, DeviceConfig] = {}
        for name, dev in self.devices.items():
            self.file, self.lineno = "ups.conf", dev.line
            if not UPS_NAME.fullmatch(name) or name.lower() == "default":
                self._drop(f"[{name}]", f"devices.{name}.", "nutrio refuses this UPS name")
            elif "driver" not in dev.fields or "port" not in dev.fields:
                self._drop(f"[{name}]", f"devices.{name}.", "needs both driver and port")
            else:
                fields = {**self.ups_globals, **dev.fields}
                if fields["driver"] == "dummy-ups" and "@" not in str(fields["port"]):
                    # dummy-ups reads its file relative to NUT's config directory
                    fields["port"] = str(self.base / str(fields["port"]))
                options = MappingProxyType(dev.options)
                out[name] = DeviceConfig(name=name, options=options, config_dir=self.base, **fields)  # type: ignore[arg-type]
        return out

    def _users(self) -> dict[str, UserConfig]:
        out: dict[str, UserConfig] = {}
        for name, user in self.users.items():
            self.file, self.lineno = "upsd.users", user.line
            if not USER_NAME.fullmatch(name):
                self._drop(f"[{name}]", f"users.{name}.", "user names are one word")
            elif user.password is None:
                self._drop(f"[{name}]", f"users.{name}.", "no password: nobody can log in")
            else:
                out[name] = UserConfig(
                    name=name,
                    password=user.password,
                    actions=frozenset(user.actions),
                    instcmds=tuple(dict.fromkeys(user.instcmds)),
                    upsmon=user.upsmon,
                )
        return out

    def _drop(self, header: str, prefix: str, why: str) -> None:
        """A section nutrio cannot take: it and every setting in it are unsupported."""
        self.report = [
            _unsupported(e, f"section left out: {why}") if e.target.startswith(prefix) else e
            for e in self.report
        ]
        self.note(header, "unsupported", note=why)

    def _monitor(self) -> MonitorConfig | None:
        if self.ups:
            return MonitorConfig(ups=tuple(self.ups), **self.monitor)  # type: ignore[arg-type]
        for index, entry in enumerate(self.report):
            if entry in self.monitor_lines:
                self.report[index] = _unsupported(entry, "no MONITOR line: nutrio runs no monitor")
        return None

    def _scheduler(self) -> SchedulerConfig:
        if self.rules and self.cmdscript is None:
            for index, entry in enumerate(self.report):
                if any(entry is e for _, e in self.rules):
                    self.report[index] = _unsupported(entry, "no CMDSCRIPT to run")
            return SchedulerConfig()
        return SchedulerConfig(cmdscript=self.cmdscript, rules=tuple(r for r, _ in self.rules))


def _unsupported(entry: ReportEntry, note: str) -> ReportEntry:
    return ReportEntry(
        file=entry.file, line=entry.line, directive=entry.directive, status="unsupported", note=note
    )


def _rule(values: list[str]) -> SchedulerRule | None:
    """One AT line's words after AT: type ups action args."""
    if len(values) < 3 or values[0].upper() not in NOTIFY_TYPES:
        return None
    kind, ups, action, args = values[0].upper(), values[1], values[2].lower(), values[3:]
    if action == "start-timer" and len(args) == 2 and (seconds := _number(args[1])) is not None:
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


_HANDLERS = {
    "nut.conf": _Importer.nut_conf,
    "ups.conf": _Importer.ups_conf,
    "upsd.conf": _Importer.upsd_conf,
    "upsd.users": _Importer.upsd_users,
    "upsmon.conf": _Importer.upsmon_conf,
    "upssched.conf": _Importer.upssched_conf,
}
_UPSD = {
    "LISTEN": _Importer._listen,
    **dict.fromkeys(("MAXAGE", "MAXCONN", "TRACKINGDELAY", "STATEPATH", "ALLOW_NO_DEVICE",
                     "ALLOW_NOT_ALL_LISTENERS"), _Importer._server_value),
    **dict.fromkeys(("CERTFILE", "CERTPATH", "CERTIDENT", "CERTREQUEST", "DISABLE_WEAK_SSL"),
                    _Importer._tls),
    "DEBUG_MIN": _Importer._unsupported,
}  # fmt: skip


def _split(words: list[str]) -> tuple[str, list[str]]:
    """``key = v...`` and ``key v...`` alike (NUT's tokenizer makes ``=`` its own word)."""
    if len(words) > 1 and words[1] == "=":
        return words[0], words[2:]
    return words[0], words[1:]


def _number(text: str, *, integer: bool = False) -> float | int | None:
    try:
        value = float(text)
    except ValueError:
        return None
    if integer:
        return int(value) if value.is_integer() else None
    return int(value) if value.is_integer() else value


def _boolean(text: str) -> bool | None:
    word = text.lower()
    return True if word in _TRUE else False if word in _FALSE else None
