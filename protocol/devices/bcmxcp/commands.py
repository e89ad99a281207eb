"""BCM/XCP instant commands and settings: what bcmxcp sends, and what the answers mean.

Everything that changes the UPS goes out as the authorization block, a pause
(PW_SLEEP, 2 s), then the request; the UPS answers with an acknowledgement
whose first byte says how it went. NUT 2.8.0 checks some arguments only
after the authorization went out (a setting out of range, an outlet number
past 9), so a :class:`Step` can be "authorize, then refuse".

What a UPS offers is learnt at start: the command list block (0x40) names
the commands it takes; the configuration request (0x95 0xFF) lists the
settings it lets a client change; the system test request (0xB2 0xFF) the
tests it can run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from nutrio.protocol.common.cnum import c_atoi
from nutrio.protocol.common.state import ResultCode
from nutrio.protocol.devices.bcmxcp.frame import Cmd

__all__ = [
    "ACCEPTED",
    "DEFAULT_COMMANDS",
    "Step",
    "ack_result",
    "command_list",
    "instcmd_step",
    "listed_commands",
    "settable",
    "setvar_step",
    "shutdown_seconds",
    "system_tests",
    "CONFIG_REQUEST",
    "SYSTEM_TEST_REQUEST",
]

ACCEPTED = 0x31
#: the answer codes of an acknowledgement: (result, what NUT logs)
_ACKS: Mapping[int, tuple[str, str]] = {
    ACCEPTED: (ResultCode.SUCCESS, "accepted"),
    0x37: (ResultCode.SUCCESS, "parameter adjusted"),
    0x33: (ResultCode.FAILED, "busy or disabled by front panel"),
    0x34: (ResultCode.FAILED, "unrecognised command byte or corrupt checksum"),
    0x36: (ResultCode.INVALID_ARGUMENT, "invalid parameter"),
    0x35: (ResultCode.INVALID_ARGUMENT, "parameter out of range"),
}
#: commands a UPS gets when it has no command list (or one that does not add up)
DEFAULT_COMMANDS = ("shutdown.return", "shutdown.stayoff", "test.battery.start")
#: command list byte -> the instant command it offers
_LISTED = {Cmd.BATTERY_TEST: "test.battery.start", Cmd.LOAD_OFF_RESTART: "shutdown.return",
           Cmd.UPS_OFF: "shutdown.stayoff", Cmd.UPS_ON: "load.on",
           Cmd.GO_TO_BYPASS: "bypass.start"}
#: request bytes the command list may name (NUT's table has 208 rows)
_COMMAND_MAP_SIZE = 208
#: asks which settings the UPS lets a client change
CONFIG_REQUEST = bytes([Cmd.SET_CONFIG, 0xFF, 0x00, 0x00])
#: asks which system tests the UPS can run
SYSTEM_TEST_REQUEST = bytes([Cmd.SYSTEM_TEST, 0xFF])
_TESTS = {0x01: "test.system.start", 0x04: "test.panel.start"}
_BEEPER = 0x06
#: setting id -> (variable, the STRING length NUT gives it); 0x06 is the beeper's commands
_SETTINGS: Mapping[int, tuple[str, int]] = {
    0x02: ("input.transfer.boost.high", 3), 0x03: ("input.transfer.trim.low", 3),
    0x05: ("battery.runtime.low", 2), 0x07: ("input.transfer.delay", 5),
    0x08: ("battery.charge.restart", 3), 0x0A: ("ambient.temperature.high", 3),
    0x0B: ("output.voltage.nominal", 3), 0x0D: ("battery.energysave.load", 3),
    0x0E: ("battery.energysave.delay", 3), 0x0F: ("battery.packs", 1),
}
#: variable -> (setting id, lowest, highest, two bytes)
_RANGES: Mapping[str, tuple[int, int, int, bool]] = {
    "input.transfer.boost.high": (0x02, 0, 460, True),
    "input.transfer.trim.low": (0x03, 110, 540, True),
    "battery.runtime.low": (0x05, 0, 30, False),
    "input.transfer.delay": (0x07, 1, 18000, True),
    "battery.charge.restart": (0x08, 0, 100, False),
    "ambient.temperature.high": (0x0A, 0, 100, False),
    "output.voltage.nominal": (0x0B, 0, 460, True),
    "battery.energysave.load": (0x0D, 0, 100, False),
    "battery.energysave.delay": (0x0E, 0, 255, False),
    "battery.packs": (0x0F, 0, 5, False),
}
#: where the outlet digit sits in outlet.N.* (NUT handles outlets 1 to 9)
_OUTLET_DIGIT = 7
#: the default delay of an outlet's shutdown.return when its variable is missing
_OUTLET_DEFAULT_DELAY = 3


@dataclass(frozen=True, slots=True)
class Step:
    """What one command or setting does: authorize first (then pause), send ``payload``
    (None: send nothing more and answer ``refusal``); ``write``: NUT's write sequence,
    after which the USB driver pauses again before reading the acknowledgement."""

    authorize: bool = True
    payload: bytes | None = None
    write: bool = True
    refusal: str = ResultCode.UNKNOWN


def _le(value: int) -> bytes:
    return bytes([value & 0xFF, (value >> 8) & 0xFF])


def _c_int(text: str) -> int:
    """atoi as glibc does it: strtol clamped to a long, then cut to an int."""
    value = max(min(c_atoi(text), 2**63 - 1), -(2**63)) & 0xFFFFFFFF
    return value - 2**32 if value & 0x80000000 else value


def _outlet(name: str) -> tuple[str, int]:
    """("outlet.n.<rest>", digit) for an outlet.N name: NUT's one-character outlet number."""
    if len(name) <= _OUTLET_DIGIT:
        return name, -1
    digit = ord(name[_OUTLET_DIGIT]) - ord("0")
    return name[:_OUTLET_DIGIT] + "n" + name[_OUTLET_DIGIT + 1 :], digit


