"""liebert: Liebert's MultiLink contact-closure cable (NUT 2.8.0 liebert 1.03).

How it works: the cable joins the port's TX to its RX while the UPS is on battery, so
the driver sends one byte (0x55) each poll and reads it back when the UPS is on
battery; it reads low battery on DCD. Each reading passes a :class:`Debounce`: a new
level counts once it was read on four polls in a row (NUT's counter must reach 3
after the change), so a glitch of a poll or two never shows.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DEBOUNCE", "MFR", "MODEL", "PROBE", "Debounce", "on_battery", "status_words"]

#: the byte sent each poll; it comes back while the UPS is on battery
PROBE = 0x55
#: polls after a change before the new level counts (the change's own poll not counted)
DEBOUNCE = 3
MFR, MODEL = "Liebert", "MultiLink"


def on_battery(echo: bytes) -> bool:
    """The loop-back test: something came back and its last byte is the probe."""
    return bool(echo) and echo[-1] == PROBE


@dataclass
class Debounce:
    """One debounced level (OB or LB), starting low."""

    state: bool = False
    last: bool = False
    count: int = 0

    def read(self, level: bool) -> bool:
        """The debounced state after one more reading."""
        self.count = self.count + 1 if level == self.last else 0
        if self.count >= DEBOUNCE:
            self.state = level
        self.last = level
        return self.state


def status_words(ob: bool, lb: bool) -> list[str]:
    """ups.status: OB or OL, then LB."""
    return ["OB" if ob else "OL", *(["LB"] if lb else [])]
