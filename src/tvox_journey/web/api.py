"""The JSON API under /api/v1. Pydantic models live here and nowhere else."""

from __future__ import annotations

import base64
import json
import re
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Response
from pydantic import BaseModel, Field
from sqlalchemy import Connection

from tvox_journey import services
from tvox_journey.domain.contact import Contact, ContactNumber
from tvox_journey.domain.events import Instant
from tvox_journey.domain.interaction import Interaction, TransferLeg
from tvox_journey.live.broadcaster import Change
from tvox_journey.store import contacts as contact_store
from tvox_journey.store import interactions as interaction_store
from tvox_journey.store.interactions import Cursor, StoredInteraction
from tvox_journey.web.auth import User, require
from tvox_journey.web.deps import ResourcesDep

# Reading needs the viewer role, writing the agent role (web/auth.py).
router = APIRouter(prefix="/api/v1", tags=["api"], dependencies=[Depends(require("viewer"))])
Writer = Annotated[User, Depends(require("agent"))]

# Ids are 32-bit database integers: a larger one is a client error, not a database error.
ContactId = Annotated[int, Path(ge=1, le=2_147_483_647, description="The contact's id")]


class NumberOut(BaseModel):
    raw: str
    normalized: str


# Printable text only: a control character (NUL above all) in a name is a client error.
PlainText = Annotated[str, Field(max_length=255, pattern=r"^[^\x00-\x1f\x7f]*$")]


class ContactIn(BaseModel):
    name: PlainText = ""
    surname: PlainText = ""
    company: PlainText | None = None
    numbers: list[Annotated[str, Field(max_length=64, pattern=r"^[^\x00-\x1f\x7f]*$")]] = Field(
        default_factory=list, max_length=20
    )


class ContactOut(BaseModel):
    id: int
    name: str
    surname: str
    company: str | None
    numbers: list[NumberOut]


class LegOut(BaseModel):
    agent: str | None
    kind: str
    transferred_at: datetime
    answered_at: datetime
    ended_at: datetime | None


class InteractionOut(BaseModel):
    call_id: str
    kind: str
    direction: str
    outcome: str
    number: str | None
    number_normalized: str | None
    agent: str | None
    service: str | None
    started_at: datetime | None
    answered_at: datetime | None
    ended_at: datetime | None
    wait_seconds: float | None
    talk_seconds: float | None
    transfers: list[LegOut]
    channel: str | None
    campaign_id: str | None
    list_id: str | None
    popups: dict[str, str]
    event_count: int


class JourneyOut(BaseModel):
    contact_id: int
    items: list[InteractionOut]
    next_cursor: str | None = Field(None, description="Pass as `cursor` for the next (older) page")


def _at(instant: Instant | None) -> datetime | None:
    return instant.at if instant else None


def _leg_out(leg: TransferLeg) -> LegOut:
    return LegOut(
        agent=leg.agent,
        kind=leg.kind.value,
        transferred_at=leg.transferred.at,
        answered_at=leg.effective_answer.at,
        ended_at=_at(leg.ended),
    )


def interaction_out(stored: StoredInteraction) -> InteractionOut:
    i: Interaction = stored.interaction
    return InteractionOut(
        call_id=i.call_id,
        kind=i.kind.value,
        direction=i.direction.value,
        outcome=i.outcome.value,
        number=i.number,
        number_normalized=stored.number_key,
        agent=i.agent,
        service=i.service,
        started_at=_at(i.started),
        answered_at=_at(i.answered),
        ended_at=_at(i.final_end),
        wait_seconds=i.wait_seconds,
        talk_seconds=i.talk_seconds,
        transfers=[_leg_out(leg) for leg in i.legs],
        channel=i.channel,
        campaign_id=i.campaign_id,
        list_id=i.list_id,
        popups=dict(i.popups),
        event_count=i.event_count,
    )


def contact_out(contact: Contact) -> ContactOut:
    return ContactOut(
        id=contact.id,
        name=contact.name,
        surname=contact.surname,
        company=contact.company,
        numbers=[NumberOut(raw=n.raw, normalized=n.key) for n in contact.numbers],
    )


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def encode_cursor(stored: StoredInteraction) -> str:
    """The opaque token of the page after `stored`: its stored sort time and call id."""
    cursor = Cursor.after(stored)
    raw = json.dumps([cursor.sort_at.isoformat(), cursor.call_id])
    return base64.urlsafe_b64encode(raw.encode()).decode()


def decode_cursor(cursor: str) -> Cursor:
    """Raises HTTPException(422) for a cursor this API did not make."""
    try:
        sort_at, call_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if not isinstance(sort_at, str) or not isinstance(call_id, str):
            raise TypeError("a cursor is [sort time, call id]")
        if _CONTROL.search(call_id) or len(call_id) > 255:
            raise ValueError("no call id of ours")
        call_id.encode("utf-8")  # a lone surrogate is no call id either (UnicodeEncodeError)
        return Cursor(datetime.fromisoformat(sort_at), call_id)
    except (ValueError, TypeError, OverflowError):
        raise HTTPException(422, "cursor: not a cursor from this API") from None


