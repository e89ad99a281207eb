"""Typed access to one parsed TOML table, raising ConfigError with positions."""

from __future__ import annotations

import difflib
import json
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn, TypeVar

from nutrio.conf._source import KeyPath, SourceMap, format_path
from nutrio.conf.errors import ConfigError

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Document:
    """One file being read: its name for messages, its lines, its directory."""

    path: str
    source: SourceMap
    config_dir: Path

    def error(self, key: KeyPath, message: str) -> ConfigError:
        return ConfigError(self.path, self.source.line_of(key), format_path(key) or None, message)


def describe_value(value: object) -> str:
    """How a wrong value is shown in messages: TOML-like, short."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    return f"a {type(value).__name__}"


class Table:
    """A TOML table with its key path; getters check types and ranges."""

    def __init__(self, doc: Document, path: KeyPath, data: dict[str, Any]) -> None:
        self.doc = doc
        self.path = path
        self.data = data

    # -- structure ---------------------------------------------------------

    def line(self) -> int:
        return self.doc.source.line_of(self.path) or 0

    def fail(self, key: str | int | None, message: str) -> NoReturn:
        path = self.path if key is None else (*self.path, key)
        raise self.doc.error(path, message)

    def allow_only(self, allowed: Iterable[str]) -> None:
        """Reject keys that are not in ``allowed`` (with a did-you-mean)."""
        allowed = list(allowed)
        for key in self.data:
            if key not in allowed:
                close = difflib.get_close_matches(key.lower(), allowed, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                self.fail(key, f"unknown key{hint}")

    def table(self, key: str, *, required: bool = False) -> Table | None:
        value = self.data.get(key)
        if value is None:
            if required:
                self.fail(key, "missing required table")
            return None
        if not isinstance(value, dict):
            self.fail(key, f"expected a table, got {describe_value(value)}")
        return Table(self.doc, (*self.path, key), value)

    def subtables(self) -> list[tuple[str, Table]]:
        """Every value of this table, each of which must be a table itself."""
        out = []
        for key in self.data:
            sub = self.table(key)
            assert sub is not None
            out.append((key, sub))
        return out

    def tables(self, key: str) -> list[Table]:
        """An array of tables (``[[key]]``); absent means empty."""
        value = self.data.get(key, [])
        if isinstance(value, dict):
            value = [value]
        if not isinstance(value, list):
            self.fail(key, f"expected an array of tables, got {describe_value(value)}")
        out = []
        for index, item in enumerate(value):
            if not isinstance(item, dict):
                self.fail(key, f"expected a table at index {index}, got {describe_value(item)}")
            out.append(Table(self.doc, (*self.path, key, index), item))
        return out

    # -- scalars -----------------------------------------------------------

    def _get(self, key: str, required: bool) -> Any:
        if key not in self.data and required:
            self.fail(key, "missing required key")
        return self.data.get(key)

    def string(self, key: str, default: str | None = None, *, required: bool = False) -> str | None:
        value = self._get(key, required)
        if value is None:
            return default
        if not isinstance(value, str):
            self.fail(key, f"expected a string, got {describe_value(value)}")
        return value

    def req_string(self, key: str, *, nonempty: bool = True) -> str:
        value = self.string(key, required=True)
        assert value is not None
        if nonempty and not value.strip():
            self.fail(key, "must not be empty")
        return value

    def number(self, key: str, default: T, *, minimum: float | None = 0.0) -> float | T:
        value = self._get(key, False)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(key, f"expected a number, got {describe_value(value)}")
        if not math.isfinite(value):
            self.fail(key, f"expected a finite number, got {describe_value(value)}")
        if minimum is not None and value < minimum:
            self.fail(key, f"must be at least {minimum:g}, got {describe_value(value)}")
        return float(value)

    def integer(
        self, key: str, default: T, *, minimum: int | None = 0, maximum: int | None = None
    ) -> int | T:
        value = self._get(key, False)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(key, f"expected an integer, got {describe_value(value)}")
        if minimum is not None and value < minimum:
            self.fail(key, f"must be at least {minimum}, got {value}")
        if maximum is not None and value > maximum:
            self.fail(key, f"must be at most {maximum}, got {value}")
        return value

    def boolean(self, key: str, default: bool) -> bool:
        value = self._get(key, False)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.fail(key, f"expected true or false, got {describe_value(value)}")
        return value

    def string_list(self, key: str) -> tuple[str, ...]:
        """An array of strings; a single string is accepted as a one-item list."""
        value = self._get(key, False)
        if value is None:
            return ()
        if isinstance(value, str):
            return (value,)
        if not isinstance(value, list):
            self.fail(key, f"expected an array of strings, got {describe_value(value)}")
        for item in value:
            if not isinstance(item, str):
                self.fail(key, f"expected an array of strings, got {describe_value(item)} in it")
        return tuple(value)

    def choice(self, key: str, choices: dict[str, T], *, required: bool = False) -> T | None:
        """A string mapped through ``choices`` (keys lower case; matching ignores case)."""
        value = self.string(key, required=required)
        if value is None:
            return None
        try:
            return choices[value.lower()]
        except KeyError:
            shown = ", ".join(sorted({str(v) for v in choices.values()}))
            self.fail(key, f"expected one of {shown}, got {describe_value(value)}")

    def parsed(self, key: str, parse: Callable[[str], T], value: str) -> T:
        """Run ``parse`` on ``value``; its ValueError becomes a ConfigError at ``key``."""
        try:
            return parse(value)
        except ValueError as error:
            self.fail(key, str(error))

    def path_value(self, key: str) -> Path | None:
        """A path string resolved against the config file's directory."""
        value = self.string(key)
        if value is None:
            return None
        if not value.strip():
            self.fail(key, "must not be empty")
        return self.doc.config_dir / Path(value).expanduser()
