"""Use cases, one transaction each: the caller passes a Connection inside a transaction.

May import `domain`, `store`, `transfer` and `ingest` (no web, no live).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, text

from tvox_journey.domain.contact import Contact, ContactNumber
from tvox_journey.domain.fold import fold
from tvox_journey.domain.numbers import is_internal, normalize_number, number_problem
from tvox_journey.store import contacts as contact_store
from tvox_journey.store import event_log, interactions, refused
from tvox_journey.store.engine import Database
from tvox_journey.store.event_log import LogEntry, Outcome
from tvox_journey.transfer.legacy import LegacyContact, LegacyDocument, export_document


@dataclass(frozen=True)
class NumberPolicy:
    """How numbers are normalized: the home region and the length of internal extensions."""

    region: str = "IT"
    internal_max_digits: int = 6

    def key(self, raw: str | None) -> str | None:
        number = _normalized(raw, self.region)
        return number.key if number else None

    def is_internal(self, raw: str | None) -> bool:
        return _internal(raw, self.region, self.internal_max_digits)


# libphonenumber takes about 0.2 ms a number; a contact center hears the same numbers all day.
_normalized = lru_cache(maxsize=65536)(normalize_number)
_internal = lru_cache(maxsize=65536)(is_internal)


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


# One statement for all keys, taken in ascending order so two writers cannot deadlock.
_LOCK = text(
    "SELECT pg_advisory_xact_lock(k) FROM (SELECT unnest(CAST(:keys AS bigint[])) AS k ORDER BY k) AS keys"
)


def lock_calls(conn: Connection, call_ids: Sequence[str]) -> None:
    """Serialize folds of the same calls across processes (PostgreSQL; SQLite locks the file)."""
    if conn.dialect.name != "postgresql":
        return
    keys = sorted({lock_key(c) for c in call_ids})
    if keys:
        conn.execute(_LOCK, {"keys": keys})


def refold_many(
    conn: Connection, last_seqs: Mapping[str, int], policy: NumberPolicy
) -> dict[str, str | None]:
    """Fold every stored event of these calls (id -> the last log row to record) into their rows.

    Returns each call's number key.
    """
    events = event_log.events_for_calls(conn, list(last_seqs))
    keys: dict[str, str | None] = {}
    rows: list[interactions.StoredInteraction] = []
    for call_id, last_seq in last_seqs.items():
        interaction = fold(events.get(call_id, ()))
        if interaction is None:
            keys[call_id] = None
            continue
        keys[call_id] = key = policy.key(interaction.number)
        internal = policy.is_internal(interaction.number)
        rows.append(interactions.StoredInteraction(interaction, key, internal, last_seq, cleared=False))
    interactions.upsert_many(conn, rows)
    return keys


def _folded_call(entry: LogEntry) -> str | None:
    """The call an entry's event is folded into; None for entries only logged."""
    if entry.event is None or entry.outcome not in (Outcome.ACCEPTED, Outcome.UNRECOGNIZED):
        return None
    return entry.event.call_id


def record_many(conn: Connection, entries: Sequence[LogEntry], policy: NumberPolicy) -> list[Recorded]:
    """Log requests as `record` does each, with a few statements for all of them (group commit).

    Each call touched is folded once, after all its new events are in the log.
    """
    entries = [replace(e, number_key=policy.key(e.event.number)) if e.event else e for e in entries]
    folded = [(i, call_id) for i, entry in enumerate(entries) if (call_id := _folded_call(entry)) is not None]
    lock_calls(conn, [call_id for _, call_id in folded])
    seqs = event_log.append_new(conn, [entries[i] for i, _ in folded])
    last_seqs: dict[str, int] = {}
    for (_, call_id), seq in zip(folded, seqs, strict=True):
        if seq is not None:
            last_seqs[call_id] = max(seq, last_seqs.get(call_id, seq))
    number_keys = refold_many(conn, last_seqs, policy)
    results: dict[int, Recorded] = {}
    for (i, call_id), seq in zip(folded, seqs, strict=True):
        if seq is not None:
            results[i] = Recorded(seq, entries[i].outcome, call_id, number_keys[call_id])
        else:
            duplicate = replace(entries[i], outcome=Outcome.DUPLICATE, reason="duplicate delivery")
            results[i] = Recorded(event_log.append(conn, duplicate), Outcome.DUPLICATE, call_id)
    for i, entry in enumerate(entries):
        if i not in results:
            results[i] = Recorded(refused.append_or_count(conn, entry), entry.outcome)
    return [results[i] for i in range(len(entries))]