def _numbers(resources: ResourcesDep, raw: list[str]) -> list[ContactNumber]:
    try:
        return services.contact_numbers(raw, resources.policy)
    except ValueError as error:
        raise HTTPException(422, f"numbers: {error}") from None


@router.get("/contacts", response_model=list[ContactOut])
def list_contacts(
    resources: ResourcesDep,
    q: Annotated[str | None, Query(max_length=255, description="Name, surname, company or number")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[ContactOut]:
    """Contacts, searched by name or by a number in any format."""
    number_key = resources.policy.key(q) if q and any(c.isdigit() for c in q) else None
    text = None if number_key else q
    with resources.db.read.connect() as conn:
        found = contact_store.search(conn, text=text, number_key=number_key, limit=limit, offset=offset)
    return [contact_out(c) for c in found]


async def _save(resources: ResourcesDep, user: User, contact_id: int | None, body: ContactIn) -> Contact:
    fields = services.ContactFields(body.name, body.surname, body.company, _numbers(resources, body.numbers))
    now = resources.now()

    def write(conn: Connection) -> tuple[Contact | None, int]:
        saved = services.save_contact(conn, contact_id, fields, actor=user.username, now=now)
        return (contact_store.get(conn, saved[0]), saved[1]) if saved else (None, 0)

    contact, seq = await resources.writer.run(write)
    if contact is None:
        raise HTTPException(404, "contact not found")
    resources.broadcaster.publish(Change(seq, kind="contact"))  # the audit row: streams resume from it
    return contact


@router.post("/contacts", response_model=ContactOut, status_code=201)
async def create_contact(body: ContactIn, resources: ResourcesDep, user: Writer) -> ContactOut:
    """Create a contact; its numbers' past interactions join its journey at once."""
    return contact_out(await _save(resources, user, None, body))


def _get_contact(resources: ResourcesDep, contact_id: int) -> Contact:
    with resources.db.read.connect() as conn:
        contact = contact_store.get(conn, contact_id)
    if contact is None:
        raise HTTPException(404, "contact not found")
    return contact


@router.get("/contacts/{contact_id}", response_model=ContactOut)
def read_contact(contact_id: ContactId, resources: ResourcesDep) -> ContactOut:
    """One contact."""
    return contact_out(_get_contact(resources, contact_id))


@router.put("/contacts/{contact_id}", response_model=ContactOut)
async def update_contact(
    contact_id: ContactId, body: ContactIn, resources: ResourcesDep, user: Writer
) -> ContactOut:
    """Replace a contact's fields and numbers."""
    return contact_out(await _save(resources, user, contact_id, body))


@router.delete("/contacts/{contact_id}", status_code=204)
async def delete_contact(contact_id: ContactId, resources: ResourcesDep, user: Writer) -> Response:
    """Delete a contact; its interactions stay, as an unknown number's."""
    now = resources.now()
    deleted = await resources.writer.run(
        lambda conn: services.delete_contact(conn, contact_id, actor=user.username, now=now)
    )
    if deleted is None:
        raise HTTPException(404, "contact not found")
    resources.broadcaster.publish(Change(deleted, kind="contact"))
    return Response(status_code=204)


@router.get("/contacts/{contact_id}/journey", response_model=JourneyOut)
def contact_journey(
    contact_id: ContactId,
    resources: ResourcesDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> JourneyOut:
    """A contact's interactions, newest first, a page at a time."""
    after = decode_cursor(cursor) if cursor else None
    contact = _get_contact(resources, contact_id)
    with resources.db.read.connect() as conn:
        page = interaction_store.journey(conn, contact.number_keys, limit=limit + 1, after=after)
    more = len(page) > limit
    page = page[:limit]
    return JourneyOut(
        contact_id=contact_id,
        items=[interaction_out(s) for s in page],
        next_cursor=encode_cursor(page[-1]) if more and page else None,
    )


@router.get("/interactions/{call_id}", response_model=InteractionOut)
def read_interaction(call_id: str, resources: ResourcesDep) -> InteractionOut:
    """One interaction by its TVox call id."""
    with resources.db.read.connect() as conn:
        stored = interaction_store.get(conn, call_id)
    if stored is None:
        raise HTTPException(404, "interaction not found")
    return interaction_out(stored)


@router.get("/interactions", response_model=list[InteractionOut])
def list_interactions(
    resources: ResourcesDep,
    state: Annotated[
        str, Query(pattern="^(live|unknown)$", description="live: in progress; unknown: no contact")
    ],
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[InteractionOut]:
    """Calls in progress, or recent calls of numbers no contact has."""
    with resources.db.read.connect() as conn:
        if state == "live":
            since = resources.now() - timedelta(hours=resources.settings.in_progress_max_hours)
            found = interaction_store.in_progress(conn, since=since, limit=limit)
        else:
            found = interaction_store.unknown_numbers(conn, limit=limit)
    return [interaction_out(s) for s in found]
