"""The Megatec/Q1 serial protocol as NUT 2.8.0's nutdrv_qx (protocol "megatec") speaks it.

Pure: replies in, variables and status tokens out, command bytes back.
How it works: each query (``Q1``, ``F``, ``I``) has a table of fixed-column
fields, the way nutdrv_qx's qx2nut table reads them (drivers/nutdrv_qx_megatec.c):
a reply must be at least as long as the table says and start with the
table's lead character, else the whole reply is refused. A numeric field
holding anything but digits, blanks and dots is skipped (its variable keeps
its old value); a status bit that is not ``0``/``1`` refuses the reply.

Status bits act on a persistent set of flags as nutdrv_qx's ``ups_status``
mask does: a full update starts from nothing, a quick update only sets or
clears what its bits say (so TRIM/BOOST/BYPASS linger until the next full
update, as in NUT). :func:`status_words` orders the tokens like NUT's
ups_status_set.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

__all__ = [
    "ACCEPTED",
    "COMMANDS",
    "DEFAULT_OFFDELAY",
    "DEFAULT_ONDELAY",
    "F_FIELDS",
    "I_FIELDS",
    "OFFDELAY_RANGE",
    "ONDELAY_RANGE",
    "Q1",
    "Q1_FIELDS",
    "STATUS_BITS",
    "F",
    "Field",
    "I",
    "ReplyError",
    "RuntimeCal",
    "alarms",
    "apply_status_bits",
    "beeper_status",
    "c_strtod",
    "c_strtol",
    "check_reply",
    "command_bytes",
    "command_succeeded",
    "default_voltage_limits",
    "detect_packs",
    "field_value",
    "guess_charge",
    "is_number",
    "read_fields",
    "status_bits",
    "status_words",
    "truncate_offdelay",
    "truncate_ondelay",
    "ups_type",
]

#: The queries, each ending in CR as the UPS expects.
Q1 = b"Q1\r"
F = b"F\r"
I = b"I\r"

#: nutdrv_qx's megatec subdriver treats this reply to a command as success.
ACCEPTED = "ACK"

#: ups.delay.start / ups.delay.shutdown defaults (nutdrv_qx.h) and ranges (blazer-common).
DEFAULT_ONDELAY = "180"
DEFAULT_OFFDELAY = "30"
ONDELAY_RANGE = (0, 599940)
OFFDELAY_RANGE = (12, 600)


_FLOAT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


class ReplyError(ValueError):
    """A reply nutdrv_qx would refuse: too short, wrong lead, bad status bit."""


@dataclass(frozen=True, slots=True)
class Field:
    """One fixed-column item: ``reply[start:end+1]`` becomes ``name``.

    ``fmt`` is the printf-style format of a numeric value; None keeps the
    text (NUT's "%s"). ``trim`` strips blanks and '#' on both sides.
    """

    name: str
    start: int
    end: int
    fmt: str | None = None
    trim: bool = False


@dataclass(frozen=True, slots=True)
class _Query:
    min_len: int
    lead: str


_QUERIES: Mapping[bytes, _Query] = MappingProxyType({
    Q1: _Query(47, "("),
    F: _Query(22, "#"),
    I: _Query(39, "#"),
})

# (MMM.M NNN.N PPP.P QQQ RR.R S.SS TT.T b7b6b5b4b3b2b1b0<cr>
Q1_FIELDS: tuple[Field, ...] = (
    Field("input.voltage", 1, 5, "%.1f"),
    Field("input.voltage.fault", 7, 11, "%.1f"),
    Field("output.voltage", 13, 17, "%.1f"),
    Field("ups.load", 19, 21, "%.0f"),
    Field("input.frequency", 23, 26, "%.1f"),
    Field("battery.voltage", 28, 31, "%.2f"),
    Field("ups.temperature", 33, 36, "%.1f"),
)
# #MMM.M QQQ SS.SS RR.R<cr>
F_FIELDS: tuple[Field, ...] = (
    Field("input.voltage.nominal", 1, 5, "%.0f"),
    Field("input.current.nominal", 7, 9, "%.1f"),
    Field("battery.voltage.nominal", 11, 15, "%.1f"),
    Field("input.frequency.nominal", 17, 20, "%.0f"),
)
# #Company_Name(15) UPS_Model(10) Version(10)<cr>; NUT 2.8.0 (megatec 0.06) serves
# the first two as device.mfr/device.model (checked against the real nutdrv_qx)
I_FIELDS: tuple[Field, ...] = (
    Field("device.mfr", 1, 15, None, trim=True),
    Field("device.model", 17, 26, None, trim=True),
    Field("ups.firmware", 28, 37, None, trim=True),
)

#: Column of each Q1 status bit (b7 at 38 ... b0 at 45).
STATUS_BITS: Mapping[str, int] = MappingProxyType({
    "utility_fail": 38,
    "battery_low": 39,
    "bypass_boost_buck": 40,
    "ups_failed": 41,
    "line_interactive": 42,
    "test_in_progress": 43,
    "shutdown_active": 44,
    "beeper_on": 45,
})


def _text(reply: bytes) -> str:
    return reply.decode("latin-1")


def check_reply(query: bytes, reply: bytes, *, min_len: int | None = None) -> str:
    """The reply as text, or :class:`ReplyError` when nutdrv_qx would refuse it.

    ``reply`` is what the UPS sent, its trailing CR included if it came;
    ``min_len`` replaces the table's shortest length (blazer accepts 46 for Q1).
    """
    spec = _QUERIES[query]
    if len(reply) < (spec.min_len if min_len is None else min_len):
        raise ReplyError(f"short reply to {query!r}: {len(reply)} bytes")
    text = _text(reply)
    if text[0] != spec.lead:
        raise ReplyError(f"reply to {query!r} starts with {text[0]!r}, not {spec.lead!r}")
    return text


def is_number(text: str) -> bool:
    """nutdrv_qx's test for a numeric field: only digits, blanks and dots."""
    return all(ch in "0123456789 ." for ch in text)


def c_strtod(text: str) -> float:
    """C strtod on the leading part of ``text`` (0.0 when nothing parses)."""
    match = _FLOAT.match(text.lstrip(" \t\n\v\f\r"))
    return float(match.group(0)) if match else 0.0


def c_strtol(text: str) -> int:
    """C strtol(text, NULL, 10): optional sign and leading digits, else 0."""
    body = text.lstrip(" \t\n\v\f\r")
    sign = -1 if body[:1] == "-" else 1
    if body[:1] in "+-" and body:
        body = body[1:]
    digits = ""
    for ch in body:
        if ch not in "0123456789":
            break
        digits += ch
    return sign * int(digits) if digits else 0


def field_value(text: str, field: Field) -> str | None:
    """The variable value of one field, or None when NUT would not set it."""
    raw = text[field.start : field.end + 1]
    if field.trim:
        raw = raw.strip("# ")
    if field.fmt is not None:
        if not is_number(raw):
            return None  # "non numerical value": the variable keeps its old value
        raw = field.fmt % c_strtod(raw)
    return raw or None  # an empty value is "non significant"


def read_fields(text: str, fields: tuple[Field, ...]) -> dict[str, str]:
    """name → value for every field NUT would set from this reply."""
    values = {}
    for field in fields:
        value = field_value(text, field)
        if value is not None:
            values[field.name] = value
    return values


def status_bits(text: str) -> dict[str, bool | None]:
    """The eight Q1 status bits; None for a bit that is neither 0 nor 1."""
    return {
        name: {"0": False, "1": True}.get(text[column]) for name, column in STATUS_BITS.items()
    }


def _bit(bits: Mapping[str, bool | None], name: str) -> bool:
    value = bits[name]
    if value is None:
        raise ReplyError(f"status bit {name} is neither 0 nor 1")
    return value


def _bypass_flag(input_voltage: float, output_voltage: float) -> str:
    """Which of TRIM/BYPASS/BOOST the "bypass/boost or buck" bit means (blazer-common)."""
    if output_voltage < 0.5 * input_voltage:
        raise ReplyError("bypass/boost/buck bit set but output voltage too low")
    if output_voltage < 0.95 * input_voltage:
        return "TRIM"
    if output_voltage < 1.05 * input_voltage:
        return "BYPASS"
    if output_voltage < 1.5 * input_voltage:
        return "BOOST"
    raise ReplyError("bypass/boost/buck bit set but output voltage too high")


def apply_status_bits(
    flags: frozenset[str],
    bits: Mapping[str, bool | None],
    *,
    input_voltage: float,
    output_voltage: float,
    ignore_shutdown_bit: bool = False,
) -> frozenset[str]:
    """The new status flags after one Q1 reply (see the module comment).

    ``input_voltage``/``output_voltage`` are the values the driver holds
    when the bits are read, as nutdrv_qx reads them back from its state.
    Raises :class:`ReplyError` when a status bit is not 0/1 or the bypass
    bit cannot be interpreted (nutdrv_qx then fails the whole poll).
    """
    new = set(flags)

    def put(flag: str, on: bool) -> None:
        (new.add if on else new.discard)(flag)

    put("OL", not _bit(bits, "utility_fail"))
    put("LB", _bit(bits, "battery_low"))
    if _bit(bits, "bypass_boost_buck"):
        new.add(_bypass_flag(input_voltage, output_voltage))
    put("CAL", _bit(bits, "test_in_progress"))
    if not ignore_shutdown_bit:
        put("FSD", _bit(bits, "shutdown_active"))
    return frozenset(new)


#: ups_status_set's order; OB is written whenever OL is absent.
_ORDER = ("DISCHRG", "CHRG", "LB", "OVER", "RB", "TRIM", "BOOST", "BYPASS", "OFF", "CAL", "FSD")


def status_words(flags: frozenset[str]) -> tuple[str, ...]:
    """ups.status tokens in nutdrv_qx's order (without the ALARM prefix)."""
    first = "OL" if "OL" in flags else "OB"
    return (first, *(word for word in _ORDER if word in flags))


def alarms(bits: Mapping[str, bool | None], flags: frozenset[str]) -> tuple[str, ...]:
    """ups.alarm messages of a full update: the "UPS failed" bit, then ups_alarm_set's."""
    found = []
    if bits["ups_failed"]:  # None (not 0/1): that item is skipped
        found.append("UPS selftest failed!")
    if "RB" in flags:
        found.append("Replace battery!")
    if "FSD" in flags:
        found.append("Shutdown imminent!")
    return tuple(found)


# -- instant commands --------------------------------------------------------


def _offdelay_part(offdelay: int) -> str:
    # below a minute the UPS counts tenths of a minute: ".n" (n = seconds / 6)
    return f".{offdelay // 6}" if offdelay < 60 else f"{offdelay // 60:02d}"


def _shutdown_return(offdelay: int, ondelay: int, value: str) -> str:
    minutes = ondelay // 60
    if minutes == 0:
        return f"S{_offdelay_part(offdelay)}"
    return f"S{_offdelay_part(offdelay)}R{minutes:04d}"


def _shutdown_stayoff(offdelay: int, ondelay: int, value: str) -> str:
    return f"S{_offdelay_part(offdelay)}R0000"


def _test_battery(offdelay: int, ondelay: int, value: str) -> str:
    seconds = c_strtol(value) if value else 600
    if not 60 <= seconds <= 5940:
        raise ValueError(f"battery test time {seconds} out of range [60..5940] seconds")
    return f"T{seconds // 60:02d}"


def _fixed(text: str) -> Callable[[int, int, str], str]:
    return lambda offdelay, ondelay, value: text


#: NUT command name → builder(offdelay, ondelay, value) of the wire text (without CR).
COMMANDS: Mapping[str, Callable[[int, int, str], str]] = MappingProxyType({
    "beeper.toggle": _fixed("Q"),
    "load.off": _fixed("S00R0000"),
    "load.on": _fixed("C"),
    "shutdown.return": _shutdown_return,
    "shutdown.stayoff": _shutdown_stayoff,
    "shutdown.stop": _fixed("C"),
    "test.battery.start": _test_battery,
    "test.battery.start.deep": _fixed("TL"),
    "test.battery.start.quick": _fixed("T"),
    "test.battery.stop": _fixed("CT"),
})


def command_bytes(name: str, value: str | None, *, offdelay: int, ondelay: int) -> bytes:
    """The bytes nutdrv_qx sends for an instant command.

    Raises:
        KeyError: not a megatec command.
        ValueError: the value is out of range (NUT answers FAILED).
    """
    return (COMMANDS[name](offdelay, ondelay, value or "") + "\r").encode()


def command_succeeded(reply: bytes) -> bool:
    """No reply, or "ACK", is success; anything else (an echo) is failure."""
    text = _text(reply).split("\r", 1)[0]
    return text == "" or text.lower() == ACCEPTED.lower()


def truncate_ondelay(seconds: int) -> int:
    """ups.delay.start is kept in whole minutes."""
    return seconds - seconds % 60


def truncate_offdelay(seconds: int) -> int:
    """ups.delay.shutdown: tenths of a minute below 60 s, whole minutes above."""
    return seconds - seconds % 6 if seconds < 60 else seconds - seconds % 60


# -- battery.charge guesstimation (nutdrv_qx qx_initbattery / qx_battery) -----

_PACKS = (120, 100, 80, 60, 48, 36, 30, 24, 18, 12, 8, 6, 4, 3, 2, 1, 0.5)


def default_voltage_limits(nominal: float) -> tuple[float, float]:
    """battery.voltage.low/high when neither the UPS nor ups.conf gives them."""
    return 104 * nominal / 120, 130 * nominal / 120


def detect_packs(actual: float, nominal: float) -> float | None:
    """The battery voltage multiplier: the largest that puts ``actual`` near ``nominal``."""
    for packs in _PACKS:
        if packs * actual > 1.2 * nominal:
            continue
        if packs * actual < 0.8 * nominal:
            return None
        return float(packs)
    return None


def guess_charge(actual: float, low: float, high: float) -> str | None:
    """battery.charge from the voltage, linear between low and high, "%.0f"."""
    if not (low > 0 and high > low):
        return None
    charge = min(100.0, max(0.0, 100 * (actual - low) / (high - low)))
    return f"{charge:.0f}"


@dataclass(frozen=True, slots=True)
class RuntimeCal:
    """ups.conf ``runtimecal = rh,lh,rl,ll``: runtime rh s at lh % load, rl s at ll %.

    ``exponent`` relates load to drain; ``nominal`` is the runtime at 100 % load.
    """

    exponent: float
    nominal: float

    @classmethod
    def parse(cls, text: str) -> RuntimeCal:
        """Raises ValueError with NUT's complaint when the four numbers do not fit."""
        parts = text.split(",")
        try:
            rh, lh, rl, ll = (float(part) for part in parts[:4])
        except ValueError:
            raise ValueError("Insufficient parameters for runtimecal") from None
        if rl < rh or rh <= 0:
            raise ValueError("Parameter out of range (runtime)")
        if lh > 100 or ll > lh or ll <= 0:
            raise ValueError("Parameter out of range (load)")
        exponent = math.log(rl / rh) / math.log(lh / ll)
        return cls(exponent=exponent, nominal=rh * (lh / 100) ** exponent)

    def effective_load(self, load_percent: float, idle: float) -> float:
        """How fast the battery drains at this load, never below the idle load."""
        return max(float((load_percent / 100) ** self.exponent), idle)


def ups_type(bits: Mapping[str, bool | None]) -> str | None:
    """ups.type from the "UPS type" bit (read once, at start-up)."""
    value = bits["line_interactive"]
    return None if value is None else ("offline / line interactive" if value else "online")


def beeper_status(bits: Mapping[str, bool | None]) -> str | None:
    """ups.beeper.status from the beeper bit."""
    value = bits["beeper_on"]
    return None if value is None else ("enabled" if value else "disabled")


# -- blazer_ser (NUT's older megatec driver, drivers/blazer.c) -------------------
# blazer splits Q1 and F replies into blank-separated words instead of reading
# fixed columns, skips a word that is not digits and dots, and needs exactly
# eight 0/1 characters at the start of the status word.

BLAZER_Q1_MIN = 46
BLAZER_Q1_VARS: tuple[tuple[str, str], ...] = (
    ("input.voltage", "%.1f"), ("input.voltage.fault", "%.1f"), ("output.voltage", "%.1f"),
    ("ups.load", "%.0f"), ("input.frequency", "%.1f"), ("battery.voltage", "%.2f"),
    ("ups.temperature", "%.1f"),
)
BLAZER_F_VARS: tuple[tuple[str, str], ...] = (
    ("input.voltage.nominal", "%.0f"), ("input.current.nominal", "%.1f"),
    ("battery.voltage.nominal", "%.1f"), ("input.frequency.nominal", "%.0f"),
)
#: ups.mfr, ups.model, ups.firmware: 15, 10 and 10 characters from column 1
BLAZER_I_FIELDS: tuple[tuple[str, int, int], ...] = (
    ("ups.mfr", 1, 15), ("ups.model", 17, 10), ("ups.firmware", 28, 10),
)


def _strtok(text: str, pos: int, delims: str) -> tuple[str | None, int]:
    while pos < len(text) and text[pos] in delims:
        pos += 1
    if pos >= len(text):
        return None, pos
    end = pos
    while end < len(text) and text[end] not in delims:
        end += 1
    return text[pos:end], end + 1


def blazer_words(text: str, count: int) -> tuple[list[str | None], int]:
    """``count`` words after the lead character (None for a non-numeric one), and where they end.

    Raises :class:`ReplyError` when the reply has fewer words.
    """
    words: list[str | None] = []
    pos, delims = 1, " "  # strtok's first call splits on blanks only
    for _ in range(count):
        word, pos = _strtok(text, pos, delims)
        delims = " \r\n"
        if word is None:
            raise ReplyError("parsing failed: too few words")
        words.append(word if word and all(ch in "0123456789." for ch in word) else None)
    return words, pos


def blazer_status_word(text: str, pos: int) -> dict[str, bool | None]:
    """The eight status bits of a blazer Q1 reply; :class:`ReplyError` if not 0/1."""
    word, _ = _strtok(text, pos, " \r\n")
    if word is None or len(word) < 8 or any(ch not in "01" for ch in word[:8]) or (
        len(word) > 8 and word[8] in "01"
    ):
        raise ReplyError(f"invalid status {word!r}")
    return {name: word[column - 38] == "1" for name, column in STATUS_BITS.items()}


def blazer_flags(bits: Mapping[str, bool | None], *, input_voltage: float, output_voltage: float) -> frozenset[str]:
    """blazer's status, rebuilt from nothing on every poll (an odd bypass ratio sets nothing)."""
    flags = set()
    if not bits["utility_fail"]:
        flags.add("OL")
    if bits["battery_low"]:
        flags.add("LB")
    if bits["bypass_boost_buck"]:
        try:
            flags.add(_bypass_flag(input_voltage, output_voltage))
        except ReplyError:
            pass
    if bits["test_in_progress"]:
        flags.add("CAL")
    if bits["shutdown_active"]:
        flags.add("FSD")
    return frozenset(flags)


def blazer_vendor(text: str) -> dict[str, str]:
    """ups.mfr/model/firmware from an I reply, blanks cut on the right only."""
    return {name: text[start : start + size].rstrip(" ") for name, start, size in BLAZER_I_FIELDS}


def blazer_command_bytes(name: str, value: str | None, *, offdelay: int, ondelay_minutes: int) -> bytes:
    """blazer_instcmd's wire text; test times are minutes (1-99, default 10).

    Raises KeyError for an unknown command, ValueError for a value out of range.
    """
    fixed = {
        "beeper.toggle": "Q", "load.off": "S00R0000", "load.on": "C", "shutdown.stop": "C",
        "test.battery.start.deep": "TL", "test.battery.start.quick": "T",
        "test.battery.stop": "CT",
    }
    if name in fixed:
        text = fixed[name]
    elif name == "shutdown.return":
        text = f"S{_offdelay_part(offdelay)}"
        if ondelay_minutes:
            text += f"R{ondelay_minutes:04d}"
    elif name == "shutdown.stayoff":
        text = f"S{_offdelay_part(offdelay)}R0000"
    elif name == "test.battery.start":
        minutes = c_strtol(value) if value is not None else 10
        if not 1 <= minutes <= 99:
            raise ValueError(f"battery test time {minutes} out of range [1..99] minutes")
        text = f"T{minutes:02d}"
    else:
        raise KeyError(name)
    return (text + "\r").encode()


def blazer_command_succeeded(reply: bytes) -> bool:
    """No reply, "ACK" or "(ACK" is success; an echo is failure."""
    return not reply or reply.startswith((b"ACK", b"(ACK"))
