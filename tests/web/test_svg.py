"""SVG charts: well-formed, self-contained, gaps stay gaps."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from nutrio.actors.web.svg import (
    NARROW,
    WIDE,
    Line,
    chart_window,
    charts_for,
    line_chart,
    span_text,
)

NS = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def test_chart_is_valid_svg_with_title_and_one_polyline_per_series() -> None:
    svg = line_chart("Load", "%", [Line("load", ((0, 10), (60, 20), (120, 30)))],
                     start=0, end=120, y_range=(0, 100), label_time=str)
    root = parse(svg)
    assert root.tag == f"{NS}svg"
    assert root.find(f"{NS}title").text == "Load (%)"  # type: ignore[union-attr]
    (line,) = root.iter(f"{NS}polyline")
    points = [tuple(map(float, p.split(","))) for p in line.get("points", "").split()]
    assert len(points) == 3
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    assert xs == sorted(xs) and ys == sorted(ys, reverse=True)  # time right, higher is up


def test_chart_loads_nothing_from_outside() -> None:
    svg = line_chart("V", "V", [Line("in", ((0, 230), (1, 231)))], start=0, end=1)
    assert "href" not in svg and "http://" not in svg.replace("http://www.w3.org/2000/svg", "")


def test_a_pause_in_the_data_breaks_the_line() -> None:
    pts = ((0, 50.0), (60, 51.0), (2000, 52.0), (2060, 53.0))
    root = parse(line_chart("C", "%", [Line("c", pts)], start=0, end=2100, gap=300))
    assert len(list(root.iter(f"{NS}polyline"))) == 2


def test_labels_are_escaped() -> None:
    root = parse(line_chart("<b>&", "%", [Line("a<b", ((0, 1), (1, 2)))], start=0, end=1))
    assert "<b>&" in root.find(f"{NS}title").text  # type: ignore[operator,union-attr]


def test_empty_history_says_no_data() -> None:
    assert "no data yet" in line_chart("C", "%", [], start=0, end=1)


def test_charts_for_draws_only_what_the_history_holds_within_the_window() -> None:
    now = 10_000.0
    history = [(now - 7200 - 1, {"ups.load": 99.0}),
               (now - 60, {"ups.load": 20.0, "battery.runtime": 600.0}),
               (now, {"ups.load": 22.0, "battery.runtime": 540.0})]
    charts = {spec.key: svg for spec, svg in charts_for(history, now=now, hours=1)}
    assert set(charts) == {"load", "runtime"}
    assert "Runtime (min)" in charts["runtime"]
    ys = [float(p.split(",")[1]) for p in
          next(parse(charts["runtime"]).iter(f"{NS}polyline")).get("points", "").split()]
    assert len(ys) == 2  # the point older than the window is left out


def polyline_xs(svg: str) -> list[float]:
    line = next(parse(svg).iter(f"{NS}polyline"))
    return [float(p.split(",")[0]) for p in line.get("points", "").split()]


def plot_box(svg: str) -> tuple[float, float]:
    area = next(r for r in parse(svg).iter(f"{NS}rect") if r.get("class") == "chart-area")
    left = float(area.get("x", 0))
    return left, left + float(area.get("width", 0))


def test_a_fresh_start_spreads_its_minutes_of_data_across_the_width() -> None:
    now = 50_000.0
    history = [(now - 250 + 10 * i, {"ups.load": 20.0 + i}) for i in range(25)]  # 4 min
    assert chart_window(history, now=now, hours=3) == (now - 250, now - 10)
    for frame in (WIDE, NARROW):
        (_, svg), = charts_for(history, now=now, hours=3, frame=frame)
        xs, (left, right) = polyline_xs(svg), plot_box(svg)
        assert xs[0] == pytest.approx(left) and xs[-1] == pytest.approx(right)
        assert re.search(r">\d\d:\d\d:\d\d<", svg)  # a span of minutes labels its seconds


def test_after_three_hours_the_window_slides_and_a_pause_stays_visible() -> None:
    now = 50_000.0
    full = [(now - 4 * 3600 + 60 * i, {"ups.load": 30.0}) for i in range(240)]
    start, end = chart_window(full, now=now, hours=3)
    assert end - start == 3 * 3600 and end == full[-1][0]
    paused = [(t, v) for t, v in full if t < now - 1800]  # nothing for the last half hour
    assert chart_window(paused, now=now, hours=3) == (now - 3 * 3600, now)


def test_one_point_gets_a_few_seconds_not_a_zero_width_chart() -> None:
    start, end = chart_window([(100.0, {"ups.load": 1.0})], now=101.0, hours=3)
    assert (start, end) == (90.0, 100.0)
    two = [(100.0, {"ups.load": 1.0}), (110.0, {"ups.load": 2.0})]
    assert chart_window(two, now=111.0, hours=3) == (100.0, 110.0)  # already the whole width


def test_the_narrow_chart_is_drawn_at_phone_width_with_fewer_time_labels() -> None:
    line = [Line("load", ((0, 10), (3600, 20)))]
    for frame, labels in ((WIDE, 5), (NARROW, 3)):
        root = parse(line_chart("Load", "%", line, start=0, end=3600, frame=frame))
        assert root.get("viewBox") == f"0 0 {frame.width} {frame.height}"
        assert frame.css in (root.get("class") or "")
        times = [t for t in root.iter(f"{NS}text")
                 if t.get("class") == "axis" and t.get("y") == str(frame.height - 9)]
        assert len(times) == labels
    assert NARROW.width <= 360  # about as wide as a phone shows it: text keeps its size


@pytest.mark.parametrize(("seconds", "text"), [(45, "45 s"), (600, "10 min"), (10800, "3 h"),
                                               (5400, "1.5 h")])
def test_spans_read_as_words(seconds: float, text: str) -> None:
    assert span_text(seconds) == text
