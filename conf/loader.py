"""Read nutrio.toml (with tomli) into a Config, or fail with a ConfigError."""

from __future__ import annotations

import ast
from collections.abc import Collection
from pathlib import Path
from typing import Any

import tomli

from nutrio.conf import schema
from nutrio.conf._chaos import build_chaos
from nutrio.conf._client import build_log, build_monitor, build_notify, build_scheduler, build_web
from nutrio.conf._reader import Document, Table
from nutrio.conf._server import build_devices, build_server, build_users
from nutrio.conf._source import SourceMap, format_path
from nutrio.conf.errors import ConfigError
from nutrio.conf.model import ChaosConfig, Config

#: The embedded default: shipped as package data next to this module.
DEFAULT_PATH = Path(__file__).parent / "default" / "nutrio.toml"
_SECTIONS = schema.allowed("")  # the top-level tables, from the schema
_STRING_PATH = "<string>"


def load(path: str | Path, *, drivers: Collection[str] | None = None) -> Config:
    """Read and check the configuration file at ``path``.

    ``drivers``: the driver names that may be used (None: any well-formed name,
    as the NUT importer needs for configs naming drivers nutrio lacks).

    Raises:
        ConfigError: unreadable file, TOML syntax, or a wrong key or value.
    """
    return loads(_read(path), path, drivers=drivers)


def loads(
    text: str, path: str | Path = _STRING_PATH, *, drivers: Collection[str] | None = None
) -> Config:
    """Check configuration ``text``; ``path`` names it in errors and anchors relative paths."""
    _doc, root = _parse(text, path)
    root.allow_only(_SECTIONS)
    devices = build_devices(root.table("devices"), drivers)
    return Config(
        source=None if str(path) == _STRING_PATH else Path(path),
        server=build_server(root.table("server")),
        devices=devices,
        users=build_users(root.table("users")),
        monitor=build_monitor(root.table("monitor")),
        notify=build_notify(root.table("notify"), devices=tuple(devices)),
        scheduler=build_scheduler(root.table("scheduler")),
        web=build_web(root.table("web")),
        log=build_log(root.table("log")),
        chaos=build_chaos(root.table("chaos")),
    )


def default_config(*, drivers: Collection[str] | None = None) -> Config:
    """The embedded default: one dummy-ups UPS named "dummy" on 127.0.0.1:3493."""
    return load(DEFAULT_PATH, drivers=drivers)


def load_or_default(
    path: str | Path | None, *, drivers: Collection[str] | None = None
) -> Config:
    """``--config FILE`` when given, else the embedded default (every subcommand's rule)."""
    return default_config(drivers=drivers) if path is None else load(path, drivers=drivers)


def load_chaos(path: str | Path) -> ChaosConfig:
    """Read a separate fault-injection file holding one ``[chaos]`` table."""
    _doc, root = _parse(_read(path), path)
    root.allow_only(("chaos",))
    chaos = build_chaos(root.table("chaos", required=True))
    assert chaos is not None
    return chaos


def _read(path: str | Path) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(path, None, None, f"cannot read: {error}") from error


def _parse(text: str, path: str | Path) -> tuple[Document, Table]:
    source = SourceMap(text)
    config_dir = Path.cwd() if str(path) == _STRING_PATH else Path(path).absolute().parent
    doc = Document(str(path), source, config_dir)
    try:
        data: dict[str, Any] = tomli.loads(text)
    except tomli.TOMLDecodeError as error:
        raise _syntax_error(doc, error) from None
    return doc, Table(doc, (), data)


def _syntax_error(doc: Document, error: tomli.TOMLDecodeError) -> ConfigError:
    """tomli's message, with the key it is about when we can tell.

    TOML refuses a table declared twice, which is how a duplicate UPS or user
    name shows up: say so in our words.
    """
    message, line, key = error.msg, error.lineno, None
    if message.startswith("Cannot declare (") and message.endswith(") twice"):
        parts = ast.literal_eval(message[len("Cannot declare ") : -len(" twice")])
        key = format_path(tuple(parts))
        message = f"[{key}] is declared twice"
        if len(parts) == 2 and parts[0] in ("devices", "users"):
            kind = "UPS" if parts[0] == "devices" else "user"
            message = f"duplicate {kind} name {parts[1]!r} ([{key}] is declared twice)"
    elif message == "Cannot overwrite a value" and (path := doc.source.key_at(line)):
        key = format_path(path)
        message = "key is set twice"
    return ConfigError(doc.path, line, key, message)
