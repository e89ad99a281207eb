"""Megatec instant commands: NUT command names to the bytes nutdrv_qx sends."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

from nutrio.protocol.common.cnum import c_atoi as c_strtol
from nutrio.protocol.devices.megatec.reply import reply_text

#: nutdrv_qx's megatec subdriver treats this reply to a command as success.
ACCEPTED = "ACK"

#: ups.delay.start / ups.delay.shutdown defaults (nutdrv_qx.h) and ranges (blazer-common).
DEFAULT_ONDELAY = "180"
DEFAULT_OFFDELAY = "30"
ONDELAY_RANGE = (0, 599940)
OFFDELAY_RANGE = (12, 600)


def offdelay_part(offdelay: int) -> str:
    # below a minute the UPS counts tenths of a minute: ".n" (n = seconds / 6)
    return f".{offdelay // 6}" if offdelay < 60 else f"{offdelay // 60:02d}"


def _shutdown_return(offdelay: int, ondelay: int, value: str) -> str:
    minutes = ondelay // 60
    if minutes == 0:
        return f"S{offdelay_part(offdelay)}"
    return f"S{offdelay_part(offdelay)}R{minutes:04d}"


def _shutdown_stayoff(offdelay: int, ondelay: int, value: str) -> str:
    return f"S{offdelay_part(offdelay)}R0000"


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
    text = reply_text(reply).split("\r", 1)[0]
    return text == "" or text.lower() == ACCEPTED.lower()


def truncate_ondelay(seconds: int) -> int:
    """ups.delay.start is kept in whole minutes."""
    return seconds - seconds % 60


def truncate_offdelay(seconds: int) -> int:
    """ups.delay.shutdown: tenths of a minute below 60 s, whole minutes above."""
    return seconds - seconds % 6 if seconds < 60 else seconds - seconds % 60
