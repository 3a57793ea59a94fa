"""The JSON API's notes on calls: `/api/v1/interactions/{call_id}/notes`, and the outcomes a note may
carry. Viewers read; agents and admins write (an agent changes their own notes, an admin any); every
change is in the audit trail and reaches the open cards of every process (services/notes.py)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Response
from sqlalchemy import Connection

from tvox_journey.live.broadcaster import Change
from tvox_journey.services import notes as note_services
from tvox_journey.services.notes import Draft, InvalidNote, Refused, Saved
from tvox_journey.store import notes as note_store
from tvox_journey.store.notes import Note, NoteOutcome
from tvox_journey.web.api.schemas import NoteIn, NoteOut, NoteOutcomeOut, NotePatch
from tvox_journey.web.deps import Resources, ResourcesDep
from tvox_journey.web.security.identity import User, require

router = APIRouter(prefix="/api/v1", tags=["api"], dependencies=[Depends(require("viewer"))])
CallId = Annotated[str, Path(max_length=255, description="The interaction's TVox call id")]
NoteId = Annotated[int, Path(ge=1, le=2**31 - 1)]
REFUSALS: dict[int | str, dict[str, Any]] = {
    403: {"description": "A viewer, or (editing, deleting) an agent who is not the note's author"},
    404: {"description": "No such interaction, or no such note on it"},
    409: {"description": "The interaction has the most notes it may have (20)"},
    422: {"description": "Empty, too long, a control character, or an unknown or inactive outcome"},
}


def require_writer(user: Annotated[User, Depends(require("viewer"))]) -> User:
    """Agents and admins (by name: a role added later reads notes only)."""
    if not note_services.may_write(user.role):
        raise HTTPException(403, "requires the agent or admin role")
    return user


Writer = Annotated[User, Depends(require_writer)]


def outcome_out(outcome: NoteOutcome) -> NoteOutcomeOut:
    return NoteOutcomeOut(
        code=outcome.code, label_it=outcome.label_it, label_en=outcome.label_en, active=outcome.active
    )


def note_out(note: Note, outcomes: dict[str, NoteOutcome]) -> NoteOut:
    found = outcomes.get(note.outcome) if note.outcome else None
    return NoteOut(
        id=note.id,
        call_id=note.call_id,
        author=note.author,
        text=note.text,
        outcome=outcome_out(found) if found else None,
        created_at=note.created_at,
        updated_at=note.updated_at,
    )


def _outcomes(resources: Resources) -> dict[str, NoteOutcome]:
    with resources.db.read.connect() as conn:
        return {o.code: o for o in note_store.all_outcomes(conn)}


def _draft(text: str | None, outcome: str | None) -> Draft:
    try:
        return note_services.draft(text, outcome)
    except InvalidNote as error:
        raise HTTPException(422, str(error)) from None


def _answer(resources: Resources, result: Saved | Refused) -> Saved:
    if isinstance(result, Refused):
        raise HTTPException(result.status, result.message)
    resources.broadcaster.publish(Change(result.seq, result.note.call_id, kind="note"))  # wakes the follower
    return result


@router.get("/interactions/{call_id}/notes", response_model=list[NoteOut])
def list_notes(call_id: CallId, resources: ResourcesDep) -> list[NoteOut]:
    """The notes of an interaction, oldest first."""
    with resources.db.read.connect() as conn:
        if not note_store.call_exists(conn, call_id):
            raise HTTPException(404, "interaction not found")
        notes = note_store.for_calls(conn, [call_id]).get(call_id, [])
        outcomes = {o.code: o for o in note_store.all_outcomes(conn)}
    return [note_out(n, outcomes) for n in notes]


@router.post("/interactions/{call_id}/notes", response_model=NoteOut, status_code=201, responses=REFUSALS)
async def create_note(call_id: CallId, body: NoteIn, resources: ResourcesDep, user: Writer) -> NoteOut:
    """Add a note to an interaction (agent or admin): a text, an outcome, or both."""
    entered = _draft(body.text, body.outcome)
    now = resources.now()
    result = await resources.writer.run(
        lambda conn: note_services.add_note(
            conn, call_id, entered, username=user.username, role=user.role, now=now
        )
    )
    return note_out(_answer(resources, result).note, _outcomes(resources))


def _patched(conn: Connection, note_id: int, call_id: str, body: NotePatch) -> Draft | Refused:
    """The note as the patch leaves it (fields not given keep their value)."""
    found = note_store.get(conn, note_id)
    if found is None or found.call_id != call_id:
        return Refused(404, "notes.error_missing", "note not found")
    given = body.model_fields_set
    text = body.text if "text" in given else found.text
    outcome = body.outcome if "outcome" in given else found.outcome
    try:
        return note_services.draft(text, outcome)
    except InvalidNote as error:
        return Refused(422, error.key, str(error))


@router.patch("/interactions/{call_id}/notes/{note_id}", response_model=NoteOut, responses=REFUSALS)
async def update_note(
    call_id: CallId, note_id: NoteId, body: NotePatch, resources: ResourcesDep, user: Writer
) -> NoteOut:
    """Change a note's text or outcome (its author, or an admin)."""
    now = resources.now()

    def write(conn: Connection) -> Saved | Refused:
        entered = _patched(conn, note_id, call_id, body)
        if isinstance(entered, Refused):
            return entered
        return note_services.edit_note(
            conn, note_id, entered, username=user.username, role=user.role, now=now, call_id=call_id
        )

    result = await resources.writer.run(write)
    return note_out(_answer(resources, result).note, _outcomes(resources))


@router.delete("/interactions/{call_id}/notes/{note_id}", status_code=204, responses=REFUSALS)
async def delete_note(call_id: CallId, note_id: NoteId, resources: ResourcesDep, user: Writer) -> Response:
    """Delete a note (its author, or an admin)."""
    now = resources.now()
    result = await resources.writer.run(
        lambda conn: note_services.delete_note(
            conn, note_id, username=user.username, role=user.role, now=now, call_id=call_id
        )
    )
    _answer(resources, result)
    return Response(status_code=204)


@router.get("/note-outcomes", response_model=list[NoteOutcomeOut])
def list_outcomes(resources: ResourcesDep) -> list[NoteOutcomeOut]:
    """The outcomes a note may carry, in the admins' order (inactive ones too: old notes keep them)."""
    return [outcome_out(o) for o in _outcomes(resources).values()]
