"""A SENTR block (the 103-byte reply to 192/240, or the 164-byte extended one to 176) read
into :class:`RielloData`, as NUT 2.8.0's riello_parse_sentr reads it.

Numbers are little-endian 16-bit pairs or single bytes at fixed offsets. The
unit's model number says its power (tenths of kVA, three-phase output from
3000 up) and which request reads it best from now on (:func:`next_request`).
The status code is made up in GPSER's terms, so both protocols share the
status words (protocol/devices/riello/values.py).
"""

from __future__ import annotations

from nutrio.protocol.devices.riello.frames import SENTR_ALSO240, SENTR_EXT176, SENTR_ONLY192
from nutrio.protocol.devices.riello.gpser import RielloData, bit

__all__ = ["next_request", "parse_sentr"]

_U16 = 0xFFFF


def _word(buffer: bytes | bytearray, at: int) -> int:
    return buffer[at] + 256 * buffer[at + 1]


def _base_model(model: int) -> int:
    return model if model < 3000 else model - 3000


def next_request(buffer: bytes | bytearray) -> int:
    """The request byte NUT uses after this block: 176 or 240 for models ending in 4 or
    more (176 when the unit says it has the extended block), 192 otherwise."""
    if _base_model(_word(buffer, 2)) % 10 < 4:
        return SENTR_ONLY192
    return SENTR_EXT176 if buffer[100] & 0x01 else SENTR_ALSO240


def parse_sentr(buffer: bytes | bytearray, data: RielloData) -> None:
    """Everything NUT takes from a SENTR block (``buffer`` is NUT's whole buffer)."""
    data.model = _word(buffer, 2)
    base = _base_model(data.model)
    kva = base // 10
    kw = kva * 1000 * (9 if buffer[76] & 0x08 else 8) // 10 // 1000
    data.nom_kva, data.nom_kw = (kva * 1000) & _U16, (kw * 1000) & _U16
    data.ident_bytes[0] = ord("3") if data.model < 3000 else ord("4")
    data.ident_bytes[1] = ord("3")
    data.ident_bytes[6] = ord("2")
    sw = _word(buffer, 4)
    data.version = f"{sw // 1000 % 10}{sw // 100 % 10}.{sw // 10 % 10}{sw % 10}".encode()
    if buffer[0] == SENTR_EXT176:
        _extended_lines(buffer, data)
    else:
        _short_lines(buffer, data, base * 100)
    data.finp = _word(buffer, 41)
    data.pout = [buffer[62], buffer[63], buffer[64]]
    data.fout = _word(buffer, 68)
    data.bat_time = _word(buffer, 6)
    data.bat_cap = buffer[8]
    data.ubat = (_battery_volts(buffer) * 10) & _U16
    data.tsystem = buffer[48]
    data.nom_bat_cap = _word(buffer, 74)
    data.fbypass = _word(buffer, 57)
    _bypass(buffer, data)
    data.status[0:5] = _status(buffer)


def _extended_lines(buffer: bytes | bytearray, data: RielloData) -> None:
    data.uinp = [_word(buffer, at) // 10 for at in (117, 119, 121)]
    data.uout = [_word(buffer, at) // 10 for at in (135, 137, 139)]
    data.iout = [_word(buffer, at) // 10 for at in (141, 143, 145)]


def _short_lines(buffer: bytes | bytearray, data: RielloData, rating: int) -> None:
    data.uinp = [buffer[at] * 230 // 100 for at in (35, 36, 37)]
    double = 2 if buffer[79] & 0x80 else 1
    data.uout = [buffer[at] * double for at in (59, 60, 61)]
    divisor = buffer[73]  # NUT adds 256 to a small one in a byte: no change
    if divisor:
        first = 1 if data.model < 3000 else 3
        data.iout = [(rating // divisor * buffer[62] // 100 // first) & _U16,
                     (rating // divisor * buffer[63] // 100 // 3) & _U16,
                     (rating // divisor * buffer[64] // 100 // 3) & _U16]
    else:
        data.iout = [0, 0, 0]
    if data.model & 0x0007 < 4:
        data.iout = [int(current * 0.9) for current in data.iout]


def _battery_volts(buffer: bytes | bytearray) -> int:
    if buffer[0] in (SENTR_ALSO240, SENTR_EXT176) and not buffer[100] & 0x80:
        return min(buffer[43], buffer[44]) * 2
    return _word(buffer, 43)


def _bypass(buffer: bytes | bytearray, data: RielloData) -> None:
    if buffer[0] == SENTR_EXT176:
        data.ubypass = [_word(buffer, at) // 10 for at in (129, 131, 133)]
    elif buffer[0] == SENTR_ALSO240:
        data.ubypass = [buffer[at] * 2 for at in (51, 53, 55)]
    else:
        data.ubypass = [_word(buffer, at) for at in (51, 53, 55)]


def _status(buffer: bytes | bytearray) -> bytes:
    """The five GPSER status bytes NUT makes up from the SENTR flags."""
    code = [0x08, 0, 0, 0, 0]
    flags, extra = buffer[31], buffer[34]
    if flags & 0x80:
        code[4] |= 0x04  # overload
    on_bypass = flags & 0x02 or any(bit(buffer[32:34], n) for n in (0, 12, 13, 14))
    if on_bypass and not extra & 0x08:
        code[1] |= 0x08
    if flags & 0x08:
        code[0] |= 0x02  # mains failed
        if flags & 0x10:
            code[0] |= 0x01  # battery low
    if buffer[22] & 0x02 or extra & 0x0C:
        code[0] &= 0xF7  # standby: the output is off
    if flags & 0x40:
        code[2] |= 0x01  # replace the battery
    return bytes(code)
