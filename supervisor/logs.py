"""structlog set-up: one JSON object per line, or a console renderer on a TTY."""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from typing import IO, Any, Literal, TextIO, cast

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

__all__ = ["LogFormat", "configure_logging", "drop_passwords"]

LogFormat = Literal["json", "console"]

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
) -> None:
    """Configure structlog once, from the CLI.

    Args:
        fmt: "json" (one object per line), "console", or None for console
            when *stream* is a TTY and json otherwise.
        level: lowest level logged: debug, info, warning, error, critical.
        stream: where lines go; sys.stderr (looked up at call time) by default.

    Raises:
        ValueError: unknown *fmt* or *level*.
    """
    out = stream if stream is not None else sys.stderr
    if fmt is None:
        fmt = "console" if _isatty(out) else "json"
    try:
        threshold = _LEVELS[level.lower()]
    except KeyError:
        raise ValueError(f"unknown log level {level!r}") from None
    processors: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        drop_passwords,
    ]
    if fmt == "json":
        processors += [structlog.processors.dict_tracebacks, structlog.processors.JSONRenderer()]
    elif fmt == "console":
        processors.append(structlog.dev.ConsoleRenderer(colors=_isatty(out)))
    else:
        raise ValueError(f"unknown log format {fmt!r}")
    structlog.configure(
        processors=processors,
        wrapper_class=structlog.make_filtering_bound_logger(threshold),
        logger_factory=structlog.PrintLoggerFactory(file=cast(TextIO, out)),
        cache_logger_on_first_use=False,
    )


def _isatty(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
