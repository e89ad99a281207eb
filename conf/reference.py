"""The configuration reference (docs/configuration.md), rendered from conf.schema.

Pure text in, text out: `python -m nutrio.docs` writes it, a test checks the
file equals what this renders.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from nutrio.conf.schema import DERIVED, REQUIRED, SECTIONS, Key, Section

__all__ = ["render_reference", "toml_value"]

_INTRO = """\
# Configuration reference

<!-- Generated from conf/schema/ by `python -m nutrio.docs`: edit the schema, not this file. -->

nutrio reads one TOML file (`nutrio run --config FILE`; check one with
`nutrio check-config FILE`). Each table mirrors a NUT configuration file and
its keys are NUT's directive names in lower case; the **NUT** column names the
directive a key stands for (— for nutrio's own settings). A key in angle
brackets stands for any name of that kind. A key not listed for its table is
refused, with the line it is on. Relative paths are relative to the directory
of the configuration file. `conf/examples/nutrio.toml` uses every key.
"""


def render_reference() -> str:
    """The whole Markdown page: the intro, then one table per section."""
    parts = [_INTRO]
    parts.extend(_section(section) for section in SECTIONS)
    return "\n".join(parts)


def _section(section: Section) -> str:
    lines = [f"## `{section.header}`", ""]
    mirrors = f" Mirrors {section.nut}." if section.nut else " Not in NUT: nutrio's own."
    lines.append(section.doc + mirrors)
    lines.append("")
    if section.keys:
        lines.append("| Key | Type | Default | NUT | Description |")
        lines.append("| --- | --- | --- | --- | --- |")
        lines.extend(_row(key) for key in section.keys)
        lines.append("")
    else:
        lines += ["No keys of its own: only the tables below it.", ""]
    if section.more:
        lines += [section.more, ""]
    return "\n".join(lines)


def _row(key: Key) -> str:
    cells = (f"`{key.name}`", key.type, default_text(key), key.nut or "—", key.doc)
    return "| " + " | ".join(_cell(c) for c in cells) + " |"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def default_text(key: Key) -> str:
    """The Default column: "required", the ``shown`` text, or the TOML value."""
    if key.default is REQUIRED:
        return "required"
    if key.shown is not None:
        return key.shown
    if key.default is DERIVED or key.default is None:
        return "unset"
    value = key.to_toml(key.default) if key.to_toml else key.default
    return f"`{toml_value(value)}`"


def toml_value(value: object) -> str:
    """``value`` written as TOML (numbers that are whole, without ``.0``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str | Path):
        return json.dumps(str(value))
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple | frozenset):
        items = sorted(value) if isinstance(value, frozenset) else value
        return "[" + ", ".join(toml_value(v) for v in items) + "]"
    raise TypeError(f"no TOML form for {type(value).__name__}")
