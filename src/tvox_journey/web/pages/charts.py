"""The reports' charts as SVG shapes, drawn on the server: the templates write them out escaped.

No script and no inline style (the CSP stays as it is): each shape carries a class that
`static/reports.css` colours, and a title (its tooltip and what a screen reader reads). Charts are
drawn in a viewBox about as wide as a phone (`WIDTH`) and scale with the page, so their text stays
readable at 360 px and they never widen the page.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

WIDTH = 360
FONT = 13  # viewBox units (static/reports.css sets the same): about 11 px on a 360 px panel
AXIS = 38  # room on the left for the value labels
TOP = 8
LABEL_ROWS = 20  # room below for the day labels


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    css: str
    title: str


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    text: str
    anchor: str = "start"  # start|middle|end
    css: str = "chart-label"


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float


@dataclass(frozen=True)
class Chart:
    """A chart's shapes in a `width` x `height` viewBox; `key` names it (ids, CSS)."""

    key: str
    width: float
    height: float
    rects: list[Rect] = field(default_factory=list)
    texts: list[Text] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)


def _nice_top(value: int) -> int:
    """A round axis top at or above `value` (1, 2, 5 times a power of ten)."""
    top = 1
    while True:
        for step in (1, 2, 5):
            if step * top >= value:
                return step * top
        top *= 10


def _r(value: float) -> float:
    return round(value, 2)


def stacked_days(
    days: Sequence[tuple[date, Mapping[str, int]]],
    categories: Sequence[str],
    label: Callable[[str], str],
    day_label: Callable[[date], str],
) -> Chart:
    """A bar per day, its categories stacked in `categories` order, with a value axis and day labels."""
    height = 200
    plot_h = height - TOP - LABEL_ROWS
    top = _nice_top(max((sum(c.values()) for _, c in days), default=0) or 1)
    slot = (WIDTH - AXIS) / max(1, len(days))
    bar = max(0.6, slot * 0.75)
    chart = Chart("daily", WIDTH, height)
    for fraction in (0, 0.5, 1):
        y = _r(TOP + plot_h * (1 - fraction))
        chart.lines.append(Line(AXIS, y, WIDTH, y))
        chart.texts.append(Text(AXIS - 3, _r(y + FONT / 3), str(round(top * fraction)), "end"))
    every = max(1, round(len(days) / 6))  # about six day labels, whatever the period
    for i, (day, counts) in enumerate(days):
        x = AXIS + i * slot + (slot - bar) / 2
        base = float(TOP + plot_h)
        for category in categories:
            n = counts.get(category, 0)
            if n:
                h = plot_h * n / top
                base -= h
                title = f"{day_label(day)}: {label(category)} {n}"
                chart.rects.append(Rect(_r(x), _r(base), _r(bar), _r(h), f"cat-{category}", title))
        if i % every == 0:
            chart.texts.append(Text(_r(x + bar / 2), height - 4, day_label(day), "middle"))
    return chart


@dataclass(frozen=True)
class Bar:
    """One row of a horizontal bar chart: its name, its parts (category, value) and a figure to print."""

    name: str
    parts: Sequence[tuple[str, int]]
    figure: str


def horizontal_bars(key: str, bars: Sequence[Bar], label: Callable[[str], str]) -> Chart:
    """A row per entry: its name above a bar of stacked parts, the figure at the bar's end."""
    row = 38
    chart = Chart(key, WIDTH, max(row, row * len(bars)) + 4)
    longest = max((sum(n for _, n in b.parts) for b in bars), default=0) or 1
    usable = WIDTH - 60
    for i, entry in enumerate(bars):
        y = float(i * row)
        chart.texts.append(Text(0, y + FONT, entry.name, "start", "chart-name"))
        x = 0.0
        for category, n in entry.parts:
            if n:
                w = usable * n / longest
                title = f"{entry.name}: {label(category)} {n}"
                chart.rects.append(Rect(_r(x), y + 19, _r(w), 13, f"cat-{category}", title))
                x += w
        chart.texts.append(Text(_r(x + 4), y + 30, entry.figure))
    return chart


HEAT_LEVELS = 5


def heatmap(cells: Sequence[Sequence[int]], weekday: Callable[[int], str]) -> Chart:
    """7 rows (Monday first) of 24 hours; the darker, the more calls (`heat-0` is none)."""
    left, cell_h = 34, 20
    cell_w = (WIDTH - left) / 24
    chart = Chart("heatmap", WIDTH, TOP + 7 * cell_h + LABEL_ROWS)
    peak = max((max(row) for row in cells), default=0)
    for d, row in enumerate(cells):
        y = TOP + d * cell_h
        chart.texts.append(Text(left - 3, y + cell_h / 2 + FONT / 3, weekday(d), "end"))
        for h, n in enumerate(row):
            level = 0 if n == 0 else 1 + (HEAT_LEVELS - 1) * n // peak if peak else 0
            title = f"{weekday(d)} {h:02d}:00: {n}"
            chart.rects.append(
                Rect(
                    _r(left + h * cell_w),
                    y,
                    _r(cell_w - 1),
                    cell_h - 1,
                    f"heat-{min(level, HEAT_LEVELS)}",
                    title,
                )
            )
    for h in range(0, 24, 3):
        chart.texts.append(
            Text(_r(left + h * cell_w + cell_w / 2), TOP + 7 * cell_h + 15, f"{h:02d}", "middle")
        )
    return chart
