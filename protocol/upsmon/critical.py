"""upsmon's verdict, pure: which UPSes are critical, and is the power enough?

:func:`assess` is recalc() in clients/upsmon.c. A UPS is critical
(is_ups_critical) when:

1. FSD is set (a primary is forcing a shutdown);
2. it has been silent for more than DEADTIME and was last known in a state
   where it may drop the load: CAL, BYPASS, OFF (unless OFFDURATION < 0),
   ALARM (with ALARMCRITICAL); OVER once silent for OVERDURATION (>= 0)
   (upsmon 2.8.1+ treats these as volatile; we keep DEADTIME's grace);
3. it has been OFF for longer than OFFDURATION (>= 0; 0 at once; 2.8.1+);
4. it is on battery with low battery (OB LB), not calibrating, and OB LB has
   lasted OBLBDURATION (when > 0; 2.8.2+), and either we are its primary or,
   as a secondary, the primary had HOSTSYNC seconds to set FSD and did not.

A UPS silent for more than DEADTIME whose last status was OB is promoted to
OB LB first (2.8.0's recalc), so the rule above shuts it down. Everything
else counts as fed, including a UPS never heard from (as upsmon assumes).
The shutdown is due when the fed power values sum below MINSUPPLIES; a
primary then sets FSD and waits for its secondaries (:func:`primaries`,
:func:`secondaries_gone`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from nutrio.protocol.upsmon.state import Comm, Monitor, Settings, UpsState

__all__ = ["Assessment", "assess", "critical_reason", "is_dead", "primaries", "secondaries_gone"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Assessment:
    """recalc()'s verdict: ``critical`` maps each critical UPS to why."""

    monitor: Monitor
    power: int
    critical: tuple[tuple[str, str], ...] = ()
    shutdown: bool = False


def is_dead(ups: UpsState, settings: Settings, now: float) -> bool:
    """No status for more than DEADTIME (recalc's test; never polled counts)."""
    return now - ups.last_poll > settings.deadtime


def _promote(ups: UpsState, settings: Settings, now: float) -> UpsState:
    # a dead UPS last known on battery is assumed to have run low (recalc)
    if is_dead(ups, settings, now) and "OB" in ups.flags and "LB" not in ups.flags:
        return replace(ups, flags=ups.flags | {"LB"})
    return ups


def critical_reason(ups: UpsState, settings: Settings, now: float) -> str | None:
    """Why ``ups`` is critical now (is_ups_critical), or None when it is not."""
    f = ups.flags
    if "FSD" in f:
        return "fsd"
    if ups.comm != Comm.OK:
        volatile = _volatile(ups, settings, now)
        if volatile:
            return volatile
    off_for = now - ups.off_since
    if "OFF" in f and (settings.offduration == 0 or 0 < settings.offduration < off_for):
        return "off"
    if "OB" not in f or "LB" not in f:
        return None
    if "CAL" in f:  # OB LB while calibrating is not an outage (2.8.0)
        return None
    lasted = now - ups.last_noncrit
    if settings.oblbduration > 0 and lasted < settings.oblbduration:
        return None
    if ups.primary:
        return "onbatt-lowbatt"
    if lasted > settings.hostsync:
        return "primary-gave-no-fsd"  # "Giving up on the primary"
    return None


def _volatile(ups: UpsState, settings: Settings, now: float) -> str | None:
    f = ups.flags
    silent = now - ups.last_poll
    if "OVER" in f and settings.overduration >= 0 and silent > settings.overduration:
        return "lost-while-over"
    if silent <= settings.deadtime:
        return None
    if "CAL" in f:
        return "lost-while-cal"
    if "BYPASS" in f:
        return "lost-while-bypass"
    if "OFF" in f and settings.offduration >= 0:
        return "lost-while-off"
    if "ALARM" in f and settings.alarmcritical:
        return "lost-while-alarm"
    return None


def assess(monitor: Monitor, now: float) -> Assessment:
    """recalc(): the power value of the non-critical UPSes against MINSUPPLIES."""
    settings = monitor.settings
    ups = tuple(_promote(u, settings, now) for u in monitor.ups)
    promoted = replace(monitor, ups=ups)
    power = 0
    critical: list[tuple[str, str]] = []
    for u in ups:
        reason = critical_reason(u, settings, now)
        if reason is None:
            power += u.powervalue
        else:
            critical.append((u.sys, reason))
    return Assessment(monitor=promoted, power=power, critical=tuple(critical),
                      shutdown=power < settings.minsupplies)


# -- the primary's shutdown ---------------------------------------------------


def primaries(monitor: Monitor) -> tuple[str, ...]:
    """The UPSes we set FSD on before shutting down (forceshutdown)."""
    return tuple(u.sys for u in monitor.ups if u.primary)


def secondaries_gone(logins: Iterable[int | None]) -> bool:
    """sync_secondaries: done when no primary UPS has more than our own login.

    A failed NUMLOGINS query (None) counts as 0, as in upsmon.
    """
    return max((n or 0 for n in logins), default=0) <= 1

