"""Use cases, one transaction each: the caller passes a Connection inside a transaction.

May import `domain`, `store`, `transfer` and `ingest` (no web, no live).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, text

from tvox_journey.domain.contact import Contact, ContactNumber
from tvox_journey.domain.fold import fold
from tvox_journey.domain.numbers import is_internal, normalize_number
from tvox_journey.store import contacts as contact_store
from tvox_journey.store import event_log, interactions
from tvox_journey.store.event_log import Appended, LogEntry, Outcome
from tvox_journey.transfer.legacy import LegacyContact, LegacyDocument, export_document


@dataclass(frozen=True)
class NumberPolicy:
    """How numbers are normalized: the home region and the length of internal extensions."""

    region: str = "IT"
    internal_max_digits: int = 6

    def key(self, raw: str | None) -> str | None:
        number = normalize_number(raw, self.region)
        return number.key if number else None

    def is_internal(self, raw: str | None) -> bool:
        return is_internal(raw, self.region, self.internal_max_digits)


@dataclass(frozen=True)
class Recorded:
    """What recording one request did: its log row, outcome, and the call it touched."""

    seq: int
    outcome: str
    call_id: str | None = None
    number_key: str | None = None


def lock_key(call_id: str) -> int:
    """A stable signed 64-bit key for a call id's advisory lock."""
    return int.from_bytes(hashlib.blake2b(call_id.encode(), digest_size=8).digest(), "big", signed=True)


def lock_calls(conn: Connection, call_ids: Sequence[str]) -> None:
    """Serialize folds of the same calls across processes (PostgreSQL; SQLite locks the file)."""
    if conn.dialect.name != "postgresql":
        return
    for key in sorted({lock_key(c) for c in call_ids}):
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def refold(conn: Connection, call_id: str, last_seq: int, policy: NumberPolicy) -> str | None:
    """Fold every stored event of a call into its interaction row; returns its number key."""
    interaction = fold(event_log.events_for_call(conn, call_id))
    if interaction is None:
        return None
    number_key = policy.key(interaction.number)
    interactions.upsert(
        conn,
        interaction,
        number_key=number_key,
        is_internal=policy.is_internal(interaction.number),
        last_seq=last_seq,
    )
    return number_key


def record(conn: Connection, entry: LogEntry, policy: NumberPolicy) -> Recorded:
    """Log a request; an accepted, new event is folded into its call's interaction."""
    if entry.event is None or entry.outcome not in (Outcome.ACCEPTED, Outcome.UNRECOGNIZED):
        return Recorded(event_log.append(conn, entry), entry.outcome)
    call_id = entry.event.call_id
    lock_calls(conn, [call_id])
    appended = event_log.append_event(conn, entry)
    if not isinstance(appended, Appended):
        return Recorded(appended.seq, Outcome.DUPLICATE, call_id)
    number_key = refold(conn, call_id, appended.seq, policy)
    return Recorded(appended.seq, entry.outcome, call_id, number_key)


def record_action(
    conn: Connection, *, actor: str | None, action: str, details: Sequence[tuple[str, str]], now: datetime
) -> int:
    """Record something a user did (the audit trail lives in the event log)."""
    entry = LogEntry(
        received_at=now,
        method="ACTION",
        path=action,
        route=action,
        params=details,
        outcome=Outcome.ACTION,
        status_code=200,
        actor=actor,
    )
    return event_log.append(conn, entry)


def contact_numbers(raw_numbers: Sequence[str], policy: NumberPolicy) -> list[ContactNumber]:
    """Numbers as entered, with their keys; blank entries are dropped.

    Raises:
        ValueError: an entry has no digits.
    """
    result = []
    for raw in raw_numbers:
        if not raw.strip():
            continue
        key = policy.key(raw)
        if key is None:
            raise ValueError(f"{raw!r} is not a phone number")
        result.append(ContactNumber(raw.strip(), key))
    return result


def clear_journey(conn: Connection, contact: Contact, *, actor: str | None, now: datetime) -> int:
    """Hide a contact's interactions from its journey; the raw events stay in the log."""
    cleared = interactions.clear(conn, contact.number_keys)
    record_action(
        conn,
        actor=actor,
        action="journey/clear",
        details=[("contact_id", str(contact.id)), ("cleared", str(cleared))],
        now=now,
    )
    return cleared


def rebuild(conn: Connection, policy: NumberPolicy) -> int:
    """Refold every call from the event log; returns how many."""
    call_ids = event_log.all_call_ids(conn)
    last = event_log.max_seq(conn)
    for call_id in call_ids:
        refold(conn, call_id, last, policy)
    return len(call_ids)


def find_contact_for_number(conn: Connection, raw: str, policy: NumberPolicy) -> list[Contact]:
    key = policy.key(raw)
    return contact_store.with_number(conn, key) if key else []


def export_legacy(conn: Connection) -> LegacyDocument:
    """The tutorial's db.json for every contact with a number."""
    everyone = contact_store.all_contacts(conn)
    return export_document(
        (
            contact,
            ((s.number_key, s.interaction) for s in interactions.for_numbers(conn, contact.number_keys)),
        )
        for contact in everyone
        if contact.numbers
    )


def import_contacts(
    conn: Connection, people: Sequence[LegacyContact], policy: NumberPolicy, now: datetime
) -> int:
    """Create the contacts whose number no contact has yet; returns how many were created."""
    created = 0
    for person in people:
        numbers = contact_numbers([person.number], policy)
        if not numbers or contact_store.with_number(conn, numbers[0].key):
            continue
        contact_store.create(
            conn, name=person.name, surname=person.surname, company=None, numbers=numbers, now=now
        )
        created += 1
    return created
