"""The contact card: header, counts, the journey a page at a time, and Cancella Journey."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import Connection

from tvox_journey.domain.contact import Contact
from tvox_journey.ingest.contract import TUTORIAL_NUMBER
from tvox_journey.live.broadcaster import Change
from tvox_journey.services import contacts as contact_services
from tvox_journey.store import contacts as contact_store
from tvox_journey.store import event_log
from tvox_journey.store import interactions as interaction_store
from tvox_journey.web.deps import Resources, ResourcesDep, cursor_from
from tvox_journey.web.pages import i18n
from tvox_journey.web.pages.common import (
    CSRF,
    PAGE_SIZE,
    Agent,
    Viewer,
    confirm_page,
    contact_not_found,
    find_contact,
    publish,
)
from tvox_journey.web.pages.journey import Names, journey_row
from tvox_journey.web.pages.note_rows import notes_of
from tvox_journey.web.pages.render import formatter, language, render
from tvox_journey.web.security.identity import User

router = APIRouter(include_in_schema=False)
Cursor = Annotated[str | None, Query(max_length=512)]


def _shared_numbers(conn: Connection, contact: Contact) -> dict[str, list[Contact]]:
    """For each of the contact's numbers that other contacts have too: those contacts."""
    shared: dict[str, list[Contact]] = {}
    for key in contact.number_keys:
        others = [c for c in contact_store.with_number(conn, key) if c.id != contact.id]
        if others:
            shared[key] = others
    return shared


def card_context(
    request: Request,
    conn: Connection,
    resources: Resources,
    contact: Contact,
    after: str | None,
    user: User | None = None,
) -> dict[str, Any]:
    """Everything the card shows below its title, each row with its notes; the live fragment re-renders
    it."""
    cursor = cursor_from(after)
    keys = contact.number_keys
    since = resources.now() - timedelta(days=30)
    stats = interaction_store.journey_stats(conn, keys, since=since)
    page = interaction_store.journey_page(conn, keys, limit=PAGE_SIZE, after=cursor)
    shared = _shared_numbers(conn, contact)
    names = Names.load(conn)
    fmt = formatter(request)
    translate = i18n.translator(language(request))
    rows = [
        journey_row(s, names=names, fmt=fmt, translate=translate, ambiguous_keys=shared.keys())
        for s in page.items
    ]
    query = f"?{urlencode({'after': after})}" if after else ""
    found = notes_of(
        conn, [r.call_id for r in rows], user=user, fmt=fmt, lang=language(request),
        back=f"/contacts/{contact.id}{query}",
    )  # fmt: skip
    rows = [replace(r, notes=found.by_call.get(r.call_id, ())) for r in rows]
    return found.context | {
        "contact": contact,
        "stats": stats,
        "rows": rows,
        "shared": shared,
        "after": after,
        "next_cursor": page.next.token() if page.next else None,
        "tutorial_number": TUTORIAL_NUMBER,
        "has_tutorial_number": resources.policy.key(TUTORIAL_NUMBER) in keys,
    }


def _live_urls(contact_id: int, after: str | None, since: int) -> tuple[str, str]:
    query = f"?{urlencode({'after': after})}" if after else ""
    stream = f"/events?{urlencode({'contact': contact_id, 'since': since})}"
    return f"/contacts/{contact_id}/journey{query}", stream


@router.get("/contacts/{contact_id:int}", name="contact_card")
def contact_card(
    request: Request, contact_id: int, resources: ResourcesDep, user: Viewer, after: Cursor = None
) -> Response:
    """The contact card with its Customer Journey, live."""
    contact = find_contact(resources, contact_id)
    if contact is None:
        return contact_not_found(request)
    with resources.db.read.connect() as conn:
        since = event_log.max_seq(conn)  # before reading: later changes come through the stream
        context = card_context(request, conn, resources, contact, after, user)
    fragment, stream = _live_urls(contact.id, after, since)
    cleared = request.query_params.get("cleared")
    return render(
        request,
        "contacts/card.html",
        context
        | {
            "nav": "contacts",
            "user": user,
            "fragment_url": fragment,
            "stream_url": stream,
            "cleared": int(cleared) if cleared and cleared.isdigit() and len(cleared) < 10 else None,
        },
    )


@router.get("/contacts/{contact_id:int}/journey")
def contact_card_fragment(
    request: Request, contact_id: int, resources: ResourcesDep, user: Viewer, after: Cursor = None
) -> Response:
    """The live part of the card (counts and journey), for the page to swap in."""
    contact = find_contact(resources, contact_id)
    if contact is None:
        return contact_not_found(request)
    with resources.db.read.connect() as conn:
        context = card_context(request, conn, resources, contact, after, user)
    return render(request, "contacts/_card.html", context | {"user": user})


@router.get("/contacts/{contact_id:int}/clear")
def confirm_clear(request: Request, contact_id: int, resources: ResourcesDep, user: Agent) -> Response:
    """Cancella Journey, step one: ask."""
    contact = find_contact(resources, contact_id)
    if contact is None:
        return contact_not_found(request)
    with resources.db.read.connect() as conn:
        stats = interaction_store.journey_stats(conn, contact.number_keys, since=resources.now())
        shared = contact_services.shared_numbers(conn, contact, now=resources.now())
    return confirm_page(request, contact, "clear", count=stats.total, shared=shared)


@router.post("/contacts/{contact_id:int}/clear", dependencies=CSRF)
async def clear_journey(request: Request, contact_id: int, resources: ResourcesDep, user: Agent) -> Response:
    """Cancella Journey, step two: hide the contact's interactions (the event log keeps them)."""
    contact = find_contact(resources, contact_id)
    if contact is None:
        return contact_not_found(request)
    now = resources.now()
    cleared = await resources.writer.run(
        lambda conn: contact_services.clear_journey(conn, contact, actor=user.username, now=now)
    )
    publish(
        resources, *(Change(cleared.seq, None, key, kind="journey_cleared") for key in contact.number_keys)
    )
    return RedirectResponse(f"/contacts/{contact.id}?cleared={cleared.shown}", status_code=303)
