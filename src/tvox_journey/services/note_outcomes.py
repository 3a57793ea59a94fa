"""The outcomes a note may carry, a list the admins keep: add, rename (Italian and English), reorder,
deactivate. Outcomes are never deleted: a deactivated one is no longer offered, and old notes keep
showing it. Every change is in the audit trail.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal

from sqlalchemy import Connection

from tvox_journey.services.recording import record_action
from tvox_journey.store import notes as store
from tvox_journey.store.notes import NoteOutcome

LABEL_MAX = 80
OUTCOMES_MAX = 50  # a list to choose from, not a database
_CODE = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")


class InvalidOutcome(ValueError):
    """An outcome change that cannot be made: a catalog key for pages, and an English message."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


def _label(raw: str, language: str) -> str:
    label = raw.strip()
    if not label or len(label) > LABEL_MAX or any(ord(c) < 32 or ord(c) == 127 for c in label):
        raise InvalidOutcome(
            "outcomes.error_label", f"label_{language}: 1 to {LABEL_MAX} printable characters"
        )
    return label


def _code(raw: str) -> str:
    code = raw.strip().lower()
    if not _CODE.fullmatch(code):
        raise InvalidOutcome(
            "outcomes.error_code", "code: 1-32 of a-z, 0-9, _ and -, starting with a letter or digit"
        )
    return code


def add(conn: Connection, *, code: str, label_it: str, label_en: str, actor: str, now: datetime) -> str:
    """Add an outcome at the end of the list; returns its code.

    Raises:
        InvalidOutcome: a malformed code or label, a code taken, or a full list.
    """
    checked, it, en = _code(code), _label(label_it, "it"), _label(label_en, "en")
    if len(store.all_outcomes(conn)) >= OUTCOMES_MAX:
        raise InvalidOutcome("outcomes.error_full", f"at most {OUTCOMES_MAX} outcomes")
    if not store.add_outcome(conn, code=checked, label_it=it, label_en=en):
        raise InvalidOutcome("outcomes.error_taken", "code: taken")
    record_action(conn, actor=actor, action="note_outcome/create", details=[("code", checked)], now=now)
    return checked


def change(
    conn: Connection, code: str, *, label_it: str, label_en: str, active: bool, actor: str, now: datetime
) -> None:
    """Rename an outcome, or (de)activate it.

    Raises:
        InvalidOutcome: a malformed label, or no such code.
    """
    it, en = _label(label_it, "it"), _label(label_en, "en")
    if not store.set_outcome(conn, code, label_it=it, label_en=en, active=active):
        raise InvalidOutcome("outcomes.error_missing", "no such outcome")
    details = [("code", code), ("active", "yes" if active else "no")]
    record_action(conn, actor=actor, action="note_outcome/update", details=details, now=now)


def move(conn: Connection, code: str, direction: Literal["up", "down"], *, actor: str, now: datetime) -> bool:
    """Move an outcome one place up or down the list; False when it cannot move (first, last, unknown)."""
    codes = [o.code for o in store.all_outcomes(conn)]
    if code not in codes:
        return False
    at = codes.index(code)
    to = at - 1 if direction == "up" else at + 1
    if not 0 <= to < len(codes):
        return False
    codes[at], codes[to] = codes[to], codes[at]
    store.set_order(conn, codes)
    details = [("code", code), ("direction", direction)]
    record_action(conn, actor=actor, action="note_outcome/order", details=details, now=now)
    return True


def offered(outcomes: list[NoteOutcome]) -> list[NoteOutcome]:
    """The outcomes a new note may take: the active ones, in the list's order."""
    return [o for o in outcomes if o.active]
