"""The NUT importer's server side: ups.conf, upsd.conf and upsd.users."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from nutrio.conf._server import ACTIONS, ROLES, UPS_NAME, USER_NAME
from nutrio.conf.model import DeviceConfig, Role, ServerConfig, TlsConfig, UserConfig
from nutrio.conf.netaddr import NUT_PORT, format_hostport, parse_listen
from nutrio.conf.nut.reader import Reader, ReportEntry, Status, to_bool, to_number, unsupported
from nutrio.protocol.devices.megatec.old_names import OLD_DRIVERS, translate


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


def _renote(entry: ReportEntry, change: tuple[str, str, str]) -> ReportEntry:
    status, target, note = change
    return ReportEntry(file=entry.file, line=entry.line, directive=entry.directive,
                       status=status, target=target, note=note)  # type: ignore[arg-type]


class ServerFiles(Reader):
    """Reads the three server files; ``build_*`` turn what they held into config parts."""

    def __init__(self, base: Path) -> None:
        super().__init__(base)
        self.ups_globals: dict[str, float] = {}
        self.devices: dict[str, _Device] = {}
        self.server: dict[str, object] = {}
        self.listen: list[tuple[str, int]] = []
        self.users: dict[str, _User] = {}

    # -- ups.conf ----------------------------------------------------------

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
            number = to_number(values[0], integer=key == "sdorder")
            if number is None:
                self.note(key, "unsupported", note=f"not a number: {values[0]!r}")
            else:
                dev.fields[key] = number
                self.note(key, "converted", target)
        else:
            dev.options[key] = values[0] if values else "true"
            self.note(key, "converted", target, "" if values else "flag: set to true")

    def _ups_global(self, key: str, values: list[str]) -> None:
        number = to_number(values[0]) if len(values) == 1 else None
        if key in ("pollinterval", "maxstartdelay") and number is not None:
            self.ups_globals[key] = number
            self.note(key, "approximated", f"devices.*.{key}", "set on every UPS not setting it")
        else:
            self.note(key, "unsupported", note="global driver setting; nutrio runs drivers "
                      "in-process (no chroot, user, retries or driver path)")  # fmt: skip

    # -- upsd.conf ---------------------------------------------------------

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
            value = to_bool(values[0]) if values else None
        elif name == "statepath":
            value = self.base / values[0] if values else None
        else:
            value = to_number(values[0], integer=name == "maxconn") if values else None
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

    # -- upsd.users --------------------------------------------------------

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

    # -- building ----------------------------------------------------------

    def build_server(self) -> ServerConfig:
        values = dict(self.server)
        certfile = values.pop("certfile", None)
        tls = TlsConfig(certfile=certfile, keyfile=certfile) if isinstance(certfile, Path) else None
        listen = tuple(self.listen) or ServerConfig().listen
        return ServerConfig(listen=listen, tls=tls, **values)  # type: ignore[arg-type]

    def build_devices(self) -> dict[str, DeviceConfig]:
        out: dict[str, DeviceConfig] = {}
        for name, dev in self.devices.items():
            self.file, self.lineno = "ups.conf", dev.line
            if not UPS_NAME.fullmatch(name) or name.lower() == "default":
                self._drop(f"[{name}]", f"devices.{name}.", "nutrio refuses this UPS name")
            elif "driver" not in dev.fields or "port" not in dev.fields:
                self._drop(f"[{name}]", f"devices.{name}.", "needs both driver and port")
            else:
                self._rename_old_driver(name, dev)
                fields = {**self.ups_globals, **dev.fields}
                if fields["driver"] == "dummy-ups" and "@" not in str(fields["port"]):
                    # dummy-ups reads its file relative to NUT's config directory
                    fields["port"] = str(self.base / str(fields["port"]))
                options = MappingProxyType(dev.options)
                out[name] = DeviceConfig(name=name, options=options, config_dir=self.base, **fields)  # type: ignore[arg-type]
        return out

    def build_users(self) -> dict[str, UserConfig]:
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

    def _rename_old_driver(self, name: str, dev: _Device) -> None:
        """A driver NUT retired for a nutdrv_qx protocol: nutdrv_qx, and the old options moved."""
        old = OLD_DRIVERS.get(str(dev.fields["driver"]))
        if old is None:
            return
        dev.fields["driver"] = "nutdrv_qx"
        dev.options, moves = translate(old, dev.options)
        prefix = f"devices.{name}."
        notes = {f"{prefix}driver": ("approximated", f"{prefix}driver",
                                     f"NUT's {old.name} driver is retired ({old.history}): "
                                     f"nutdrv_qx, protocol {old.protocol}")}  # fmt: skip
        if old.usb and str(dev.fields["port"]).lower() != "auto":
            notes[f"{prefix}port"] = ("approximated", f"{prefix}port",
                                      f"{old.name} found its device on USB: port = auto")
            dev.fields["port"] = "auto"
        for move in moves:
            target = ", ".join(prefix + key for key, _ in move.settings)
            notes[prefix + move.option] = (move.status, target, move.note)
        self.report = [_renote(e, notes[e.target]) if e.target in notes else e for e in self.report]

    def _drop(self, header: str, prefix: str, why: str) -> None:
        """A section nutrio cannot take: it and every setting in it are unsupported."""
        self.report = [
            unsupported(e, f"section left out: {why}") if e.target.startswith(prefix) else e
            for e in self.report
        ]
        self.note(header, "unsupported", note=why)


_UPSD = {
    "LISTEN": ServerFiles._listen,
    **dict.fromkeys(("MAXAGE", "MAXCONN", "TRACKINGDELAY", "STATEPATH", "ALLOW_NO_DEVICE",
                     "ALLOW_NOT_ALL_LISTENERS"), ServerFiles._server_value),
    **dict.fromkeys(("CERTFILE", "CERTPATH", "CERTIDENT", "CERTREQUEST", "DISABLE_WEAK_SSL"),
                    ServerFiles._tls),
    "DEBUG_MIN": ServerFiles._unsupported,
}  # fmt: skip
