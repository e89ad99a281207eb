"""upsmon's state and what a poll does to it, pure (clients/upsmon.c).

How it works: a :class:`Monitor` holds the settings and one :class:`UpsState`
per MONITOR line. Two inputs change it, each returning a :class:`Step` (the
new monitor and the notify edges it caused):

- :func:`observe_status` -- a poll returned ``ups.status`` (parse_status):
  ONLINE, ONBATT, LOWBATT, FSD, COMMOK, REPLBATT, CAL/NOTCAL, OFF/NOTOFF,
  BYPASS/NOTBYPASS and the 2.8.2+ ECO, ALARM, OVER, TRIM, BOOST, OTHER pairs;
- :func:`observe_failure` -- a poll failed (ups_is_gone: COMMBAD, NOCOMM).

upsmon's quirks are kept on purpose: the first OL is not notified but the
first OB is; COMMBAD fires even when the UPS never answered; LB, FSD, CAL,
OFF and BYPASS are cleared by substring test; the OB LB timer is updated
after each status word, so word order matters. The verdict -- which UPSes
are critical, is the power enough -- is :mod:`protocol.upsmon.critical`.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable
from dataclasses import dataclass, replace

from nutrio.protocol.notify.events import NotifyType

__all__ = [
    "ALERT_FLAGS", "KNOWN_TOKENS", "NEVER", "Comm", "Line", "Monitor", "Notice", "Settings",
    "Step", "UpsState", "new_monitor", "observe_failure", "observe_status",
    "power_config_error", "wants_alert_polling",
]

NEVER = -math.inf

#: Status words upsmon classifies; anything else is "OTHER" (2.8.2+).
KNOWN_TOKENS = frozenset({
    "OL", "OB", "LB", "HB", "RB", "CHRG", "DISCHRG", "BYPASS", "CAL", "OFF",
    "OVER", "TRIM", "BOOST", "FSD", "ALARM", "ECO",
})  # fmt: skip

# Flags that come and go with their word, each with its edge pair
# (ups_is_cal/ups_is_notcal and friends). CAL, OFF and BYPASS are found by
# substring as upsmon's strstr does; the later ones by whole word.
_SUBSTRING_EDGES = (
    ("CAL", NotifyType.CAL, NotifyType.NOTCAL),
    ("OFF", NotifyType.OFF, NotifyType.NOTOFF),
    ("BYPASS", NotifyType.BYPASS, NotifyType.NOTBYPASS),
)
_WORD_EDGES = (
    ("ECO", NotifyType.ECO, NotifyType.NOTECO),
    ("ALARM", NotifyType.ALARM, NotifyType.NOTALARM),
    ("OVER", NotifyType.OVER, NotifyType.NOTOVER),
    ("TRIM", NotifyType.TRIM, NotifyType.NOTTRIM),
    ("BOOST", NotifyType.BOOST, NotifyType.NOTBOOST),
)
#: States that make upsmon poll at POLLFREQALERT (try_restore_pollfreq).
ALERT_FLAGS = frozenset({"OB", "OFF", "BYPASS", "CAL"})


class Comm(enum.IntEnum):
    """upsmon's commstate: -1 before the first answer (no COMMOK then)."""

    NEVER = -1
    LOST = 0
    OK = 1


class Line(enum.IntEnum):
    """upsmon's linestate: -1 until the first OL/OB (the first OL is not notified)."""

    UNKNOWN = -1
    BATTERY = 0
    ONLINE = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """The upsmon.conf values the decisions depend on (seconds)."""

    minsupplies: int = 1
    deadtime: float = 15.0
    hostsync: float = 15.0
    nocommwarntime: float = 300.0
    rbwarntime: float = 43200.0
    offduration: float = 30.0
    oblbduration: float = 0.0
    overduration: float = -1.0
    alarmcritical: bool = True


