"""NUT 2.8.0's safenet (1.7): the SafeNet serial protocol of Fairstone, Fenton, Gemini,
Powerwell, Repotec, Soltec, Sweex and other units sold with SafeNet software.

How it works: every request is 12 letters and a CR; every answer, commands
included, is the status line ``$`` + 10 letters A/B (B: the flag is set) +
a line end. The status requests are random letters A-J with one ``L``, as
the SafeNet software sends them: the second letter says how far after it
the ``L`` stands. NUT draws the letters from the C library's ``random()``
never seeded (glibc seeds it with 1), so its requests are the same at every
start; :class:`GlibcRandom` gives that same sequence. The shutdown requests
carry their delays as letters (0 = A, 1 = B, ...).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from nutrio.protocol.common.cnum import c_atoi

__all__ = ["BATTERY_TEST", "FLAGS", "INITIALIZE", "MAINS_TEST", "REPLY_MAX", "STOP_TEST",
           "TOGGLE_BEEP",
           "GlibcRandom", "SafenetStatus", "Setup", "alarms", "configure", "is_status_request",
           "parse_status", "reboot_request", "return_request", "status_request", "status_words"]

INITIALIZE = b"ZCADLIOPERJD\r"
MAINS_TEST = b"ZFSDERBTRFGY\r"
BATTERY_TEST = b"ZAVLEJFICOPR\r"
STOP_TEST = b"ZGWLEJFICOPR\r"
TOGGLE_BEEP = b"ZELWSABPMBEQ\r"

#: the ten flags of a status line, in order (NUT's struct safenet; "dunno" ones unused)
FLAGS = ("onbattery", "dunno_02", "batterylow", "overload", "dunno_05", "silenced",
         "batteryfail", "systemfail", "systemtest", "dunno_10")
#: the longest line NUT's read keeps (its reply buffer)
REPLY_MAX = 32


@dataclass(frozen=True, slots=True)
class SafenetStatus:
    """One status line's flags."""

    flags: frozenset[str]

    def __getattr__(self, name: str) -> bool:
        if name in FLAGS:
            return name in self.flags
        raise AttributeError(name)


def parse_status(line: bytes) -> SafenetStatus | None:
    """The flags of a reply as NUT's read returns it, or None when NUT would not take it.

    NUT reads the line in canonical mode (CR ends it, as LF does), so a
    12-byte read is ``$``, 10 letters and the line end; it takes the reply
    when those 10 letters are all A or B.
    """
    if len(line) != 12 or line[:1] != b"$" or line[11:] not in (b"\r", b"\n"):
        return None
    body = line[1:11]
    if any(letter not in b"AB" for letter in body):
        return None
    return SafenetStatus(frozenset(name for name, letter in zip(FLAGS, body, strict=True)
                                   if letter == ord("B")))


def status_words(status: SafenetStatus) -> list[str]:
    """ups.status as NUT's safenet_update builds it (ALARM aside: see :func:`alarms`)."""
    words = ["OB" if status.onbattery else "OL"]
    for flag, word in (("batterylow", "LB"), ("overload", "OVER"), ("batteryfail", "RB"),
                       ("systemtest", "CAL")):
        if flag in status.flags:
            words.append(word)
    return words


def alarms(status: SafenetStatus) -> list[str]:
    """What goes to ups.alarm (nothing for none)."""
    return ["System selftest fail!"] if status.systemfail else []


class GlibcRandom:
    """glibc's ``random()`` (the default TYPE_3 generator), seeded as ``srandom(seed)``."""

    def __init__(self, seed: int = 1) -> None:
        state = [seed]
        for i in range(1, 31):
            word = (16807 * state[i - 1]) % 2147483647
            state.append(word)
        state += [state[i - 31] for i in range(31, 34)]
        self._r = state
        for _ in range(310):  # glibc discards the first 310 outputs
            self._next()

    def _next(self) -> int:
        word = (self._r[-3] + self._r[-31]) & 0xFFFFFFFF
        self._r.append(word)
        del self._r[0]
        return word >> 1

    def random(self) -> int:
        return self._next()


def status_request(rng: GlibcRandom) -> bytes:
    """The next status request (upsdrv_updateinfo's letters)."""
    letters = [chr(rng.random() % 10 + ord("A")) for _ in range(11)]
    letters[ord(letters[0]) - ord("A") + 1] = "L"
    return ("Z" + "".join(letters) + "\r").encode()


def is_status_request(request: bytes) -> bool:
    """Whether a request has the status request's shape (what the units check)."""
    if len(request) != 13 or request[:1] != b"Z" or request[12:] != b"\r":
        return False
    body = request[1:12].decode("latin-1")
    at = ord(body[0]) - ord("A") + 1
    return "A" <= body[0] <= "J" and body[at] == "L" and all(
        "A" <= ch <= "J" for i, ch in enumerate(body) if i != at)


def _digits(value: int, count: int) -> str:
    return "".join(chr(ord("A") + int(d)) for d in f"{value % 10**count:0{count}d}")


def return_request(offdelay: int) -> bytes:
    """shutdown.return: off after ``offdelay`` seconds, on when the power returns."""
    return f"ZBAS{_digits(offdelay, 3)}WLPGE\r".encode()


def reboot_request(offdelay: int, ondelay: int) -> bytes:
    """shutdown.reboot: off after ``offdelay`` seconds, on ``ondelay`` minutes later."""
    return f"ZAF{_digits(offdelay, 3)}R{_digits(ondelay, 4)}O\r".encode()


@dataclass(frozen=True, slots=True)
class Setup:
    """What ups.conf made of the driver."""

    manufacturer: str = "unknown"
    model: str = "unknown"
    serial: str = "unknown"
    ondelay: int = 1  # minutes
    offdelay: int = 30  # seconds


_LONG = 2**63


def _strtol(text: str) -> int:
    return max(-_LONG, min(_LONG - 1, c_atoi(text)))  # strtol saturates at LONG_MIN/MAX


def configure(options: Mapping[str, str]) -> Setup:
    """The setup from ups.conf options; ValueError with NUT's message for a bad delay."""
    ondelay = _strtol(options["ondelay"]) if "ondelay" in options else 1
    if not 0 <= ondelay <= 9999:
        raise ValueError(f"Start delay '{ondelay}' out of range [0..9999]")
    offdelay = _strtol(options["offdelay"]) if "offdelay" in options else 30
    if not 0 <= offdelay <= 999:
        raise ValueError(f"Shutdown delay '{offdelay}' out of range [0..999]")
    return Setup(options.get("manufacturer", "unknown"), options.get("modelname", "unknown"),
                 options.get("serialnumber", "unknown"), ondelay, offdelay)
