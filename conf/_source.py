"""Find the line a TOML key sits on.

tomli returns plain dicts without positions, so error messages would only name
the key. This module scans the source text once and answers "which line holds
this key path?" well enough for messages: the first ``key =`` line inside the
right ``[table]`` (array-of-tables headers are counted so ``monitor.ups[1]`` is
the second ``[[monitor.ups]]``), falling back to the closest enclosing line
(an inline table, an array, the table header). Text inside multi-line strings
may confuse it; the price is a less precise line number, never a crash.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: A path into the parsed document: table names, keys and array indexes.
KeyPath = tuple[str | int, ...]

_BARE = r"[A-Za-z0-9_-]+"
_PART = rf'(?:{_BARE}|"(?:[^"\\]|\\.)*"|\'[^\']*\')'
_DOTTED = rf"{_PART}(?:\s*\.\s*{_PART})*"
_HEADER = re.compile(rf"^\s*(\[\[?)\s*({_DOTTED})\s*\]\]?\s*(?:#.*)?$")
_KEYLINE = re.compile(rf"^\s*({_DOTTED})\s*=")
_SPLIT = re.compile(_PART)


def split_dotted(text: str) -> tuple[str, ...]:
    """Split a dotted TOML key (``a."b.c".d``) into its parts, unquoted."""
    parts = []
    for match in _SPLIT.finditer(text):
        part = match.group(0)
        if part[0] in "\"'":
            part = part[1:-1]
        parts.append(part)
    return tuple(parts)


def format_path(path: KeyPath) -> str:
    """Render a key path the way messages show it: ``monitor.ups[1].role``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            shown = part if re.fullmatch(_BARE, part) else f'"{part}"'
            out += f".{shown}" if out else shown
    return out


@dataclass(frozen=True, slots=True)
class _Entry:
    lineno: int
    path: KeyPath  # full path of the table (header) or key (key line)
    header: bool


class SourceMap:
    """Line numbers of the table headers and keys of one TOML text."""

    def __init__(self, text: str) -> None:
        self._lines = text.splitlines()
        self._entries = list(self._scan())

    def _scan(self) -> list[_Entry]:
        entries: list[_Entry] = []
        table: KeyPath = ()
        counts: dict[tuple[str, ...], int] = {}
        for lineno, line in enumerate(self._lines, start=1):
            if header := _HEADER.match(line):
                names = split_dotted(header.group(2))
                if header.group(1) == "[[":
                    index = counts.get(names, -1) + 1
                    counts[names] = index
                    table = (*names, index)
                else:
                    table = names
                entries.append(_Entry(lineno, table, True))
            elif key := _KEYLINE.match(line):
                entries.append(_Entry(lineno, (*table, *split_dotted(key.group(1))), False))
        return entries

    def line_of(self, path: KeyPath) -> int | None:
        """The line of ``path``, or of the closest enclosing key or table."""
        best: _Entry | None = None
        best_len = 0
        below: _Entry | None = None  # first line defining something inside `path`
        for entry in self._entries:
            common = _common_prefix(entry.path, path)
            if common == len(path) and len(entry.path) == len(path):
                return entry.lineno
            if common == len(path) and below is None:
                below = entry
            if common == len(entry.path) and common > best_len:
                best, best_len = entry, common
        if below is not None:
            return below.lineno
        if best is None:
            return None
        return self._inline_line(best, path[best_len:]) or best.lineno

    def _inline_line(self, start: _Entry, rest: KeyPath) -> int | None:
        """Search ``name =`` for the next key below ``start`` (inline tables)."""
        names = [part for part in rest if isinstance(part, str)]
        if not names:
            return None
        pattern = re.compile(rf"(?:^|[{{,\s]){re.escape(names[-1])}\s*=")
        end = len(self._lines)
        for entry in self._entries:
            if entry.lineno > start.lineno and entry.header:
                end = entry.lineno - 1
                break
        first = self._lines[start.lineno - 1].split("=", 1)[1] if not start.header else ""
        if pattern.search(first):
            return start.lineno
        for lineno in range(start.lineno + 1, end + 1):
            if pattern.search(self._lines[lineno - 1]) and not _KEYLINE.match(
                self._lines[lineno - 1]
            ):
                return lineno
        return None

    def key_at(self, lineno: int) -> KeyPath | None:
        """The full key path declared on ``lineno`` (for tomli's own errors)."""
        for entry in self._entries:
            if entry.lineno == lineno:
                return entry.path
        return None


def _common_prefix(a: KeyPath, b: KeyPath) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n