@dataclass(frozen=True, slots=True, kw_only=True)
class UpsState:
    """What upsmon remembers about one MONITOR line (its utype_t).

    ``flags`` are the remembered status words (OL OB LB FSD CAL OFF BYPASS
    ECO ALARM OVER TRIM BOOST); ``other`` the unclassified words last seen.
    Times are on the caller's clock; NEVER is "long ago".
    """

    sys: str
    powervalue: int = 1
    primary: bool = False
    flags: frozenset[str] = frozenset()
    other: frozenset[str] = frozenset()
    comm: Comm = Comm.NEVER
    line: Line = Line.UNKNOWN
    last_poll: float = NEVER
    last_noncrit: float = NEVER
    last_rbwarn: float = NEVER
    last_ncwarn: float = NEVER
    off_since: float = NEVER


@dataclass(frozen=True, slots=True, kw_only=True)
class Monitor:
    """All monitored UPSes (in MONITOR order) and the settings."""

    settings: Settings = Settings()
    ups: tuple[UpsState, ...] = ()

    def __post_init__(self) -> None:
        names = [u.sys for u in self.ups]
        if len(set(names)) != len(names):
            raise ValueError("duplicate MONITOR system")

    def get(self, sys: str) -> UpsState:
        for u in self.ups:
            if u.sys == sys:
                return u
        raise KeyError(sys)

    def with_ups(self, new: UpsState) -> Monitor:
        return replace(self, ups=tuple(new if u.sys == new.sys else u for u in self.ups))


@dataclass(frozen=True, slots=True, kw_only=True)
class Notice:
    """A notify edge: ``ups`` is "" for events about this host (SHUTDOWN)."""

    type: NotifyType
    ups: str
    detail: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Step:
    monitor: Monitor
    notices: tuple[Notice, ...] = ()


def new_monitor(settings: Settings, entries: Iterable[tuple[str, int, bool]]) -> Monitor:
    """A fresh monitor from ``(sys, powervalue, primary)`` per MONITOR line."""
    ups = tuple(UpsState(sys=s, powervalue=pv, primary=p) for s, pv, p in entries)
    return Monitor(settings=settings, ups=ups)


def power_config_error(monitor: Monitor) -> str | None:
    """upsmon refuses to start when the power values cannot reach MINSUPPLIES."""
    total = sum(u.powervalue for u in monitor.ups)
    if total < monitor.settings.minsupplies:
        return (f"insufficient power configured: sum of power values {total} "
                f"< MINSUPPLIES {monitor.settings.minsupplies}")
    return None


# -- inputs -----------------------------------------------------------------


class _Edit:
    """A small mutable scratchpad for one UpsState update; frozen again at the end."""

    def __init__(self, ups: UpsState) -> None:
        self.ups = ups
        self.flags = set(ups.flags)
        self.notices: list[Notice] = []

    def notify(self, kind: NotifyType, detail: str = "") -> None:
        self.notices.append(Notice(type=kind, ups=self.ups.sys, detail=detail))

    def set(self, **changes: object) -> None:
        self.ups = replace(self.ups, **changes)  # type: ignore[arg-type]

    def done(self, monitor: Monitor) -> Step:
        final = replace(self.ups, flags=frozenset(self.flags))
        return Step(monitor=monitor.with_ups(final), notices=tuple(self.notices))


def observe_failure(monitor: Monitor, sys: str, now: float) -> Step:
    """A poll of ``sys`` failed: COMMBAD once, then NOCOMM every NOCOMMWARNTIME."""
    ed = _Edit(monitor.get(sys))
    _gone(ed, monitor.settings, now)
    return ed.done(monitor)


def _gone(ed: _Edit, settings: Settings, now: float) -> None:
    ups = ed.ups
    if ups.comm != Comm.LOST:
        ed.set(comm=Comm.LOST)
        ed.notify(NotifyType.COMMBAD)
        return
    if now - ups.last_poll < settings.nocommwarntime:
        return
    if now - ups.last_ncwarn > settings.nocommwarntime:
        ed.notify(NotifyType.NOCOMM)
        ed.set(last_ncwarn=now)


