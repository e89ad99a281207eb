"""SVG charts: well-formed, self-contained, gaps stay gaps."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from nutrio.actors.web.svg import Line, charts_for, line_chart

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
