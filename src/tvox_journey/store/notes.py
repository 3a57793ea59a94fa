"""Notes on calls and the outcomes they may carry: the rows of `notes` and `note_outcomes`.

Functions take a connection and never commit; the rules (who may write, limits, the audit trail) are
in services/notes.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from tvox_journey.store.schema import interactions, note_outcomes, notes

CHUNK = 500  # call ids per IN (...) list


@dataclass(frozen=True)
class Note:
    """One note as stored."""

    id: int
    call_id: str
    author: str
    text: str
    outcome: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class NoteOutcome:
    """One outcome of the admins' list; `active` ones are offered for new notes."""

    code: str
    label_it: str
    label_en: str
    position: int
    active: bool

    def label(self, language: str) -> str:
        return self.label_en if language == "en" else self.label_it


def _utc(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at  # SQLite hands back naive UTC


def _note(row: Any) -> Note:
    return Note(
        int(row.id),
        row.call_id,
        row.author,
        row.text,
        row.outcome,
        _utc(row.created_at),
        _utc(row.updated_at),
    )


def add(conn: Connection, *, call_id: str, author: str, text: str, outcome: str | None, now: datetime) -> int:
    """Store a note; returns its id."""
    values = {
        "call_id": call_id,
        "author": author,
        "text": text,
        "search_text": text.casefold(),
        "outcome": outcome,
        "created_at": now,
        "updated_at": now,
    }
    return int(conn.execute(insert(notes).values(values).returning(notes.c.id)).scalar_one())


def get(conn: Connection, note_id: int) -> Note | None:
    row = conn.execute(select(notes).where(notes.c.id == note_id)).first()
    return _note(row) if row else None


def change(conn: Connection, note_id: int, *, text: str, outcome: str | None, now: datetime) -> bool:
    """Replace a note's text and outcome; False when there is no such note."""
    values = {"text": text, "search_text": text.casefold(), "outcome": outcome, "updated_at": now}
    return conn.execute(update(notes).where(notes.c.id == note_id).values(values)).rowcount > 0


def remove(conn: Connection, note_id: int) -> bool:
    return conn.execute(delete(notes).where(notes.c.id == note_id)).rowcount > 0


def count_for_call(conn: Connection, call_id: str) -> int:
    query = select(func.count()).select_from(notes).where(notes.c.call_id == call_id)
    return int(conn.execute(query).scalar_one())


def for_calls(conn: Connection, call_ids: Sequence[str]) -> dict[str, list[Note]]:
    """The notes of these calls, oldest first, by call id (calls without any are left out)."""
    found: dict[str, list[Note]] = {}
    ids = list(dict.fromkeys(call_ids))
    for start in range(0, len(ids), CHUNK):
        query = select(notes).where(notes.c.call_id.in_(ids[start : start + CHUNK])).order_by(notes.c.id)
        for row in conn.execute(query):
            found.setdefault(row.call_id, []).append(_note(row))
    return found


def call_exists(conn: Connection, call_id: str) -> bool:
    """Whether the call has an interaction (a note belongs to one)."""
    query = select(interactions.c.call_id).where(interactions.c.call_id == call_id)
    return conn.execute(query).first() is not None


def all_outcomes(conn: Connection) -> list[NoteOutcome]:
    """The whole list, in the admins' order (inactive ones too)."""
    query = select(note_outcomes).order_by(note_outcomes.c.position, note_outcomes.c.code)
    return [
        NoteOutcome(r.code, r.label_it, r.label_en, int(r.position), bool(r.active))
        for r in conn.execute(query)
    ]


def add_outcome(conn: Connection, *, code: str, label_it: str, label_en: str) -> bool:
    """Add an outcome at the end of the list, active; False when the code is taken."""
    if conn.execute(select(note_outcomes.c.code).where(note_outcomes.c.code == code)).first():
        return False
    last = conn.execute(select(func.coalesce(func.max(note_outcomes.c.position), 0))).scalar_one()
    values = {
        "code": code,
        "label_it": label_it,
        "label_en": label_en,
        "position": int(last) + 1,
        "active": True,
    }
    conn.execute(insert(note_outcomes).values(values))
    return True


def set_outcome(conn: Connection, code: str, *, label_it: str, label_en: str, active: bool) -> bool:
    """Rename or (de)activate an outcome; False when there is no such code."""
    values = {"label_it": label_it, "label_en": label_en, "active": active}
    return conn.execute(update(note_outcomes).where(note_outcomes.c.code == code).values(values)).rowcount > 0


def set_order(conn: Connection, codes: Sequence[str]) -> None:
    """Number the outcomes in this order (the whole list: services/note_outcomes.py passes every code)."""
    for position, code in enumerate(codes, start=1):
        conn.execute(update(note_outcomes).where(note_outcomes.c.code == code).values(position=position))


def texts_after(conn: Connection, after: int, limit: int) -> list[tuple[int, str]]:
    """(id, text) of the next `limit` notes by id after `after`: what an erasure looks through."""
    query = select(notes.c.id, notes.c.text).where(notes.c.id > after).order_by(notes.c.id).limit(limit)
    return [(int(r.id), r.text) for r in conn.execute(query)]


def texts_of(conn: Connection, ids: Sequence[int]) -> list[tuple[int, str]]:
    query = select(notes.c.id, notes.c.text).where(notes.c.id.in_(list(ids)))
    return [(int(r.id), r.text) for r in conn.execute(query)]


def set_texts(conn: Connection, ids: Sequence[int], text: str) -> int:
    """Replace these notes' text (an erasure's redaction; their times stay); how many there were."""
    if not ids:
        return 0
    values = {"text": text, "search_text": text.casefold()}
    return int(conn.execute(update(notes).where(notes.c.id.in_(list(ids))).values(values)).rowcount)
