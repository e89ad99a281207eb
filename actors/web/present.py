"""What the pages show of a snapshot: status, freshness, gauges, writable variables.

Pure (no Trio): a snapshot in, frozen view values out. The same values feed
the HTML templates, the JSON API and the live (SSE) updates, so a page that
is re-rendered and a page that is patched by the browser always agree.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from nutrio.actors.web.status import (
    DEFAULT_MAXAGE,
    STATUS_WORDS,
    age_text,
    describe_status,
    freshness_of,
    status_level,
    status_words,
)
from nutrio.protocol.common.state import UpsData, UpsSnapshot, VarInfo
from nutrio.protocol.upsd.netset import check_value
from nutrio.protocol.upsd.replies import served_status

__all__ = [
    "STATUS_WORDS",
    "Gauge",
    "UpsView",
    "WritableVar",
    "api_payload",
    "gauges_of",
    "live_payload",
    "status_level",
    "status_words",
    "validate_value",
    "view_of",
    "writable_vars",
]

# status_words, status_level and STATUS_WORDS live in actors.web.status; kept here for callers.

@dataclass(frozen=True, slots=True, kw_only=True)
class Gauge:
    """One bar: ``percent`` is its fill (0..100), ``level`` its colour."""

    key: str
    label: str
    value: str | None
    text: str
    percent: float
    level: str

    def as_json(self) -> dict[str, Any]:
        return {"key": self.key, "label": self.label, "value": self.value,
                "text": self.text, "percent": self.percent, "level": self.level}


def _num(data: UpsData, name: str) -> float | None:
    raw = data.get(name)
    if raw is None:
        return None
    try:
        return float(raw)
    except ValueError:
        return None


def _clamp(x: float) -> float:
    return round(max(0.0, min(100.0, x)), 1)


def _charge(data: UpsData) -> Gauge | None:
    charge = _num(data, "battery.charge")
    if charge is None:
        return None
    low = _num(data, "battery.charge.low") or 20.0
    warn = _num(data, "battery.charge.warning") or max(low, 50.0)
    level = "bad" if charge <= low else "warn" if charge <= warn else "ok"
    return Gauge(key="battery.charge", label="Battery charge", value=data.get("battery.charge"),
                 text=f"{charge:g} %", percent=_clamp(charge), level=level)


def _load(data: UpsData) -> Gauge | None:
    load = _num(data, "ups.load")
    if load is None:
        return None
    level = "bad" if load >= 90 else "warn" if load >= 75 else "ok"
    return Gauge(key="ups.load", label="Load", value=data.get("ups.load"),
                 text=f"{load:g} %", percent=_clamp(load), level=level)


def _runtime(data: UpsData) -> Gauge | None:
    runtime = _num(data, "battery.runtime")
    if runtime is None:
        return None
    low = _num(data, "battery.runtime.low") or 120.0
    minutes, seconds = divmod(int(runtime), 60)
    # the bar spans one hour: beyond that a longer runtime changes nothing for a shutdown
    level = "bad" if runtime <= low else "warn" if runtime <= 4 * low else "ok"
    return Gauge(key="battery.runtime", label="Runtime", value=data.get("battery.runtime"),
                 text=f"{minutes} min {seconds:02d} s", percent=_clamp(runtime / 36.0), level=level)


def _voltage(data: UpsData, prefix: str, label: str) -> Gauge | None:
    volts = _num(data, f"{prefix}.voltage")
    if volts is None:
        return None
    nominal = _num(data, f"{prefix}.voltage.nominal") or _num(data, "input.voltage.nominal")
    low = _num(data, "input.transfer.low") if prefix == "input" else None
    high = _num(data, "input.transfer.high") if prefix == "input" else None
    if nominal is None:
        nominal = 230.0 if volts > 160 else 120.0
    low = low if low is not None else nominal * 0.85
    high = high if high is not None else nominal * 1.15
    # the bar spans 0 .. 1.25 x nominal; the level marks the transfer window
    level = "ok" if low <= volts <= high else "bad"
    return Gauge(key=f"{prefix}.voltage", label=label, value=data.get(f"{prefix}.voltage"),
                 text=f"{volts:g} V", percent=_clamp(100.0 * volts / (nominal * 1.25)), level=level)


def gauges_of(data: UpsData, *, fresh: bool = True) -> tuple[Gauge, ...]:
    """The bars NUT's upsimage draws: charge, runtime, load, input and output voltage.

    Bars of data that is not fresh keep their last values but turn grey
    (level ``unknown``): old numbers must not look like a healthy UPS.
    """
    found = (_charge(data), _runtime(data), _load(data),
             _voltage(data, "input", "Input voltage"), _voltage(data, "output", "Output voltage"))
    gauges = tuple(g for g in found if g is not None)
    if fresh:
        return gauges
    return tuple(dataclasses.replace(g, level="unknown") for g in gauges)


@dataclass(frozen=True, slots=True, kw_only=True)
class WritableVar:
    """A variable the admin form may set, with the limits upsd will check."""

    name: str
    value: str
    kind: str  # "enum", "range", "string" or "number"
    enums: tuple[str, ...]
    ranges: tuple[tuple[int, int], ...]
    max_len: int | None

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "value": self.value, "type": self.kind,
                "enums": list(self.enums), "ranges": [list(r) for r in self.ranges],
                "max_len": self.max_len}


def _kind(info: VarInfo) -> str:
    if info.enums:
        return "enum"
    if info.ranges:
        return "range"
    return "string" if info.string_len is not None else "number"


def writable_vars(data: UpsData) -> tuple[WritableVar, ...]:
    """Variables flagged RW, in upsd's listing order."""
    out = []
    for name, value in data.vars.items():
        info = data.var_info(name)
        if info.rw:
            out.append(WritableVar(name=name, value=value, kind=_kind(info), enums=info.enums,
                                   ranges=info.ranges, max_len=info.string_len))
    return tuple(out)


