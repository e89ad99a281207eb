"""genericups' cable table: NUT 2.8.0's contact-closure UPS types 0..23 (genericups.h).

How it works: a contact-closure UPS says what it knows by closing contacts that a cable
wires to the serial port's input lines (CTS, DCD, RI, DSR); the driver powers the cable
from the output lines (DTR, RTS) and cuts the load by raising other outputs, or by
sending a break on TX. Each type fixes which line means what: a :class:`Signal` holds
when the masked input lines equal its value ("CTS off" is mask CTS, value 0). The bits
are Linux's TIOCM_* values, which both the kernel and NUT's table use.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CAR", "CTS", "DSR", "DTR", "NO_SIGNAL", "RNG", "RTS", "ST", "TYPES", "CableType",
           "Signal", "line_names"]

#: Linux's modem-control bits (asm-generic/termios.h TIOCM_*)
DTR, RTS, ST, CTS, CAR, RNG, DSR = 0x002, 0x004, 0x008, 0x020, 0x040, 0x080, 0x100

_NAMES = ((DTR, "DTR"), (RTS, "RTS"), (ST, "ST"), (CTS, "CTS"), (CAR, "DCD"), (RNG, "RNG"),
          (DSR, "DSR"))


def line_names(bits: int) -> str:
    """"DTR+RTS" for a line mask ("none" for 0), in the words of genericups' options."""
    return "+".join(name for bit, name in _NAMES if bits & bit) or "none"


@dataclass(frozen=True, slots=True)
class Signal:
    """One status input: the lines it reads and the value they show when it holds."""

    line: int
    value: int

    def holds(self, flags: int) -> bool:
        return flags & self.line == self.value


NO_SIGNAL = Signal(0, 0)


@dataclass(frozen=True, slots=True)
class CableType:
    """One row of the table. ``shutdown`` None: the type has no shutdown (NUT's -1);
    :data:`ST` alone: a break on TX instead of output lines."""

    mfr: str
    model: str
    desc: str
    power: int
    online: Signal
    lowbatt: Signal
    shutdown: int | None
    replace: Signal = NO_SIGNAL
    bypass: Signal = NO_SIGNAL


def _type(mfr: str, model: str, desc: str, power: int, online: tuple[int, int],
          lowbatt: tuple[int, int], shutdown: int | None) -> CableType:
    return CableType(mfr, model, desc, power, Signal(*online), Signal(*lowbatt), shutdown)


#: upstype -> cable, in NUT's order (the number is the index)
TYPES: tuple[CableType, ...] = (
    _type("UPSONIC", "LAN Saver 600", "UPSONIC LAN Saver 600",
          DTR | RTS, (CTS, 0), (CAR, CAR), RTS),
    _type("APC", "Back-UPS", "APC Back-UPS (940-0095A/C cable)",
          DTR, (RNG, 0), (CAR, CAR), RTS),
    _type("APC", "Back-UPS", "APC Back-UPS (940-0020B/C cable)",
          RTS, (CTS, 0), (CAR, CAR), DTR | RTS),
    _type("PowerTech", "Comp1000", "PowerTech Comp1000 with DTR as cable power",
          DTR, (CTS, 0), (CAR, CAR), DTR | RTS),
    _type("Generic", "Generic RUPS model", "Generic RUPS model",
          RTS, (CTS, CTS), (CAR, 0), 0),
    _type("TrippLite", "Internet Office Series",
          "Tripp Lite UPS with Lan2.2 interface (black 73-0844 cable)",
          DTR, (CTS, CTS), (CAR, 0), DTR | RTS),
    _type("Best", "Patriot", "Best Patriot (INT51 cable)",
          DTR, (CTS, CTS), (CAR, 0), RTS),
    _type("CyberPower", "Power99", "CyberPower Power99",
          RTS, (CTS, CTS), (CAR, 0), DTR),
    _type("Nitram", "Elite UPS", "Nitram Elite 500",
          DTR, (CTS, CTS), (CAR, 0), None),
    _type("APC", "Back-UPS", "APC Back-UPS (940-0023A cable)",
          0, (CAR, 0), (CTS, CTS), RTS),
    _type("Victron", "Lite", "Victron Lite (crack cable)",
          RTS, (CTS, CTS), (CAR, 0), DTR),
    _type("Powerware", "3115", "Powerware 3115",
          DTR, (CTS, 0), (CAR, 0), ST),
    _type("APC", "Back-UPS Office", "APC Back-UPS Office (940-0119A cable)",
          RTS, (CTS, 0), (CAR, CAR), DTR),
    _type("RPT", "Repoteck", "Repoteck RPT-800A, RPT-162A",
          DTR | RTS, (CAR, CAR), (CTS, 0), ST),
    _type("Online", "P250, P500, P750, P1250", "Online P-series",
          DTR, (CAR, CAR), (CTS, 0), RTS),
    _type("Powerware", "5119", "Powerware 5119",
          DTR, (CTS, CTS), (CAR, 0), ST),
    _type("Nitram", "Elite UPS", "Nitram Elite 2002",
          DTR | RTS, (CTS, CTS), (CAR, 0), None),
    _type("PowerKinetics", "9001", "PowerKinetics 9001",
          DTR, (CTS, CTS), (CAR, 0), None),
    _type("TrippLite", "Omni 450LAN", "TrippLite UPS with Martin's cabling",
          DTR, (CTS, CTS), (CAR, CAR), None),
    _type("Fideltronik", "Ares Series", "Fideltronik Ares Series",
          DTR, (CTS, CTS), (CAR, 0), RTS),
    _type("Powerware", "5119 RM", "Powerware 5119 RM",
          DTR, (CTS, 0), (CAR, CAR), ST),
    _type("Generic", "Generic RUPS 2000", "Generic RUPS 2000 (Megatec M2501 cable)",
          RTS, (CTS, CTS), (CAR, 0), RTS | DTR),
    _type("Gamatronic Electronic Industries", "Generic Alarm UPS",
          "Gamatronic UPSs with alarm interface",
          RTS, (CTS, CTS), (CAR, 0), DTR),
    CableType("Generic", "Generic FTTx Battery Backup",
              "FTTx (Fiber to the x) battery backup with 4-wire telemetry interface",
              RTS, Signal(CTS, CTS), Signal(CAR, 0), 0,
              replace=Signal(RNG, 0), bypass=Signal(DSR, 0)),
)
