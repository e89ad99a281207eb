"""Shared parts of the NUT importer: report entries, the reader base, value parsing."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Status = Literal["converted", "approximated", "unsupported"]
STATUSES: tuple[Status, ...] = ("converted", "approximated", "unsupported")
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


class Reader:
    """The report and the position being read; the per-file readers build on it."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.report: list[ReportEntry] = []
        self.file, self.lineno = "", 0

    def note(self, directive: str, status: Status, target: str = "", note: str = "") -> ReportEntry:
        entry = ReportEntry(file=self.file, line=self.lineno, directive=directive,
                            status=status, target=target, note=note)  # fmt: skip
        self.report.append(entry)
        return entry


def unsupported(entry: ReportEntry, note: str) -> ReportEntry:
    return ReportEntry(
        file=entry.file, line=entry.line, directive=entry.directive, status="unsupported", note=note
    )


def split_key(words: list[str]) -> tuple[str, list[str]]:
    """``key = v...`` and ``key v...`` alike (NUT's tokenizer makes ``=`` its own word)."""
    if len(words) > 1 and words[1] == "=":
        return words[0], words[2:]
    return words[0], words[1:]


def to_number(text: str, *, integer: bool = False) -> float | int | None:
    try:
        value = float(text)
    except ValueError:
        return None
    if integer:
        return int(value) if value.is_integer() else None
    return int(value) if value.is_integer() else value


def to_bool(text: str) -> bool | None:
    word = text.lower()
    return True if word in _TRUE else False if word in _FALSE else None
