"""The requests behind optiups' instant commands, its one writable variable and its shutdown.

``Ct0``/``Ct1`` choose what the next countdown turns off (the output
stage, or the whole unit); ``Cs`` counts down to off and ``Cu`` to on, in
tenths of a second: eight digits for an OPTI-UPS, seven for a Zinto D,
which NUT always turns fully off. ``Cs-0000001`` cancels a countdown.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

__all__ = ["COMMANDS", "OUTLETS", "SWITCH", "ZINTO_START", "commands", "outlet_request",
           "requests_for", "shutdown_requests"]

COMMANDS = ("test.failure.start", "load.off", "load.on", "shutdown.stop", "shutdown.return",
            "shutdown.stayoff")
_REQUESTS: Mapping[str, tuple[str, ...]] = {
    "test.failure.start": ("Ts",),
    "load.off": ("Ct0", "Cs00000000"),
    "load.on": ("Ct0", "Cu00000000"),
    "shutdown.return": ("Ct1", "Cs00000010"),
    "shutdown.stayoff": ("Ct0", "Cs00000010"),
    "shutdown.stop": ("Cs-0000001",),
}
_ZINTO: Mapping[str, tuple[str, ...]] = {
    "test.failure.start": ("Ts",),
    "load.off": ("Ct1", "Cs0000000"),
    "load.on": ("Ct1", "Cu0000000"),
    "shutdown.return": ("Ct1", "Cu0000010", "Cs0000001"),
    "shutdown.stayoff": ("Ct1", "Cs0000001"),
    "shutdown.stop": ("Cs-0000001",),  # not offered, but NUT answers it
}
#: the Zinto D's outlets, in NUT's order; outlet 1 (sockets 3 and 4) can be switched
OUTLETS = (("outlet.desc", "Main Outlet 1+2"), ("outlet.1.desc", "Switchable Outlet 3+4"),
           ("outlet.id", "1"), ("outlet.1.id", "2"), ("outlet.switchable", "0"),
           ("outlet.1.switchable", "1"), ("outlet.1.switch", "1"))
SWITCH = "outlet.1.switch"
#: what the Zinto D's start sends once it knows the unit (outlets on, then "ON")
ZINTO_START = ("Om11", "Om21", "ON")
_INT = re.compile(r"[ \t\n\v\f\r]*([+-]?[0-9]+)")


def commands(zinto: bool) -> tuple[str, ...]:
    """The instant commands offered (a Zinto D has no shutdown.stop)."""
    return tuple(c for c in COMMANDS if not (zinto and c == "shutdown.stop"))


def requests_for(command: str, zinto: bool) -> tuple[str, ...] | None:
    """The requests of an instant command (any case, as NUT compares), None if unknown."""
    return (_ZINTO if zinto else _REQUESTS).get(command.lower())


def outlet_request(value: str) -> tuple[str, str] | None:
    """``outlet.1.switch``'s new value and its request; None when the value reads as no
    number (NUT's sscanf "%d"): 1 switches on, any other number off."""
    found = _INT.match(value)
    if found is None:
        return None
    return ("1", "Oi11") if int(found[1]) == 1 else ("0", "Oi10")


def shutdown_requests(on_battery: bool, zinto: bool) -> tuple[str, ...]:
    """What ``upsdrv_shutdown`` sends after the status: whole unit off; back on after 60 s
    if the line is there (on battery: once it returns), off in 8 s (Zinto: 30 s)."""
    if zinto:
        return ("Ct1", "Cu0000060", "Cs0000030")
    return ("Ct1",) + (() if on_battery else ("Cu00000600",)) + ("Cs00000080",)
