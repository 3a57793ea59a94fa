"""Contacts and their numbers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, delete, func, insert, or_, select, update

from tvox_journey.domain.contact import Contact, ContactNumber
from tvox_journey.store.event_log import storable
from tvox_journey.store.schema import contact_numbers, contacts, interactions, notes


def _numbers_of(conn: Connection, ids: Sequence[int]) -> dict[int, list[ContactNumber]]:
    result: dict[int, list[ContactNumber]] = {i: [] for i in ids}
    if not ids:
        return result
    rows = conn.execute(
        select(contact_numbers)
        .where(contact_numbers.c.contact_id.in_(ids))
        .order_by(contact_numbers.c.contact_id, contact_numbers.c.position, contact_numbers.c.id)
    )
    for row in rows:
        result[row.contact_id].append(ContactNumber(row.raw, row.number_key))
    return result


def _contacts(conn: Connection, rows: Sequence[object]) -> list[Contact]:
    mapped = [r._mapping for r in rows]  # type: ignore[attr-defined]
    numbers = _numbers_of(conn, [m["id"] for m in mapped])
    return [Contact(m["id"], m["name"], m["surname"], m["company"], tuple(numbers[m["id"]])) for m in mapped]


def _set_numbers(conn: Connection, contact_id: int, numbers: Sequence[ContactNumber]) -> None:
    conn.execute(delete(contact_numbers).where(contact_numbers.c.contact_id == contact_id))
    seen: set[str] = set()
    rows = []
    for position, number in enumerate(numbers):
        if number.key not in seen:
            seen.add(number.key)
            rows.append(
                {"contact_id": contact_id, "raw": number.raw, "number_key": number.key, "position": position}
            )
    if rows:
        conn.execute(insert(contact_numbers), rows)


def create(
    conn: Connection,
    *,
    name: str,
    surname: str,
    company: str | None,
    numbers: Sequence[ContactNumber],
    now: datetime,
) -> int:
    """Insert a contact with its numbers; returns its id."""
    contact_id = conn.execute(
        insert(contacts)
        .values(
            name=storable(name),
            surname=storable(surname),
            company=storable(company),
            created_at=now,
            updated_at=now,
        )
        .returning(contacts.c.id)
    ).scalar_one()
    _set_numbers(conn, int(contact_id), numbers)
    return int(contact_id)


def create_many(
    conn: Connection,
    new: Sequence[tuple[str, str, str | None, Sequence[ContactNumber]]],
    *,
    now: datetime,
) -> list[int]:
    """Insert contacts (name, surname, company, numbers) in two statements; their ids, in order."""
    if not new:
        return []
    rows = [
        {"name": storable(name), "surname": storable(surname), "company": storable(company),
         "created_at": now, "updated_at": now}
        for name, surname, company, _numbers in new
    ]  # fmt: skip
    statement = insert(contacts).returning(contacts.c.id, sort_by_parameter_order=True)
    ids = [int(i) for i in conn.execute(statement, rows).scalars()]
    number_rows = []
    for contact_id, (*_fields, numbers) in zip(ids, new, strict=True):
        seen: set[str] = set()
        for position, number in enumerate(numbers):
            if number.key not in seen:
                seen.add(number.key)
                number_rows.append(
                    {
                        "contact_id": contact_id,
                        "raw": number.raw,
                        "number_key": number.key,
                        "position": position,
                    }
                )
    if number_rows:
        conn.execute(insert(contact_numbers), number_rows)
    return ids


def update_contact(
    conn: Connection,
    contact_id: int,
    *,
    name: str,
    surname: str,
    company: str | None,
    numbers: Sequence[ContactNumber],
    now: datetime,
) -> bool:
    """Replace a contact's fields and numbers; False when it does not exist."""
    result = conn.execute(
        update(contacts)
        .where(contacts.c.id == contact_id)
        .values(name=storable(name), surname=storable(surname), company=storable(company), updated_at=now)
    )
    if result.rowcount == 0:
        return False
    _set_numbers(conn, contact_id, numbers)
    return True


