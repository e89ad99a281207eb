"""The environment NUT 2.8.5's clients read, parsed as they parse it (pure).

- ``NUT_DEFAULT_CONNECT_TIMEOUT``: seconds a connect may take
  (upsclient.c, ``upscli_init_default_connect_timeout``). Each client starts
  from its built-in ``"10"``; a valid variable replaces it; ``0`` means wait
  as long as the system lets a connect wait; anything else (negative, not a
  number, out of range) is refused with a warning and the default stays.
  The number is read like NUT's ``str_to_double`` (blanks around allowed,
  only ``-+.0123456789Ee``, the whole text a number).
- ``NUT_DEBUG_LEVEL``: a positive whole number (NUT's ``str_to_int``)
  turns the clients' debug lines on at that level.

NUT 2.8.5 reads no credentials file in its clients: ``nutauth.conf`` only
appears after that release (NUT's master, planned for 2.8.6).
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass

__all__ = ["DEFAULT_CONNECT_TIMEOUT", "ConnectTimeout", "connect_timeout", "debug_level", "debug_line"]

#: The built-in default of upsc, upscmd, upsrw and upslog in NUT 2.8.5.
DEFAULT_CONNECT_TIMEOUT = "10"

_DECIMAL = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_INTEGER = re.compile(r"[+-]?\d+")
_INT_MAX = 2**31 - 1
_FUNC = "upscli_init_default_connect_timeout"


def _str_to_double(text: str) -> float | None:
    trimmed = text.strip(" \t\n\v\f\r")
    if not trimmed or trimmed.strip("-+.0123456789Ee") or not _DECIMAL.fullmatch(trimmed):
        return None
    number = float(trimmed)
    mantissa = re.split("[eE]", trimmed)[0]
    underflow = abs(number) < sys.float_info.min and any(ch in "123456789" for ch in mantissa)
    if number in (float("inf"), float("-inf")) or underflow:
        return None  # strtod's ERANGE
    return number


def _timeval(text: str) -> tuple[int, int] | None:
    """upscli_set_default_connect_timeout: (seconds, microseconds), or None when refused."""
    number = _str_to_double(text)
    if number is None or number < 0:
        return None
    return int(number), int(number * 1_000_000) % 1_000_000


@dataclass(frozen=True, slots=True)
class ConnectTimeout:
    """The connect timeout a client uses, where it came from, and what NUT says about it."""

    timeval: tuple[int, int]  # (0, 0): no timeout
    source: str  # "default_secs" or "envvar_secs"
    warnings: tuple[str, ...]

    @property
    def seconds(self) -> float | None:
        """The timeout for connect(), None to wait as long as the system does."""
        sec, usec = self.timeval
        return None if (sec, usec) == (0, 0) else sec + usec / 1_000_000

    def debug_message(self) -> str:
        """The level-1 debug line upsclient prints once the choice is made."""
        sec, usec = self.timeval
        return f"{_FUNC}: upscli_default_connect_timeout={sec}.{usec:06d} sec assigned from: {self.source}"


def connect_timeout(envvar: str | None, default: str = DEFAULT_CONNECT_TIMEOUT) -> ConnectTimeout:
    """The built-in default, replaced by ``NUT_DEFAULT_CONNECT_TIMEOUT`` (*envvar*) when valid."""
    timeval, source = _timeval(default), "default_secs"
    assert timeval is not None, default
    warnings: tuple[str, ...] = ()
    if envvar is not None:
        from_env = _timeval(envvar)
        if from_env is None:
            warnings = (f"{_FUNC}: NUT_DEFAULT_CONNECT_TIMEOUT='{envvar}' value was not recognized, ignored",)
        else:
            timeval, source = from_env, "envvar_secs"
    return ConnectTimeout(timeval=timeval, source=source, warnings=warnings)


def debug_level(envvar: str | None) -> int:
    """``NUT_DEBUG_LEVEL`` as the clients take it: a positive int, else 0 (off)."""
    if envvar is None:
        return 0
    trimmed = envvar.strip(" \t\n\v\f\r")
    if not _INTEGER.fullmatch(trimmed):
        return 0
    level = int(trimmed)
    return level if 0 < level <= _INT_MAX else 0


def debug_line(elapsed: float, message: str, level: int | None = None, tag: str = "") -> str:
    """A log line as NUT's clients write it to stderr once debugging is on.

    ``%4.0f.%06ld`` seconds since the start, a tab, ``[D<level><tag>] `` for
    a debug line (*level* given), the message, a newline.
    """
    seconds = int(elapsed)
    micros = int(round((elapsed - seconds) * 1_000_000))
    if micros == 1_000_000:
        seconds, micros = seconds + 1, 0
    prefix = "" if level is None else f"[D{level}{tag}] "
    return f"{seconds:4d}.{micros:06d}\t{prefix}{message}\n"
