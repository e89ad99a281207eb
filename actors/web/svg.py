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

__all__ = ["CHARTS", "ChartSpec", "Line", "charts_for", "line_chart"]

WIDTH = 640
HEIGHT = 200
_LEFT, _RIGHT, _TOP, _BOTTOM = 48, 12, 24, 28
_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd")

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
    label_time: Callable[[float], str] = _hhmm,
) -> str:
    """An SVG chart of *lines* between *start* and *end* (seconds since the epoch)."""
    values = [v for line in lines for _, v in line.points]
    if y_range is None:
        y_lo, y_hi = _nice_range(min(values), max(values)) if values else (0.0, 1.0)
    else:
        y_lo, y_hi = y_range
    x_span = max(end - start, 1e-9)
    plot_w, plot_h = WIDTH - _LEFT - _RIGHT, HEIGHT - _TOP - _BOTTOM

    def x(t: float) -> float:
        return _LEFT + plot_w * (t - start) / x_span

    def y(v: float) -> float:
        v = max(y_lo, min(y_hi, v))
        return _TOP + plot_h * (1 - (v - y_lo) / (y_hi - y_lo))

    esc = html.escape
    out = [(f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" '
            f'role="img" aria-label="{esc(title)}">'),
           f'<title>{esc(title)} ({esc(unit)})</title>',
           f'<text class="chart-title" x="{_LEFT}" y="16">{esc(title)} ({esc(unit)})</text>',
           f'<rect class="chart-area" x="{_LEFT}" y="{_TOP}" width="{plot_w}" height="{plot_h}"/>']
    for i in range(5):  # horizontal grid with y labels
        v = y_lo + (y_hi - y_lo) * i / 4
        out.append(f'<line class="grid" x1="{_LEFT}" x2="{WIDTH - _RIGHT}" y1="{y(v):.1f}" '
                   f'y2="{y(v):.1f}"/><text class="axis" x="{_LEFT - 4}" y="{y(v) + 4:.1f}" '
                   f'text-anchor="end">{v:g}</text>')
    for i, anchor in enumerate(("start", "middle", "middle", "middle", "end")):  # time labels
        t = start + x_span * i / 4
        out.append(f'<text class="axis" x="{x(t):.1f}" y="{HEIGHT - 8}" '
                   f'text-anchor="{anchor}">{esc(label_time(t))}</text>')
    if not values:
        out.append(f'<text class="no-data" x="{WIDTH / 2}" y="{HEIGHT / 2}" '
                   'text-anchor="middle">no data yet</text>')
    for n, line in enumerate(lines):
        colour = _COLOURS[n % len(_COLOURS)]
        for seg in _segments(line.points, gap):
            pts = " ".join(f"{x(t):.1f},{y(v):.1f}" for t, v in seg)
            if len(seg) == 1:
                out.append(f'<circle cx="{x(seg[0][0]):.1f}" cy="{y(seg[0][1]):.1f}" r="2" '
                           f'fill="{colour}"/>')
            else:
                out.append(f'<polyline class="series" fill="none" stroke="{colour}" '
                           f'stroke-width="2" points="{pts}"/>')
        lx = _LEFT + 160 + 90 * n
        out.append(f'<rect x="{lx}" y="7" width="10" height="10" fill="{colour}"/>'
                   f'<text class="legend" x="{lx + 14}" y="16">{esc(line.label)}</text>')
    out.append("</svg>")
    return "".join(out)


def _line(spec: ChartSpec, var: str, label: str, history: History, start: float) -> Line:
    pts = tuple((t, row[var] * spec.scale) for t, row in history if t >= start and var in row)
    return Line(label, pts)


def charts_for(history: History, *, now: float, hours: float,
               label_time: Callable[[float], str] = _hhmm) -> list[tuple[ChartSpec, str]]:
    """Every chart in :data:`CHARTS` for which *history* holds at least one of its variables."""
    start = now - hours * 3600
    out = []
    for spec in CHARTS:
        lines = [_line(spec, var, label, history, start) for var, label in spec.variables]
        if not any(line.points for line in lines):
            continue
        svg = line_chart(spec.title, spec.unit, [ln for ln in lines if ln.points], start=start,
                         end=now, y_range=spec.y_range, label_time=label_time)
        out.append((spec, svg))
    return out
