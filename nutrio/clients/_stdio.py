"""Writing to stdout and stderr as NUT's tools do, closed pipes included.

Text goes out as the bytes it came from (values off the wire or argv keep
any invalid UTF-8), and a closed pipe ends the tool the way it ends NUT's:
see :class:`KilledBySigpipe`.
"""

from __future__ import annotations

import contextlib
import os
import sys

__all__ = [
    "KilledBySigpipe", "broken_pipe", "err", "ignore_sigpipe", "out", "reset_sigpipe", "sigpipe_kills",
    "stdout_closed",
]


class KilledBySigpipe(Exception):
    """A write met a closed pipe or socket while SIGPIPE would kill a NUT tool.

    NUT's clients never touch SIGPIPE themselves, but NUT 2.8.0's SSL library
    (NSS) ignores it from its first initialisation on, which happens when a
    client connects with "try SSL" (upsc, upslog). Before that, and always in
    upscmd and upsrw, a write to a closed pipe or socket kills the tool without
    a word (status 128+13); after it the write just fails and the tool carries
    on. :func:`run_main` turns this exception into exit code 141.
    """


class _Sigpipe:
    """The process's SIGPIPE disposition as NUT's tool would have it, per run."""

    ignored = False  # NSS initialised: writes fail quietly instead of killing
    stdout_hit = False  # a write to stdout met a closed pipe


def ignore_sigpipe() -> None:
    """From now on a closed pipe fails writes quietly (NSS's PR_Init does this)."""
    _Sigpipe.ignored = True


def sigpipe_kills() -> bool:
    """Whether a write to a closed pipe or socket would kill NUT's tool now."""
    return not _Sigpipe.ignored


def stdout_closed() -> bool:
    """Whether a write to stdout has met a closed pipe in this run."""
    return _Sigpipe.stdout_hit


def reset_sigpipe() -> None:
    """A tool starts: SIGPIPE kills again, nothing has hit a closed pipe yet."""
    _Sigpipe.ignored = _Sigpipe.stdout_hit = False


def _write(stream: object, text: str) -> None:
    # Values came off the wire or argv as bytes; give them back unchanged.
    data = text.encode("utf-8", "surrogateescape")
    buffer = getattr(stream, "buffer", None)
    try:
        if buffer is not None:
            stream.flush()  # type: ignore[attr-defined]
            buffer.write(data)
            buffer.flush()
        else:
            stream.write(data.decode("utf-8", "replace"))  # type: ignore[attr-defined]
    except BrokenPipeError:
        broken_pipe(stream)


def broken_pipe(stream: object) -> None:
    """A write to *stream* met a closed pipe: die as NUT's tool would, or carry on.

    The descriptor is pointed at /dev/null either way, so that the bytes
    Python still holds for it are dropped at exit instead of failing again
    there (which would print "Exception ignored ... BrokenPipeError").

    Raises:
        KilledBySigpipe: when SIGPIPE would kill NUT's tool at this point.
    """
    if stream is sys.stdout:
        _Sigpipe.stdout_hit = True
    fileno = getattr(stream, "fileno", None)
    with contextlib.suppress(OSError, ValueError):
        if fileno is not None:
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, fileno())
            os.close(null)
    if sigpipe_kills():
        raise KilledBySigpipe


def out(text: str) -> None:
    """printf to stdout."""
    _write(sys.stdout, text)


def err(text: str) -> None:
    """fprintf to stderr."""
    _write(sys.stderr, text)
