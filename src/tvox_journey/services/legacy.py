"""The tutorial's db.json: the contacts it brings in, and the document made of ours."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection

from tvox_journey.domain.numbers import NumberPolicy
from tvox_journey.services.contacts import contact_numbers
from tvox_journey.store import contacts as contact_store
from tvox_journey.store import interactions
from tvox_journey.transfer.legacy import LegacyContact, LegacyDocument, export_document


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
