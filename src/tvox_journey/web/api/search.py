"""JSON API: interactions by popup value, and the contact TVox suggests for an unknown number."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel, Field

from tvox_journey.store import contacts as contact_store
from tvox_journey.store import interactions as interaction_store
from tvox_journey.web.api.schemas import InteractionOut, interaction_out
from tvox_journey.web.deps import ResourcesDep
from tvox_journey.web.security.identity import require

router = APIRouter(prefix="/api/v1", tags=["api"], dependencies=[Depends(require("viewer"))])

SUGGESTION_LOOKBACK = 50  # how many of the number's newest interactions are searched for a name


class SuggestedContact(BaseModel):
    name: str
    surname: str
    company: str | None
    numbers: list[str]
    source_call_id: str = Field(description="The interaction whose TVox data suggested it")
    seen_at: datetime | None


class SuggestionOut(BaseModel):
    number: str
    number_normalized: str
    contact_ids: list[int] = Field(description="Contacts that already have this number")
    suggestion: SuggestedContact | None = Field(
        description="Name, surname and company TVox sent (clidname, clidsurname, clidcompany); "
        "only for a number no contact has, so nothing a person entered is ever replaced"
    )


def has_control_characters(text: str) -> bool:
    """True for text no stored value can contain (and PostgreSQL cannot even compare: NUL)."""
    return any(ord(c) < 32 or ord(c) == 127 for c in text)


@router.get("/search/interactions", response_model=list[InteractionOut])
def search_interactions(
    resources: ResourcesDep,
    popup: Annotated[str, Query(min_length=1, max_length=255, description="Text in a popup variable")],
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[InteractionOut]:
    """Interactions whose popup variables (popup1... from IVR/BPM flows, e.g. crmId) contain `popup`."""
    if has_control_characters(popup):
        raise HTTPException(422, "popup: contains control characters")
    with resources.db.read.connect() as conn:
        found = interaction_store.search_popups(conn, popup.strip(), limit=limit)
    return [interaction_out(s) for s in found]


@router.get("/numbers/{number}/suggestion", response_model=SuggestionOut)
def number_suggestion(number: str, resources: ResourcesDep) -> SuggestionOut:
    """The contact TVox's caller data suggests for a number, when no contact has it yet."""
    key = None if has_control_characters(number) else resources.policy.key(number)  # too long: no key
    if key is None:
        raise HTTPException(422, "number: not a phone number")
    with resources.db.read.connect() as conn:
        known = contact_store.with_number(conn, key)
        recent = [] if known else interaction_store.journey(conn, [key], limit=SUGGESTION_LOOKBACK)
    suggestion = None
    for stored in recent:
        i = stored.interaction
        if i.caller_name or i.caller_surname or i.caller_company:
            first = i.first
            suggestion = SuggestedContact(
                name=i.caller_name or "",
                surname=i.caller_surname or "",
                company=i.caller_company,
                numbers=[i.number or number],
                source_call_id=i.call_id,
                seen_at=first.at if first else None,
            )
            break
    return SuggestionOut(
        number=number[:64],
        number_normalized=key,
        contact_ids=[c.id for c in known],
        suggestion=suggestion,
    )
