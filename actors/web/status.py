"""A UPS's status in words and colour, and how fresh its data is (pure, no Trio).

:func:`describe_status` is the one place that turns status tokens into the
words and colour every web surface shows (pages, JSON API, live events), so a
flag the server adds to the driver's own (such as FSD) is added there once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from nutrio.protocol.common.state import UpsSnapshot

__all__ = [
    "DEFAULT_MAXAGE",
    "STATUS_WORDS",
    "Freshness",
    "StatusDisplay",
    "age_text",
    "describe_status",
    "freshness_of",
    "status_level",
    "status_words",
]

#: upsd's MAXAGE default: older data counts as stale.
DEFAULT_MAXAGE = 15.0

#: ups.status tokens (NUT's docs/new-drivers.txt list) in words.
STATUS_WORDS: Mapping[str, str] = MappingProxyType({
    "OL": "On line",
    "OB": "On battery",
    "LB": "Low battery",
    "HB": "High battery",
    "RB": "Replace battery",
    "CHRG": "Charging",
    "DISCHRG": "Discharging",
    "BYPASS": "On bypass",
    "CAL": "Calibrating",
    "OFF": "Offline",
    "OVER": "Overloaded",
    "TRIM": "Trimming voltage",
    "BOOST": "Boosting voltage",
    "FSD": "Forced shutdown",
    "ALARM": "Alarm",
    "TEST": "Testing",
})

# Colour levels: the worst token decides (upsmon treats these as critical or degraded).
_BAD = frozenset({"LB", "FSD", "OVER", "RB", "ALARM", "OFF"})
_WARN = frozenset({"OB", "DISCHRG", "BYPASS", "CAL", "TEST", "TRIM", "BOOST", "HB"})


def status_words(status: str) -> tuple[tuple[str, str], ...]:
    """``"OL CHRG"`` -> ``(("OL", "On line"), ("CHRG", "Charging"))``; unknown tokens stay."""
    return tuple((tok, STATUS_WORDS.get(tok.upper(), tok)) for tok in status.split())


def status_level(status: str, *, connected: bool = True, stale: bool = False) -> str:
    """``ok``, ``warn``, ``bad`` or ``unknown`` (no driver, stale data, no status)."""
    tokens = {t.upper() for t in status.split()}
    if not connected or stale or not tokens:
        return "unknown"
    if tokens & _BAD:
        return "bad"
    if tokens & _WARN:
        return "warn"
    return "ok"


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusDisplay:
    """What a page shows of a status: each token in words, one line, one colour."""

    words: tuple[tuple[str, str], ...]
    text: str
    level: str


def describe_status(status: str, *, connected: bool, stale: bool) -> StatusDisplay:
    """The status tokens as served (``"OB LB"``) in words and colour.

    Without a driver or with stale data the words say so and the colour is grey,
    as upsd answers DRIVER-NOT-CONNECTED or DATA-STALE instead of a status.
    """
    words = status_words(status)
    if not connected:
        text = "Driver not connected"
    elif stale:
        text = "Data stale"
    else:
        text = ", ".join(w for _, w in words) or "No status"
    return StatusDisplay(words=words, text=text,
                         level=status_level(status, connected=connected, stale=stale))


@dataclass(frozen=True, slots=True, kw_only=True)
class Freshness:
    """How current a snapshot is, as upsd judges it.

    ``stale`` is the driver's own verdict or data older than ``maxage`` (upsd's
    DATA-STALE); ``age`` is seconds since the driver last read the device
    (None: it never did); ``last_error`` is the driver's last failure, if any.
    """

    connected: bool
    stale: bool
    age: float | None
    last_error: str | None = None

    @property
    def fresh(self) -> bool:
        return self.connected and not self.stale


def freshness_of(snap: UpsSnapshot, *, now: float | None, maxage: float = DEFAULT_MAXAGE,
                 last_error: str | None = None) -> Freshness:
    """*snap* judged at *now* (the clock of ``taken_at``; None: age unknown)."""
    never = not snap.data.vars  # the driver has not read the device yet
    age = None if never or now is None else max(0.0, now - snap.taken_at)
    too_old = age is not None and now is not None and now - snap.heard_at(now) > maxage
    return Freshness(connected=snap.connected, stale=snap.stale or too_old, age=age,
                     last_error=last_error)


def age_text(seconds: float | None) -> str:
    """``"last seen 42 s ago"`` (live.js words it the same way as it counts up)."""
    if seconds is None:
        return "no data yet"
    s = int(seconds)
    if s < 120:
        span = f"{s} s"
    elif s < 7200:
        span = f"{s // 60} min"
    elif s < 172800:
        span = f"{s // 3600} h {s % 3600 // 60} min"
    else:
        span = f"{s // 86400} d"
    return f"last seen {span} ago"
