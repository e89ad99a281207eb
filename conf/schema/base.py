"""The vocabulary of conf.schema: keys, tables, their TOML types and default markers."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

__all__ = [
    "BOOLEAN",
    "DERIVED",
    "INTEGER",
    "NUMBER",
    "REQUIRED",
    "STRING",
    "STRINGS",
    "Key",
    "Section",
    "key",
    "table",
]


class _Marker:
    """A default that is not a value: shown by name."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


#: The key must be given.
REQUIRED: Final = _Marker("REQUIRED")
#: Absent, the value comes from another key or a built-in table (``shown`` says which).
DERIVED: Final = _Marker("DERIVED")

STRING = "string"
NUMBER = "number"
INTEGER = "integer"
BOOLEAN = "boolean"
STRINGS = "string or array of strings"


@dataclass(frozen=True, slots=True)
class Key:
    """One key: its TOML type, default, the NUT directive it mirrors, what it does.

    ``default`` is the value the loader uses when the key is absent, as the
    dataclass holds it (``field`` names that dataclass field), or REQUIRED /
    DERIVED. ``to_toml`` turns a dataclass value back into its TOML form for
    the docs; ``shown`` replaces the default's text where a value would mislead.
    A ``name`` in angle brackets stands for any name of that kind.
    """

    name: str
    type: str
    nut: str
    doc: str
    default: object = REQUIRED
    field: str | None = None
    shown: str | None = None
    to_toml: Callable[[Any], object] | None = None

    @property
    def pattern(self) -> bool:
        return self.name.startswith("<")


@dataclass(frozen=True, slots=True)
class Section:
    """One TOML table (``array``: an array of tables, ``[[path]]``).

    ``more`` says what further keys mean; empty, unknown keys are refused.
    """

    path: str
    nut: str
    doc: str
    keys: tuple[Key, ...] = ()
    model: type | None = None
    array: bool = False
    more: str = ""

    @property
    def header(self) -> str:
        return f"[[{self.path}]]" if self.array else f"[{self.path}]"


def key(
    name: str,
    type_: str,
    nut: str,
    doc: str,
    *,
    field: str | None = "",
    default: object = None,
    shown: str | None = None,
    to_toml: Callable[[Any], object] | None = None,
) -> Key:
    """A key whose default is filled in from its section's dataclass (see table).

    ``field`` defaults to the key's name; None means no dataclass field (then
    ``default`` is used as given).
    """
    return Key(name, type_, nut, doc, default, name if field == "" else field, shown, to_toml)


def table(
    path: str,
    model: type | None,
    nut: str,
    doc: str,
    *keys: Key,
    array: bool = False,
    more: str = "",
) -> Section:
    filled = tuple(_with_default(model, k) for k in keys)
    return Section(path, nut, doc, filled, model, array, more)


def _with_default(model: type | None, key: Key) -> Key:
    if key.field is None:
        return key
    assert model is not None, key.name
    fields = {f.name: f for f in dataclasses.fields(model)}
    found = fields[key.field]  # a KeyError here: the schema names a field that does not exist
    if found.default is not dataclasses.MISSING:
        default: object = found.default
    elif found.default_factory is not dataclasses.MISSING:
        default = found.default_factory()
    else:
        default = REQUIRED
    return dataclasses.replace(key, default=default)
