"""structlog set-up: JSON lines, a console renderer on a TTY, or the systemd journal."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping, MutableMapping
from typing import IO, Any, Literal

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

from nutrio.protocol.common.verbosity import debug_level
from nutrio.systemd import JournalLoggerFactory, JournalRenderer

__all__ = [
    "LogFormat",
    "LossyPrinter",
    "configure_logging",
    "drop_passwords",
    "stream_is_journal",
    "write_errors",
]

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


class LossyPrinter:
    """structlog's output: one line per event, and a line that cannot be written is dropped.

    A full disk, a log file past RLIMIT_FSIZE or stderr on /dev/full must not stop
    an actor: upsd keeps serving without its log, as NUT's upsd does. Each lost line
    is counted (``nutrio_log_write_errors_total``); the first line written after a
    loss says how many went missing. Lines go straight to the file descriptor, so a
    failed write leaves nothing in a buffer to fail again.
    """

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream
        self._fd = _fileno(stream)
        self.errors = 0
        self._unreported = 0
        self._reporting = False

    def msg(self, message: str) -> None:
        try:
            self._write(message + "\n")
        except (OSError, ValueError):  # ValueError: the stream was closed
            self.errors += 1
            self._unreported += 1
            return
        if self._unreported and not self._reporting:
            self._report_loss()

    # structlog calls the method named like the level; all of them print
    debug = info = warning = warn = error = err = critical = fatal = exception = msg

    def _write(self, line: str) -> None:
        if self._fd is None:
            self._stream.write(line)
            self._stream.flush()
            return
        view = memoryview(line.encode("utf-8", "backslashreplace"))
        while view:
            view = view[os.write(self._fd, view):]

    def _report_loss(self) -> None:
        lost, self._unreported = self._unreported, 0
        self._reporting = True  # the report goes through msg() too
        try:
            structlog.get_logger().error("log.lines_lost", count=lost, total=self.errors)
        finally:
            self._reporting = False


def _fileno(stream: IO[str]) -> int | None:
    """The stream's file descriptor, after what it buffered; None for an in-memory stream."""
    try:
        fd = stream.fileno()
        stream.flush()
    except (OSError, ValueError, AttributeError):
        return None
    return fd


_printer: LossyPrinter | None = None


def write_errors() -> int:
    """Log lines lost to write errors since logging was configured."""
    return _printer.errors if _printer is not None else 0


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
    global _printer
    _printer = LossyPrinter(out)
    printer = _printer
    factory: Any = lambda *_args: printer  # noqa: E731 - one shared printer
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
        wrapper_class=_filtering_logger(threshold),
        logger_factory=factory,
        cache_logger_on_first_use=False,
    )


def _filtering_logger(threshold: int) -> type[Any]:
    """structlog's filtering logger at *threshold*, whose debug events still pass in an
    actor that raised its own verbosity (protocol/common/verbosity.py: SET driver.debug)."""
    base: type[Any] = structlog.make_filtering_bound_logger(threshold)
    if threshold <= logging.DEBUG:
        return base

    class _DebugWhereAsked(base):  # type: ignore[misc, valid-type]
        def debug(self, event: str, *args: Any, **kw: Any) -> Any:
            if debug_level() <= 0:  # one context-variable read: cheap enough per call
                return None
            return self._proxy_to_logger("debug", event % args if args else event, **kw)

    return _DebugWhereAsked


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
