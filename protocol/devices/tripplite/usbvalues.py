"""What tripplite_usb reads out of each 8-byte reply, as NUT 2.8.0's tripplite_usb does.

Every function takes a whole reply (its byte 0 is the echoed command
letter) and returns variables as NUT prints them. ``problems`` are the
values NUT logs as unknown (it also flags the data stale for a moment and
then fresh again at the end of the same update, so nothing stays stale).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from nutrio.protocol.common.cnum import c_atoi
from nutrio.protocol.devices.tripplite.ctext import hex2d, hexascdump, printable
from nutrio.protocol.devices.tripplite.usbframe import Proto

__all__ = [
    "BATTERY_MAX",
    "BATTERY_MIN",
    "Ratings",
    "StatusRead",
    "battery_charge",
    "debug_text",
    "firmware",
    "model_name",
    "nominal_power",
    "read_b",
    "read_d",
    "read_l",
    "read_m",
    "read_status",
    "read_t",
]

#: battery volts (per 12 V) read as 10 % and as 100 % charge: the battery_min/max defaults
BATTERY_MIN = 11.0
BATTERY_MAX = 13.4


def debug_text(reply: bytes) -> str:
    """A ``ups.debug.X`` value: the reply after its letter, in hex and as text."""
    return hexascdump(reply[1:8])


def _number(proto: Proto, reply: bytes, start: int, length: int) -> int:
    """hex_or_bin2d: big-endian bytes on the binary protocol, hex text elsewhere."""
    if proto.binary:
        return int.from_bytes(reply[start : start + length], "big")
    return hex2d(reply, start, length)


@dataclass
class Ratings:
    """What the ``V`` reply says about the unit (NUT keeps these from start on)."""

    battery_nominal: int = 12
    input_nominal: int = 120
    input_scaled: int = 120
    load_banks: int = 0
    problems: list[str] = field(default_factory=list)

    @classmethod
    def from_v(cls, proto: Proto, reply: bytes, before: Ratings | None = None) -> Ratings:
        """decode_v; a range or bank count it does not know keeps the value it had."""
        out = Ratings() if before is None else Ratings(
            before.battery_nominal, before.input_nominal, before.input_scaled, before.load_banks)
        if proto.binary:
            out.battery_nominal = (reply[2] << 8) | reply[3]
        else:
            out.battery_nominal = hex2d(reply, 2, 2) * 6
        ranges = {ord("0"): (100, 100), 2: (120, 120), ord("1"): (120, 120),
                  ord("2"): (230, 230), ord("3"): (208, 230), 6: (230, 230)}
        if reply[1] in ranges:
            out.input_nominal, out.input_scaled = ranges[reply[1]]
        else:
            out.problems.append(f"Unknown input voltage range: 0x{reply[1]:02x}")
        banks = reply[4]
        if ord("0") <= banks <= ord("9"):
            out.load_banks = banks - ord("0")
        elif proto.binary:
            out.load_banks = banks
        elif banks != ord("X"):
            out.problems.append(f"Unknown number of switchable load banks: 0x{banks:02x}")
        return out


def nominal_power(proto: Proto, reply: bytes) -> int:
    """``P``: the VA rating in decimal text (the older SMART protocol counts tens)."""
    va = c_atoi(reply[1:].split(b"\0", 1)[0].decode("latin-1"))
    return va * 10 if proto is Proto.SMART_0004 else va


def firmware(reply: bytes) -> str:
    """``F``: "F" and the six bytes after the letter, unreadable ones as dots."""
    return "F" + printable(reply[1:7])


def model_name(vendor: str | None, product: str) -> str:
    """ups.model: the product string without the vendor string in front, nor blanks around."""
    if vendor is not None and product.startswith(vendor):
        product = product[len(vendor) :]
    return product.lstrip(" ").rstrip(" ")


@dataclass
class StatusRead:
    """One ``S`` reply: the status words in NUT's order, variables, and what was odd."""

    words: list[str] = field(default_factory=list)
    values: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


#: s[2] on the SMART and 2001 protocols: (status word, battery.test.status)
_TEST_STATUS = {ord("0"): (None, "Battery OK"), ord("1"): (None, "Battery bad - replace"),
                ord("2"): ("CAL", None), ord("3"): ("OVER", "Overcurrent?"), ord("4"): (None, None),
                ord("5"): ("OVER", "Battery fail - overcurrent?")}
_BINARY_DIGIT = ord("0")  # the binary protocol sends 0..5 where the others send "0".."5"


