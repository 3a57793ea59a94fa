"""`/reports` for supervisors (and admins): a period's calls and chats as charts, each with its table,
and `/reports.csv` for one report's table as CSV. The figures come from `tvox_journey.reports`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from tvox_journey import reports
from tvox_journey.reports import CATEGORIES, REPORTS, Report, ReportError
from tvox_journey.store import names as name_store
from tvox_journey.transfer.table_csv import table_csv
from tvox_journey.web.deps import Resources, ResourcesDep
from tvox_journey.web.pages import charts, i18n, report_tables
from tvox_journey.web.pages.render import language, render
from tvox_journey.web.security.identity import User, require

router = APIRouter(include_in_schema=False)
Supervisor = Annotated[User, Depends(require("supervisor"))]
Code = Annotated[str | None, Query(max_length=255)]
Day = Annotated[str | None, Query(alias="from", max_length=10)]
Until = Annotated[str | None, Query(alias="to", max_length=10)]
Preset = Annotated[str, Query(max_length=10)]
Threshold = Annotated[int, Query(ge=1, le=reports.MAX_THRESHOLD_SECONDS)]
CHART_ROWS = 20  # entries a bar chart draws (its table lists up to reports.MAX_ROWS)


def query_of(
    resources: Resources,
    period: str,
    first: str | None,
    last: str | None,
    service: str | None,
    agent: str | None,
    threshold: int,
    shown: str | None = None,
) -> tuple[reports.Query, str]:
    """The report's question from the page's parameters, and the period's name as the form shows it;
    days are the display zone's. The form sends back the days it showed (`shown`, "first/last"): days
    changed by hand make the period custom, a preset chosen with the days left as they were wins.

    Raises:
        ReportError: a period or a day that is not one.
    """
    if period in reports.PRESETS and shown is not None and (first, last) != tuple(shown.split("/", 1)):
        period = "custom"
    query = reports.query_of(
        resources.display_zone,
        resources.now(),
        period,
        first,
        last,
        service=service,
        agent=agent,
        threshold_seconds=threshold,
    )
    return query, period


def _choices(
    names: Mapping[str, Mapping[str, str]], kind: str, listed: list[str], selected: str | None
) -> list[tuple[str, str]]:
    """(code, display name) of every named code, those the report lists and the selected one."""
    known = dict(names.get(kind, {}))
    codes = set(known) | set(listed) | ({selected} if selected else set())
    return sorted(((c, known.get(c, c)) for c in codes), key=lambda pair: (pair[1].casefold(), pair[0]))


def _charts(report: Report, _: Any) -> dict[str, charts.Chart]:
    days = [(d.day, d.counts) for d in report.days]

    def label(category: str) -> str:
        return str(_(f"reports.cat.{category}"))

    service_bars = [
        charts.Bar(
            s.name, [("answered", s.answered), ("missed", s.missed), ("ongoing", s.ongoing)], str(s.calls)
        )
        for s in report.services[:CHART_ROWS]
    ]
    agent_bars = [
        charts.Bar(a.name, [("answered", a.handled), ("chat_answered", a.chats)], str(a.handled + a.chats))
        for a in report.agents[:CHART_ROWS]
    ]
    return {
        "daily": charts.stacked_days(days, CATEGORIES, label, lambda d: f"{d.day:02d}/{d.month:02d}"),
        "services": charts.horizontal_bars("services", service_bars, label),
        "agents": charts.horizontal_bars("agents", agent_bars, label),
        "heatmap": charts.heatmap(report.heatmap.cells, lambda d: str(_(f"reports.wd.{d}"))),
    }


def _params(query: reports.Query, period: str) -> dict[str, str]:
    values = {"period": period, "from": query.period.first.isoformat(), "to": query.period.last.isoformat()}
    values |= {"service": query.service or "", "agent": query.agent or ""}
    return values | {"threshold": str(query.threshold_seconds)}


@router.get("/reports")
def reports_page(
    request: Request,
    resources: ResourcesDep,
    user: Supervisor,
    period: Preset = "7d",
    first: Day = None,
    last: Until = None,
    service: Code = None,
    agent: Code = None,
    threshold: Threshold = reports.DEFAULT_THRESHOLD_SECONDS,
    shown: Annotated[str | None, Query(max_length=21)] = None,
) -> Response:
    """Every report of the period, filtered by service and agent."""
    _ = i18n.translator(language(request))
    context: dict[str, Any] = {"nav": "reports", "user": user, "zone": resources.settings.display_timezone}
    form: dict[str, Any] = {"period": period, "from": first or "", "to": last or "", "service": service or ""}
    form |= {"agent": agent or "", "threshold": threshold, "shown": shown or ""}
    try:
        query, period = query_of(resources, period, first, last, service, agent, threshold, shown)
    except ReportError as error:
        with resources.db.read.connect() as conn:
            names = name_store.all_names(conn)
        context |= {"error": error.key, "form": form, "report": None}
        context |= {"services": _choices(names, "service", [], service)}
        context |= {"agents": _choices(names, "agent", [], agent)}
        return render(request, "reports/page.html", context, status_code=422)
    with resources.db.read.connect() as conn:
        report = reports.everything(conn, query)
    params = _params(query, period)
    form |= {"from": params["from"], "to": params["to"], "period": period}
    form |= {"shown": f"{params['from']}/{params['to']}"}
    tables = {name: report_tables.TABLES[name](report, _) for name in REPORTS}
    context |= {
        "error": None,
        "form": form,
        "report": report,
        "charts": _charts(report, _),
        "tables": tables,
        "shown": {name: report_tables.shown(table) for name, table in tables.items()},
        "csv_urls": {  # in the page's language, whatever the cookie of the one who downloads
            name: "/reports.csv?" + urlencode({"report": name} | params | {"lang": language(request)})
            for name in REPORTS
        },
        "services": _choices(report.names, "service", [s.code for s in report.services], query.service),
        "agents": _choices(report.names, "agent", [a.code for a in report.agents], query.agent),
        "categories": CATEGORIES,
        "day_text": report_tables.day_text,
        "max_rows": reports.MAX_ROWS,
        "empty": not any(d.total for d in report.days),
    }
    return render(request, "reports/page.html", context)


_BUILD = {
    "daily": reports.daily,
    "services": reports.services,
    "agents": reports.agents,
    "heatmap": reports.heatmap,
}


@router.get("/reports.csv")
def reports_csv(
    request: Request,
    resources: ResourcesDep,
    user: Supervisor,
    report: Annotated[str, Query(max_length=16)] = "daily",
    period: Preset = "7d",
    first: Day = None,
    last: Until = None,
    service: Code = None,
    agent: Code = None,
    threshold: Threshold = reports.DEFAULT_THRESHOLD_SECONDS,
) -> Response:
    """One report's table as CSV, in the page's language."""
    _ = i18n.translator(language(request))
    try:
        if report not in _BUILD:
            raise ReportError("reports.error_report", "report is one of " + ", ".join(REPORTS))
        query, _period = query_of(resources, period, first, last, service, agent, threshold)
    except ReportError as error:
        return Response(_(error.key), status_code=422, media_type="text/plain; charset=utf-8")
    with resources.db.read.connect() as conn:
        found = _BUILD[report](conn, query)
    table = report_tables.TABLES[report](found, _)
    name = f"report-{report}-{query.period.first.isoformat()}-{query.period.last.isoformat()}.csv"
    return Response(
        table_csv(table.header, table.rows).encode("utf-8-sig"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )
