"""The APC smart serial protocol as NUT 2.8.0's apcsmart driver (3.1) speaks it.

Pure: tables, value conversion, reply filtering, status bits → tokens.
How it works: the driver sends one character per query and the UPS answers
a line ending in CR LF. Between replies the UPS may send *alert*
characters on its own; a reply read "alert aware" hands each alert to
:func:`apply_alert` (which flips the status flags at once) and drops it
from the reply, as NUT's apc_read/alert_handler do. Which variables and
commands a UPS has comes from its command set ('a' → "ver.alerts.cmds"),
each variable then being read once and kept only when it answers; ^Z
lists the values each setting may take (:func:`parse_caps`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from types import MappingProxyType

from nutrio.protocol.common.cnum import c_atoi

__all__ = [
    "ALERT_CHARS",
    "CAPS",
    "CMDSET",
    "COMMANDS",
    "ESC",
    "FW_NEW",
    "FW_OLD",
    "GO_DUMB",
    "GO_SMART",
    "IGNORE_ALERT_AWARE",
    "IGNORE_CAPS",
    "IGNORE_PLAIN",
    "NEXT_VALUE",
    "OPTION_FORMATS",
    "SMART_OK",
    "STATUS",
    "STAT_BOOST",
    "STAT_CAL",
    "STAT_LB",
    "STAT_OB",
    "STAT_OL",
    "STAT_OVER",
    "STAT_RB",
    "STAT_TRIM",
    "STRING_LEN",
    "UNREPORTED",
    "VARS",
    "Cmd",
    "Fmt",
    "Reply",
    "Var",
    "apply_alert",
    "convert",
    "filter_reply",
    "find_command",
    "grace_down_bytes",
    "matches",
    "pack_values",
    "parse_caps",
    "parse_cmdset",
    "parse_status",
    "status_words",
    "string_set_bytes",
]

GO_SMART = b"Y"
SMART_OK = "SM"
GO_DUMB = b"R"
STATUS = b"Q"
CMDSET = b"a"
FW_OLD = b"V"
FW_NEW = b"b"
NEXT_VALUE = b"-"
ESC = b"\x1b"

#: dropped from alert-aware reads (CR, eeprom change, "check alarm register")
IGNORE_ALERT_AWARE = "\r|&"
#: what alert handling acts on
ALERT_CHARS = "$!%+#?="
#: dropped from plain reads: the above together
IGNORE_PLAIN = IGNORE_ALERT_AWARE + ALERT_CHARS
#: ups.id and battery.date are 8-character strings
STRING_LEN = 8
#: command characters NUT never exposes (^Z, DEL, ~ ' ) - + 8 Q R Y a y z)
UNREPORTED = "\x1a\x7f~')-+8QRYayz"
_CMDSET_FORMAT = re.compile(r"^[0-9]\.[^.]*\.[^.]+(\.[^.]+)?$")

STAT_CAL, STAT_TRIM, STAT_BOOST, STAT_OL = 0x01, 0x02, 0x04, 0x08
STAT_OB, STAT_OVER, STAT_LB, STAT_RB = 0x10, 0x20, 0x40, 0x80

#: ups.conf options apcsmart checks at start-up (extended regexes, anchored)
OPTION_FORMATS: Mapping[str, str] = MappingProxyType({
    "awd": r"^[0-9]{1,3}$",
    "sdtype": r"^[0-5]$",
    "advorder": r"^([0-4]{1,5}|[Nn][Oo])$",
    "cshdelay": r"^([0-9]\.?|[0-9]?\.[0-9])$",
})


class Fmt(Enum):
    """How a raw value becomes a NUT value (apcsmart's APC_F_*)."""

    LEAVE = "leave"
    HOURS = "hours"
    MINUTES = "minutes"
    REASON = "reason"


@dataclass(frozen=True, slots=True)
class Var:
    """One row of apcsmart's variable table."""

    name: str
    char: str
    poll: bool = False
    fmt: Fmt = Fmt.LEAVE
    string: bool = False
    multi: bool = False
    pack: bool = False
    regex: str | None = None


_L = Fmt.LEAVE
#: apc_vartab, in NUT's order (MULTI entries in order of preference)
VARS: tuple[Var, ...] = (
    Var("ups.temperature", "C", poll=True),
    Var("ups.load", "P", poll=True),
    Var("ups.test.interval", "E", fmt=Fmt.HOURS),
    Var("ups.test.result", "X", poll=True),
    Var("ups.delay.start", "r"),
    Var("ups.delay.shutdown", "p"),
    Var("ups.id", "c", string=True),
    Var("ups.contacts", "i", poll=True),
    Var("ups.display.language", "\x0c"),
    Var("input.voltage", "L", poll=True),
    Var("input.frequency", "F", poll=True),
    Var("input.sensitivity", "s"),
    Var("input.quality", "9", poll=True),
    Var("input.transfer.low", "l"),
    Var("input.transfer.high", "u"),
    Var("input.transfer.reason", "G", poll=True, fmt=Fmt.REASON),
    Var("input.voltage.maximum", "M", poll=True),
    Var("input.voltage.minimum", "N", poll=True),
    Var("output.current", "/", poll=True),
    Var("output.voltage", "O", poll=True),
    Var("output.voltage.nominal", "o"),
    Var("ambient.humidity", "h", poll=True),
    Var("ambient.0.humidity", "H", poll=True, pack=True),
    Var("ambient.0.humidity.high", "{", poll=True, pack=True),
    Var("ambient.0.humidity.low", "}", poll=True, pack=True),
    Var("ambient.temperature", "t", poll=True),
    Var("ambient.0.temperature", "T", poll=True, pack=True, multi=True,
        regex=r"^[0-9]{2}\.[0-9]{2}$"),
    Var("ambient.0.temperature.high", "[", poll=True, pack=True),
    Var("ambient.0.temperature.low", "]", poll=True, pack=True),
    Var("battery.date", "x", string=True),
    Var("battery.charge", "f", poll=True),
    Var("battery.charge.restart", "e"),
    Var("battery.voltage", "B", poll=True),
    Var("battery.voltage.nominal", "g"),
    Var("battery.runtime", "j", poll=True, fmt=Fmt.MINUTES),
    Var("battery.runtime.low", "q", fmt=Fmt.MINUTES),
    Var("battery.packs", ">"),
    Var("battery.packs.bad", "<"),
    Var("battery.alarm.threshold", "k"),
    Var("device.uptime", "T", poll=True, fmt=Fmt.HOURS, multi=True, regex=r"^[0-9]{3}\.[0-9]{1}$"),
    Var("ups.serial", "n"),
    Var("ups.mfr.date", "m"),
    Var("ups.model", "\x01"),
    Var("ups.firmware.aux", "v"),
    Var("ups.firmware", "b", multi=True, regex=r"^[A-Za-z0-9]+\.[A-Za-z0-9]+\.[A-Za-z0-9]+$"),
    Var("ups.firmware", "V", multi=True),
)


@dataclass(frozen=True, slots=True)
class Cmd:
    """One row of apcsmart's command table.

    ``ext``: the regex the command's value must match (None: no value
    allowed). ``nasty``: must be asked twice, 3 to 15 s apart.
    ``repeat``: the character goes out twice, 1.3 s apart.
    """

    name: str
    char: str
    ext: str | None = None
    nasty: bool = False
    repeat: bool = False


#: apc_cmdtab, in NUT's order
COMMANDS: tuple[Cmd, ...] = (
    Cmd("shutdown.return", "@", ext=r"^[Aa][Tt]:[0-9]{1,3}$", nasty=True),
    Cmd("shutdown.return", "S", ext=r"^([Cc][Ss]|)$", nasty=True),
    Cmd("shutdown.stayoff", "K", nasty=True, repeat=True),
    Cmd("load.off", "Z", nasty=True, repeat=True),
    Cmd("load.on", "\x0e", repeat=True),
    Cmd("calibrate.start", "D"),
    Cmd("calibrate.stop", "D"),
    Cmd("test.panel.start", "A"),
    Cmd("test.failure.start", "U"),
    Cmd("test.battery.start", "W"),
    Cmd("test.battery.stop", "W"),
    Cmd("bypass.start", "^"),
    Cmd("bypass.stop", "^"),
)


def matches(regex: str | None, value: str | None) -> bool:
    """NUT's rexhlp: no regex matches anything; a missing value is ""."""
    if not regex:
        return True
    return re.search(regex, value or "") is not None


# -- reading replies -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reply:
    """A reply line with its alerts taken out (in arrival order)."""

    text: str
    alerts: tuple[str, ...] = ()


def filter_reply(raw: bytes, *, alert_aware: bool, ignore: str | None = None) -> Reply:
    """Drop line ends, '*' and the ignore set; collect alerts when ``alert_aware``.

    ``ignore`` replaces the default ignore set (the capability and command
    set reads use their own). Bytes are read as Latin-1, one char each.
    """
    if ignore is None:
        ignore = IGNORE_ALERT_AWARE if alert_aware else IGNORE_PLAIN
    text, alerts = [], []
    for ch in raw.decode("latin-1"):
        if ch in "\r\n*" or ch in ignore:  # CR is gone already on NUT's tty (IGNCR)
            continue
        if alert_aware and ch in ALERT_CHARS:
            alerts.append(ch)
            continue
        text.append(ch)
    return Reply("".join(text), tuple(alerts))


def apply_alert(status: int, alert: str) -> int:
    """The status byte after one alert character (apcsmart alert_handler)."""
    match alert:
        case "!":
            return (status & ~STAT_OL) | STAT_OB
        case "$":
            return (status & ~STAT_OB) | STAT_OL
        case "%":
            return status | STAT_LB
        case "+":
            return status & ~STAT_LB
        case "#":
            return status | STAT_RB
        case "?":
            return status | STAT_OVER
        case "=":
            return status & ~STAT_OVER
    return status


def parse_status(text: str) -> int:
    """strtol(text, 0, 16) & 0xff: leading hex digits, 0 when none."""
    match = re.match(r"\s*[+-]?(?:0[xX])?([0-9A-Fa-f]+)", text)
    if match is None:
        return 0
    value = int(match.group(1), 16)
    if text.lstrip().startswith("-"):
        value = -value
    return value & 0xFF


_ORDER = (
    (STAT_CAL, "CAL"), (STAT_TRIM, "TRIM"), (STAT_BOOST, "BOOST"), (STAT_OL, "OL"),
    (STAT_OB, "OB"), (STAT_OVER, "OVER"), (STAT_LB, "LB"), (STAT_RB, "RB"),
)


def status_words(status: int) -> tuple[str, ...]:
    """ups.status tokens in apcsmart's order; a zero byte is "OFF"."""
    words = tuple(word for bit, word in _ORDER if status & bit)
    return words or ("OFF",)


_REASONS: Mapping[str, str] = MappingProxyType({
    "R": "unacceptable utility voltage rate of change",
    "H": "high utility voltage",
    "L": "low utility voltage",
    "T": "line voltage notch or spike",
    "O": "no transfers yet since turnon",
    "S": "simulated power failure or UPS test",
})


def convert(var: Var, raw: str) -> str:
    """A raw reply as NUT serves it (hours and minutes become seconds)."""
    match var.fmt:
        case Fmt.HOURS:
            return str(3600 * c_atoi(raw))
        case Fmt.MINUTES:
            return str(60 * c_atoi(raw))
        case Fmt.REASON:
            return _REASONS.get(raw[:1], raw)
    return raw


def pack_values(var: Var, raw: str, max_fields: int = 4) -> dict[str, str]:
    """A packed reply ("a,b,c") as ambient.1.x, ambient.2.x, ... ("N/A" when empty)."""
    values = {}
    for index, part in enumerate(raw.split(",")[:max_fields]):
        name = var.name.replace(".0.", f".{index + 1}.", 1)
        values[name] = convert(var, part) if part else "N/A"
    return values


def parse_cmdset(text: str) -> str | None:
    """The command characters of an 'a' reply, or None when it is not one."""
    if not _CMDSET_FORMAT.match(text):
        return None
    return text.split(".")[2]


CAPS = b"\x1a"
#: dropped from the capability read (^Z): like alert-aware reads, but '#' starts the reply
IGNORE_CAPS = "\r|&$!%+?="


def parse_caps(text: str) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    """The entries of a ^Z reply: (command char, locale char, allowed raw values).

    The reply starts with '#' (Matrix-UPS: each entry with "##"); each entry
    is the char, the locale, a digit count of values and a digit value length,
    then the values. Raises ValueError when an entry runs past the end, which
    NUT treats as fatal ("capability string has overflowed").
    """
    if not text.startswith("#"):
        raise ValueError(f"unknown capability start char {text[:1]!r}")
    matrix = text[1:2] == "#"
    pos, entries = (0 if matrix else 1), []
    while pos < len(text):
        if matrix:
            pos += 2
        if pos + 4 > len(text):
            raise ValueError("capability string has overflowed")
        char, loc = text[pos], text[pos + 1]
        count, size = ord(text[pos + 2]) - 48, ord(text[pos + 3]) - 48
        pos += 4
        if count < 0 or size < 0 or pos + count * size > len(text):
            raise ValueError("capability string has overflowed")
        values = tuple(text[pos + i * size : pos + (i + 1) * size] for i in range(count))
        pos += count * size
        entries.append((char, loc, values))
    return tuple(entries)


def find_command(name: str, value: str | None) -> Cmd | None:
    """The table row for a command and its value (NUT's instcmd lookup)."""
    for cmd in COMMANDS:
        if cmd.name != name.lower():
            continue
        if cmd.ext is not None:
            if matches(cmd.ext, value):
                return cmd
        elif value is None:
            return cmd
    return None


def grace_down_bytes(awd: str | None) -> bytes:
    """'@' and the wake-up delay digits, zero-padded to 3 (or kept at 2)."""
    digits = awd or "000"
    width = 2 if len(digits) == 2 else 3
    return ("@" + digits.rjust(width, "0")).encode()


def string_set_bytes(value: str) -> bytes:
    """'-' and an 8-character string value, padded with CRs."""
    return ("-" + value + "\r" * (STRING_LEN - len(value))).encode("latin-1")
