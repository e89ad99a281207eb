"""nutdrv_qx's Voltronic-QS protocols: "voltronic-qs" (0.07) and "voltronic-qs-hex" (0.10).

Both answer ``M`` with their protocol letter and ``QS`` with the status:

* voltronic-qs ("V"): a Megatec-style QS reply (output frequency where
  Megatec has the input one) and an F reply with output ratings;
* voltronic-qs-hex ("P" or "T"): QS in binary, blank-separated fields of
  raw bytes (CR, LF, XON, XOFF and blank escaped as 0x28 0x0n). nutdrv_qx
  rewrites it as hex text (the flags as binary digits) before reading
  columns; "T" units add a second flag byte with their ratings.

Commands are confirmed by silence; any reply counts as a refusal (for the
hex protocol "N" refuses a query too).
"""

from __future__ import annotations

from nutrio.protocol.devices.megatec import blazer_common as bc
from nutrio.protocol.devices.megatec.megatec_family import blazer_commands, delay_items, status_items
from nutrio.protocol.devices.megatec.qx_item import Exchange, Item, Qx, Subdriver, item
from nutrio.protocol.devices.megatec.qx_session import Session, c_format, is_numeric

__all__ = ["VOLTRONIC_QS", "VOLTRONIC_QS_HEX", "hex_reply", "strtol16"]

_HEX = "0123456789ABCDEFabcdef"
#: the byte after an 0x28 escape -> the byte it stands for
_ESCAPED = {0x00: 0x0D, 0x01: 0x11, 0x02: 0x13, 0x03: 0x0A, 0x04: 0x20}


def strtol16(text: str) -> tuple[int, str]:
    """C strtol(text, &end, 16): the leading hex number (0 if none) and the rest."""
    rest = text.lstrip(" \t\n\v\f\r")
    sign = -1 if rest[:1] == "-" else 1
    rest = rest[1:] if rest[:1] in "+-" else rest
    if rest[:2].lower() == "0x" and rest[2:3] and rest[2] in _HEX:
        rest = rest[2:]
    digits = len(rest) - len(rest.lstrip(_HEX))
    if not digits:
        return 0, text
    return sign * int(rest[:digits], 16), rest[digits:]


def _binary_digits(byte: int) -> str:
    return f"{int(format(byte, 'b')):08d}"


def hex_reply(raw: bytes) -> str | None:
    """voltronic_qs_hex_preprocess_qs_answer: the binary QS reply as "#6c01 35 ... 00001001"."""
    if raw[:1] != b"#":
        return None
    refined, token, i = "#", 1, 1
    while i < len(raw):
        byte = raw[i]
        if byte == 0x20:
            refined += " "
            token += 1
            i += 1
            continue
        if byte == 0x28:
            following = raw[i + 1] if i + 1 < len(raw) else 0  # NUT's buffer is zeroed past the reply
            if following in _ESCAPED:
                refined += f"{_ESCAPED[following]:02x}"
                i += 2
                continue
        elif byte == 0x0D:
            break
        refined += _binary_digits(byte) if token in (10, 11) else f"{byte:02x}"
        i += 1
    if (token, len(refined)) not in ((10, 46), (11, 55)):
        return None
    return refined


def _hex_answer(s: Session, entry: Item, raw: bytes) -> bytes | None:
    if not raw:
        return raw
    refined = hex_reply(raw)
    return None if refined is None else (refined + "\r").encode("latin-1")


def _protocol_qs(s: Session, entry: Item, value: str) -> str | None:
    if entry.value.lower() != "v":
        return None
    return c_format(entry.dfl or "%s", entry.value)


def _protocol_hex(s: Session, entry: Item, value: str) -> str | None:
    if entry.value.lower() not in ("p", "t"):
        return None
    if entry.value.lower() == "t":  # these exist on 'T' units only
        for name, flag in (("test.battery.start.quick", Qx.CMD), ("output.frequency.nominal", Qx(0)),
                           ("battery.voltage.nominal", Qx(0)), ("output.voltage.nominal", Qx(0))):
            if not s.unskip(name, flag):
                return None
    return c_format(entry.dfl or "%s", entry.value)


def _io_voltage(s: Session, entry: Item, value: str) -> str | None:
    if not is_numeric(entry.value, _HEX + " "):
        return None
    first, rest = strtol16(entry.value)
    second, _ = strtol16(rest)
    product = first * second
    volts = int(product / 51)  # C long division truncates toward zero
    return c_format(entry.dfl or "%s", volts / 256.0)


def _load(s: Session, entry: Item, value: str) -> str | None:
    if not is_numeric(entry.value, _HEX):
        return None
    return c_format(entry.dfl or "%s", strtol16(entry.value)[0])