def remove(conn: Connection, contact_id: int) -> bool:
    conn.execute(delete(contact_numbers).where(contact_numbers.c.contact_id == contact_id))
    return conn.execute(delete(contacts).where(contacts.c.id == contact_id)).rowcount > 0


def get(conn: Connection, contact_id: int) -> Contact | None:
    rows = conn.execute(select(contacts).where(contacts.c.id == contact_id)).all()
    found = _contacts(conn, rows)
    return found[0] if found else None


def get_many(conn: Connection, ids: Sequence[int]) -> dict[int, Contact]:
    """The contacts with these ids (those that exist), by id."""
    found: dict[int, Contact] = {}
    for start in range(0, len(ids), 500):
        rows = conn.execute(select(contacts).where(contacts.c.id.in_(ids[start : start + 500]))).all()
        found |= {c.id: c for c in _contacts(conn, rows)}
    return found


def owners(conn: Connection, number_keys: Sequence[str]) -> dict[str, set[int]]:
    """For each of these number keys that some contact has: the ids of the contacts that have it."""
    found: dict[str, set[int]] = {}
    for start in range(0, len(number_keys), 500):
        chunk = number_keys[start : start + 500]
        query = select(contact_numbers.c.number_key, contact_numbers.c.contact_id).where(
            contact_numbers.c.number_key.in_(chunk)
        )
        for key, contact_id in conn.execute(query):
            found.setdefault(key, set()).add(int(contact_id))
    return found


def with_number(conn: Connection, number_key: str) -> list[Contact]:
    """Every contact that has this number (more than one means ambiguous)."""
    owners = select(contact_numbers.c.contact_id).where(contact_numbers.c.number_key == number_key)
    rows = conn.execute(select(contacts).where(contacts.c.id.in_(owners)).order_by(contacts.c.id)).all()
    return _contacts(conn, rows)


def search(
    conn: Connection,
    *,
    text: str | None = None,
    number_key: str | None = None,
    note_text: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[Contact]:
    """Contacts by name, surname or company (substring), by a number key, or (`note_text`) by a note on a
    call of one of their numbers that is still on the journey, ordered by surname."""
    query = select(contacts).order_by(contacts.c.surname, contacts.c.name, contacts.c.id)
    conditions = []
    if text:
        escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        full_name = func.lower(contacts.c.name + " " + contacts.c.surname)
        reversed_name = func.lower(contacts.c.surname + " " + contacts.c.name)
        conditions += [
            full_name.like(pattern, escape="\\"),
            reversed_name.like(pattern, escape="\\"),
            func.lower(func.coalesce(contacts.c.company, "")).like(pattern, escape="\\"),
        ]
    if number_key:
        owners = select(contact_numbers.c.contact_id).where(
            contact_numbers.c.number_key.like(f"%{number_key.lstrip('+')}%")
        )
        conditions.append(contacts.c.id.in_(owners))
    if note_text:
        conditions.append(contacts.c.id.in_(_with_note(note_text)))
    if conditions:
        query = query.where(or_(*conditions))
    rows = conn.execute(query.limit(limit).offset(offset)).all()
    return _contacts(conn, rows)


def _with_note(text: str) -> Select[Any]:
    """Ids of contacts with a number whose calls carry a note containing `text` (case-folded).

    A substring cannot use a B-tree index: the notes' folded text is read once (notes are typed by
    people, far fewer than calls), and each match reaches its contacts through the interactions'
    primary key and the contact numbers' number index.
    """
    escaped = text.casefold().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return (
        select(contact_numbers.c.contact_id)
        .join(interactions, interactions.c.number_key == contact_numbers.c.number_key)
        .join(notes, notes.c.call_id == interactions.c.call_id)
        .where(notes.c.search_text.like(f"%{escaped}%", escape="\\"), interactions.c.cleared.is_(False))
    )


def count(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(contacts)).scalar_one())


def all_contacts(conn: Connection) -> list[Contact]:
    rows = conn.execute(select(contacts).order_by(contacts.c.id)).all()
    return _contacts(conn, rows)
