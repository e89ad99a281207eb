"""Values a UPS reports that the driver does not know: one warning each, not one per poll.

NUT's Tripp Lite drivers log "Unknown value for s[2]: 0x37" (and alike) at
every update for as long as the UPS keeps saying it, and go on. nutrio goes
on too, but says each odd value once, and once more only after it went away
and came back.
"""

from __future__ import annotations

from collections.abc import Iterable

import structlog

__all__ = ["OddValues"]

log = structlog.get_logger()


class OddValues:
    """What was odd in the last reply of each kind ("S", "V", ...)."""

    def __init__(self) -> None:
        self._last: dict[str, frozenset[str]] = {}

    def seen(self, problems: Iterable[str], *, at: str) -> None:
        """The problems of the latest ``at`` reply; the new ones are logged."""
        now = frozenset(problems)
        for problem in sorted(now - self._last.get(at, frozenset())):
            log.warning("driver.unknown_value", reply=at, problem=problem)
        self._last[at] = now
