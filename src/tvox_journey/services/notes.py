"""Notes on calls: who may write them, their limits, and the audit trail of every change.

A note belongs to a call (its interaction) and shows on the journey row of every card with the call's
number. Agents and admins write them; an agent edits and deletes their own, an admin any. Every change
is a row of the audit trail tied to the call (`record_action` with its call id): that row is also how
every open card of every process learns of it (web/tasks/feed.py). The audit row names the note, its
outcome and its length, never its text: the trail keeps no number or name of a person, and a note may
hold both (an erasure deletes the note with its call).

The functions run inside one write transaction and answer `Refused` rather than raising (a raising job
is a failed write to the writer); they refuse before writing anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import Connection

from tvox_journey.services.recording import record_action
from tvox_journey.store import notes as store
from tvox_journey.store.notes import Note
from tvox_journey.store.users import Role

TEXT_MAX = 4000  # characters of a note
NOTES_PER_CALL = 20  # notes one call may carry
WRITERS: frozenset[str] = frozenset({"agent", "admin"})  # named, not ranked: a role added later reads only
CREATE, UPDATE, DELETE = "note/create", "note/update", "note/delete"  # audit routes
_ALLOWED_CONTROLS = frozenset("\n\t")


def may_write(role: Role) -> bool:
    """Whether this role may add notes (and change its own)."""
    return role in WRITERS


def may_change(role: Role, username: str, note: Note) -> bool:
    """Whether this user may edit or delete this note: its author (a writer still), or an admin."""
    return role == "admin" or (may_write(role) and note.author == username)


@dataclass(frozen=True)
class Draft:
    """A note as entered: the text (trimmed; may be empty when an outcome is given) and an outcome code."""

    text: str
    outcome: str | None


class InvalidNote(ValueError):
    """What a person entered cannot be a note: a catalog key for pages, and an English message."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


def draft(text: str | None, outcome: str | None) -> Draft:
    """The note as it will be stored: line ends as `\\n`, trimmed; the outcome None when blank.

    Raises:
        InvalidNote: empty with no outcome, longer than TEXT_MAX, or a control character.
    """
    cleaned = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    code = (outcome or "").strip() or None
    if len(cleaned) > TEXT_MAX:
        raise InvalidNote("notes.error_long", f"text: longer than {TEXT_MAX} characters")
    if any((ord(c) < 32 and c not in _ALLOWED_CONTROLS) or ord(c) == 127 for c in cleaned):
        raise InvalidNote("notes.error_control", "text: control characters are not allowed")
    if code is not None and len(code) > 32:
        raise InvalidNote("notes.error_outcome", "outcome: unknown")
    if not cleaned and code is None:
        raise InvalidNote("notes.error_empty", "text: empty (give a text, an outcome, or both)")
    return Draft(cleaned, code)


@dataclass(frozen=True)
class Refused:
    """Nothing was written: why, as a status, a catalog key and an English message."""

    status: Literal[403, 404, 409, 422]
    key: str
    message: str


@dataclass(frozen=True)
class Saved:
    """A change recorded: the note as it is now (as it was, for a deletion) and its audit row."""

    note: Note
    seq: int


def _outcome_refusal(conn: Connection, code: str | None, keep: str | None = None) -> Refused | None:
    """An unknown outcome, or an inactive one (unless the note already has it: an edit may keep it)."""
    if code is None or code == keep:
        return None
    found = {o.code: o for o in store.all_outcomes(conn)}
    if code not in found or not found[code].active:
        return Refused(422, "notes.error_outcome", "outcome: unknown or no longer offered")
    return None


def _audit(conn: Connection, action: str, note: Note, actor: str, now: datetime) -> int:
    details = [("note_id", str(note.id)), ("outcome", note.outcome or ""), ("chars", str(len(note.text)))]
    if note.author != actor:
        details.append(("author", note.author))
    return record_action(conn, actor=actor, action=action, details=details, now=now, call_id=note.call_id)


def add_note(
    conn: Connection, call_id: str, entered: Draft, *, username: str, role: Role, now: datetime
) -> Saved | Refused:
    """Add a note to a call (writers only; at most NOTES_PER_CALL a call)."""
    if not may_write(role):
        return Refused(403, "notes.error_role", "requires the agent or admin role")
    if not store.call_exists(conn, call_id):
        return Refused(404, "notes.error_call", "interaction not found")
    if store.count_for_call(conn, call_id) >= NOTES_PER_CALL:
        return Refused(409, "notes.error_full", f"this interaction has {NOTES_PER_CALL} notes already")
    if refused := _outcome_refusal(conn, entered.outcome):
        return refused
    note_id = store.add(
        conn, call_id=call_id, author=username, text=entered.text, outcome=entered.outcome, now=now
    )
    note = Note(note_id, call_id, username, entered.text, entered.outcome, now, now)
    return Saved(note, _audit(conn, CREATE, note, username, now))


def _own(conn: Connection, note_id: int, call_id: str | None, username: str, role: Role) -> Note | Refused:
    note = store.get(conn, note_id)
    if note is None or (call_id is not None and note.call_id != call_id):
        return Refused(404, "notes.error_missing", "note not found")
    if not may_change(role, username, note):
        return Refused(403, "notes.error_not_yours", "only its author or an admin may change a note")
    return note


def edit_note(
    conn: Connection,
    note_id: int,
    entered: Draft,
    *,
    username: str,
    role: Role,
    now: datetime,
    call_id: str | None = None,
) -> Saved | Refused:
    """Replace a note's text and outcome (its author, or an admin); `call_id`: the call it must be on."""
    found = _own(conn, note_id, call_id, username, role)
    if isinstance(found, Refused):
        return found
    if refused := _outcome_refusal(conn, entered.outcome, keep=found.outcome):
        return refused
    store.change(conn, note_id, text=entered.text, outcome=entered.outcome, now=now)
    note = Note(note_id, found.call_id, found.author, entered.text, entered.outcome, found.created_at, now)
    return Saved(note, _audit(conn, UPDATE, note, username, now))


def delete_note(
    conn: Connection, note_id: int, *, username: str, role: Role, now: datetime, call_id: str | None = None
) -> Saved | Refused:
    """Delete a note (its author, or an admin)."""
    found = _own(conn, note_id, call_id, username, role)
    if isinstance(found, Refused):
        return found
    store.remove(conn, note_id)
    return Saved(found, _audit(conn, DELETE, found, username, now))
