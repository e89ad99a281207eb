"""APC Modbus register values: numbers, strings and dates, both ways, and the names
apc_modbus gives coded values (NUT 2.8.5 drivers/apc_modbus.c, after APC's
application note MPAO-98KJ7F "Modbus register map").

Numbers are big-endian over their registers; signed ones are two's complement
over the whole width. A scaled value is the raw number divided by 2**scale.
Strings hold two characters per register, high byte first, optionally padded
with zero registers in front; NUT drops the padding, a zero first character,
trailing zeros and spaces, and turns other unprintable characters into spaces.
Dates count days since 2000-01-01.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

__all__ = [
    "EPOCH",
    "battery_test_result",
    "date_to_days",
    "days_to_date",
    "efficiency",
    "from_int",
    "from_string",
    "from_uint",
    "parse_c_integer",
    "timer",
    "to_int",
    "to_string",
    "to_uint",
    "transfer_reason",
]

EPOCH = dt.date(2000, 1, 1)


def to_uint(regs: Sequence[int]) -> int:
    value = 0
    for reg in regs:
        value = (value << 16) | reg
    return value


def to_int(regs: Sequence[int]) -> int:
    value = to_uint(regs)
    bits = 16 * len(regs)
    return value - (1 << bits) if value >> (bits - 1) else value


def from_uint(value: int, length: int) -> tuple[int, ...] | None:
    """``length`` registers holding ``value``; None when it does not fit."""
    if not 0 <= value < 1 << (16 * length):
        return None
    return tuple((value >> (16 * (length - 1 - i))) & 0xFFFF for i in range(length))


def from_int(value: int, length: int) -> tuple[int, ...] | None:
    bits = 16 * length
    if not -(1 << (bits - 1)) <= value < 1 << (bits - 1):
        return None
    return from_uint(value & ((1 << bits) - 1), length)


def to_string(regs: Sequence[int]) -> str:
    """NUT's reading of a string register block (see the module comment)."""
    first = next((i for i, reg in enumerate(regs) if reg), len(regs))
    chars = bytearray()
    rest = regs[first:]
    if rest and rest[0] >> 8 == 0:
        chars.append(rest[0] & 0xFF)
        rest = rest[1:]
    for reg in rest:
        chars += bytes([reg >> 8, reg & 0xFF])
    end = len(chars)
    while end > 1 and chars[end - 1] in (0, 0x20):
        end -= 1  # NUT never looks at the first character here
    if end == 1 and chars[0] == 0:
        end = 0
    # the first character is kept as it is; later ones outside 0x20-0x7e become spaces
    out = bytes(chars[:1]) + bytes(c if 0x20 <= c <= 0x7E else 0x20 for c in chars[1:end])
    return out[:end].decode("latin-1")


def from_string(text: str, length: int) -> tuple[int, ...] | None:
    """``text`` two characters per register, zero-padded; None when too long."""
    data = text.encode("latin-1", errors="replace")
    if len(data) > 2 * length:
        return None
    data = data.ljust(2 * length, b"\0")
    return tuple(int.from_bytes(data[i:i + 2], "big") for i in range(0, 2 * length, 2))


_C_INTEGER = re.compile(r"[ \t\n\v\f\r]*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)")


def parse_c_integer(text: str) -> int | None:
    """strtoll with base 0 that must take the whole text (0x.. hex, 0.. octal), else None."""
    match = _C_INTEGER.fullmatch(text)
    if match is None:
        return None
    sign, digits = match.groups()
    if digits[:2].lower() == "0x":
        number = int(digits[2:], 16)
    else:
        number = int(digits, 8 if digits.startswith("0") else 10)
    return -number if sign == "-" else number


def days_to_date(days: int) -> str:
    return (EPOCH + dt.timedelta(days=days)).isoformat()


def date_to_days(text: str) -> int | None:
    try:
        day = dt.datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        return None
    return (day - EPOCH).days


def timer(value: int) -> str:
    """Countdowns: -1 none running, 0 ran out, else seconds left."""
    return {-1: "NotActive", 0: "CountdownExpired"}.get(value, str(value))


_EFFICIENCY = {-1: "NotAvailable", -2: "LoadTooLow", -3: "OutputOff", -4: "OnBattery",
               -5: "InBypass", -6: "BatteryCharging", -7: "PoorACInput",
               -8: "BatteryDisconnected"}


def efficiency(value: int, scale: int, fmt: str) -> str:
    """ups.efficiency: a percentage, or why the UPS has none."""
    if value in _EFFICIENCY:
        return _EFFICIENCY[value]
    return fmt % (value / (1 << scale))


_CAUSES = (
    "SystemInitialization", "HighInputVoltage", "LowInputVoltage", "DistortedInput",
    "RapidChangeOfInputVoltage", "HighInputFrequency", "LowInputFrequency",
    "FreqAndOrPhaseDifference", "AcceptableInput", "AutomaticTest", "TestEnded",
    "LocalUICommand", "ProtocolCommand", "LowBatteryVoltage", "GeneralError",
    "PowerSystemError", "BatterySystemError", "ErrorCleared", "AutomaticRestart",
    "DistortedInverterOutput", "InverterOutputAcceptable", "EPOInterface",
    "InputPhaseDeltaOutOfRange", "InputNeutralNotConnected", "ATSTransfer",
    "ConfigurationChange", "AlertAsserted", "AlertCleared", "PlugRatingExceeded",
    "OutletGroupStateChange", "FailureBypassExpired",
)


def transfer_reason(value: int) -> str:
    """input.transfer.reason: the UPSStatusChangeCause register."""
    return _CAUSES[value] if value < len(_CAUSES) else "Unknown"


#: ReplaceBatteryTestStatus bits, in the order NUT looks at them (the first set one wins)
_RESULTS = ("Pending", "InProgress", "Passed", "Failed", "Refused", "Aborted")
_SOURCES = ("Protocol", "LocalUI", "Internal")
_MODIFIERS = ("InvalidState", "InternalFault", "StateOfChargeNotAcceptable")


def _first(value: int, start: int, names: Sequence[str]) -> str | None:
    return next((name for i, name in enumerate(names) if value & (1 << (start + i))), None)


def battery_test_result(value: int) -> str:
    """ups.test.result: "Passed, Source: Internal" and the like."""
    result = _first(value, 0, _RESULTS)
    source = _first(value, 6, _SOURCES)
    modifier = _first(value, 9, _MODIFIERS)
    parts = (result, source and f"Source: {source}", modifier and f"Modifier: {modifier}")
    # NUT puts the separator before every part but the first slot, even when that is empty
    return "".join(p if i == 0 else f", {p}" for i, p in enumerate(parts) if p)
