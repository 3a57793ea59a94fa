"""Missed calls to call back (`/callbacks`, "Da richiamare"): the live list, its count for the
navigation, and marking a number handled (agent role, CSRF, in the audit trail)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse, RedirectResponse, Response

from tvox_journey import callbacks
from tvox_journey.callbacks import Callback
from tvox_journey.domain.contact import Contact
from tvox_journey.live.broadcaster import Change
from tvox_journey.store import event_log
from tvox_journey.web.deps import Resources, ResourcesDep
from tvox_journey.web.pages import i18n
from tvox_journey.web.pages.common import CSRF, Agent, Viewer, publish
from tvox_journey.web.pages.journey import Names, Translate
from tvox_journey.web.pages.render import formatter, language, render

router = APIRouter(include_in_schema=False)
PAGE_LIMIT = 300  # entries the page lists (the count says how many there are)


@dataclass(frozen=True)
class CallbackRow:
    """One number to call back, every value written for people (the template escapes them)."""

    number: str
    number_path: str  # the key, for URLs
    contacts: tuple[Contact, ...]
    service: str
    attempts: int
    last_call_id: str
    last_time: str
    first_time: str
    ago: str
    abandoned: bool
    tel_uri: str | None
    click_to_call_url: str | None


def ago(seconds: float, translate: Translate) -> str:
    """How long ago, for people: under a minute, minutes, hours and minutes, days and hours."""
    total = max(0, int(seconds))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return str(translate("callbacks.ago_dh", d=days, h=hours))
    if hours:
        return str(translate("callbacks.ago_hm", h=hours, m=minutes))
    if minutes:
        return str(translate("callbacks.ago_m", m=minutes))
    return str(translate("callbacks.ago_now"))


def _row(request: Request, resources: Resources, names: Names, entry: Callback, now: datetime) -> CallbackRow:
    fmt = formatter(request)
    translate = i18n.translator(language(request))
    latest = entry.latest
    return CallbackRow(
        number=fmt.number(entry.number_key),
        number_path=quote(entry.number_key, safe="+"),
        contacts=entry.contacts,
        service=names.service(entry.service),
        attempts=entry.attempts,
        last_call_id=entry.last_call_id,
        last_time=fmt.time(entry.last_at),
        first_time=fmt.time(entry.first_at),
        ago=ago((now - entry.last_at).total_seconds(), translate),
        abandoned=bool(latest and latest.abandoned),
        tel_uri=callbacks.tel_uri(entry.number_key),
        click_to_call_url=callbacks.click_to_call_url(resources.settings.click_to_call_url, entry.number_key),
    )


def shared_list(resources: Resources) -> callbacks.Callbacks:
    """The list as the page, its count, the home page and the API share it (computed once a change)."""
    return callbacks.current(
        resources.callbacks,
        resources.db,
        floor=resources.feed.floor,
        now=resources.now(),
        window_days=resources.settings.callbacks_window_days,
    )


def list_context(request: Request, resources: Resources) -> dict[str, Any]:
    now = resources.now()
    found = shared_list(resources)
    shown = found.items[:PAGE_LIMIT]
    names = Names()
    if shown:
        with resources.db.read.connect() as conn:
            names = Names.load(conn)
    rows = [_row(request, resources, names, entry, now) for entry in shown]
    return {"entries": rows, "total": found.total, "window_days": resources.settings.callbacks_window_days}


def open_count(resources: Resources) -> int:
    """How many numbers there are to call back (the navigation's and the home page's count)."""
    return shared_list(resources).total


def _notice(handled: str | None, gone: str | None) -> dict[str, Any]:
    if handled is not None and handled.isdigit() and len(handled) <= 6:
        return {"notice": "callbacks.notice_handled", "notice_n": int(handled)}
    if gone is not None:
        return {"notice": "callbacks.notice_gone", "notice_n": 0}
    return {"notice": None, "notice_n": 0}


@router.get("/callbacks")
def callbacks_page(
    request: Request,
    resources: ResourcesDep,
    user: Viewer,
    handled: Annotated[str | None, Query(max_length=10)] = None,
    gone: Annotated[str | None, Query(max_length=10)] = None,
) -> Response:
    """Missed calls to call back, one line per number, live."""
    with resources.db.read.connect() as conn:
        since = event_log.max_seq(conn)
    context = list_context(request, resources)
    stream = f"/events?{urlencode({'scope': 'all', 'since': since})}"
    return render(
        request,
        "callbacks/page.html",
        context
        | _notice(handled, gone)
        | {"nav": "callbacks", "user": user, "fragment_url": "/callbacks/list", "stream_url": stream},
    )


@router.get("/callbacks/list")
def callbacks_fragment(request: Request, resources: ResourcesDep, user: Viewer) -> Response:
    """The live part of the page, for it to swap in."""
    context = list_context(request, resources)
    return render(request, "callbacks/_list.html", context | {"user": user})


@router.get("/callbacks/count")
def callbacks_count(resources: ResourcesDep, user: Viewer) -> Response:
    """The number of numbers to call back, as text (the navigation shows it)."""
    count = open_count(resources)
    return PlainTextResponse(str(count), headers={"Cache-Control": "no-store"})


def _find(resources: Resources, raw: str) -> Callback | None:
    key = resources.policy.key(raw)
    if key is None:
        return None
    days = resources.settings.callbacks_window_days
    with resources.db.read.connect() as conn:
        found = callbacks.open_callbacks(conn, now=resources.now(), window_days=days, limit=1, number_key=key)
    return found.items[0] if found.items else None


def _gone() -> Response:
    return RedirectResponse("/callbacks?gone=1", status_code=303)


@router.get("/callbacks/{number_key}/handled")
def handled_form(request: Request, number_key: str, resources: ResourcesDep, user: Agent) -> Response:
    """Marking a number handled with a note: the form."""
    entry = _find(resources, number_key)
    if entry is None:
        return _gone()
    with resources.db.read.connect() as conn:
        names = Names.load(conn)
    row = _row(request, resources, names, entry, resources.now())
    return render(
        request,
        "callbacks/handled.html",
        {
            "nav": "callbacks",
            "user": user,
            "e": row,
            "note_max": callbacks.NOTE_MAX,
            "error": None,
            "note": "",
        },
    )


async def _fields(request: Request) -> tuple[str | None, str]:
    data = await request.form()
    through, note = data.get("through"), data.get("note")
    return (through.strip() or None) if isinstance(through, str) else None, note if isinstance(
        note, str
    ) else ""


@router.post("/callbacks/{number_key}/handled", dependencies=CSRF)
async def mark_handled(request: Request, number_key: str, resources: ResourcesDep, user: Agent) -> Response:
    """Mark a number handled: its attempts up to the newest the agent saw leave the list."""
    through, raw_note = await _fields(request)
    key = resources.policy.key(number_key)
    if key is None or (through is not None and len(through) > 255):
        return _gone()
    try:
        note = callbacks.clean_note(raw_note)
    except ValueError:
        entry = _find(resources, number_key)
        if entry is None:
            return _gone()
        with resources.db.read.connect() as conn:
            names = Names.load(conn)
        row = _row(request, resources, names, entry, resources.now())
        context = {
            "e": row,
            "note_max": callbacks.NOTE_MAX,
            "error": "callbacks.error_note",
            "note": raw_note,
        }
        return render(
            request, "callbacks/handled.html", context | {"nav": "callbacks", "user": user}, status_code=422
        )
    now = resources.now()
    days = resources.settings.callbacks_window_days
    result = await resources.writer.run(
        lambda conn: callbacks.mark_handled(
            conn, key, through=through, note=note, actor=user.username, now=now, window_days=days
        )
    )
    if isinstance(result, callbacks.NotOpen):
        return _gone()
    publish(resources, Change(result.seq, kind="action"))
    return RedirectResponse(f"/callbacks?handled={result.attempts}", status_code=303)
