"""The JSON API's missed calls to call back: the list `/callbacks` shows, and marking a number handled."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, HTTPException, Path, Query

from tvox_journey import callbacks
from tvox_journey.callbacks import Callback
from tvox_journey.live.broadcaster import Change
from tvox_journey.web.api.schemas import CallbackOut, CallbacksOut, HandledIn, HandledOut, contact_out
from tvox_journey.web.deps import Resources, ResourcesDep
from tvox_journey.web.security.identity import User, require

router = APIRouter(prefix="/api/v1", tags=["api"], dependencies=[Depends(require("viewer"))])
Agent = Annotated[User, Depends(require("agent"))]
NumberKey = Annotated[
    str,
    Path(
        max_length=64,
        description="The number, normalized (`number_normalized`, e.g. +390452224600) or in any format",
    ),
]


def callback_out(resources: Resources, entry: Callback) -> CallbackOut:
    """One entry of the list, as the API gives it."""
    latest = entry.latest
    elapsed = (resources.now() - entry.last_at).total_seconds()
    return CallbackOut(
        number_normalized=entry.number_key,
        number=latest.number if latest else None,
        contacts=[contact_out(c) for c in entry.contacts],
        service=entry.service,
        attempts=entry.attempts,
        first_attempt_at=entry.first_at,
        last_attempt_at=entry.last_at,
        last_call_id=entry.last_call_id,
        abandoned=bool(latest and latest.abandoned),
        seconds_since_last_attempt=max(0, int(elapsed)),
        tel_uri=callbacks.tel_uri(entry.number_key),
        click_to_call_url=callbacks.click_to_call_url(resources.settings.click_to_call_url, entry.number_key),
    )


@router.get("/callbacks", response_model=CallbacksOut)
def list_callbacks(resources: ResourcesDep, limit: Annotated[int, Query(ge=1, le=500)] = 100) -> CallbacksOut:
    """Numbers to call back: missed or abandoned inbound calls with no answered call of the number since,
    one entry per number, newest attempt first (the list of the `/callbacks` page)."""
    days = resources.settings.callbacks_window_days
    found = callbacks.current(
        resources.callbacks, resources.db, floor=resources.feed.floor, now=resources.now(), window_days=days
    )
    return CallbacksOut(
        count=found.total,
        window_days=days,
        since=found.since,
        items=[callback_out(resources, entry) for entry in found.items[:limit]],
    )


@router.post(
    "/callbacks/{number_key}/handled",
    response_model=HandledOut,
    responses={404: {"description": "No open callback for this number"},
               409: {"description": "through_call_id is not an open attempt of this number"}},
)  # fmt: skip
async def mark_handled(
    number_key: NumberKey,
    resources: ResourcesDep,
    user: Agent,
    body: Annotated[HandledIn | None, Body()] = None,
) -> HandledOut:
    """Mark a number handled (agent role): its open attempts up to `through_call_id` (all, without it)
    leave the list; a later missed call puts it back. Recorded in the audit trail."""
    request = body or HandledIn()
    key = resources.policy.key(number_key)
    note = (request.note or "").strip() or None
    if key is None:
        raise HTTPException(404, "no open callback for this number")
    now = resources.now()
    days = resources.settings.callbacks_window_days
    handled = await resources.writer.run(
        lambda conn: callbacks.mark_handled(
            conn,
            key,
            through=request.through_call_id,
            note=note,
            actor=user.username,
            now=now,
            window_days=days,
        )  # fmt: skip
    )
    if isinstance(handled, callbacks.NotOpen):
        if handled.stale:
            raise HTTPException(409, "through_call_id: not an open attempt of this number")
        raise HTTPException(404, "no open callback for this number")
    resources.broadcaster.publish(Change(handled.seq, kind="action"))
    return HandledOut(
        number_normalized=handled.number_key,
        attempts=handled.attempts,
        through_call_id=handled.through,
        seq=handled.seq,
    )
