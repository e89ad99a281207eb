"""structlog set-up: JSON lines, a console renderer on a TTY, or the systemd journal."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping, MutableMapping
from typing import IO, Any, Literal, TextIO, cast

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

from nutrio.systemd import JournalLoggerFactory, JournalRenderer

__all__ = ["LogFormat", "configure_logging", "drop_passwords", "stream_is_journal"]

LogFormat = Literal["json", "console", "journal"]

_DICT_TRACEBACKS = structlog.processors.ExceptionRenderer(
    structlog.tracebacks.ExceptionDictTransformer(show_locals=False))

_LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "warn": logging.WARNING,
    "error": logging.ERROR,
    "critical": logging.CRITICAL,
}


def drop_passwords(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    """Remove every ``password`` key, at any depth, before anything renders it."""
    return _scrub(event_dict)


def _scrub(mapping: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key in [k for k in mapping if isinstance(k, str) and k.lower() == "password"]:
        del mapping[key]
    for key, value in mapping.items():
        if isinstance(value, dict):
            mapping[key] = _scrub(dict(value))
    return mapping


def configure_logging(
    fmt: LogFormat | None = None,
    level: str = "info",
    stream: IO[str] | None = None,
    *,
    journal_socket: str | None = None,
) -> None:
    """Configure structlog once, from the CLI.

    Args:
        fmt: "json" (one object per line), "console", "journal" (native
            journal protocol, one entry per event), or None: journal when
            systemd says *stream* is the journal (JOURNAL_STREAM), console
            when *stream* is a TTY, json otherwise.
        level: lowest level logged: debug, info, warning, error, critical.
        stream: where lines go; sys.stderr (looked up at call time) by default.
            With "journal" it only gets lines the journal socket refused.
        journal_socket: the journal's socket (default: $NUTRIO_JOURNAL_SOCKET,
            else /run/systemd/journal/socket).

    Raises:
        ValueError: unknown *fmt* or *level*.
    """
    out = stream if stream is not None else sys.stderr
    if fmt is None:
        fmt = _default_format(out)
    try:
        threshold = _LEVELS[level.lower()]
    except KeyError:
        raise ValueError(f"unknown log level {level!r}") from None
    processors: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
    ]
    if fmt != "journal":  # the journal stamps each entry itself
        processors.append(structlog.processors.TimeStamper(fmt="iso", utc=True))
    processors.append(drop_passwords)
    factory: Any = structlog.PrintLoggerFactory(file=cast(TextIO, out))
    # tracebacks without frame locals: those hold passwords drop_passwords never sees
    if fmt == "json":
        processors += [_DICT_TRACEBACKS, structlog.processors.JSONRenderer()]
    elif fmt == "console":
        processors.append(structlog.dev.ConsoleRenderer(
            colors=_isatty(out), exception_formatter=structlog.dev.plain_traceback))
    elif fmt == "journal":
        processors += [structlog.processors.format_exc_info, JournalRenderer()]
        factory = JournalLoggerFactory(journal_socket, fallback=out)
    else:
        raise ValueError(f"unknown log format {fmt!r}")
    structlog.configure(
        processors=processors,
        wrapper_class=structlog.make_filtering_bound_logger(threshold),
        logger_factory=factory,
        cache_logger_on_first_use=False,
    )


def _default_format(out: IO[str]) -> LogFormat:
    if stream_is_journal(out):
        return "journal"
    return "console" if _isatty(out) else "json"


def stream_is_journal(stream: IO[str], environ: Mapping[str, str] | None = None) -> bool:
    """True when JOURNAL_STREAM ("device:inode") names *stream*'s file.

    systemd sets it for a service whose stdout/stderr is connected to the
    journal; comparing with fstat tells whether that still holds for this
    stream (a shell redirect or a child's pipe would not match).
    """
    value = (os.environ if environ is None else environ).get("JOURNAL_STREAM", "")
    try:
        device, inode = (int(part) for part in value.split(":"))
        info = os.fstat(stream.fileno())
    except (ValueError, OSError, AttributeError):
        return False
    return (info.st_dev, info.st_ino) == (device, inode)


def _isatty(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
