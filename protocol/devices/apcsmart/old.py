"""The APC smart protocol as NUT 2.8.0's apcsmart-old (2.2, command table 2.2) speaks it.

Pure: its variable and command tables, the firmware table of units that
cannot list their commands, the ignore sets, the command set split and the
shutdown timer text. The wire and the value conversions are apcsmart's
(:mod:`nutrio.protocol.devices.apcsmart.protocol`); what differs here is
which variables and commands the old driver knows (no ambient.N.* packs,
no device.uptime; ups.firmware.old for 'V'; shutdown.return.grace for '@'
and no command arguments), how it splits the command set, and its
shutdown methods (``sdtype`` 0-6, ``advorder`` 0-5, ``wugrace``).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from nutrio.protocol.devices.apcsmart.protocol import Cmd, Fmt, Var

__all__ = ["CAPS_IGNORE", "COMMANDS", "COMPAT", "DEFAULT_ORDER", "IGNORE", "MATRIX", "POLL_IGNORE",
           "SD_METHODS", "VARS", "advanced_order", "find_command", "find_var", "split_cmdset",
           "simple_methods", "timer_text"]

#: what plain reads drop (IGNCHARS): CR, the alert characters, '~', '#', '&', '|'
IGNORE = "\r+$|!~%?=#&"
#: what the capability read (^Z) drops (MINIGNCHARS): its reply starts with '#'
CAPS_IGNORE = "\r+$|!"
#: what alert-aware reads drop (POLL_IGNORE); the alerts themselves are acted on
POLL_IGNORE = "\r&|"

_H, _M, _R = Fmt.HOURS, Fmt.MINUTES, Fmt.REASON
#: apc_vartab of apcsmart-old.h, in its order
VARS: tuple[Var, ...] = (
    Var("ups.firmware.old", "V"), Var("ups.firmware", "b"), Var("ups.firmware.aux", "v"),
    Var("ups.model", "\x01"), Var("ups.serial", "n"), Var("ups.mfr.date", "m"),
    Var("ups.temperature", "C", poll=True), Var("ups.load", "P", poll=True),
    Var("ups.test.interval", "E", fmt=_H), Var("ups.test.result", "X", poll=True),
    Var("ups.delay.start", "r"), Var("ups.delay.shutdown", "p"),
    Var("ups.id", "c", string=True), Var("ups.contacts", "i", poll=True),
    Var("ups.display.language", "\x0c"),
    Var("input.voltage", "L", poll=True), Var("input.frequency", "F", poll=True),
    Var("input.sensitivity", "s"), Var("input.quality", "9", poll=True),
    Var("input.transfer.low", "l"), Var("input.transfer.high", "u"),
    Var("input.transfer.reason", "G", poll=True, fmt=_R),
    Var("input.voltage.maximum", "M", poll=True), Var("input.voltage.minimum", "N", poll=True),
    Var("output.current", "/", poll=True), Var("output.voltage", "O", poll=True),
    Var("output.voltage.nominal", "o"),
    Var("ambient.humidity", "h", poll=True), Var("ambient.humidity.high", "{"),
    Var("ambient.humidity.low", "}"),
    Var("ambient.temperature", "t", poll=True), Var("ambient.temperature.high", "["),
    Var("ambient.temperature.low", "]"),
    Var("battery.date", "x", string=True),
    Var("battery.charge", "f", poll=True), Var("battery.charge.restart", "e"),
    Var("battery.voltage", "B", poll=True), Var("battery.voltage.nominal", "g"),
    Var("battery.runtime", "j", poll=True, fmt=_M), Var("battery.runtime.low", "q", fmt=_M),
    Var("battery.packs", ">"), Var("battery.packs.bad", "<"),
    Var("battery.alarm.threshold", "k"),
)

#: apc_cmdtab of apcsmart-old.h, in its order (``repeat``: sent twice, 1.5 s apart)
COMMANDS: tuple[Cmd, ...] = (
    Cmd("load.off", "Z", nasty=True, repeat=True), Cmd("load.on", "\x0e", repeat=True),
    Cmd("test.panel.start", "A"), Cmd("test.failure.start", "U"),
    Cmd("test.battery.start", "W"), Cmd("test.battery.stop", "W"),
    Cmd("shutdown.return.grace", "@", nasty=True), Cmd("shutdown.return", "S", nasty=True),
    Cmd("shutdown.stayoff", "K", nasty=True, repeat=True),
    Cmd("calibrate.start", "D"), Cmd("calibrate.stop", "D"),
    Cmd("bypass.start", "^"), Cmd("bypass.stop", "^"),
)

_MATRIX = "789ABCDEFGKLMNOPQRSTUVWXYZcefgjklmnopqrsuwxz/<>\\^\x0c\x16"
_MATRIX_OLD = "79ABCDEFGKLMNOPQRSUVWXYZcefgjklmnopqrsuxz/<>"
_SMART = "79ABCDEFGKLMNOPQRSUVWXYZcefgjklmnopqrsuxz"
_SMART_I = "79ABCEFGKLMNOPQSUVWXYZcfg"
_SMART_600 = "789ABCEFGKLMNOPQRSUVWXYZ"
#: compat_tab: firmware ('V', else 'b') -> the command characters of a unit that has no 'a'
COMPAT: Mapping[str, str] = MappingProxyType({
    **dict.fromkeys(("0XI", "0XM"), _MATRIX),
    **dict.fromkeys(("0ZI", "5UI", "5ZM"), _MATRIX_OLD),
    **dict.fromkeys(("6QD", "6QI", "6TD", "6TI", "7QD", "7QI", "7TD", "7TI",
                     "8QD", "8QI", "8TD", "8TI"), _SMART),
    **dict.fromkeys(("7II", "9II", "9GI"), _SMART_I),
    "5.4.D": "\x01ABPQRSUYbdfgjmnx9",
    **dict.fromkeys(("D9", "D8", "D7", "D6", "D5", "D4"), _SMART_600),
})
#: NUT names a table unit whose firmware starts with one of these a Matrix-UPS
MATRIX = "05"


def find_var(name: str) -> Var | None:
    """The first row of that name, any case (vartab_lookup_name)."""
    return next((v for v in VARS if v.name == name.lower()), None)


def find_command(name: str) -> Cmd | None:
    """The last row of that name, any case, as NUT's lookup loop leaves it."""
    found = [c for c in COMMANDS if c.name == name.lower()]
    return found[-1] if found else None


