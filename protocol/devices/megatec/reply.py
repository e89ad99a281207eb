"""Megatec/Q1 replies as nutdrv_qx reads them: fixed-column fields and status bits.

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

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from nutrio.protocol.common.cnum import c_strtod

#: The queries, each ending in CR as the UPS expects.
Q1 = b"Q1\r"
F = b"F\r"
I = b"I\r"




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


def reply_text(reply: bytes) -> str:
    return reply.decode("latin-1")


def check_reply(query: bytes, reply: bytes, *, min_len: int | None = None) -> str:
    """The reply as text, or :class:`ReplyError` when nutdrv_qx would refuse it.

    ``reply`` is what the UPS sent, its trailing CR included if it came;
    ``min_len`` replaces the table's shortest length (blazer accepts 46 for Q1).
    """
    spec = _QUERIES[query]
    if len(reply) < (spec.min_len if min_len is None else min_len):
        raise ReplyError(f"short reply to {query!r}: {len(reply)} bytes")
    text = reply_text(reply)
    if text[0] != spec.lead:
        raise ReplyError(f"reply to {query!r} starts with {text[0]!r}, not {spec.lead!r}")
    return text


def is_number(text: str) -> bool:
    """nutdrv_qx's test for a numeric field: only digits, blanks and dots."""
    return all(ch in "0123456789 ." for ch in text)


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


def bypass_flag(input_voltage: float, output_voltage: float) -> str:
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
        new.add(bypass_flag(input_voltage, output_voltage))
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


def ups_type(bits: Mapping[str, bool | None]) -> str | None:
    """ups.type from the "UPS type" bit (read once, at start-up)."""
    value = bits["line_interactive"]
    return None if value is None else ("offline / line interactive" if value else "online")


def beeper_status(bits: Mapping[str, bool | None]) -> str | None:
    """ups.beeper.status from the beeper bit."""
    value = bits["beeper_on"]
    return None if value is None else ("enabled" if value else "disabled")
