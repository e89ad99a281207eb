"""DRIVERFAIL / DRIVEROK: when a driver's crash loop is worth telling the operator.

How it works: the supervisor restarts a crashed driver forever (with
back-off), which heals a brief fault but hides a lasting one. The
:class:`CrashLedger` counts each driver's crashes in a sliding ``window``;
the ``restarts``-th crash inside it marks the driver failing and yields one
:class:`DriverAlarm` (DRIVERFAIL). Later crashes add nothing while it stays
failing. Once the driver has gone a whole ``window`` without a crash the
ledger yields DRIVEROK and forgets its count. Both are nutrio's own notify
types (NUT's drivers are separate processes that upsdrvctl does not restart).
Pure: the tree calls :meth:`CrashLedger.crashed` from each driver's error
hook and :meth:`CrashLedger.due` at :meth:`CrashLedger.next_deadline`.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from nutrio.protocol.notify.events import Notification, NotifyType

__all__ = ["DEFAULT_RESTARTS", "DEFAULT_WINDOW", "CrashLedger", "DriverAlarm",
           "DriverFailSettings"]

#: 5 crashes in 10 minutes: with the drivers' back-off (0.1 s doubling to 30 s) a
#: device that is gone gets there within seconds; a driver that crashes now and
#: then never does.
DEFAULT_RESTARTS = 5
DEFAULT_WINDOW = 600.0


@dataclass(frozen=True, slots=True, kw_only=True)
class DriverFailSettings:
    """``restarts`` crashes within ``window`` seconds make a driver failing (0: never)."""

    restarts: int = DEFAULT_RESTARTS
    window: float = DEFAULT_WINDOW


@dataclass(frozen=True, slots=True, kw_only=True)
class DriverAlarm:
    """A driver became failing (``failing``) or ran a whole window cleanly again."""

    ups: str
    failing: bool
    restarts: int
    window: float
    last_error: str

    def notification(self, at: float) -> Notification:
        """DRIVERFAIL or DRIVEROK for this UPS (``at``: wall-clock time)."""
        if self.failing:
            detail = (f"{self.restarts} restarts in {self.window:g} s, "
                      f"last error: {self.last_error}")  # fmt: skip
            return Notification(type=NotifyType.DRIVERFAIL, ups=self.ups, at=at, detail=detail)
        detail = f"no crash for {self.window:g} s"
        return Notification(type=NotifyType.DRIVEROK, ups=self.ups, at=at, detail=detail)


@dataclass(slots=True)
class _Record:
    crashes: deque[float] = field(default_factory=deque)
    failing: bool = False
    last_error: str = ""


class CrashLedger:
    """Each driver's recent crashes (times on the monotonic clock)."""

    def __init__(self, settings: DriverFailSettings) -> None:
        self.settings = settings
        self._records: dict[str, _Record] = {}

    def crashed(self, ups: str, error: str, now: float) -> DriverAlarm | None:
        """Count one crash of *ups*; DRIVERFAIL when it is the one that makes it failing."""
        cfg = self.settings
        if cfg.restarts <= 0:
            return None
        record = self._records.setdefault(ups, _Record())
        record.crashes.append(now)
        record.last_error = error
        while record.crashes and record.crashes[0] <= now - cfg.window:
            record.crashes.popleft()
        if record.failing or len(record.crashes) < cfg.restarts:
            return None
        record.failing = True
        return DriverAlarm(ups=ups, failing=True, restarts=len(record.crashes),
                           window=cfg.window, last_error=error)

    def due(self, now: float) -> list[DriverAlarm]:
        """DRIVEROK for each failing driver whose last crash is a window old."""
        alarms = []
        for ups, record in list(self._records.items()):
            if record.crashes and record.crashes[-1] + self.settings.window > now:
                continue
            if record.failing:
                alarms.append(DriverAlarm(ups=ups, failing=False, restarts=0,
                                          window=self.settings.window,
                                          last_error=record.last_error))
            del self._records[ups]
        return alarms

    def next_deadline(self) -> float | None:
        """When the next :meth:`due` may have something to say (None: nothing pending)."""
        ends = [r.crashes[-1] + self.settings.window for r in self._records.values() if r.crashes]
        return min(ends, default=None)

    def failing(self) -> list[str]:
        """The drivers marked failing now."""
        return sorted(ups for ups, record in self._records.items() if record.failing)