def record(conn: Connection, entry: LogEntry, policy: NumberPolicy) -> Recorded:
    """Log a request; an accepted, new event is folded into its call's interaction."""
    return record_many(conn, [entry], policy)[0]


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
        ValueError: an entry has no digits, or is too long.
    """
    result = []
    for raw in raw_numbers:
        if not raw.strip():
            continue
        problem = number_problem(raw)
        if problem is not None:
            raise ValueError(f"{raw[:20]!r}...: {problem}")
        key = policy.key(raw)
        if key is None:
            raise ValueError(f"{raw!r} is not a phone number")
        result.append(ContactNumber(raw.strip(), key))
    return result


@dataclass(frozen=True)
class ContactFields:
    """What a person enters for a contact."""

    name: str
    surname: str
    company: str | None
    numbers: Sequence[ContactNumber]


def save_contact(
    conn: Connection, contact_id: int | None, fields: ContactFields, *, actor: str | None, now: datetime
) -> tuple[int, int] | None:
    """Create (no id) or replace a contact, recorded in the audit trail.

    Returns (contact id, log sequence number), or None when the contact to replace does not exist.
    """
    values: dict[str, Any] = {
        "name": fields.name,
        "surname": fields.surname,
        "company": fields.company,
        "numbers": fields.numbers,
    }
    if contact_id is None:
        contact_id = contact_store.create(conn, **values, now=now)
        action = "contact/create"
    elif contact_store.update_contact(conn, contact_id, **values, now=now):
        action = "contact/update"
    else:
        return None
    details = [("contact_id", str(contact_id))]
    return contact_id, record_action(conn, actor=actor, action=action, details=details, now=now)


def delete_contact(conn: Connection, contact_id: int, *, actor: str | None, now: datetime) -> int | None:
    """Delete a contact (its interactions stay, as an unknown number's); the log sequence number, or None."""
    if not contact_store.remove(conn, contact_id):
        return None
    return record_action(
        conn, actor=actor, action="contact/delete", details=[("contact_id", str(contact_id))], now=now
    )


@dataclass(frozen=True)
class JourneyCleared:
    shown: int  # interactions the journey showed, now hidden
    seq: int  # the action's row in the event log


@dataclass(frozen=True)
class SharedNumber:
    """A number of a contact that other contacts have too: clearing it hides its calls from them too."""

    number: str  # as the contact has it
    others: tuple[Contact, ...]
    interactions: int  # visible interactions of the number, hidden from every owner's journey


def shared_numbers(conn: Connection, contact: Contact, *, now: datetime) -> list[SharedNumber]:
    """The contact's numbers other contacts share (interactions belong to numbers, not to contacts)."""
    shared = []
    for number in contact.numbers:
        others = tuple(c for c in contact_store.with_number(conn, number.key) if c.id != contact.id)
        if others:
            count = interactions.journey_stats(conn, [number.key], since=now).total
            shared.append(SharedNumber(number.raw, others, count))
    return shared


def clear_journey(conn: Connection, contact: Contact, *, actor: str | None, now: datetime) -> JourneyCleared:
    """Hide a contact's interactions from its journey; the raw events stay in the log."""
    shown = interactions.journey_stats(conn, contact.number_keys, since=now).total
    hidden = interactions.clear(conn, contact.number_keys)
    details = [("contact_id", str(contact.id)), ("cleared", str(hidden))]
    return JourneyCleared(
        shown, record_action(conn, actor=actor, action="journey/clear", details=details, now=now)
    )


REBUILD_CALLS_PER_TRANSACTION = 200


def rebuild_calls(conn: Connection, call_ids: Sequence[str], policy: NumberPolicy) -> None:
    """Refold these calls from the event log, under their locks (as ingestion takes them)."""
    lock_calls(conn, call_ids)
    last = event_log.max_seq(conn)
    refold_many(conn, dict.fromkeys(call_ids, last), policy)


def rebuild(
    db: Database,
    policy: NumberPolicy,
    *,
    calls_per_transaction: int = REBUILD_CALLS_PER_TRANSACTION,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Refold every call from the event log; returns how many.

    A few calls per transaction, each under the calls' locks, so that a running server goes on
    recording beside it (its writes wait at most one short transaction) and a call folded by the
    server meanwhile is never overwritten with an older fold. `progress` hears the calls done so far.
    """
    with db.read.connect() as conn:
        call_ids = event_log.all_call_ids(conn)
    for start in range(0, len(call_ids), calls_per_transaction):
        chunk = call_ids[start : start + calls_per_transaction]
        with db.write.begin() as conn:
            rebuild_calls(conn, chunk, policy)
        if progress is not None:
            progress(start + len(chunk))
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
