"""The home dashboard, the live board of calls in progress, and unknown numbers."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import Connection

from tvox_journey.domain.contact import Contact
from tvox_journey.store import contacts as contact_store
from tvox_journey.store import event_log
from tvox_journey.store import interactions as interaction_store
from tvox_journey.store.interactions import StoredInteraction
from tvox_journey.web.deps import Resources, ResourcesDep
from tvox_journey.web.pages import callbacks, i18n
from tvox_journey.web.pages.common import Viewer
from tvox_journey.web.pages.journey import Names, Row, journey_row
from tvox_journey.web.pages.render import formatter, language, render

router = APIRouter(include_in_schema=False)
BOARD_LIMIT = 200
UNKNOWN_LIMIT = 300


@dataclass(frozen=True)
class LiveCall:
    row: Row
    contacts: list[Contact]
    since: str  # how long it has been ringing or talking


@dataclass(frozen=True)
class UnknownNumber:
    """A number no contact has, with its latest interaction."""

    number: str
    raw: str
    count: int
    latest: Row
    call_id: str
    suggestion: str  # the caller's name as TVox sent it, if it did


def _rows(request: Request, conn: Connection, found: list[StoredInteraction]) -> list[Row]:
    names = Names.load(conn)
    fmt = formatter(request)
    translate = i18n.translator(language(request))
    return [journey_row(s, names=names, fmt=fmt, translate=translate) for s in found]


def _in_progress(conn: Connection, resources: Resources) -> list[StoredInteraction]:
    since = resources.now() - timedelta(hours=resources.settings.in_progress_max_hours)
    return interaction_store.in_progress(conn, since=since, limit=BOARD_LIMIT)


def board_context(request: Request, conn: Connection, resources: Resources) -> dict[str, Any]:
    found = _in_progress(conn, resources)
    now = resources.now()
    calls = []
    for stored, row in zip(found, _rows(request, conn, found), strict=True):
        i = stored.interaction
        begin = i.answered or i.started or i.first
        elapsed = (now - begin.at).total_seconds() if begin else None
        owners = contact_store.with_number(conn, stored.number_key) if stored.number_key else []
        calls.append(LiveCall(row, owners, formatter(request).duration(elapsed)))
    return {"calls": calls}


@router.get("/")
def home(request: Request, resources: ResourcesDep, user: Viewer) -> Response:
    """The dashboard: where everything is, and how to start."""
    with resources.db.read.connect() as conn:
        context = {
            "contact_count": contact_store.count(conn),
            "live_count": len(_in_progress(conn, resources)),
            "unknown_count": len({s.number_key for s in interaction_store.unknown_numbers(conn, limit=100)}),
            "callbacks_count": callbacks.open_count(resources),
            "events": event_log.max_seq(conn),
        }
    return render(
        request, "home.html", context | {"nav": "home", "user": user, "base_url": str(request.base_url)}
    )


@router.get("/live")
def live_board(request: Request, resources: ResourcesDep, user: Viewer) -> Response:
    """Calls ringing or talking right now, live."""
    with resources.db.read.connect() as conn:
        since = event_log.max_seq(conn)
        context = board_context(request, conn, resources)
    stream = f"/events?{urlencode({'scope': 'all', 'since': since})}"
    return render(
        request,
        "live/board.html",
        context | {"nav": "live", "fragment_url": "/live/board", "stream_url": stream},
    )


@router.get("/live/board")
def live_board_fragment(request: Request, resources: ResourcesDep, user: Viewer) -> Response:
    with resources.db.read.connect() as conn:
        context = board_context(request, conn, resources)
    return render(request, "live/_board.html", context)


def unknown_numbers(request: Request, conn: Connection) -> list[UnknownNumber]:
    """Recent interactions of unknown numbers, one entry per number, newest first."""
    found = interaction_store.unknown_numbers(conn, limit=UNKNOWN_LIMIT)
    grouped: dict[str, UnknownNumber] = {}
    for stored, row in zip(found, _rows(request, conn, found), strict=True):
        key = stored.number_key or ""
        if key in grouped:
            grouped[key] = replace(grouped[key], count=grouped[key].count + 1)
            continue
        i = stored.interaction
        person = " ".join(p for p in (i.caller_surname, i.caller_name) if p)
        company = i.caller_company or ""
        grouped[key] = UnknownNumber(
            number=row.number,
            raw=i.number or key,
            count=1,
            latest=row,
            call_id=i.call_id,
            suggestion=f"{person} ({company})" if person and company else person or company,
        )
    return list(grouped.values())


@router.get("/unknown")
def unknown_page(request: Request, resources: ResourcesDep, user: Viewer) -> Response:
    """Numbers that called or were called and no contact has: create the contact from here."""
    with resources.db.read.connect() as conn:
        since = event_log.max_seq(conn)
        entries = unknown_numbers(request, conn)
    stream = f"/events?{urlencode({'scope': 'all', 'since': since})}"
    return render(
        request,
        "unknown.html",
        {
            "nav": "unknown",
            "user": user,
            "entries": entries,
            "fragment_url": "/unknown/list",
            "stream_url": stream,
        },
    )


@router.get("/unknown/list")
def unknown_fragment(request: Request, resources: ResourcesDep, user: Viewer) -> Response:
    with resources.db.read.connect() as conn:
        entries = unknown_numbers(request, conn)
    return render(request, "_unknown_list.html", {"entries": entries, "user": user})
