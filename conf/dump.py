"""Write a Config back as nutrio.toml text (for `nutrio conf import`).

``loads(dumps(config))`` gives an equal Config (apart from ``DeviceConfig.line``
and, when written elsewhere, ``config_dir``). Paths are written absolute so
the text means the same wherever it is saved; driver options are written as
quoted keys so ``override.battery.charge.low`` stays one name.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import fields
from pathlib import Path
from typing import Any

from nutrio.conf.model import Config, DeviceConfig
from nutrio.conf.netaddr import format_hostport

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
#: Dataclass fields written under another TOML name (arrays of tables are singular).
_RENAMED = {"rules": "at", "entries": "entry", "faults": "fault", "hosts": "host"}


def dumps(config: Config) -> str:
    """The TOML text of ``config``; passwords included, so treat it as secret."""
    out: list[str] = []
    server = _values(config.server, skip=("tls",))
    server["listen"] = [format_hostport(h, p) for h, p in config.server.listen]
    _table(out, ("server",), server)
    if config.server.tls:
        _table(out, ("server", "tls"), _values(config.server.tls))
    for name, dev in config.devices.items():
        _table(out, ("devices", name), _device(dev))
    for name, user in config.users.items():
        values = _values(user, skip=("name",))
        values["actions"] = sorted(user.actions)
        _table(out, ("users", name), values)
    if config.monitor:
        _table(out, ("monitor",), _values(config.monitor, skip=("ups", "tls")))
        _array(out, ("monitor", "ups"), (_values(ups) for ups in config.monitor.ups))
        if tls := config.monitor.tls:
            _table(out, ("monitor", "tls"), _values(tls, skip=("hosts",)))
            _array(out, ("monitor", "tls", "host"), (_values(h) for h in tls.hosts))
    notify = config.notify
    _table(out, ("notify",), {"notifycmd": notify.notifycmd,
                              "driverfail_restarts": notify.driverfail_restarts,
                              "driverfail_window": notify.driverfail_window})
    _table(out, ("notify", "messages"), dict(config.notify.messages))
    flags = {key: sorted(value) for key, value in config.notify.flags.items()}
    _table(out, ("notify", "flags"), flags)
    _channels(out, config)
    _array(out, ("notify", "threshold"), (_values(rule) for rule in notify.thresholds))
    _table(out, ("scheduler",), {"cmdscript": config.scheduler.cmdscript})
    _array(out, ("scheduler", "at"), (_values(rule) for rule in config.scheduler.rules))
    web = _values(config.web)
    web["listen"] = format_hostport(*config.web.listen)
    _table(out, ("web",), web)
    _array(out, ("log", "entry"), (_values(entry) for entry in config.log.entries))
    if config.chaos:
        _table(out, ("chaos",), {"seed": config.chaos.seed})
        _array(out, ("chaos", "fault"), (_values(f) for f in config.chaos.faults))
    return "\n".join(out)


def _channels(out: list[str], config: Config) -> None:
    channels = config.notify.channels
    for name, channel in channels.routed():
        values = {f.name: getattr(channel, f.name) for f in fields(channel)}
        values = {k: sorted(v) if isinstance(v, frozenset) else v for k, v in values.items()}
        headers = dict(values.pop("headers", {}) or {})
        if "sender" in values:
            values["from"] = values.pop("sender")
        if "to" in values:
            values["to"] = list(values["to"])
        _table(out, ("notify", name), values)
        if headers:
            _table(out, ("notify", name, "headers"), headers)


def _device(dev: DeviceConfig) -> dict[str, Any]:
    values = _values(dev, skip=("name", "options", "config_dir", "line"))
    values.update(dev.options)
    return values


def _values(obj: Any, skip: Iterable[str] = ()) -> dict[str, Any]:
    return {
        _RENAMED.get(f.name, f.name): getattr(obj, f.name)
        for f in fields(obj)
        if f.name not in skip
    }


def _table(out: list[str], path: tuple[str, ...], values: Mapping[str, Any]) -> None:
    out.append(f"[{'.'.join(_key(p) for p in path)}]")
    out += [f"{_key(k)} = {_value(v)}" for k, v in values.items() if v is not None]
    out.append("")


def _array(out: list[str], path: tuple[str, ...], items: Iterable[Mapping[str, Any]]) -> None:
    for values in items:
        out.append(f"[[{'.'.join(_key(p) for p in path)}]]")
        out += [f"{_key(k)} = {_value(v)}" for k, v in values.items() if v is not None]
        out.append("")


def _key(name: str) -> str:
    return name if _BARE_KEY.fullmatch(name) else _string(name)


def _string(text: str) -> str:
    """A TOML basic string. JSON's escapes are valid TOML, but its surrogate
    pairs (for characters past U+FFFF) are not, so keep those characters raw;
    DEL is the one control character JSON leaves raw and TOML refuses."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str | Path):
        return _string(str(value))
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")