def read_status(proto: Proto, reply: bytes) -> StatusRead:
    """The ``S`` reply (see the module comment)."""
    out = StatusRead()
    if not proto.omnivs:
        out.values["ups.debug.S"] = debug_text(reply)
    if proto is Proto.OMNIVS:
        words = {ord("0"): "OL", ord("1"): "OB", ord("2"): "BYPASS"}
        if reply[2] in words:
            out.words.append(words[reply[2]])
        else:
            out.problems.append(f"Unknown value for s[2]: 0x{reply[2]:02x}")
    if proto.smart or proto is Proto.OMNIVS_2001:
        code = reply[2] + (_BINARY_DIGIT if proto.binary else 0)
        if code in _TEST_STATUS:
            word, test = _TEST_STATUS[code]
            out.words += [word] if word else []
            if test is not None:
                out.values["battery.test.status"] = test
        else:
            out.problems.append(f"Unknown value for s[2]: 0x{reply[2]:02x}")
        out.words.append("OFF" if reply[4] & 4 else "OB" if reply[4] & 1 else "OL")
    battery = reply[1] + (_BINARY_DIGIT if proto.binary else 0)
    if battery == ord("0"):
        out.words.append("LB")
    elif battery == ord("2") and proto is Proto.SMARTPRO:
        out.words.append("RB")
    elif battery != ord("1"):
        out.problems.append(f"Unknown value for s[1]: 0x{reply[1]:02x}")
    return out


def read_b(ratings: Ratings, reply: bytes) -> tuple[dict[str, str], float]:
    """``B`` (the OMNIVS families): input volts and the battery volts per 12 V."""
    volts = hex2d(reply, 1, 4) / 3600.0 * ratings.input_scaled
    battery = hex2d(reply, 5, 2) / 16.0
    return {"input.voltage": f"{volts:.2f}", "battery.voltage": f"{battery:.2f}"}, battery


def _volts(value: int, ratings: Ratings) -> int:
    """``value * scaled / 120`` in C's integers (the quotient truncated toward zero)."""
    product = value * ratings.input_scaled
    return product // 120 if product >= 0 else -(-product // 120)


def read_d(proto: Proto, ratings: Ratings, reply: bytes) -> tuple[dict[str, str], float]:
    """``D`` (SMART families): input volts and the battery volts (per 12 V, and in all)."""
    battery = _number(proto, reply, 3, 2) / 10.0
    volts = _volts(_number(proto, reply, 1, 2), ratings)
    total = battery * ratings.battery_nominal / 12.0
    return {"input.voltage": str(volts), "battery.voltage": f"{total:.2f}"}, battery


def read_m(proto: Proto, ratings: Ratings, reply: bytes) -> dict[str, str]:
    """``M`` (SMART families): the lowest and highest input volts seen."""
    low = _volts(_number(proto, reply, 1, 2), ratings)
    high = _volts(_number(proto, reply, 3, 2), ratings)
    return {"input.voltage.minimum": f"{low:3d}", "input.voltage.maximum": f"{high:3d}"}


def read_t(proto: Proto, reply: bytes) -> dict[str, str]:
    """``T`` (SMART families): temperature and, on some, the input frequency."""
    out = {"ups.debug.T": debug_text(reply)}
    if proto is Proto.SMARTPRO:
        out["input.frequency"] = f"{hex2d(reply, 3, 3) / 10.0:.1f}"
        nominal = {ord("1"): "60", ord("0"): "50"}.get(reply[6])
        if nominal is not None:
            out["input.frequency.nominal"] = nominal
    if proto is Proto.SMART_0004:
        out["input.frequency"] = f"{hex2d(reply, 3, 4) / 10.0:.1f}"
    if proto is Proto.SMART_3005:  # NUT reads one hex digit of a binary byte here
        out["ups.temperature"] = str(hex2d(reply, 1, 1))
    else:
        out["ups.temperature"] = f"{(hex2d(reply, 1, 2) & 0xFFFFFFFF) * 0.3636 - 21:.1f}"
    return out


def read_l(proto: Proto, ratings: Ratings, reply: bytes) -> dict[str, str]:
    """``L``: output volts (OMNIVS families) or the load in percent (SMART ones)."""
    if proto.omnivs:
        return {"output.voltage": f"{hex2d(reply, 1, 4) / 240.0 * ratings.input_scaled:.1f}"}
    if proto in (Proto.SMARTPRO, Proto.SMART_0004):
        out = {"ups.load": str(hex2d(reply, 1, 2))}
        if proto is Proto.SMART_0004:
            out["ups.debug.L"] = debug_text(reply)
        return out
    if proto is Proto.SMART_3005:
        return {"ups.load": str(_number(proto, reply, 1, 1))}
    return {"ups.debug.L": debug_text(reply)}


def battery_charge(per_12v: float, low: float = BATTERY_MIN, high: float = BATTERY_MAX) -> str:
    """battery.charge from the volts per 12 V: 10 to 100, a square root in between."""
    if per_12v >= high:
        charge = 100
    elif per_12v <= low:
        charge = 10
    else:
        charge = int(100 * math.sqrt((per_12v - low) / (high - low)))
    return f"{charge:3d}"
