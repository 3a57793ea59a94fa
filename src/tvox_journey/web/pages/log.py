"""The event log page: every request TVox sent and every user action, found by filters, a page at a time.

Filters: route, outcome, number (any format), call id, time range and text in the
parameters (log_search.py, store/log_query.py). Each row links to its interaction
and to the contacts that have its number. A value that cannot be used is named
on the page (422). Replaying refused rows is web/pages/log_replay.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from tvox_journey import log_search
from tvox_journey.ingest.mapping import ROUTE_KEYS
from tvox_journey.store import log_query
from tvox_journey.store.log_query import OUTCOMES, LogPage
from tvox_journey.web.deps import ResourcesDep
from tvox_journey.web.pages.common import Admin
from tvox_journey.web.pages.render import Formatter, formatter, render

router = APIRouter(include_in_schema=False)
LOG_PAGE = 100
MAX_SHOWN_BODY = 500
REPLAYABLE = ("rejected", "unrecognized")


@dataclass(frozen=True)
class LogRow:
    """One row of the log, written for people."""

    seq: int
    received: str
    method: str
    path: str
    route: str
    outcome: str
    status_code: int
    reason: str
    actor: str
    call_id: str
    number: str
    params: list[tuple[str, str]]
    body: str
    contacts: list[tuple[int, str]]
    seen_count: int = 1  # a flood of refusals counted on this row (store/refused.py)
    last_seen: str = ""
    request_bytes: int | None = None  # the request's size, when the row keeps an excerpt
    replay_of: int | None = None
    remote_addr: str = ""


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)  # SQLite hands back naive UTC


def _body(raw: bytes | None) -> str:
    if not raw:
        return ""
    text = raw[:MAX_SHOWN_BODY].decode("utf-8", errors="replace")
    return text + ("…" if len(raw) > MAX_SHOWN_BODY else "")


def params_of(row: dict[str, Any]) -> list[tuple[str, str]]:
    """A stored parameter list as pairs of text, whatever the JSON holds."""
    stored = row.get("params")
    if not isinstance(stored, list):
        return []
    return [(str(p[0]), str(p[1])) for p in stored if isinstance(p, list | tuple) and len(p) == 2]


def log_row(fmt: Formatter, row: dict[str, Any], contacts: list[tuple[int, str]]) -> LogRow:
    return LogRow(
        seq=int(row["seq"]),
        received=fmt.time(_aware(row["received_at"])),
        method=row["method"],
        path=row["path"],
        route=row["route"],
        outcome=row["outcome"],
        status_code=int(row["status_code"]),
        reason=row.get("reason") or "",
        actor=row.get("actor") or "",
        call_id=row.get("call_id") or "",
        number=fmt.number(row.get("number_key")) if row.get("number_key") else "",
        params=params_of(row),
        body=_body(row.get("body")),
        contacts=contacts,
        seen_count=int(row.get("seen_count") or 1),
        last_seen=fmt.time(_aware(last)) if (last := row.get("last_seen_at")) else "",
        request_bytes=row.get("request_bytes"),
        replay_of=row.get("replay_of"),
        remote_addr=row.get("remote_addr") or "",
    )


def _page_links(query: log_search.LogQuery, page: LogPage) -> str | None:
    if page.next is None:
        return None
    return "/log?" + urlencode([*query.query_items(), ("cursor", page.next.token())])


def _replay_url(query: log_search.LogQuery) -> str | None:
    """The replay of what the filters select, when they select refused or unrecognized rows."""
    given = query.given
    if given.get("outcome") not in REPLAYABLE:
        return None
    return "/log/replay?" + urlencode(
        [(k, given[k]) for k in ("outcome", "route", "since", "until") if k in given]
    )


@router.get("/log")
def log_page(
    request: Request,
    resources: ResourcesDep,
    user: Admin,
    route: str | None = None,
    outcome: str | None = None,
    number: str | None = None,
    call_id: str | None = None,
    since: str | None = None,
    until: str | None = None,
    text: str | None = None,
    cursor: str | None = None,
) -> Response:
    """Every request TVox sent and every user action, newest first, found by filters."""
    fields = {"route": route, "outcome": outcome, "number": number, "call_id": call_id, "since": since}
    fields |= {"until": until, "text": text, "cursor": cursor}
    context: dict[str, Any] = {
        "nav": "log",
        "user": user,
        "outcomes": OUTCOMES,
        "routes": (*ROUTE_KEYS, "unknown"),
        "form": {k: v or "" for k, v in fields.items() if k != "cursor"},
        "rows": [],
        "next_url": None,
        "bounded": False,
        "scan_rows": log_query.SCAN_ROWS,
        "replay_url": None,
        "error": None,
        "filtered": any(v for k, v in fields.items() if k != "cursor"),
    }
    try:
        query = log_search.parse_query(fields, policy=resources.policy, zone=resources.display_zone)
    except log_search.FilterError as error:
        context["error"] = error
        return render(request, "admin/log.html", context, status_code=422)
    with resources.db.read.connect() as conn:
        page = log_query.find(conn, query.filter, limit=LOG_PAGE, after=query.cursor)
        links = log_search.contact_links(conn, page.rows)
    fmt = formatter(request)
    context |= {
        "rows": [log_row(fmt, r, links.get(int(r["seq"]), [])) for r in page.rows],
        "next_url": _page_links(query, page),
        "bounded": page.bounded,
        "replay_url": _replay_url(query),
    }
    return render(request, "admin/log.html", context)
