"""Notes on calls from the pages: add one to a call, edit or delete one (plain forms with a CSRF token,
answered by a redirect back to the page they came from; no script needed).

Viewers see notes but get 403 here; an agent changes their own notes, an admin any (services/notes.py).
The change reaches every open card of the call's number, in every process, through the event log
(web/tasks/feed.py): the redirect needs no publish of its own but wakes this process's follower.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from fastapi.responses import RedirectResponse, Response

from tvox_journey.live.broadcaster import Change
from tvox_journey.services import notes as note_services
from tvox_journey.services.notes import InvalidNote, Refused, Saved
from tvox_journey.web.deps import Resources, ResourcesDep
from tvox_journey.web.pages.common import CSRF, MAX_ID, Viewer, publish
from tvox_journey.web.pages.render import render
from tvox_journey.web.security.identity import User, safe_next

router = APIRouter(include_in_schema=False)
MAX_CALL_ID = 255


def require_writer(user: Viewer) -> User:
    """Agents and admins only (by name: a role added later does not write notes unless given)."""
    if not note_services.may_write(user.role):
        raise HTTPException(403, "requires the agent or admin role")
    return user


Writer = Annotated[User, Depends(require_writer)]
NoteId = Annotated[int, Path(ge=1, le=MAX_ID)]


def _text(data: Any, name: str, limit: int) -> str:
    value = data.get(name)
    return value[: limit + 1] if isinstance(value, str) else ""


async def _form(request: Request) -> tuple[str, str, str, str]:
    """call_id, text, outcome, back (each as sent, cut just past its limit)."""
    data = await request.form()
    return (
        _text(data, "call_id", MAX_CALL_ID),
        _text(data, "text", note_services.TEXT_MAX * 2),  # line ends may shrink when normalized
        _text(data, "outcome", 64),
        safe_next(_text(data, "back", 2048) or None),
    )


def _refused(request: Request, user: User, key: str, back: str, status: int, text: str = "") -> Response:
    """The page a refused form answers with: why, what was typed (to copy), and the way back."""
    context = {"nav": "", "user": user, "error": key, "back": back, "text": text}
    return render(request, "notes/refused.html", context, status_code=status)


def _answer(
    request: Request, resources: Resources, user: User, back: str, result: Saved | Refused, text: str = ""
) -> Response:
    """Back to the page that sent the form: with the change published, or with the refusal."""
    if isinstance(result, Refused):
        return _refused(request, user, result.key, back, result.status, text)
    publish(resources, Change(result.seq, result.note.call_id, kind="note"))  # wakes the log follower
    return RedirectResponse(back, status_code=303)


@router.post("/notes", dependencies=CSRF)
async def add_note(request: Request, resources: ResourcesDep, user: Writer) -> Response:
    """Add a note to a call; back to the page that sent it."""
    call_id, text, outcome, back = await _form(request)
    try:
        entered = note_services.draft(text, outcome)
    except InvalidNote as error:
        return _refused(request, user, error.key, back, 422, text)
    if not call_id or len(call_id) > MAX_CALL_ID:
        return _refused(request, user, "notes.error_call", back, 404, text)
    now = resources.now()
    result = await resources.writer.run(
        lambda conn: note_services.add_note(
            conn, call_id, entered, username=user.username, role=user.role, now=now
        )
    )
    return _answer(request, resources, user, back, result, text)


@router.post("/notes/{note_id}/edit", dependencies=CSRF)
async def edit_note(request: Request, note_id: NoteId, resources: ResourcesDep, user: Writer) -> Response:
    """Replace a note's text and outcome (its author, or an admin)."""
    _call_id, text, outcome, back = await _form(request)
    try:
        entered = note_services.draft(text, outcome)
    except InvalidNote as error:
        return _refused(request, user, error.key, back, 422, text)
    now = resources.now()
    result = await resources.writer.run(
        lambda conn: note_services.edit_note(
            conn, note_id, entered, username=user.username, role=user.role, now=now
        )
    )
    return _answer(request, resources, user, back, result, text)


@router.post("/notes/{note_id}/delete", dependencies=CSRF)
async def delete_note(request: Request, note_id: NoteId, resources: ResourcesDep, user: Writer) -> Response:
    """Delete a note (its author, or an admin)."""
    _call_id, _text_sent, _outcome, back = await _form(request)
    now = resources.now()
    result = await resources.writer.run(
        lambda conn: note_services.delete_note(conn, note_id, username=user.username, role=user.role, now=now)
    )
    return _answer(request, resources, user, back, result)
