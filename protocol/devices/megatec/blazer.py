"""blazer_ser, NUT's older megatec driver (drivers/blazer.c).

blazer splits Q1 and F replies into blank-separated words instead of reading
fixed columns, skips a word that is not digits and dots, and needs exactly
eight 0/1 characters at the start of the status word.
"""

from __future__ import annotations

from collections.abc import Mapping

from nutrio.protocol.common.cnum import c_atoi as c_strtol
from nutrio.protocol.devices.megatec.commands import offdelay_part
from nutrio.protocol.devices.megatec.reply import STATUS_BITS, ReplyError, bypass_flag

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
            flags.add(bypass_flag(input_voltage, output_voltage))
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
        text = f"S{offdelay_part(offdelay)}"
        if ondelay_minutes:
            text += f"R{ondelay_minutes:04d}"
    elif name == "shutdown.stayoff":
        text = f"S{offdelay_part(offdelay)}R0000"
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
