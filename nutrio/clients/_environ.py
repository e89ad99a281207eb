"""NUT 2.8.5's client environment for one run: debug lines and the connect timeout.

:func:`start` reads ``NUT_DEBUG_LEVEL`` when a tool starts and
:func:`after_options` reads ``NUT_DEFAULT_CONNECT_TIMEOUT`` where 2.8.5's
tools do (after their options); the parsing is in
:mod:`nutrio.protocol.client.environment`.

With a debug level set, every line a tool logs on stderr (its errors and
notices, not getopt's or the usage text) starts with the seconds since the
start, and :func:`debug` lines carry ``[D<level><tag>]``. The tag is NUT's
"proctag": ``:upsc`` while the tool is itself, ``:<ups>`` once it works for
a UPS (``setproctag``); lines from the client library add
``:libupsclient`` (``:upsc:libupsclient``, ``:libupsclient:<ups>``).
"""

from __future__ import annotations

import os
import time

from nutrio.clients._stdio import err
from nutrio.protocol.client.environment import (
    ConnectTimeout,
    connect_timeout,
    debug_level,
    debug_line,
)

__all__ = ["after_options", "clean_exit", "debug", "debugging", "logged", "set_tag", "start", "timeout"]

_LIB = ":libupsclient"


class _Run:
    level = 0
    started = 0.0
    prog = ""
    tag = ""  # the tool's proctag
    lib_tag = ""  # the client library's
    timeout = connect_timeout(None)


def start(prog: str, *, announce: bool = True) -> None:
    """A tool starts: reset, read ``NUT_DEBUG_LEVEL``, take the tool's own tag.

    *announce*: the tool logs "Starting NUT client" (upsc, upscmd, upsrw).
    """
    _Run.started = time.monotonic()
    _Run.prog, _Run.tag, _Run.lib_tag = prog, "", ""
    _Run.level = debug_level(os.environ.get("NUT_DEBUG_LEVEL"))
    _Run.timeout = connect_timeout(None)
    debug(1, f"Defaulting debug verbosity to NUT_DEBUG_LEVEL={_Run.level} "
             "since none was requested by command-line options")
    set_tag(prog)
    if announce:
        debug(1, f"Starting NUT client: {prog}")


def after_options() -> None:
    """Choose the connect timeout (``NUT_DEFAULT_CONNECT_TIMEOUT``), as 2.8.5 does after getopt."""
    _Run.timeout = connect_timeout(os.environ.get("NUT_DEFAULT_CONNECT_TIMEOUT"))
    for warning in _Run.timeout.warnings:
        err(logged(warning) + "\n")
    debug(1, _Run.timeout.debug_message(), lib=True)


def clean_exit() -> None:
    """The last debug line of upsc, upscmd and upsrw (their atexit handler)."""
    debug(1, "clean_exit: finished, exiting")


def timeout() -> ConnectTimeout:
    """The connect timeout of this run."""
    return _Run.timeout


def set_tag(tag: str) -> None:
    """NUT's setproctag, for the tool and its client library."""
    if _stem(tag) == _Run.prog:
        _Run.tag, _Run.lib_tag = f":{_Run.prog}", f":{_Run.prog}{_LIB}"
    else:
        _Run.tag, _Run.lib_tag = f":{tag}", f"{_LIB}:{tag}"


def _stem(tag: str) -> str:
    # xbasename_no_ext: the last path part without its extension
    base = tag.rsplit("/", 1)[-1]
    return base.rsplit(".", 1)[0] if "." in base else base


def debugging() -> bool:
    """Whether NUT_DEBUG_LEVEL turned debugging on."""
    return _Run.level > 0


def debug(level: int, message: str, *, lib: bool = False) -> None:
    """upsdebugx: a line on stderr when the debug level is at least *level*."""
    if _Run.level >= level:
        tag = _Run.lib_tag if lib else _Run.tag
        err(debug_line(time.monotonic() - _Run.started, message, level, tag))


def logged(message: str) -> str:
    """upslogx / fatalx text: with debugging on, the seconds since the start come first."""
    if _Run.level <= 0:
        return message
    return debug_line(time.monotonic() - _Run.started, message)[:-1]
