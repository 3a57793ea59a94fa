"""The reports' numbers as tables: the one each chart is followed by, and the CSV download.

A table is a translated header and rows of raw values (numbers stay numbers, display names stay
text); the page writes them for people (`shown`), the CSV as they are (transfer/table_csv.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from tvox_journey.reports import CATEGORIES, Report
from tvox_journey.transfer.table_csv import Cell

Translate = Callable[..., str]


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[list[Cell]]
    percent: frozenset[int] = frozenset()  # columns holding a share (0 to 1)


def day_text(day: date) -> str:
    return f"{day.day:02d}-{day.month:02d}-{day.year:04d}"


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def daily(report: Report, _: Translate) -> Table:
    header = [_("reports.col.day"), *(_(f"reports.cat.{c}") for c in CATEGORIES), _("reports.col.total")]
    rows: list[list[Cell]] = [
        [day_text(d.day), *(d.counts[c] for c in CATEGORIES), d.total] for d in report.days
    ]
    return Table(header, rows)


def services(report: Report, _: Translate) -> Table:
    header = [
        _("reports.col.service"),
        _("reports.col.calls"),
        _("reports.col.answered"),
        _("reports.col.missed"),
        _("reports.col.ongoing"),
        _("reports.col.missed_rate"),
        _("reports.col.avg_wait"),
        _("reports.col.p90_wait"),
        _("reports.col.service_level", s=report.query.threshold_seconds),
        _("reports.col.chats"),
    ]
    rows: list[list[Cell]] = [
        [
            s.name,
            s.calls,
            s.answered,
            s.missed,
            s.ongoing,
            s.missed_rate,
            _round(s.avg_wait_seconds),
            _round(s.p90_wait_seconds),
            s.service_level,
            s.chats,
        ]
        for s in report.services
    ]
    return Table(header, rows, frozenset({5, 8}))


def agents(report: Report, _: Translate) -> Table:
    header = [
        _("reports.col.agent"),
        _("reports.col.handled"),
        _("reports.col.talk_total"),
        _("reports.col.talk_avg"),
        _("reports.col.transfers"),
        _("reports.col.chats"),
    ]
    rows: list[list[Cell]] = [
        [a.name, a.handled, _round(a.talk_total_seconds), _round(a.talk_avg_seconds), a.transfers, a.chats]
        for a in report.agents
    ]
    return Table(header, rows)


def heatmap(report: Report, _: Translate) -> Table:
    header = [_("reports.col.weekday"), *(f"{h:02d}" for h in range(24)), _("reports.col.total")]
    rows: list[list[Cell]] = [
        [_(f"reports.wd.{d}"), *row, sum(row)] for d, row in enumerate(report.heatmap.cells)
    ]
    return Table(header, rows)


TABLES: dict[str, Callable[[Report, Translate], Table]] = {
    "daily": daily,
    "services": services,
    "agents": agents,
    "heatmap": heatmap,
}


def shown(table: Table) -> list[list[str]]:
    """The rows written for people: shares as percentages, "-" for not known."""
    written: list[list[str]] = []
    for row in table.rows:
        cells = []
        for i, value in enumerate(row):
            if value is None:
                cells.append("-")
            elif i in table.percent and isinstance(value, float):
                cells.append(f"{value * 100:.1f}%")
            else:
                cells.append(str(value))
        written.append(cells)
    return written
