"""upslog's log lines: the format string, compiled once, rendered per interval.

Reproduces NUT 2.8.0 upslog (clients/upslog.c) as the real binary behaves:

- ``%%`` is a literal ``%``; any other ``%`` opens a directive that runs to
  the next ``%``. A ``%`` with no closing one prints ``INVALID`` and the text
  after it is read on as literals (``a %VAR x`` -> ``a INVALIDVAR x``).
- A directive is ``%<cmd>[ <arg>]%``: the command is the text up to the first
  space, matched by *prefix*, ASCII case-insensitively, so ``%etimefoo%`` is
  ``%ETIME%`` and ``%UPSHOSTx%`` is ``%UPSHOST%``; unknown ones print
  ``INVALID``. Everything after the first space is the argument, spaces and
  all (``%VAR  ups.load%`` asks upsd for " ups.load" and gets ``NA``).
- ``%TIME fmt%``: strftime in local time with ``@`` standing for ``%``.
  NUT crashes on ``%TIME%`` with no argument; we print nothing there.
- ``%VAR name%``: the value, ``NA`` when upsd has none (unknown variable,
  stale data, no connection), ``INVALID`` when the name is empty or has no dot.
- ``%ETIME%`` epoch seconds, ``%HOST%`` this host's name, ``%UPSHOST%`` the
  ``-s`` argument as given, ``%PID%`` the logger's process id.
- A line holds at most 4095 bytes (upslog's LARGEBUF buffer); a %TIME% result
  of 512 bytes or more is dropped (its SMALLBUF strftime buffer).

Beside NUT's format strings, a log entry may name a structured format:
``csv`` (a header row, then one row per interval) or ``jsonl`` (one JSON
object per line). Both are rendered here too.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum

__all__ = [
    "CSV_VARS",
    "DEFAULT_FORMAT",
    "STRUCTURED_FORMATS",
    "Kind",
    "LineContext",
    "Piece",
    "compile_format",
    "csv_header",
    "csv_row",
    "jsonl_line",
    "render_line",
    "strftime_at",
    "variables_of",
]

#: upslog's built-in format (upslog -h shows it).
DEFAULT_FORMAT = (
    "%TIME @Y@m@d @H@M@S% %VAR battery.charge% %VAR input.voltage% "
    "%VAR ups.load% [%VAR ups.status%] %VAR ups.temperature% %VAR input.frequency%"
)
#: ``format`` values that select a structured log instead of a NUT format string.
STRUCTURED_FORMATS = frozenset({"csv", "jsonl"})
#: The columns of a CSV log after ``time`` and ``ups``.
CSV_VARS = (
    "battery.charge",
    "battery.runtime",
    "battery.voltage",
    "input.voltage",
    "input.frequency",
    "output.voltage",
    "ups.load",
    "ups.status",
    "ups.temperature",
)

#: upslog's logbuffer (LARGEBUF) keeps 4095 bytes and a NUL.
LINE_LIMIT = 4095
#: do_time's strftime buffer (SMALLBUF).
TIME_LIMIT = 512


class Kind(Enum):
    LITERAL = "literal"
    INVALID = "invalid"
    HOST = "HOST"
    UPSHOST = "UPSHOST"
    PID = "PID"
    TIME = "TIME"
    VAR = "VAR"
    ETIME = "ETIME"


# upslog.h's command table, in its order (matched by prefix).
_COMMANDS = (Kind.HOST, Kind.UPSHOST, Kind.PID, Kind.TIME, Kind.VAR, Kind.ETIME)


@dataclass(frozen=True, slots=True)
class Piece:
    """One step of a compiled format: a literal, or a directive and its argument."""

    kind: Kind
    arg: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class LineContext:
    """What a line needs besides the variables: when, where, who."""

    now: float
    host: str
    upshost: str
    pid: int


def _ascii_lower(text: str) -> str:
    # strncasecmp folds ASCII letters only
    return "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c for c in text)


def _command(word: str) -> Kind | None:
    folded = _ascii_lower(word)
    for kind in _COMMANDS:
        if folded.startswith(kind.value.lower()):
            return kind
    return None


def compile_format(fmt: str) -> tuple[Piece, ...]:
    """Turn a upslog format string into pieces (upslog's compile_format)."""
    pieces: list[Piece] = []
    literal: list[str] = []

    def emit(piece: Piece) -> None:
        if literal:
            pieces.append(Piece(Kind.LITERAL, "".join(literal)))
            literal.clear()
        pieces.append(piece)

    i = 0
    while i < len(fmt):
        ch = fmt[i]
        if ch != "%":
            literal.append(ch)
            i += 1
            continue
        if fmt[i + 1 : i + 2] == "%":
            literal.append("%")
            i += 2
            continue
        end = fmt.find("%", i + 1)
        if end < 0:  # no closing %: INVALID, then carry on after this one
            emit(Piece(Kind.INVALID))
            i += 1
            continue
        body = fmt[i + 1 : end]
        word, space, arg = body.partition(" ")
        kind = _command(word)
        emit(Piece(kind, arg if space else None) if kind else Piece(Kind.INVALID))
        i = end + 1
    if literal:
        pieces.append(Piece(Kind.LITERAL, "".join(literal)))
    return tuple(pieces)


def variables_of(pieces: tuple[Piece, ...]) -> tuple[str, ...]:
    """The variable names a compiled format asks upsd for, in order, once each."""
    names: dict[str, None] = {}
    for piece in pieces:
        if piece.kind is Kind.VAR and piece.arg and "." in piece.arg:
            names.setdefault(piece.arg, None)
    return tuple(names)


def strftime_at(fmt: str, when: float) -> str:
    """do_time: ``@`` means ``%``; local time; too long or broken -> empty."""
    try:
        text = time.strftime(fmt.replace("@", "%"), time.localtime(when))
    except (ValueError, OverflowError):
        return ""
    return text if len(text.encode("utf-8", "surrogateescape")) < TIME_LIMIT else ""


def render_line(
    pieces: tuple[Piece, ...], ctx: LineContext, getvar: Callable[[str], str | None]
) -> str:
    """One log line (without newline); *getvar* returns a value or None (-> ``NA``)."""
    out: list[str] = []
    for piece in pieces:
        match piece.kind:
            case Kind.LITERAL:
                out.append(piece.arg or "")
            case Kind.INVALID:
                out.append("INVALID")
            case Kind.HOST:
                out.append(ctx.host)
            case Kind.UPSHOST:
                out.append(ctx.upshost)
            case Kind.PID:
                out.append(str(ctx.pid))
            case Kind.ETIME:
                out.append(str(int(ctx.now)))
            case Kind.TIME:
                out.append(strftime_at(piece.arg or "", ctx.now))
            case Kind.VAR:
                out.append(_var_text(piece.arg, getvar))
    return _clip("".join(out))


def _var_text(name: str | None, getvar: Callable[[str], str | None]) -> str:
    if not name or "." not in name:  # do_var: old-style names are refused
        return "INVALID"
    value = getvar(name)
    return "NA" if value is None else value


def _clip(line: str) -> str:
    raw = line.encode("utf-8", "surrogateescape")
    if len(raw) <= LINE_LIMIT:
        return line
    return raw[:LINE_LIMIT].decode("utf-8", "surrogateescape")


# -- structured formats ---------------------------------------------------


def _iso(now: float) -> str:
    return datetime.datetime.fromtimestamp(now).astimezone().isoformat(timespec="seconds")


def csv_header() -> str:
    return _csv(("time", "ups", *CSV_VARS))


def csv_row(ups: str, now: float, values: Mapping[str, str] | None) -> str:
    """One CSV row; a missing variable (or no data at all) is an empty cell."""
    cells = [(values or {}).get(name, "") for name in CSV_VARS]
    return _csv((_iso(now), ups, *cells))


def _csv(cells: tuple[str, ...]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="").writerow(cells)
    return buf.getvalue()


def jsonl_line(ups: str, now: float, values: Mapping[str, str] | None, state: str) -> str:
    """One JSON object: time (ISO 8601 and epoch), ups, state, every variable.

    *state* is ``ok``, ``stale`` or ``disconnected``; ``vars`` is null unless ok.
    """
    record = {
        "time": _iso(now),
        "epoch": round(now, 3),
        "ups": ups,
        "state": state,
        "vars": dict(values) if values is not None else None,
    }
    return json.dumps(record, separators=(",", ":"), ensure_ascii=False)
