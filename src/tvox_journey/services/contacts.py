"""Contacts: their numbers, saving and deleting them, and clearing a contact's journey.

Every change is recorded in the audit trail (`recording.record_action`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from tvox_journey.domain.contact import Contact, ContactNumber
from tvox_journey.domain.numbers import NumberPolicy, number_problem
from tvox_journey.services.recording import record_action
from tvox_journey.store import contacts as contact_store
from tvox_journey.store import interactions


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


def find_contact_for_number(conn: Connection, raw: str, policy: NumberPolicy) -> list[Contact]:
    key = policy.key(raw)
    return contact_store.with_number(conn, key) if key else []


NOTE_SEARCH_MIN = 3  # characters: shorter text is in nearly every note, and reading them all finds nothing


def search_contacts(
    conn: Connection, q: str | None, policy: NumberPolicy, *, limit: int, offset: int = 0
) -> list[Contact]:
    """Contacts by name, surname or company, by the text of a note on one of their calls (`q` of at least
    NOTE_SEARCH_MIN characters), or by a number in any format (`q` with a digit): the one search behind
    the contacts page and the API."""
    number_key = policy.key(q) if q and any(c.isdigit() for c in q) else None
    text = None if number_key else q
    note_text = text.strip() if text and len(text.strip()) >= NOTE_SEARCH_MIN else None
    return contact_store.search(
        conn, text=text, number_key=number_key, note_text=note_text, limit=limit, offset=offset
    )