def observe_status(monitor: Monitor, sys: str, status: str, now: float) -> Step:
    """``ups.status`` of ``sys`` was read at ``now`` (parse_status).

    An empty status counts as a failed poll, as in upsmon.
    """
    ed = _Edit(monitor.get(sys))
    settings = monitor.settings
    if not status:
        _gone(ed, settings, now)
        return ed.done(monitor)
    _alive(ed, now)
    # cleared early when they disappear; upsmon looks for substrings here
    if "LB" not in status:
        ed.flags.discard("LB")
    if "FSD" not in status:
        ed.flags.discard("FSD")
    for word, _on, off in _SUBSTRING_EDGES:
        if word not in status:
            _clear(ed, word, off)
    words = status.split(" ")
    upper = {w.upper() for w in words}
    for word, _on, off in _WORD_EDGES:
        if word not in upper:
            _clear(ed, word, off)
    for word in words:
        _word(ed, word.upper(), settings, now)
        _update_crittimer(ed, now)
    _other(ed, frozenset(w for w in upper if w and w not in KNOWN_TOKENS))
    return ed.done(monitor)


def _alive(ed: _Edit, now: float) -> None:
    comm = ed.ups.comm
    ed.set(last_poll=now, comm=Comm.OK)
    if comm == Comm.LOST:  # not on the first contact
        ed.notify(NotifyType.COMMOK)


def _clear(ed: _Edit, word: str, kind: NotifyType) -> None:
    if word in ed.flags:
        ed.flags.discard(word)
        ed.notify(kind)
    if word == "OFF":
        ed.set(off_since=NEVER)


def _word(ed: _Edit, word: str, settings: Settings, now: float) -> None:
    flags = ed.flags
    if word == "OL":
        if "OL" not in flags:
            if ed.ups.line != Line.UNKNOWN:  # the first OL at start-up is quiet
                ed.notify(NotifyType.ONLINE)
            ed.set(line=Line.ONLINE)
            flags.add("OL")
            flags.discard("OB")
    elif word == "OB":
        if "OB" not in flags:  # notified even at start-up, as upsmon does
            ed.set(line=Line.BATTERY)
            ed.notify(NotifyType.ONBATT)
            flags.add("OB")
            flags.discard("OL")
    elif word == "LB":
        _edge(ed, "LB", NotifyType.LOWBATT)
    elif word == "RB":
        if now - ed.ups.last_rbwarn > settings.rbwarntime:
            ed.notify(NotifyType.REPLBATT)
            ed.set(last_rbwarn=now)
    elif word == "OFF":
        if "OFF" not in flags:
            ed.set(off_since=now)
        _edge(ed, "OFF", NotifyType.OFF)
    elif word == "FSD":
        _edge(ed, "FSD", NotifyType.FSD)
    else:
        for name, on, _off in (*_SUBSTRING_EDGES, *_WORD_EDGES):
            if word == name:
                _edge(ed, name, on)


def _edge(ed: _Edit, flag: str, kind: NotifyType) -> None:
    if flag not in ed.flags:
        ed.flags.add(flag)
        ed.notify(kind)


def _update_crittimer(ed: _Edit, now: float) -> None:
    # upsmon does this after every word, so the word order matters: "LB OB"
    # after "OB" does not restart the timer, "OB LB" does (update_crittimer).
    f = ed.flags
    if "OB" not in f or "LB" not in f or "CAL" in f:
        ed.set(last_noncrit=now)


def _other(ed: _Edit, other: frozenset[str]) -> None:
    if other and other != ed.ups.other:
        ed.notify(NotifyType.OTHER, " ".join(sorted(other)))
    elif not other and ed.ups.other:
        ed.notify(NotifyType.NOTOTHER)
    ed.set(other=other)


def wants_alert_polling(ups: UpsState) -> bool:
    """Poll at POLLFREQALERT while on battery, OFF, on bypass or calibrating."""
    return bool(ups.flags & ALERT_FLAGS)