def instcmd_step(name: str, shutdown_delay: int, variable: Callable[[str], str | None]) -> Step:
    """The wire of instant command ``name``; ``variable`` reads the driver's variables."""
    lower = name.lower()
    fixed = {"shutdown.return": (bytes([Cmd.LOAD_OFF_RESTART]) + _le(shutdown_delay), True),
             "shutdown.stayoff": (bytes([Cmd.UPS_OFF]), False),
             "load.on": (bytes([Cmd.UPS_ON]), False),
             "bypass.start": (bytes([Cmd.GO_TO_BYPASS]), False),
             "test.battery.start": (bytes([Cmd.BATTERY_TEST, 0x0A, 0x1E]), True),
             "test.system.start": (bytes([Cmd.SYSTEM_TEST, 0x01]), True),
             "test.panel.start": (bytes([Cmd.SYSTEM_TEST, 0x04, 0x0A]), True)}
    if lower in fixed:
        payload, write = fixed[lower]
        return Step(payload=payload, write=write)
    if lower in ("beeper.disable", "beeper.enable", "beeper.mute"):
        setting = "dem".index(lower[7])
        return Step(payload=bytes([Cmd.SET_CONFIG, _BEEPER, setting, 0x00]))
    pattern, outlet = _outlet(lower)
    if pattern == "outlet.n.shutdown.return":
        text = variable(f"outlet.{name[_OUTLET_DIGIT]}.delay.shutdown")
        delay = _OUTLET_DEFAULT_DELAY if text is None else _c_int(text)
        delay = shutdown_delay if delay == -1 else delay
        if not 1 <= outlet <= 9:
            return Step(refusal=ResultCode.FAILED)
        return Step(payload=bytes([Cmd.LOAD_OFF_RESTART]) + _le(delay) + bytes([outlet]))
    if pattern in ("outlet.n.load.on", "outlet.n.load.off"):
        if not 1 <= outlet <= 9:
            return Step(refusal=ResultCode.FAILED)
        on = len(name) > 15 and name[15] == "n"  # NUT looks at one character, case and all
        return Step(payload=bytes([Cmd.UPS_ON if on else Cmd.UPS_OFF, outlet]))
    return Step(authorize=False)


def setvar_step(name: str, value: str, *, has_outlets: bool) -> Step:
    """The wire of SET VAR ``name`` ``value`` (refused as INVALID-ARGUMENT like NUT)."""
    lower = name.lower()
    invalid = ResultCode.INVALID_ARGUMENT
    if lower in _RANGES:
        setting, low, high, wide = _RANGES[lower]
        number = _c_int(value)
        if not low <= number <= high:
            return Step(refusal=invalid)
        data = _le(number) if wide else bytes([number & 0xFF, 0])
        return Step(payload=bytes([Cmd.SET_CONFIG, setting]) + data)
    pattern, outlet = _outlet(lower)
    if pattern not in ("outlet.n.delay.start", "outlet.n.delay.shutdown"):
        return Step(authorize=False, refusal=invalid)
    if not has_outlets:
        return Step(authorize=False, refusal=invalid)
    seconds = _c_int(value)
    if not 1 <= outlet <= 9 or not -1 <= seconds <= 0x7FFF:
        return Step(refusal=invalid)
    which = 2 if pattern.endswith("start") else 1
    return Step(payload=bytes([Cmd.SET_OUTLET, which, outlet]) + _le(seconds))


def ack_result(answer: bytes) -> tuple[str, str]:
    """(result code, what happened) for an acknowledgement; b"" is a short read."""
    if not answer:
        return ResultCode.FAILED, "short read from UPS"
    return _ACKS.get(answer[0], (ResultCode.INVALID_ARGUMENT, "not supported"))


def shutdown_seconds(answer: bytes) -> int:
    """The delay the UPS confirms in its acknowledgement of a shutdown."""
    return answer[2] + 256 * answer[3] if len(answer) >= 4 else 0


def command_list(answer: bytes, size: int) -> frozenset[int] | None:
    """Request bytes of the command list block; None when its count disagrees with
    ``size`` (the length the ID block gave), as NUT then falls back to its defaults."""
    if not answer or answer[0] + 2 != size:
        return None
    return frozenset(b for b in answer[2 : 2 + answer[0]] if b < _COMMAND_MAP_SIZE)


def listed_commands(listed: frozenset[int]) -> tuple[str, ...]:
    """The instant commands a command list offers."""
    return tuple(name for byte, name in _LISTED.items() if byte in listed)


def settable(answer: bytes) -> tuple[tuple[tuple[str, int], ...], tuple[str, ...]]:
    """The answer to :data:`CONFIG_REQUEST`: ((variable, STRING length), ...) and the beeper
    commands when the UPS lets clients change its beeper. Shorter than 4 bytes: nothing."""
    if len(answer) < 4:
        return (), ()
    ids = answer[3:]
    variables = tuple(_SETTINGS[i] for i in ids if i in _SETTINGS)
    beeper = ("beeper.disable", "beeper.enable", "beeper.mute") if _BEEPER in ids else ()
    return variables, beeper


def system_tests(answer: bytes) -> tuple[str, ...]:
    """The tests an accepted :data:`SYSTEM_TEST_REQUEST` lists (from its fourth byte)."""
    if not answer or answer[0] != ACCEPTED:
        return ()
    return tuple(_TESTS[b] for b in answer[3:] if b in _TESTS)
