"""The JSON API's contacts: search, read, create, replace, delete, and a contact's journey."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Response
from sqlalchemy import Connection

from tvox_journey.domain.contact import Contact, ContactNumber
from tvox_journey.live.broadcaster import Change
from tvox_journey.services import contacts as contact_services
from tvox_journey.store import contacts as contact_store
from tvox_journey.store import interactions as interaction_store
from tvox_journey.web.api.schemas import (
    ContactIn,
    ContactOut,
    JourneyOut,
    contact_out,
    interaction_out,
)
from tvox_journey.web.deps import ResourcesDep, cursor_from
from tvox_journey.web.security.identity import User, require

# Reading needs the viewer role, writing the agent role (web/security/identity.py).
router = APIRouter(prefix="/api/v1", tags=["api"], dependencies=[Depends(require("viewer"))])
Writer = Annotated[User, Depends(require("agent"))]

# Ids are 32-bit database integers: a larger one is a client error, not a database error.
ContactId = Annotated[int, Path(ge=1, le=2_147_483_647, description="The contact's id")]


def _numbers(resources: ResourcesDep, raw: list[str]) -> list[ContactNumber]:
    try:
        return contact_services.contact_numbers(raw, resources.policy)
    except ValueError as error:
        raise HTTPException(422, f"numbers: {error}") from None


@router.get("/contacts", response_model=list[ContactOut])
def list_contacts(
    resources: ResourcesDep,
    q: Annotated[
        str | None,
        Query(
            max_length=255,
            description="Name, surname, company, number, or (3 characters or more) a note's text",
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[ContactOut]:
    """Contacts, searched by name or by a number in any format."""
    with resources.db.read.connect() as conn:
        found = contact_services.search_contacts(conn, q, resources.policy, limit=limit, offset=offset)
    return [contact_out(c) for c in found]


async def _save(resources: ResourcesDep, user: User, contact_id: int | None, body: ContactIn) -> Contact:
    fields = contact_services.ContactFields(
        body.name, body.surname, body.company, _numbers(resources, body.numbers)
    )
    now = resources.now()

    def write(conn: Connection) -> tuple[Contact | None, int]:
        saved = contact_services.save_contact(conn, contact_id, fields, actor=user.username, now=now)
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
        lambda conn: contact_services.delete_contact(conn, contact_id, actor=user.username, now=now)
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
    after = cursor_from(cursor)
    contact = _get_contact(resources, contact_id)
    with resources.db.read.connect() as conn:
        page = interaction_store.journey_page(conn, contact.number_keys, limit=limit, after=after)
    return JourneyOut(
        contact_id=contact_id,
        items=[interaction_out(s) for s in page.items],
        next_cursor=page.next.token() if page.next else None,
    )