def split_cmdset(text: str) -> str | None:
    """The command characters of an 'a' reply (alert characters already dropped):
    everything after its second '.'; None when it has fewer than two."""
    parts = text.split(".", 2)
    return parts[2] if len(parts) == 3 else None


# -- shutdown -------------------------------------------------------------------

#: the methods by ``advorder`` digit: S, @nnn, K, Z, the CS 350 hack, @nn
SD_METHODS = ("S", "@3", "K", "Z", "CS", "@2")
DEFAULT_ORDER = "0123"


def _strtol(text: str) -> int | None:
    """strtol base 10 with errno: None for a number past a long."""
    body = text.lstrip(" \t\n\v\f\r")
    sign = -1 if body[:1] == "-" else 1
    body = body[1:] if body[:1] in "+-" else body
    digits = body[: len(body) - len(body.lstrip("0123456789"))]
    number = sign * int(digits) if digits else 0
    return number if -2**63 <= number < 2**63 else None


def simple_methods(sdtype: str | None, on_line: bool, on_battery: bool) -> tuple[str, ...]:
    """upsdrv_shutdown_simple: the methods tried in turn (a later one only if the
    earlier failed; for sdtype 1: S on battery, then @nnn)."""
    number = _strtol(sdtype) if sdtype is not None else 0
    kind = number if number is not None and 0 <= number <= 6 else 0
    match kind:
        case 6:
            return ("@3",)
        case 5:
            return ("@2",)
        case 4:
            return ("CS",)
        case 3:
            return ("K",)
        case 2:
            return ("Z",)
        case 1:
            return ("S", "@3") if on_battery else ("@3",)
    return ("@3",) if on_line else ("S",)


def advanced_order(advorder: str) -> tuple[str, ...]:
    """upsdrv_shutdown_advanced: ``advorder`` as methods (NUT's default order when it is
    empty, longer than 6 or has a digit past 5)."""
    if not advorder or len(advorder) > len(SD_METHODS) or any(
            not 0 <= ord(ch) - 48 < len(SD_METHODS) for ch in advorder):
        advorder = DEFAULT_ORDER
    return tuple(SD_METHODS[ord(ch) - 48] for ch in advorder)


def timer_text(wugrace: str | None, digits: int) -> str:
    """The '@' timer: ``wugrace`` (0 when unset, bad or too big) in ``digits`` digits."""
    number = _strtol(wugrace) if wugrace is not None else 0
    if number is None or not 0 <= number <= (99 if digits == 2 else 999):
        number = 0
    return str(number).zfill(digits)
