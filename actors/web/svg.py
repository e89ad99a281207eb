"""SVG line charts of a UPS's history (the role of NUT's upsimage, as vectors).

Pure: points in, an ``<svg>`` string out, nothing loaded from anywhere. A
gap in the data (a sample without the variable, or a pause longer than
``gap`` seconds) breaks the line instead of drawing a false slope.
"""

from __future__ import annotations

import html
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

__all__ = ["CHARTS", "NARROW", "WIDE", "ChartSpec", "Frame", "Line", "chart_window", "charts_for",
           "line_chart", "span_text"]

_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd")
#: A chart spans at least this long (one point sits at its right end); two
#: points a history step (10 s) apart already fill the width.
MIN_SPAN = 10.0


@dataclass(frozen=True, slots=True)
class Frame:
    """A chart's box in viewBox units, its margins and how many time labels fit.

    Text sizes are set by CSS in the same units, so a frame drawn about as wide
    as it is shown keeps them readable: WIDE for desktops, NARROW for phones
    (nutrio.css shows one or the other by the screen's width).
    """

    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    time_labels: int
    css: str


WIDE = Frame(560, 220, 48, 14, 28, 30, 5, "chart-wide")
NARROW = Frame(340, 230, 40, 12, 28, 30, 3, "chart-narrow")

Point = tuple[float, float]
History = Sequence[tuple[float, Mapping[str, float]]]


@dataclass(frozen=True, slots=True)
class Line:
    label: str
    points: tuple[Point, ...]


@dataclass(frozen=True, slots=True)
class ChartSpec:
    """One chart: which variables, how to scale them, fixed y range or None (auto)."""

    key: str
    title: str
    unit: str
    variables: tuple[tuple[str, str], ...]  # (variable, legend label)
    scale: float = 1.0
    y_range: tuple[float, float] | None = None


CHARTS: tuple[ChartSpec, ...] = (
    ChartSpec("charge", "Battery charge", "%", (("battery.charge", "charge"),), y_range=(0, 100)),
    ChartSpec("load", "Load", "%", (("ups.load", "load"),), y_range=(0, 100)),
    ChartSpec("voltage", "Voltage", "V",
              (("input.voltage", "input"), ("output.voltage", "output"))),
    ChartSpec("runtime", "Runtime", "min", (("battery.runtime", "runtime"),), scale=1 / 60),
)


def _hhmm(t: float) -> str:
    return time.strftime("%H:%M", time.localtime(t))


def _hhmmss(t: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(t))


def span_text(seconds: float) -> str:
    """How long a chart spans, in words: ``"2 min"``, ``"3 h"``, ``"1.5 h"``."""
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.3g} h"


def _nice_range(lo: float, hi: float) -> tuple[float, float]:
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    span = hi - lo
    step = 10 ** math.floor(math.log10(span))
    return math.floor(lo / step) * step, math.ceil(hi / step) * step


def _segments(points: Sequence[Point], gap: float) -> list[list[Point]]:
    segs: list[list[Point]] = []
    last_t: float | None = None
    for t, v in points:
        if last_t is None or t - last_t > gap:
            segs.append([])
        segs[-1].append((t, v))
        last_t = t
    return segs


