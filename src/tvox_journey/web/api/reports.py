"""The JSON API's reports (supervisors and admins): the figures of the `/reports` page, one report a
request, computed by `tvox_journey.reports`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query

from tvox_journey import reports
from tvox_journey.reports import CATEGORIES, Report, ReportError
from tvox_journey.web.api.schemas import (
    AgentReportRow,
    AgentsReportOut,
    DailyReportOut,
    HeatmapReportOut,
    ReportDayOut,
    ReportPeriodOut,
    ServiceReportRow,
    ServicesReportOut,
)
from tvox_journey.web.deps import ResourcesDep
from tvox_journey.web.security.identity import require

router = APIRouter(prefix="/api/v1/reports", tags=["reports"], dependencies=[Depends(require("supervisor"))])
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

Period = Annotated[
    str, Query(max_length=10, description="today, 7d, 30d (days ending today) or custom (from, to)")
]
First = Annotated[str | None, Query(alias="from", max_length=10, description="custom: first day, YYYY-MM-DD")]
Last = Annotated[str | None, Query(alias="to", max_length=10, description="custom: last day, YYYY-MM-DD")]
Service = Annotated[str | None, Query(max_length=255, description="Only this service code")]
Agent = Annotated[str | None, Query(max_length=255, description="Only this agent code")]
Threshold = Annotated[
    int, Query(ge=1, le=reports.MAX_THRESHOLD_SECONDS, description="Service level threshold, seconds")
]


def _query(
    resources: ResourcesDep, period: Period = "7d", first: First = None, last: Last = None,
    service: Service = None, agent: Agent = None, threshold: Threshold = reports.DEFAULT_THRESHOLD_SECONDS,
) -> reports.Query:  # fmt: skip
    """The report's question from the request's parameters (the same for every report); 422 when it
    cannot be asked."""
    try:
        return reports.query_of(
            resources.display_zone, resources.now(), period, first, last,
            service=service, agent=agent, threshold_seconds=threshold,
        )  # fmt: skip
    except ReportError as error:
        raise HTTPException(422, str(error)) from None


Asked = Annotated[reports.Query, Depends(_query)]


def _period(report: Report) -> ReportPeriodOut:
    query = report.query
    return ReportPeriodOut(
        first=query.period.first,
        last=query.period.last,
        days=len(query.period.days),
        time_zone=query.zone.key,
        service=query.service,
        agent=query.agent,
        threshold_seconds=query.threshold_seconds,
    )


@router.get("/daily", response_model=DailyReportOut)
def daily_report(resources: ResourcesDep, query: Asked) -> DailyReportOut:
    """Interactions begun on each day of the period, per category (kind and outcome)."""
    with resources.db.read.connect() as conn:
        found = reports.daily(conn, query)
    days = [ReportDayOut(day=d.day, counts=dict(d.counts), total=d.total) for d in found.days]
    return DailyReportOut(period=_period(found), categories=list(CATEGORIES), days=days)


@router.get("/services", response_model=ServicesReportOut)
def services_report(resources: ResourcesDep, query: Asked) -> ServicesReportOut:
    """Per service: inbound calls, missed rate, wait (average, 90th percentile), service level, chats."""
    with resources.db.read.connect() as conn:
        found = reports.services(conn, query)
    items = [ServiceReportRow.model_validate(s, from_attributes=True) for s in found.services]
    return ServicesReportOut(period=_period(found), items=items)


@router.get("/agents", response_model=AgentsReportOut)
def agents_report(resources: ResourcesDep, query: Asked) -> AgentsReportOut:
    """Per agent (who answered, or took over a transferred call): calls handled, talk time (total,
    average), transfers made, chats handled."""
    with resources.db.read.connect() as conn:
        found = reports.agents(conn, query)
    items = [AgentReportRow.model_validate(a, from_attributes=True) for a in found.agents]
    return AgentsReportOut(period=_period(found), items=items)


@router.get("/heatmap", response_model=HeatmapReportOut)
def heatmap_report(resources: ResourcesDep, query: Asked) -> HeatmapReportOut:
    """Inbound calls (not chats) per weekday and hour of the installation's time zone."""
    with resources.db.read.connect() as conn:
        found = reports.heatmap(conn, query)
    return HeatmapReportOut(
        period=_period(found), weekdays=WEEKDAYS, cells=[list(row) for row in found.heatmap.cells]
    )
