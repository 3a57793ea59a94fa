"""Notes as the journey rows show them: author, times, outcome label in the page's language, text, and
whether the reader may change each (the template escapes every value: a note is text)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from tvox_journey.services import notes as note_services
from tvox_journey.services.note_outcomes import offered
from tvox_journey.store import notes as note_store
from tvox_journey.store.notes import Note, NoteOutcome
from tvox_journey.web.pages.render import Formatter
from tvox_journey.web.security.identity import User


@dataclass(frozen=True)
class NoteView:
    """One note, every value written for people."""

    id: int
    author: str
    time: str
    edited: str | None  # when it was last changed, if ever
    outcome: str | None  # the code
    outcome_label: str | None
    outcome_active: bool
    text: str
    can_change: bool


def label_of(outcomes: dict[str, NoteOutcome], code: str | None, lang: str) -> str | None:
    """An outcome's label in `lang`; an unknown code (none can be: a foreign key) shows as it is."""
    if code is None:
        return None
    found = outcomes.get(code)
    return found.label(lang) if found else code


def note_view(
    note: Note, outcomes: dict[str, NoteOutcome], user: User | None, fmt: Formatter, lang: str
) -> NoteView:
    found = outcomes.get(note.outcome) if note.outcome else None
    return NoteView(
        id=note.id,
        author=note.author,
        time=fmt.time(note.created_at),
        edited=fmt.time(note.updated_at) if note.updated_at != note.created_at else None,
        outcome=note.outcome,
        outcome_label=label_of(outcomes, note.outcome, lang),
        outcome_active=found.active if found else True,
        text=note.text,
        can_change=user is not None and note_services.may_change(user.role, user.username, note),
    )


@dataclass(frozen=True)
class NotesOf:
    """The notes of some calls, and what the forms need."""

    by_call: dict[str, tuple[NoteView, ...]]
    context: dict[str, Any]  # for the template: notes_enabled, notes_writer, note_outcomes, ...


def notes_of(
    conn: Connection,
    call_ids: Sequence[str],
    *,
    user: User | None,
    fmt: Formatter,
    lang: str,
    back: str,
) -> NotesOf:
    """The notes of these calls as views, and the forms' context; `back`: where a form returns."""
    outcomes = note_store.all_outcomes(conn)
    by_code = {o.code: o for o in outcomes}
    found = note_store.for_calls(conn, call_ids) if call_ids else {}
    views = {
        call_id: tuple(note_view(n, by_code, user, fmt, lang) for n in notes)
        for call_id, notes in found.items()
    }
    context = {
        "notes_enabled": True,
        "notes_writer": user is not None and note_services.may_write(user.role),
        "note_outcomes": [(o.code, o.label(lang)) for o in offered(outcomes)],
        "note_back": back,
        "note_text_max": note_services.TEXT_MAX,
        "notes_per_call": note_services.NOTES_PER_CALL,
    }
    return NotesOf(views, context)