def line_chart(
    title: str, unit: str, lines: Sequence[Line], *, start: float, end: float,
    y_range: tuple[float, float] | None = None, gap: float = 300.0,
    label_time: Callable[[float], str] | None = None, frame: Frame = WIDE,
) -> str:
    """An SVG chart of *lines* between *start* and *end* (seconds since the epoch).

    Time labels read HH:MM, or HH:MM:SS for spans under ten minutes, unless
    *label_time* says otherwise.
    """
    values = [v for line in lines for _, v in line.points]
    if y_range is None:
        y_lo, y_hi = _nice_range(min(values), max(values)) if values else (0.0, 1.0)
    else:
        y_lo, y_hi = y_range
    x_span = max(end - start, 1e-9)
    if label_time is None:
        label_time = _hhmmss if x_span < 600 else _hhmm
    f = frame
    plot_w, plot_h = f.width - f.left - f.right, f.height - f.top - f.bottom

    def x(t: float) -> float:
        return f.left + plot_w * (t - start) / x_span

    def y(v: float) -> float:
        v = max(y_lo, min(y_hi, v))
        return f.top + plot_h * (1 - (v - y_lo) / (y_hi - y_lo))

    esc = html.escape
    out = [(f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {f.css}" '
            f'viewBox="0 0 {f.width} {f.height}" role="img" aria-label="{esc(title)}">'),
           f'<title>{esc(title)} ({esc(unit)})</title>',
           f'<text class="chart-title" x="{f.left}" y="18">{esc(title)} ({esc(unit)})</text>',
           f'<rect class="chart-area" x="{f.left}" y="{f.top}" width="{plot_w}" height="{plot_h}"/>']
    for i in range(5):  # horizontal grid with y labels
        v = y_lo + (y_hi - y_lo) * i / 4
        out.append(f'<line class="grid" x1="{f.left}" x2="{f.width - f.right}" y1="{y(v):.1f}" '
                   f'y2="{y(v):.1f}"/><text class="axis" x="{f.left - 4}" y="{y(v) + 4:.1f}" '
                   f'text-anchor="end">{v:g}</text>')
    last = f.time_labels - 1
    for i in range(f.time_labels):  # time labels: the outer ones stay inside the box
        t = start + x_span * i / last
        anchor = "start" if i == 0 else "end" if i == last else "middle"
        out.append(f'<text class="axis" x="{x(t):.1f}" y="{f.height - 9}" '
                   f'text-anchor="{anchor}">{esc(label_time(t))}</text>')
    if not values:
        out.append(f'<text class="no-data" x="{f.width / 2}" y="{f.height / 2}" '
                   'text-anchor="middle">no data yet</text>')
    for n, line in enumerate(lines):
        colour = _COLOURS[n % len(_COLOURS)]
        for seg in _segments(line.points, gap):
            pts = " ".join(f"{x(t):.1f},{y(v):.1f}" for t, v in seg)
            if len(seg) == 1:
                out.append(f'<circle cx="{x(seg[0][0]):.1f}" cy="{y(seg[0][1]):.1f}" r="2.5" '
                           f'fill="{colour}"/>')
            else:
                out.append(f'<polyline class="series" fill="none" stroke="{colour}" '
                           f'stroke-width="2" points="{pts}"/>')
        lx = f.width - f.right - 80 * (len(lines) - n)  # legends line up at the right
        out.append(f'<rect x="{lx}" y="8" width="10" height="10" fill="{colour}"/>'
                   f'<text class="legend" x="{lx + 14}" y="18">{esc(line.label)}</text>')
    out.append("</svg>")
    return "".join(out)


def _line(spec: ChartSpec, var: str, label: str, history: History, start: float,
          end: float) -> Line:
    pts = tuple((t, row[var] * spec.scale) for t, row in history
                if start <= t <= end and var in row)
    return Line(label, pts)


def chart_window(history: History, *, now: float, hours: float,
                 follow: float = 60.0) -> tuple[float, float]:
    """(start, end) of the charts: the last *hours*, or less while the history is younger.

    A fresh start spans its few minutes of data across the whole width; the
    charts end at the newest point while it is at most *follow* seconds old
    (a point is kept every few seconds), otherwise now, so a pause shows.
    """
    window = hours * 3600
    times = [t for t, _ in history if t <= now]
    if not times or max(times) < now - window:
        return now - window, now
    newest = max(times)
    end = newest if now - newest <= follow else now
    start = max(min(times), end - window)
    return min(start, end - MIN_SPAN), end


def charts_for(history: History, *, now: float, hours: float,
               label_time: Callable[[float], str] | None = None,
               frame: Frame = WIDE) -> list[tuple[ChartSpec, str]]:
    """Every chart in :data:`CHARTS` for which *history* holds at least one of its variables,
    over :func:`chart_window`."""
    start, end = chart_window(history, now=now, hours=hours)
    out = []
    for spec in CHARTS:
        lines = [_line(spec, var, label, history, start, end) for var, label in spec.variables]
        if not any(line.points for line in lines):
            continue
        svg = line_chart(spec.title, spec.unit, [ln for ln in lines if ln.points], start=start,
                         end=end, y_range=spec.y_range, label_time=label_time, frame=frame)
        out.append((spec, svg))
    return out
