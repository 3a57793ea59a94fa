"""The JSON API's interactions: one by its TVox call id, calls in progress, unknown numbers."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query

from tvox_journey.store import interactions as interaction_store
from tvox_journey.web.api.schemas import InteractionOut, interaction_out
from tvox_journey.web.deps import ResourcesDep
from tvox_journey.web.security.identity import require

router = APIRouter(prefix="/api/v1", tags=["api"], dependencies=[Depends(require("viewer"))])


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