def _frequency(s: Session, entry: Item, value: str) -> str | None:
    if not is_numeric(entry.value, _HEX + " "):
        return None
    first, rest = strtol16(entry.value)
    second, _ = strtol16(rest)
    hertz = second / first if first else (float("inf") if second else float("nan"))
    return c_format(entry.dfl or "%s", 99.9 if hertz > 99.9 else hertz)


def _battery_voltage(s: Session, entry: Item, value: str) -> str | None:
    if not is_numeric(entry.value, _HEX + " "):
        return None
    first, rest = strtol16(entry.value)
    second, _ = strtol16(rest)
    return c_format(entry.dfl or "%s", first * second / 510.0)


_RATINGS: dict[int, dict[int, float]] = {
    47: {0: 50},  # anything else: 60 Hz
    48: {0: 12, 1: 24, 10: 36},  # anything else: 48 V
    52: {0: 110, 1: 120, 10: 220, 11: 230, 100: 240},
}
_RATINGS_OTHER: dict[int, float | None] = {47: 60, 48: 48, 52: None}


def _ratings(s: Session, entry: Item, value: str) -> str | None:
    if not is_numeric(entry.value, "01") or entry.start not in _RATINGS:
        return None
    code = int(entry.value or "0")
    rating = _RATINGS[entry.start].get(code, _RATINGS_OTHER[entry.start])
    return None if rating is None else c_format(entry.dfl or "%s", rating)


def _qs_table() -> list[Item]:
    status = status_items("QS\r")
    status[4].name = "output.frequency"
    commands = [cmd for cmd in blazer_commands(reply=(0, "", (1, 3)))
                if cmd.name not in ("test.battery.start", "test.battery.start.deep",
                                    "test.battery.stop")]  # fmt: skip
    return [
        item("ups.firmware.aux", "M\r", 2, "", (0, 0), "PM-%s", Qx.STATIC, _protocol_qs),
        *status,
        item("output.voltage.nominal", "F\r", 22, "#", (1, 5), "%.0f", Qx.STATIC),
        item("output.current.nominal", "F\r", 22, "#", (7, 9), "%.1f", Qx.STATIC),
        item("battery.voltage.nominal", "F\r", 22, "#", (11, 15), "%.1f", Qx.STATIC),
        item("output.frequency.nominal", "F\r", 22, "#", (17, 20), "%.0f", Qx.STATIC),
        *commands, *delay_items(on_range=("60", "599940"), off_range=("12", "540")),
    ]


def _hex_table() -> list[Item]:
    values = [
        item("input.voltage", "QS\r", 47, "#", (1, 7), "%.1f", Qx(0), _io_voltage, preprocess_answer=_hex_answer),
        item("output.voltage", "QS\r", 47, "#", (9, 15), "%.1f", Qx(0), _io_voltage, preprocess_answer=_hex_answer),
        item("ups.load", "QS\r", 47, "#", (17, 18), "%d", Qx(0), _load, preprocess_answer=_hex_answer),
        item("output.frequency", "QS\r", 47, "#", (20, 30), "%.1f", Qx(0), _frequency, preprocess_answer=_hex_answer),
        item("battery.voltage", "QS\r", 47, "#", (32, 36), "%.2f", Qx(0), _battery_voltage, preprocess_answer=_hex_answer),
    ]
    bits = status_items("QS\r", lead="#")[7:]
    for bit in bits:
        bit.preprocess_answer = _hex_answer
    ratings = [
        item(name, "QS\r", 56, "#", span, "%.1f", Qx.SKIP, _ratings, preprocess_answer=_hex_answer)
        for name, span in (("output.frequency.nominal", (47, 47)),
                           ("battery.voltage.nominal", (48, 49)),
                           ("output.voltage.nominal", (52, 54)))
    ]  # fmt: skip
    commands = [cmd for cmd in blazer_commands()
                if cmd.name not in ("test.battery.start", "test.battery.start.deep",
                                    "test.battery.stop")]  # fmt: skip
    commands[-1].flags |= Qx.SKIP  # test.battery.start.quick: 'T' units only
    return [
        item("ups.firmware.aux", "M\r", 2, "", (0, 0), "PM-%s", Qx.STATIC, _protocol_hex),
        *values, *bits, *ratings, *commands,
        *delay_items(on_range=("60", "599940"), off_range=("12", "540")),
    ]


def _claim(s: Session) -> Exchange[bool]:
    """M must name the protocol, then QS must give an input voltage."""
    return (yield from bc.claim_pair(s, "ups.firmware.aux", "input.voltage"))


VOLTRONIC_QS = Subdriver(
    version="Voltronic-QS 0.07", claim=_claim, table=_qs_table, initups=bc.initups_light,
    flags=bc.BLAZER_FLAGS_LIGHT,
)
VOLTRONIC_QS_HEX = Subdriver(
    version="Voltronic-QS-Hex 0.10", claim=_claim, table=_hex_table, initups=bc.initups_light,
    rejected="N\r", flags=bc.BLAZER_FLAGS_LIGHT,
)
