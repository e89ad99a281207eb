"""NUT 2.8.1+'s driver generics: what the driver core (drivers/main.c) serves for every device.

Pure: names, the life cycle's states, and how the core reads the values a client SETs.
The actor side (publishing, the commands' effects) is actors/drivers/generics.py. nutrio
serves these only for a device with ``driver_generics = true``: NUT 2.8.0 has none of
them, and LIST VAR/LIST CMD stay byte-identical to 2.8.0 by default.
"""

from __future__ import annotations

import re
from enum import StrEnum

from nutrio.protocol.common.state import VarInfo
from nutrio.protocol.devices.dummy.devfile import DeviceVars

__all__ = [
    "ALLOW_KILLPOWER",
    "ALLOW_KILLPOWER_OPTION",
    "COMMANDS",
    "DEBUG",
    "STATE",
    "Command",
    "DriverState",
    "allow_killpower_value",
    "debug_value",
    "put_generic_vars",
]

STATE = "driver.state"
DEBUG = "driver.debug"
ALLOW_KILLPOWER = "driver.flag.allow_killpower"
#: the ups.conf flag that sets ALLOW_KILLPOWER to 1 at start
ALLOW_KILLPOWER_OPTION = "allow_killpower"

#: RW NUMBER, as main.c flags both variables
_RW_NUMBER = VarInfo(rw=True, number=True)


class DriverState(StrEnum):
    """driver.state values (docs/nut-names.txt); nutrio passes through the ones below."""

    INIT_STARTING = "init.starting"
    INIT_DEVICE = "init.device"  # nutrio's open(): NUT's initups, initinfo and first updateinfo
    INIT_INFO = "init.info"  # the core's part after the first read (device.*, generics)
    INIT_QUIET = "init.quiet"
    QUIET = "quiet"
    UPDATEINFO = "updateinfo"  # a poll is running
    RELOADING = "reloading"
    FSD_KILLPOWER = "fsd.killpower"
    CLEANUP_UPSDRV = "cleanup.upsdrv"  # the driver closes its device
    CLEANUP_EXIT = "cleanup.exit"


class Command(StrEnum):
    """The instant commands main.c adds on a POSIX build of 2.8.5 (reload-or-restart is
    commented out there, so it is not served)."""

    KILLPOWER = "driver.killpower"
    EXIT = "driver.exit"
    RELOAD = "driver.reload"
    RELOAD_OR_EXIT = "driver.reload-or-exit"
    RELOAD_OR_ERROR = "driver.reload-or-error"


COMMANDS = tuple(Command)

# C's strtol as NUT's str_to_int takes it: optional blanks and sign, digits, nothing after
_C_INT = re.compile(r"\s*[+-]?[0-9]+")
_ON_WORDS = ("true", "yes", "on")


def debug_value(text: str) -> int | None:
    """SET driver.debug: the new level (-1: back to the configured one), None if not a number."""
    if not _C_INT.fullmatch(text):
        return None
    return max(int(text), -1)


def allow_killpower_value(text: str) -> int:
    """SET driver.flag.allow_killpower: 1 or 0; a number above 0, "enable..." or a yes-word is
    1, anything else 0 (NUT takes every value, so this SET never fails)."""
    if _C_INT.fullmatch(text):
        return 1 if int(text) > 0 else 0
    return 1 if text.startswith("enable") or text in _ON_WORDS else 0


def put_generic_vars(state: DeviceVars, *, allow_killpower: bool, debug: int = 0) -> None:
    """Add the variables and commands of the generics (once the first read is done)."""
    state.set(DEBUG, str(debug))
    state.set_info(DEBUG, _RW_NUMBER)
    state.set(ALLOW_KILLPOWER, "1" if allow_killpower else "0")
    state.set_info(ALLOW_KILLPOWER, _RW_NUMBER)
    for command in COMMANDS:
        state.add_command(command)
