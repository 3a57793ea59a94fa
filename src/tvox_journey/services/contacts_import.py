"""Contacts in bulk: what each line of an import becomes, and the import itself, a batch at a time.

A line whose numbers some contact already has updates that contact (its numbers
are kept and the line's added; a blank name, surname or company keeps the
stored one), so importing the same file twice changes nothing the second time
and an import cut short is finished by running it again. A line whose numbers
belong to several contacts is refused: which one to update is a person's choice.
Lines of one file that share a number are one contact.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal

from sqlalchemy import Connection

from tvox_journey.domain.contact import Contact, ContactNumber
from tvox_journey.domain.numbers import NumberPolicy
from tvox_journey.services import contacts as contact_services
from tvox_journey.services import recording
from tvox_journey.store import contacts as contact_store
from tvox_journey.transfer.contacts_csv import ContactLine, LineProblem, problem

Action = Literal["create", "update", "unchanged"]
BATCH = 500  # lines a transaction: webhooks wait behind one batch at most


@dataclass(frozen=True)
class Planned:
    """What one line (or lines sharing a number) becomes."""

    line: int
    action: Action
    contact_id: int | None  # the contact updated; None for a new one
    name: str
    surname: str
    company: str | None
    numbers: tuple[ContactNumber, ...]  # every number the contact will have


@dataclass
class ImportResult:
    planned: list[Planned] = field(default_factory=list)
    problems: list[LineProblem] = field(default_factory=list)

    def count(self, action: Action) -> int:
        return sum(1 for p in self.planned if p.action == action)

    def merge(self, other: ImportResult) -> None:
        self.planned += other.planned
        self.problems += other.problems


def _merged(numbers: Sequence[ContactNumber], more: Sequence[ContactNumber]) -> tuple[ContactNumber, ...]:
    """`numbers`, then those of `more` with a key not seen yet."""
    merged = {n.key: n for n in numbers}
    for n in more:
        merged.setdefault(n.key, n)
    return tuple(merged.values())


def _with_line(planned: Planned, line: ContactLine, numbers: Sequence[ContactNumber]) -> Planned:
    return replace(
        planned,
        name=line.name or planned.name,
        surname=line.surname or planned.surname,
        company=line.company or planned.company,
        numbers=_merged(planned.numbers, numbers),
    )


def _unchanged(planned: Planned, stored: Contact) -> bool:
    return (planned.name, planned.surname, planned.company, planned.numbers) == (
        stored.name, stored.surname, stored.company, stored.numbers,
    )  # fmt: skip


def plan(conn: Connection, lines: Sequence[ContactLine], policy: NumberPolicy) -> ImportResult:
    """What each line becomes against the contacts stored now; nothing is written."""
    result = ImportResult()
    normalized: list[tuple[ContactLine, list[ContactNumber]]] = []
    for line in lines:
        try:
            normalized.append((line, contact_services.contact_numbers(line.numbers, policy)))
        except ValueError as error:
            result.problems.append(problem(line.line, "bad_number", error=error))
    owners = contact_store.owners(conn, sorted({n.key for _, numbers in normalized for n in numbers}))
    stored = contact_store.get_many(conn, sorted({i for ids in owners.values() for i in ids}))
    by_key: dict[str, int] = {}  # number key -> index in planned, for lines sharing a number
    planned: list[Planned] = []
    for line, numbers in normalized:
        ids = set().union(*(owners.get(n.key, set()) for n in numbers))
        if len(ids) > 1:
            listed = ", ".join(str(i) for i in sorted(ids)[:5])
            result.problems.append(problem(line.line, "several_contacts", count=len(ids), ids=listed))
            continue
        earlier = next((by_key[n.key] for n in numbers if n.key in by_key), None)
        if earlier is not None:
            planned[earlier] = _with_line(planned[earlier], line, numbers)
            index = earlier
        elif ids:
            contact = stored[next(iter(ids))]
            base = Planned(line.line, "update", contact.id, contact.name, contact.surname, contact.company,
                           contact.numbers)  # fmt: skip
            planned.append(_with_line(base, line, numbers))
            index = len(planned) - 1
        else:
            new = Planned(line.line, "create", None, line.name, line.surname, line.company, ())
            planned.append(_with_line(new, line, numbers))
            index = len(planned) - 1
        for n in planned[index].numbers:
            by_key[n.key] = index
    for p in planned:
        if p.contact_id is not None and _unchanged(p, stored[p.contact_id]):
            result.planned.append(replace(p, action="unchanged"))
        else:
            result.planned.append(p)
    return result


def import_batch(
    conn: Connection, lines: Sequence[ContactLine], policy: NumberPolicy, *, now: datetime
) -> ImportResult:
    """Plan and write one batch of lines in the caller's transaction."""
    result = plan(conn, lines, policy)
    created = [i for i, p in enumerate(result.planned) if p.action == "create"]
    new = [(p.name, p.surname, p.company, p.numbers) for p in (result.planned[i] for i in created)]
    for index, contact_id in zip(created, contact_store.create_many(conn, new, now=now), strict=True):
        result.planned[index] = replace(result.planned[index], contact_id=contact_id)
    for p in result.planned:
        if p.action == "update" and p.contact_id is not None:
            contact_store.update_contact(
                conn,
                p.contact_id,
                name=p.name,
                surname=p.surname,
                company=p.company,
                numbers=p.numbers,
                now=now,
            )
    return result


def record_import(
    conn: Connection, result: ImportResult, *, source: str, actor: str | None, now: datetime
) -> int:
    """One audit row for a whole import (how many of each, never the data); its log sequence number."""
    details = [
        ("source", source[:200]),
        ("created", str(result.count("create"))),
        ("updated", str(result.count("update"))),
        ("unchanged", str(result.count("unchanged"))),
        ("refused", str(len(result.problems))),
    ]
    return recording.record_action(conn, actor=actor, action="contact/import", details=details, now=now)