_PROBLEMS = {
    "READONLY": "this variable is read-only",
    "TOO-LONG": "the value is too long",
    "INVALID-VALUE": "the value is not allowed",
    "SET-FAILED": "the driver gave this variable no valid length",
}


def validate_value(data: UpsData, name: str, value: str) -> str | None:
    """Why *value* cannot be set for *name* (checked as upsd does), or None."""
    real = data.canonical(name)
    if real is None:
        return f"{name}: no such variable on this UPS"
    info = data.var_info(real)
    problem = check_value(info, value, numbers=True)
    if problem is None:
        return None
    text = _PROBLEMS.get(problem.value, problem.value)
    if info.enums:
        text += f" (one of: {', '.join(info.enums)})"
    elif info.ranges:
        text += " (" + ", ".join(f"{lo}..{hi}" for lo, hi in info.ranges) + ")"
    elif info.string_len is not None:
        text += f" (at most {info.string_len} characters)"
    return f"{real}: {text}"


@dataclass(frozen=True, slots=True, kw_only=True)
class UpsView:
    """Everything a template shows about one UPS (see docs/web-templates.md).

    ``stale`` is upsd's verdict (the driver's flag, or data older than MAXAGE);
    ``age`` is seconds since the driver last read the device, None if never.
    """

    name: str
    desc: str
    seq: int
    connected: bool
    stale: bool
    age: float | None
    last_error: str | None
    status: str
    status_words: tuple[tuple[str, str], ...]
    status_text: str
    status_class: str
    vars: Mapping[str, str]
    gauges: tuple[Gauge, ...]
    commands: tuple[str, ...]
    writable: tuple[WritableVar, ...]

    @property
    def fresh(self) -> bool:
        return self.connected and not self.stale

    @property
    def seen_text(self) -> str:
        return age_text(self.age)

    @property
    def model(self) -> str:
        return self.vars.get("device.model") or self.vars.get("ups.model") or ""

    @property
    def mfr(self) -> str:
        return self.vars.get("device.mfr") or self.vars.get("ups.mfr") or ""


def view_of(snap: UpsSnapshot, desc: str = "", *, now: float | None = None,
            maxage: float = DEFAULT_MAXAGE, last_error: str | None = None,
            fsd: bool = False) -> UpsView:
    """What the pages show of *snap*, judged at *now* (``taken_at``'s clock); *fsd*: a
    primary set FSD on this UPS, so its status is served with ``FSD`` in front."""
    data = snap.data
    status = served_status(data.get("ups.status") or "", fsd)
    fresh = freshness_of(snap, now=now, maxage=maxage, last_error=last_error)
    shown = describe_status(status, connected=fresh.connected, stale=fresh.stale)
    return UpsView(
        name=snap.ups, desc=desc, seq=snap.seq, connected=fresh.connected, stale=fresh.stale,
        age=fresh.age, last_error=fresh.last_error, status=status, status_words=shown.words,
        status_text=shown.text, status_class=shown.level, vars=data.vars,
        gauges=gauges_of(data, fresh=fresh.fresh), commands=data.commands,
        writable=writable_vars(data),
    )


def _age(view: UpsView) -> float | None:
    return None if view.age is None else round(view.age, 1)


def live_payload(view: UpsView) -> dict[str, Any]:
    """One SSE ``state`` event: what the page script patches in place."""
    return {
        "ups": view.name, "seq": view.seq, "connected": view.connected, "stale": view.stale,
        "fresh": view.fresh, "age_seconds": _age(view), "last_error": view.last_error,
        "status": view.status, "status_text": view.status_text, "status_class": view.status_class,
        "vars": dict(view.vars), "gauges": [g.as_json() for g in view.gauges],
    }


def api_payload(view: UpsView, *, detail: bool) -> dict[str, Any]:
    """``GET /api/v1/ups[/{name}]``: the summary, or everything with *detail*."""
    out: dict[str, Any] = {
        "name": view.name, "desc": view.desc, "connected": view.connected, "stale": view.stale,
        "age_seconds": _age(view), "last_error": view.last_error,
        "status": view.status, "status_text": view.status_text, "status_class": view.status_class,
        "gauges": {g.key: g.value for g in view.gauges},
    }
    if detail:
        out["vars"] = dict(view.vars)
        out["commands"] = list(view.commands)
        out["writable"] = {w.name: w.as_json() for w in view.writable}
    return out
