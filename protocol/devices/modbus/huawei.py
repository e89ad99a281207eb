"""Huawei UPS2000 (1-3 kVA) over Modbus RTU, as NUT 2.8.0's huawei-ups2000 (0.02) reads it.

Pure: the identification frame, register blocks in, variables, status words and alarms
out. The tables are huawei_tables.py; the actor (actors/drivers/huawei_ups2000/) reads.

* Identification: a raw frame (function 0x2B, MEI 0x0E, extended, object 0x87) outside
  Modbus' usual framing. The answer's fields are a unit count (0x87, must be 1) and a
  description (0x88): ``1=model;2=firmware;3=protocol;4=serial;...``.
* Values are fixed-point registers: NUT divides them as C floats and prints them with
  printf, so :func:`read_values` rounds through single precision as it does.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from nutrio.protocol.devices.modbus.frames import crc16
from nutrio.protocol.devices.modbus.huawei_tables import (
    ALARMS,
    BYPASS_ALARM_REGISTER,
    DELAYS,
    STATUS_REGISTERS,
    VALUES,
    Alarm,
    Delay,
    Kind,
)

__all__ = ["ALARM_BLOCK", "IDENT_REQUEST", "KNOWN_MODELS", "MAX_ALARM_TEXT", "STATUS_OFFSET",
           "VALUE_BLOCKS", "AlarmState", "HuaweiError", "Identity", "alarm_state", "delay_named",
           "ident_crc_ok", "parse_delay", "parse_identity", "read_values", "status_flags"]

UNIT = 1
#: unit 1's registers are the datasheet's plus this; its alarms are at +1024
STATUS_OFFSET = 10000
IDENT_REQUEST = bytes([UNIT, 0x2B, 0x0E, 0x03, 0x87, 0x31, 0x75])
_IDENT_HEADER = bytes([UNIT, 0x2B, 0x0E, 0x03, 0x03, 0x00, 0x00, 0x02])
#: NUT's buffers: the answer, its fields, the description's fields
IDENT_MAX = 128
_MAX_FIELDS = 9
KNOWN_MODELS = ("UPS2000", "UPS2000A")
#: the blocks one update reads: (first register, count)
VALUE_BLOCKS = ((11000, 28), (12000, 34), (19009, 1))
ALARM_BLOCK = (ALARMS[0].register + 1024, 27)
#: ups.alarm's room (NUT's ST_MAX_VALUE_LEN less its NUL)
MAX_ALARM_TEXT = 255


class HuaweiError(ValueError):
    """The unit cannot be driven (NUT's driver exits with this message)."""


@dataclass(frozen=True, slots=True)
class Identity:
    model: str
    firmware: str
    protocol: str
    serial: str


def ident_crc_ok(data: bytes) -> bool:
    """Whether a non-empty identification answer's CRC is right (NUT tries three times)."""
    if len(data) < len(_IDENT_HEADER) + 2:
        raise HuaweiError(f"response header too short! expected {len(_IDENT_HEADER)}, "
                          f"received {len(data)}.")
    return crc16(data[:-2]) == int.from_bytes(data[-2:], "little")


def parse_identity(data: bytes) -> Identity:
    """The model, firmware, protocol and serial of an answer whose CRC is right."""
    if data[: len(_IDENT_HEADER)] != _IDENT_HEADER:
        raise HuaweiError("unexpected response header!")
    count, description = _fields(data[len(_IDENT_HEADER):-2])
    if count != 1:
        raise HuaweiError(f"only 1 UPS is supported, {count} found")
    if description is None:
        raise HuaweiError("device desc string not found")
    desc = _description(description)
    for index in range(1, 5):
        if not desc.get(index):
            raise HuaweiError(f"desc field {index} is missing!")
    if desc[1] not in KNOWN_MODELS:
        raise HuaweiError(f"Unknown UPS model {desc[1]}")
    return Identity(desc[1], desc[2], desc[3], desc[4])


def _fields(body: bytes) -> tuple[int, str | None]:
    """The unit count (0x87) and the first description (0x88) of at most nine fields."""
    count, at = 0, 0
    for _ in range(_MAX_FIELDS):
        if at + 2 > len(body):
            break
        kind, size = body[at], body[at + 1]
        if size + 1 > IDENT_MAX:
            raise HuaweiError("response field too long!")
        value = body[at + 2:at + 2 + size]
        if len(value) < size:
            raise HuaweiError("response field too short!")
        at += 2 + size
        if kind == 0x87:
            count = int.from_bytes(value[:4].ljust(4, b"\0"), "big")
        if kind == 0x88:
            return count, value.split(b"\0", 1)[0].decode("latin-1")
    return count, None


def _strtok(text: str, at: int, delims: str) -> tuple[str | None, int]:
    while at < len(text) and text[at] in delims:
        at += 1
    if at >= len(text):
        return None, at
    end = at
    while end < len(text) and text[end] not in delims:
        end += 1
    return text[at:end], min(end + 1, len(text))


def _description(text: str) -> dict[int, str]:
    """``key=value;`` pairs as C's strtok splits them: keys 1 to 8, values up to 127 bytes."""
    found: dict[int, str] = {}
    at = 0
    for _ in range(_MAX_FIELDS):
        key, at = _strtok(text, at, "=")
        if key is None:
            break
        value, at = _strtok(text, at, ";")
        if value is None:
            break
        index = _strict_unsigned(key, 0xFFFFFFFF)
        if index is None or not 1 <= index < _MAX_FIELDS:
            raise HuaweiError(f"desc index {index or 0} is invalid!")
        if len(value) + 1 > IDENT_MAX:
            raise HuaweiError(f"desc field {index} too long!")
        found[index] = value
    return found


def _strict_unsigned(text: str, limit: int) -> int | None:
    """NUT's str_to_u*_strict: decimal digits only, no sign or space, at most ``limit``."""
    if not text or any(c not in "0123456789" for c in text):
        return None
    value = int(text)
    return value if value <= min(limit, 0xFFFFFFFFFFFFFFFF) else None


def _f32(value: float) -> float:
    return float(struct.unpack("f", struct.pack("f", value))[0])


def read_values(blocks: tuple[tuple[int, ...], ...]) -> tuple[dict[str, str], str | None]:
    """The variables of the three value blocks, up to the first invalid register (then
    also why: NUT's update stops there, the data goes stale)."""
    found: dict[str, str] = {}
    for value in VALUES:
        page = value.register // 1000 - 1
        block = blocks[2 if page == 8 else page]
        index = value.register % 1000 - (9 if page == 8 else 0)
        raw = block[index]
        if value.kind is Kind.UINT32:
            raw = raw << 16 | block[index + 1]
        if raw == value.kind.value:
            return found, f"register {value.register:04d} has invalid value {raw:04x}"
        number = _f32(_f32(raw) / _f32(value.scaling))  # C: (float) val / scaling
        found[value.name] = format(number, value.fmt)
    return found, None


def status_flags(register: int, value: int) -> tuple[list[str], dict[str, str]] | None:
    """The status words and variables one status register sets; None when it is invalid
    (0xFFFF, or no flag of a register that must set one)."""
    must, flags = next((m, f) for r, m, f in STATUS_REGISTERS if r == register)
    if value == 0xFFFF:
        return None
    words: list[str] = []
    variables: dict[str, str] = {}
    matched = 0
    for flag in flags:
        if flag.value == value or (flag.bit is not None and value >> flag.bit & 1):
            words += [flag.word] if flag.word else []
            if flag.var is not None:
                variables[flag.var[0]] = flag.var[1]
            matched += 1
    if must and not matched:
        return None
    return words, variables


@dataclass(frozen=True, slots=True)
class AlarmState:
    active: tuple[Alarm, ...]
    words: tuple[str, ...]  # status words (RB, OVER), in table order, repeats kept
    text: str  # ups.alarm ("" for none)
    bypass_ok: bool


def alarm_state(registers: tuple[int, ...]) -> AlarmState:
    """The alarms the 27 alarm registers raise, and ups.alarm as NUT writes it."""
    first = ALARMS[0].register
    active = tuple(a for a in ALARMS if registers[a.register - first] >> a.bit & 1)
    if not active:
        return AlarmState((), (), "", True)
    parts = [f"(ID {a.alarm_id:02d}/{a.cause:02d}): {a.name}!" for a in active]
    parts.append("Check log for details!")
    text = " ".join(parts)
    if sum(map(len, parts)) + 1 > MAX_ALARM_TEXT + 1:  # NUT counts without the spaces
        text = f"UPS has {len(active)} alarms in effect, check log for details!"
    return AlarmState(active, tuple(a.word for a in active if a.word), text[:MAX_ALARM_TEXT],
                      not any(a.register == BYPASS_ALARM_REGISTER for a in active))


def parse_delay(delay: Delay, text: str) -> int | None:
    """A delay option or setting as NUT takes it: whole seconds up to the maximum, raised
    to the minimum, rounded up to the step; None when not valid."""
    seconds = _strict_unsigned(text, 0xFFFF)
    if seconds is None or seconds > delay.high:
        return None
    seconds = max(seconds, delay.low)
    if seconds % delay.step:
        seconds += delay.step - seconds % delay.step
    return seconds


def delay_named(name: str) -> Delay | None:
    return next((d for d in DELAYS if d.name == name.lower()), None)
